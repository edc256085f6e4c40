import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { networkContains, networksOverlap, parseNetwork, type Network } from '../../core/addresses';
import { aggregateSources, DEFAULT_MAX_AGGREGATE_PREFIX, type WeightedSource } from '../../core/prefix-aggregation';
import { net } from '../support/builders';

const v4 = (capacity: number, protectedNetworks: Network[] = [], maxPrefixLength = DEFAULT_MAX_AGGREGATE_PREFIX.ipv4) => ({
  family: 'ipv4' as const,
  capacity,
  maxPrefixLength,
  protectedNetworks,
});

/** 200 sources: 20 in each of 10 /24 networks, packets falling with the index. */
function clustered(): WeightedSource[] {
  return Array.from({ length: 200 }, (_, i) => ({
    sourceIp: `198.51.${100 + (i % 10)}.${10 + Math.floor(i / 10)}`,
    packets: 100_000 - i * 100,
  }));
}

describe('aggregateSources', () => {
  it('sources that fit keep one host rule each', () => {
    const sources = [
      { sourceIp: '203.0.113.1', packets: 5 },
      { sourceIp: '203.0.113.2', packets: 9 },
    ];
    const result = aggregateSources(sources, v4(18));
    expect(result.rules.map((r) => r.cidr)).toEqual(['203.0.113.2/32', '203.0.113.1/32']);
    expect(result.unblocked).toEqual([]);
  });

  it('clustered attack (200 sources in 10 /24s, 18 rules): every source covered, no rule wider than its /24', () => {
    // Act
    const result = aggregateSources(clustered(), v4(18));

    // Assess: each cluster's .10-.29 in one /27, or a /28 and a /29 where rules are left to split
    const split = [102, 103, 104, 105, 106, 107, 108, 109];
    expect(result.rules.map((r) => [r.cidr, r.sources.length])).toEqual([
      ['198.51.100.0/27', 20],
      ['198.51.101.0/27', 20],
      ...split.map((c) => [`198.51.${c}.16/28`, 14]),
      ...split.map((c) => [`198.51.${c}.8/29`, 6]),
    ]);
    expect(result.unblocked).toEqual([]);
  });

  it('never forms a rule overlapping an allow-listed network: the cluster around it is covered in narrower pieces', () => {
    // Prepare: an allow-listed partner inside the /27 that would cover cluster 100's .10-.29.
    const partner = net('198.51.100.30/32');

    // Act
    const result = aggregateSources(clustered(), v4(18, [partner]));

    // Assess: cluster 100 in four pieces that leave .30 out, the others in a /27 or a /28 and a /29
    expect(result.rules.map((r) => [r.cidr, r.sources.length])).toEqual([
      ...[101, 102, 103, 104].map((c) => [`198.51.${c}.0/27`, 20]),
      ...[105, 106, 107, 108, 109].map((c) => [`198.51.${c}.16/28`, 14]),
      ['198.51.100.16/29', 8],
      ['198.51.100.8/29', 6],
      ...[105, 106, 107, 108, 109].map((c) => [`198.51.${c}.8/29`, 6]),
      ['198.51.100.24/30', 4],
      ['198.51.100.28/31', 2],
    ]);
    expect(result.unblocked).toEqual([]);
    for (const rule of result.rules) expect(networksOverlap(rule.network, partner)).toBe(false);
  });

  it('scattered attack (sources in distinct /16s): nothing can merge, the sources with the most packets get the rules', () => {
    const sources = Array.from({ length: 200 }, (_, i) => ({ sourceIp: `${11 + Math.floor(i / 100)}.${i % 100}.0.1`, packets: 1000 + i }));
    const result = aggregateSources(sources, v4(18));
    expect(result.rules).toHaveLength(18);
    expect(result.rules.map((r) => r.packets)).toEqual(Array.from({ length: 18 }, (_, i) => 1199 - i));
    expect(result.unblocked).toHaveLength(182);
  });

  it('IPv6 merges within a /48 by default, never across two', () => {
    // Prepare: ten sources in each of two /48s, the first sending more
    const inFirst = Array.from({ length: 10 }, (_, i) => ({ sourceIp: `2001:db8:0:${i}::1`, packets: 100 }));
    const inSecond = Array.from({ length: 10 }, (_, i) => ({ sourceIp: `2001:db8:1:${i}::1`, packets: 10 }));
    const v6 = (capacity: number) => ({
      family: 'ipv6' as const,
      capacity,
      maxPrefixLength: DEFAULT_MAX_AGGREGATE_PREFIX.ipv6,
      protectedNetworks: [],
    });

    // Act
    const one = aggregateSources([...inFirst, ...inSecond], v6(1));
    const two = aggregateSources([...inFirst, ...inSecond], v6(2));

    // Assess
    expect(one.rules.map((r) => [r.cidr, r.sources.length])).toEqual([['2001:db8::/60', 10]]);
    expect(one.unblocked).toEqual(inSecond);
    expect(two.rules.map((r) => [r.cidr, r.sources.length])).toEqual([
      ['2001:db8::/60', 10],
      ['2001:db8:1::/60', 10],
    ]);
    expect(two.unblocked).toEqual([]);
  });

  it('refuses a source of the other family and an impossible prefix limit', () => {
    expect(() => aggregateSources([{ sourceIp: '2001:db8::1', packets: 1 }], v4(3))).toThrow(/not an ipv4/);
    expect(() => aggregateSources([], v4(3, [], 33))).toThrow(/maxPrefixLength/);
  });

  it('property: within capacity and the prefix limit, never over a protected network, every source exactly once', () => {
    const source = fc.record({
      sourceIp: fc
        .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }))
        .map(([a, b, c]) => `198.${50 + a}.${b}.${c}`),
      packets: fc.integer({ min: 1, max: 1e6 }),
    });
    const protectedNet = fc
      .tuple(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 20, max: 32 }),
      )
      .map(([a, b, c, p]) => parseNetwork(`198.${50 + a}.${b}.${c}/${p}`, { allowHostBits: true }) as Network);
    fc.assert(
      fc.property(
        fc.uniqueArray(source, { selector: (s) => s.sourceIp, maxLength: 120 }),
        fc.array(protectedNet, { maxLength: 4 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 8, max: 32 }),
        (sources, protectedNetworks, capacity, maxPrefixLength) => {
          const open = sources.filter((s) => !protectedNetworks.some((p) => networkContains(p, s.sourceIp)));
          const result = aggregateSources(open, v4(capacity, protectedNetworks, maxPrefixLength));
          expect(result.rules.length).toBeLessThanOrEqual(capacity);
          for (const rule of result.rules) {
            expect(rule.network.prefixLength).toBeGreaterThanOrEqual(maxPrefixLength);
            for (const p of protectedNetworks) expect(networksOverlap(rule.network, p)).toBe(false);
            for (const s of rule.sources) expect(networkContains(rule.network, s.sourceIp)).toBe(true);
          }
          const seen = [...result.rules.flatMap((r) => r.sources), ...result.unblocked].map((s) => s.sourceIp).sort();
          expect(seen).toEqual(open.map((s) => s.sourceIp).sort());
          if (open.length <= capacity) expect(result.unblocked).toEqual([]);
        },
      ),
    );
  });
});
