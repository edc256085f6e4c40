/** The replay with the operator's controls: a deny list from the first run, lifted at its expiry. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storySpec } from '../../support/builders';
import { parseReplayArgs } from '../../../tools/replay/args';
import { writeScenario } from '../../../tools/replay/demo';
import { replayFlowLogs } from '../../../tools/replay/replay';
import { renderReport } from '../../../tools/replay/report';
import { scratchDir } from '../../support/files';

const SPEC = storySpec();

async function files(denyList: string): Promise<string[]> {
  const dir = await scratchDir('replay-controls');
  const logs = join(dir, 'flows.log.gz');
  await writeScenario(SPEC, logs);
  await writeFile(join(dir, 'deny.txt'), denyList);
  return ['--flow-logs', logs, '--port', '443', '--protocol', 'tcp', '--vpc-cidr', '10.0.0.0/16', '--window-minutes', '10'].concat(
    '--deny-list',
    join(dir, 'deny.txt'),
    '--no-progress',
  );
}

describe('replay: --deny-list', () => {
  it('blocks the listed networks from the first run, lifts one at its expiry, and skips one over the VPC', async () => {
    // Prepare: the first run is at 00:01; 192.0.2.9 expires at 00:05
    const argv = await files('198.51.100.0/24 # hosting range\n192.0.2.9 until=2026-04-01T00:05:00Z\n10.0.0.0/8\nnot-an-address\n');

    // Act
    const result = await replayFlowLogs(parseReplayArgs(argv)!);

    // Assess
    expect(result.runs[0]).toMatchObject({
      at: '2026-04-01T00:01:00.000Z',
      blocked: ['192.0.2.9/32', '198.51.100.0/24'],
      denyListed: ['192.0.2.9/32', '198.51.100.0/24'],
    });
    const lifted = result.runs.findIndex((r) => !r.blocked.includes('192.0.2.9/32'));
    expect(result.runs[lifted]!.at).toBe('2026-04-01T00:05:00.000Z');
    expect(result.runs[lifted - 1]!.at).toBe('2026-04-01T00:04:30.000Z');
    // The flooders are blocked after the listed network, which stays in every run
    expect(result.runs.every((r) => r.blocked.includes('198.51.100.0/24') && r.denyListed.includes('198.51.100.0/24'))).toBe(true);
    expect(result.blockedEntries.map((e) => [e.cidr, e.denyListed ?? false])).toEqual([
      ['192.0.2.9/32', true],
      ['198.51.100.0/24', true],
      ['203.0.113.3/32', false],
      ['203.0.113.2/32', false],
      ['203.0.113.1/32', false],
    ]);
    expect(result.timeline.filter((e) => e.text.includes('deny list')).map((e) => [e.at, e.text])).toEqual([
      ['2026-04-01T00:01:00.000Z', 'blocked 192.0.2.9/32: on the deny list'],
      ['2026-04-01T00:01:00.000Z', 'blocked 198.51.100.0/24: on the deny list'],
      ['2026-04-01T00:05:00.000Z', 'rule for 192.0.2.9/32 lifted: no longer on the deny list (expired or removed)'],
    ]);
    expect(result.summary.settings.denyList).toBe(argv[argv.indexOf('--deny-list') + 1]);
    // Repeat offenders off (the default): no run or entry carries k or a hold, as before
    expect(result.runs.some((r) => 'repeatOffenders' in r) || result.blockedEntries.some((e) => 'k' in e)).toBe(false);
    expect(Object.keys(result.summary.settings)).not.toContain('repeatOffenderWindowHours');
    expect(await renderReport(result)).toContain('<td>198.51.100.0/24 (deny list)</td>');
  });
});

describe('replay: block notifications', () => {
  it('lists the one message each change of the blocked set sends, naming what was blocked and lifted', async () => {
    // Prepare
    const argv = await files('192.0.2.9 until=2026-04-01T00:05:00Z\n');

    // Act
    const result = await replayFlowLogs(parseReplayArgs(argv)!);

    // Assess: one notification per run whose blocked set differs from the run before
    const changes = result.runs.filter((r, i) => r.blocked.join() !== (result.runs[i - 1]?.blocked ?? []).join());
    const runOf = (at: string) => result.runs.findLast((r) => r.at <= at)?.at;
    expect(result.notifications.map((n) => runOf(n.at))).toEqual(changes.map((r) => r.at));
    expect(result.notifications.map((n) => n.subject)).toEqual([
      'NaclFloodGuard-simulated: blocked 1',
      'NaclFloodGuard-simulated: lifted 1',
      'NaclFloodGuard-simulated: blocked 3',
      'NaclFloodGuard-simulated: lifted 3',
    ]);
    expect(result.notifications[0]?.text).toContain('  - 192.0.2.9/32: deny list\n');
    expect(result.notifications[2]?.text).toContain(
      '  - 203.0.113.3/32: Z-score 14.6, 34,000 packets/min\n  - 203.0.113.2/32: Z-score 13.7, 32,000 packets/min\n  - 203.0.113.1/32: Z-score 12.8, 30,000 packets/min\n',
    );
    expect(result.notifications[3]?.text).toContain('Lifted (3):\n  - 203.0.113.3/32\n  - 203.0.113.2/32\n  - 203.0.113.1/32\n');
    expect(await renderReport(result)).toContain('<strong>NaclFloodGuard-simulated: blocked 3</strong>');
  });
});
