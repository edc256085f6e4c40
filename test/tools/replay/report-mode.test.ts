/**
 * `npm run replay -- --mode report`: the updater writes no rule, so no traffic is rejected and
 * every run's `blocked` is []; `wouldBlock` holds what block mode would hold given the data as
 * recorded, and the JSON, the timeline and the HTML report say so.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storySpec } from '../../support/builders';
import { writeScenario } from '../../../tools/replay/demo';
import { formatTimeline, replayFlowLogs } from '../../../tools/replay/replay';
import { renderReport } from '../../../tools/replay/report';
import { parseReplayArgs } from '../../../tools/replay/args';
import { scratchDir } from '../../support/files';

/** 60 steady sources, three flooders in minutes 12-13; quota 4 leaves room for 2 IPv4 deny rules. */
const SPEC = storySpec();

describe('replay in report mode', () => {
  it('blocks nothing, rejects no traffic, and lists per run what block mode would hold', async () => {
    // Prepare
    const dir = await scratchDir('replay-report-mode');
    const logs = join(dir, 'flows.log.gz');
    await writeScenario(SPEC, logs);
    const args = ['--flow-logs', logs, '--port', '443', '--protocol', 'tcp', '--vpc-cidr', '10.0.0.0/16', '--window-minutes', '10'];

    // Act
    const result = await replayFlowLogs(parseReplayArgs([...args, '--nacl-rule-limit', '4', '--mode', 'report', '--no-progress'])!);

    // Assess
    expect(result.runs.every((r) => r.blocked.length === 0)).toBe(true);
    expect(result.traffic.every((t) => t.deniedBySimulation === 0)).toBe(true);
    const first = result.runs.find((r) => r.anomalies.length > 0);
    expect(first).toMatchObject({
      at: '2026-04-01T00:13:00.000Z',
      blocked: [],
      wouldBlock: ['203.0.113.3/32', '203.0.113.2/32'],
      unblocked: ['203.0.113.1'],
    });
    // Unlike block mode, the two keep flooding minute 13 in the data: all three leave the window together,
    // so the weakest never gets room.
    const held = result.runs.filter((r) => (r.wouldBlock ?? []).length > 0);
    expect(new Set(held.map((r) => JSON.stringify(r.wouldBlock)))).toEqual(new Set([JSON.stringify(['203.0.113.3/32', '203.0.113.2/32'])]));
    expect(result.runs.findLast((r) => (r.wouldBlock ?? []).length > 0)?.at).toBe('2026-04-01T00:23:30.000Z');
    expect(result.summary).toMatchObject({ mode: 'report', blockedNetworks: 2, neverBlocked: ['203.0.113.1'], backOnOriginalAclAt: null });
    const timeline = formatTimeline(result);
    expect(timeline).toContain('Report mode: no deny rule was written and no traffic rejected');
    expect(timeline).toContain('would block 203.0.113.3/32: max Z-score');
    expect(timeline).toContain('would-be rule for 203.0.113.3/32 lifted: no anomalous minute left in the window');
    const html = await renderReport(result);
    expect(html).toContain('<p id="report-mode"><strong>Report mode:</strong>');
    expect(html).toContain('Sources block mode would have blocked');
    expect(html).toContain('would block (report mode, no rule written)');
  });

  it('would block, on the first anomalous run, exactly what block mode blocks then', async () => {
    // Prepare
    const dir = await scratchDir('replay-report-vs-block');
    const logs = join(dir, 'flows.log.gz');
    await writeScenario(SPEC, logs);
    const args = ['--flow-logs', logs, '--port', '443', '--protocol', 'tcp', '--vpc-cidr', '10.0.0.0/16', '--window-minutes', '10'];

    // Act
    const block = await replayFlowLogs(parseReplayArgs([...args, '--no-progress'])!);
    const report = await replayFlowLogs(parseReplayArgs([...args, '--mode', 'report', '--no-progress'])!);

    // Assess
    const firstBlocked = block.runs.findIndex((r) => r.blocked.length > 0);
    expect(block.runs[firstBlocked]?.blocked.length).toBe(3);
    expect(report.runs[firstBlocked]?.wouldBlock).toEqual(block.runs[firstBlocked]?.blocked);
    expect(report.runs.slice(0, firstBlocked).every((r) => (r.wouldBlock ?? []).length === 0)).toBe(true);
    expect(block.runs.every((r) => r.wouldBlock === undefined)).toBe(true);
  });
});
