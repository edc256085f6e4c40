import { describe, expect, it } from 'vitest';
import { parseBenchArgs, table } from '../../../tools/bench/bench';
import { storySpec } from '../../support/builders';
import { scenarioEc2Calls, capacityShare, clusteredAttack, scatteredAttack } from '../../../tools/bench/measures';

describe('bench command line', () => {
  it('reads --json, --records and --sources, with the defaults docs/benchmark.md documents', () => {
    expect(parseBenchArgs(['--json', 'out.json'])).toEqual({
      json: 'out.json',
      records: 10_000_000,
      sources: [10_000, 100_000, 1_000_000],
    });
    expect(parseBenchArgs(['--records', '5000', '--sources', '10,20'])).toEqual({ json: undefined, records: 5000, sources: [10, 20] });
  });

  it('refuses unknown or incomplete flags with the usage', () => {
    expect(() => parseBenchArgs(['--jsn', 'x'])).toThrow(/usage: npm run bench/);
    expect(() => parseBenchArgs(['--records'])).toThrow(/incomplete/);
    expect(() => parseBenchArgs(['--sources', '1,x'])).toThrow(/usage/);
    expect(() => parseBenchArgs(['--only', 'replay,speed'])).toThrow(/--only/);
  });

  it('measures only the sections --only names', () => {
    expect(parseBenchArgs(['--only', 'replay,lateRecords'])).toMatchObject({ only: ['replay', 'lateRecords'] });
  });

  it('prints ours beside the reference found at any level', () => {
    const text = table({ lateRecords: { countedShare: 1, reference: { countedShare: 0.5 } }, replay: { recordsPerSecond: 1234.5 } });
    expect(text.split('\n')).toEqual([
      'measure                  | ours     | reference',
      '------------------------ | -------- | ---------',
      'lateRecords.countedShare | 1        | 0.500    ',
      'replay.recordsPerSecond  | 1234.500 |          ',
    ]);
  });
});

describe('capacity measure', () => {
  it('clustered attack: aggregation blocks every anomalous packet with 18 rules; scattered: the 18 sources with the most packets', () => {
    // Prepare: what the 18 strongest of the scattered sources send, computed here
    const scattered = scatteredAttack();
    const total = scattered.reduce((sum, s) => sum + s.packets, 0);
    const strongest = [...scattered].sort((a, b) => b.packets - a.packets).slice(0, 18);

    // Act / Assess
    expect(capacityShare(clusteredAttack(), 'ours')).toEqual({ blockedShare: 1, rules: 18, allowListedCovered: 0 });
    expect(capacityShare(scattered, 'ours')).toEqual({
      blockedShare: strongest.reduce((sum, s) => sum + s.packets, 0) / total,
      rules: 18,
      allowListedCovered: 0,
    });
  });
});

describe('EC2 calls measure', () => {
  it('counts the mutating calls of each run: none in a run that leaves the denied networks as they were', async () => {
    // Prepare: four sources flood minutes 15 and 16 of a 40-minute story watched over a 10-minute window
    const flooders = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'];
    const story = storySpec({
      startEpoch: Date.UTC(2026, 2, 1, 8, 0, 0) / 1000,
      minutes: 40,
      seed: 5,
      steadyPackets: [200, 3000],
      steadyPresence: 0.9,
      waves: [{ sources: flooders, fromMinute: 15, minutes: 2, packets: 30_000, packetsStep: 1_500 }],
    });

    // Act
    const ec2 = await scenarioEc2Calls(story, { windowMinutes: 10, requeryMinutes: 5 });

    // Assess: two runs a minute (79); two change the denied networks (the block, the lift once the
    // flood is out of the window); every other run after the first leaves them as they were and calls nothing
    expect(ec2).toMatchObject({ hours: 79 / 120, changedRuns: 2, unchangedRuns: 76, callsInUnchangedRuns: 0 });
    // The block: the two mirrored allow-all entries, 4 deny entries, the active-ACL record, 2 swaps and
    // the watermark tag (10); the lift: the active-ACL record, 2 swaps back and the watermark tag (4)
    expect(ec2.oursPerHour * ec2.hours).toBeCloseTo(14, 9);
  });
});
