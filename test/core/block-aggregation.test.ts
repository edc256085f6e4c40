import { describe, expect, it } from 'vitest';
import { networkContains, networksOverlap, parseNetwork, type Network } from '../../core/addresses';
import type { Anomaly } from '../../core/anomaly-message';
import { selectBlocks, type SelectionInput } from '../../core/block-selection';
import { DEFAULT_MAX_AGGREGATE_PREFIX } from '../../core/prefix-aggregation';

const net = (cidr: string) => parseNetwork(cidr) as Network;
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
    expect(selection.blocked).toHaveLength(18);
    expect(selection.blocked.every((r) => r.network.prefixLength === 32)).toBe(true);
    expect(selection.unblocked).toHaveLength(182);
  });

  it('with it, a clustered attack is covered entirely within the capacity, no rule wider than its /24', () => {
    const selection = selectBlocks(input({ aggregation: DEFAULT_MAX_AGGREGATE_PREFIX }));
    expect(selection.unblocked).toEqual([]);
    expect(selection.blocked.length).toBeLessThanOrEqual(18);
    expect(selection.blocked.flatMap((r) => r.sources)).toHaveLength(200);
    for (const rule of selection.blocked) {
      expect(rule.network.prefixLength).toBeGreaterThanOrEqual(24);
      expect(rule.maxZScore).toBe(Math.max(...rule.sources.map((s) => s.maxZScore)));
    }
  });

  it('never covers an allow-listed or retained network; retained rules keep their place', () => {
    // Prepare: a partner inside one cluster, and a rule already in force for another cluster's /24.
    const partner = net('198.51.104.77/32');
    const retained = net('198.51.105.0/24');

    // Act
    const selection = selectBlocks(input({ aggregation: DEFAULT_MAX_AGGREGATE_PREFIX, allowList: [partner], retained: [retained] }));

    // Assess
    expect(selection.blocked.filter((r) => r.retained).map((r) => r.cidr)).toEqual(['198.51.105.0/24']);
    for (const rule of selection.blocked.filter((r) => !r.retained)) {
      expect(networksOverlap(rule.network, partner)).toBe(false);
      expect(networksOverlap(rule.network, retained)).toBe(false);
      for (const vpc of VPC) expect(networksOverlap(rule.network, vpc)).toBe(false);
    }
    expect(selection.blocked.length).toBeLessThanOrEqual(18);
    const covered = selection.blocked.flatMap((r) => r.sources.map((s) => s.sourceIp));
    for (const ip of covered) expect(selection.blocked.some((r) => networkContains(r.network, ip))).toBe(true);
  });

  it('sources that fit are left as host rules', () => {
    const few = CLUSTERED.slice(0, 5);
    const selection = selectBlocks(input({ anomalies: few, aggregation: DEFAULT_MAX_AGGREGATE_PREFIX }));
    expect(selection.blocked.map((r) => r.network.prefixLength)).toEqual([32, 32, 32, 32, 32]);
  });
});
