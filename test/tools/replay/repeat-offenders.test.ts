/** The replay with repeat offenders: a source flooding three times within the window is held 1x, 2x, 4x windowMinutes. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storySpec } from '../../support/builders';
import { parseReplayArgs } from '../../../tools/replay/args';
import { writeScenario } from '../../../tools/replay/demo';
import { replayFlowLogs } from '../../../tools/replay/replay';
import { renderReport } from '../../../tools/replay/report';
import type { ReplayResult } from '../../../tools/replay/result';
import { scratchDir } from '../../support/files';

const OFFENDER = '203.0.113.7';
const START = Date.UTC(2026, 3, 1, 0, 0, 0);
/** One-minute floods; each starts after the previous rule was lifted, all within one hour. */
const FLOOD_MINUTES = [8, 16, 28];
const WINDOW_MINUTES = 5;

const SPEC = storySpec({
  startEpoch: START / 1000,
  minutes: 30,
  seed: 5,
  steadySources: 30,
  waves: FLOOD_MINUTES.map((fromMinute) => ({ sources: [OFFENDER], fromMinute, minutes: 1, packets: 30_000, packetsStep: 0 })),
});

async function replay(extra: readonly string[]): Promise<ReplayResult> {
  const dir = await scratchDir('replay-repeat');
  const logs = join(dir, 'flows.log.gz');
  await writeScenario(SPEC, logs);
  const argv = ['--flow-logs', logs, '--port', '443', '--protocol', 'tcp', '--vpc-cidr', '10.0.0.0/16'];
  return replayFlowLogs(parseReplayArgs([...argv, '--window-minutes', String(WINDOW_MINUTES), '--no-progress', ...extra])!);
}

/** Minutes from the end of each flood's (last anomalous) minute to the run that lifted its rule. */
function heldMinutes(result: ReplayResult): number[] {
  const lifts = result.runs.filter(
    (run, i) => i > 0 && result.runs[i - 1]!.blocked.includes(`${OFFENDER}/32`) && !run.blocked.includes(`${OFFENDER}/32`),
  );
  return lifts.map((run, i) => (Date.parse(run.at) - (START + (FLOOD_MINUTES[i]! + 1) * 60_000)) / 60_000);
}

describe('replay: --repeat-offender-window-hours', () => {
  it('holds a source flooding three times within the window 1x, 2x, 4x windowMinutes after its last anomalous minute, and shows k and hold-until', async () => {
    // Act
    const result = await replay(['--repeat-offender-window-hours', '1', '--max-block-hours', '1']);

    // Assess
    expect(heldMinutes(result)).toEqual([WINDOW_MINUTES, 2 * WINDOW_MINUTES, 4 * WINDOW_MINUTES]);
    const lines = result.runs.flatMap((r) => r.repeatOffenders ?? []).filter((l) => l.network === `${OFFENDER}/32`);
    expect([...new Set(lines.map((l) => l.k))]).toEqual([0, 1, 2]);
    expect([...new Set(lines.flatMap((l) => l.holdUntil ?? []))]).toEqual(['2026-04-01T00:27:00.000Z', '2026-04-01T00:49:00.000Z']);
    expect(result.blockedEntries).toEqual([
      expect.objectContaining({ cidr: `${OFFENDER}/32`, k: 2, holdUntil: '2026-04-01T00:49:00.000Z' }),
    ]);
    expect(result.timeline.filter((e) => e.kind === 'expired').map((e) => [e.at, e.text])).toEqual([
      ['2026-04-01T00:14:00.000Z', `rule for ${OFFENDER}/32 lifted: no anomalous minute left in the window`],
      [
        '2026-04-01T00:27:00.000Z',
        `rule for ${OFFENDER}/32 lifted: its repeat-offender hold ended (k 1, held until 2026-04-01T00:27:00.000Z)`,
      ],
      [
        '2026-04-01T00:49:00.000Z',
        `rule for ${OFFENDER}/32 lifted: its repeat-offender hold ended (k 2, held until 2026-04-01T00:49:00.000Z)`,
      ],
    ]);
    expect(result.summary.settings).toMatchObject({ repeatOffenderWindowHours: 1, maxBlockHours: 1 });
    const html = await renderReport(result);
    expect(html).toContain('<th>k (earlier blocks)</th><th>held until</th>');
    expect(html).toContain('<td>2</td><td>2026-04-01T00:49:00.000Z</td>');
  });
});
