import { describe, expect, it } from 'vitest';
import { networksOverlap } from '../../core/addresses';
import type { Anomaly } from '../../core/anomaly-message';
import { selectBlocks, type SelectionInput } from '../../core/block-selection';
import { DEFAULT_MAX_AGGREGATE_PREFIX } from '../../core/prefix-aggregation';
import { net } from '../support/builders';

const VPC = [net('10.0.0.0/16')];

/** 200 anomalous sources: 20 in each of 10 /24 networks. */
const CLUSTERED: Anomaly[] = Array.from({ length: 200 }, (_, i) => ({
  sourceIp: `198.51.${100 + (i % 10)}.${10 + Math.floor(i / 10)}`,
  maxZScore: 50 - i / 10,
  maxPackets: 20_000 + i,
}));

function input(overrides: Partial<SelectionInput>): SelectionInput {
  return {
    anomalies: CLUSTERED,
    allowList: [],
    vpcCidrs: VPC,
    ipv4Mask: 32,
    ipv6Mask: 128,
    capacity: { ipv4: 18, ipv6: 18 },
    ...overrides,
  };
}

describe('block selection with adaptive aggregation', () => {
  it('without it (the default), the 18 highest Z-scores get host rules and the rest are unblocked', () => {
    const selection = selectBlocks(input({}));
    expect(selection.blocked.map((r) => r.cidr)).toEqual(CLUSTERED.slice(0, 18).map((a) => `${a.sourceIp}/32`));
    expect(selection.unblocked.map((r) => r.cidr)).toEqual(CLUSTERED.slice(18).map((a) => `${a.sourceIp}/32`));
  });

  it('with it, a clustered attack is covered entirely within the capacity, no rule wider than its /24', () => {
    // Act
    const selection = selectBlocks(input({ aggregation: DEFAULT_MAX_AGGREGATE_PREFIX }));

    // Assess: the .10-.29 of eight clusters in a /29 and a /28, of the last two (weakest) in one /27 each
    const split = [100, 101, 102, 103, 104, 105, 106, 107];
    expect(selection.blocked.map((r) => [r.cidr, r.sources.length])).toEqual([
      ...split.map((c) => [`198.51.${c}.8/29`, 6]),
      ['198.51.108.0/27', 20],
      ['198.51.109.0/27', 20],
      ...split.map((c) => [`198.51.${c}.16/28`, 14]),
    ]);
    expect(selection.unblocked).toEqual([]);
    for (const rule of selection.blocked) expect(rule.maxZScore).toBe(Math.max(...rule.sources.map((s) => s.maxZScore)));
  });

  it('never covers an allow-listed or retained network; retained rules keep their place', () => {
    // Prepare: a partner inside the /28 that would cover cluster 104's .16-.29, and a rule already in force for cluster 105's /24.
    const partner = net('198.51.104.30/32');
    const retained = net('198.51.105.0/24');

    // Act
    const selection = selectBlocks(input({ aggregation: DEFAULT_MAX_AGGREGATE_PREFIX, allowList: [partner], retained: [retained] }));

    // Assess: the retained /24 first; around the partner, cluster 104's .16-.29 in three narrower rules
    expect(selection.blocked.map((r) => [r.cidr, r.sources.length, r.retained])).toEqual([
      ['198.51.105.0/24', 20, true],
      ...[100, 101, 102, 103, 104, 106].map((c) => [`198.51.${c}.8/29`, 6, false]),
      ...[107, 108, 109].map((c) => [`198.51.${c}.0/27`, 20, false]),
      ...[100, 101, 102, 103].map((c) => [`198.51.${c}.16/28`, 14, false]),
      ['198.51.104.16/29', 8, false],
      ['198.51.106.16/28', 14, false],
      ['198.51.104.24/30', 4, false],
      ['198.51.104.28/31', 2, false],
    ]);
    expect(selection.unblocked).toEqual([]);
    for (const rule of selection.blocked.filter((r) => !r.retained)) {
      expect(networksOverlap(rule.network, partner)).toBe(false);
      expect(networksOverlap(rule.network, retained)).toBe(false);
    }
  });

  it('sources that fit are left as host rules', () => {
    const few = CLUSTERED.slice(0, 5);
    const selection = selectBlocks(input({ anomalies: few, aggregation: DEFAULT_MAX_AGGREGATE_PREFIX }));
    expect(selection.blocked.map((r) => r.network.prefixLength)).toEqual([32, 32, 32, 32, 32]);
  });
});
