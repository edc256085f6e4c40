import { describe, expect, it } from 'vitest';
import { parseBenchArgs, table } from '../../../tools/bench/bench';
import { blogScenarioEc2, capacityShare, clusteredAttack, scatteredAttack } from '../../../tools/bench/measures';

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
  it('blog scenario: no mutating call in a run that leaves the denied networks as they were', async () => {
    // Act
    const ec2 = await blogScenarioEc2();

    // Assess: 419 runs; 415 leave the denied networks as they were, the other 4 make all 40 mutating calls
    // (entries, swaps, the watermark tags, and the active-ACL record tagged before each move onto a stack ACL)
    expect(ec2).toMatchObject({ hours: 419 / 120, unchangedRuns: 415, callsInUnchangedRuns: 0 });
    expect(ec2.oursPerHour * ec2.hours).toBeCloseTo(40, 9);
  }, 120_000);
});
