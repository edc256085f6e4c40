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
  it('clustered attack: aggregation blocks every anomalous packet with 18 rules, the reference about an eighth; scattered: both the 18 strongest', () => {
    expect(capacityShare(clusteredAttack(), 'ours')).toEqual({ blockedShare: 1, rules: 18, allowListedCovered: 0 });
    expect(capacityShare(clusteredAttack(), 'reference').blockedShare).toBeLessThan(0.15);
    expect(capacityShare(scatteredAttack(), 'ours').blockedShare).toBeCloseTo(
      capacityShare(scatteredAttack(), 'reference').blockedShare,
      12,
    );
  });
});

describe('EC2 calls measure', () => {
  it('blog scenario: no mutating call in a run that leaves the denied networks as they were; the reference rewrites in each', async () => {
    // Act
    const ec2 = await blogScenarioEc2();

    // Assess
    expect(ec2.unchangedRuns).toBeGreaterThan(300);
    expect(ec2.callsInUnchangedRuns).toBe(0);
    expect(ec2.referenceCallsInUnchangedRuns).toBeGreaterThan(1_000);
    expect(ec2.oursPerHour).toBeGreaterThan(0);
    expect(ec2.oursPerHour * 50).toBeLessThan(ec2.referencePerHour);
  }, 120_000);
});
