import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { networkContains, networksOverlap, parseNetwork, type Network } from '../../core/addresses';
import { aggregateSources, DEFAULT_MAX_AGGREGATE_PREFIX, type WeightedSource } from '../../core/prefix-aggregation';

const net = (cidr: string) => parseNetwork(cidr) as Network;
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

    // Assess
    expect(result.unblocked).toEqual([]);
    expect(result.rules.length).toBeLessThanOrEqual(18);
    for (const rule of result.rules) expect(rule.network.prefixLength).toBeGreaterThanOrEqual(24);
    expect(result.rules.reduce((n, r) => n + r.sources.length, 0)).toBe(200);
  });

  it('never forms a rule overlapping an allow-listed network: the cluster around it is covered in narrower pieces or left unblocked', () => {
    // Prepare: an allow-listed partner inside one of the clusters.
    const partner = net('198.51.103.200/32');

    // Act
    const result = aggregateSources(clustered(), v4(18, [partner]));

    // Assess
    for (const rule of result.rules) expect(networksOverlap(rule.network, partner)).toBe(false);
    expect(result.rules.length).toBeLessThanOrEqual(18);
  });

  it('scattered attack (sources in distinct /16s): nothing can merge, the sources with the most packets get the rules', () => {
    const sources = Array.from({ length: 200 }, (_, i) => ({ sourceIp: `${11 + Math.floor(i / 100)}.${i % 100}.0.1`, packets: 1000 + i }));
    const result = aggregateSources(sources, v4(18));
    expect(result.rules).toHaveLength(18);
    expect(result.rules.map((r) => r.packets)).toEqual(Array.from({ length: 18 }, (_, i) => 1199 - i));
    expect(result.unblocked).toHaveLength(182);
  });

  it('IPv6 merges up to /48 by default, no wider', () => {
    const sources = Array.from({ length: 30 }, (_, i) => ({ sourceIp: `2001:db8:${i}::1`, packets: 10 }));
    const result = aggregateSources(sources, {
      family: 'ipv6',
      capacity: 5,
      maxPrefixLength: DEFAULT_MAX_AGGREGATE_PREFIX.ipv6,
      protectedNetworks: [],
    });
    for (const rule of result.rules) expect(rule.network.prefixLength).toBeGreaterThanOrEqual(48);
    expect(result.rules).toHaveLength(5);
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
