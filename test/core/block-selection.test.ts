import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrText, isRoutableSource, networkContains, networksOverlap, parseNetwork } from '../../core/addresses';
import type { Anomaly } from '../../core/anomaly-message';
import { selectBlocks, type SelectionInput } from '../../core/block-selection';
import { net } from '../support/builders';

const anomaly = (sourceIp: string, maxZScore: number, maxPackets = 20_000): Anomaly => ({ sourceIp, maxZScore, maxPackets });
const base: SelectionInput = {
  anomalies: [],
  allowList: [],
  vpcCidrs: [net('10.0.0.0/16')],
  ipv4Mask: 32,
  ipv6Mask: 128,
  capacity: { ipv4: 18, ipv6: 18 },
};

describe('selectBlocks', () => {
  it("keeps the highest Z-scores within each family's capacity", () => {
    // Prepare
    const anomalies = Array.from({ length: 20 }, (_, i) => anomaly(`198.51.100.${i + 1}`, 40 - i));

    // Act
    const selection = selectBlocks({ ...base, anomalies });

    // Assess
    expect(selection.blocked.map((r) => r.cidr)).toEqual(anomalies.slice(0, 18).map((a) => `${a.sourceIp}/32`));
    expect(selection.unblocked.map((r) => r.cidr)).toEqual(['198.51.100.19/32', '198.51.100.20/32']);
  });

  it('drops allow-listed and VPC-internal sources with the reason', () => {
    // Act
    const selection = selectBlocks({
      ...base,
      allowList: [net('203.0.113.0/24')],
      anomalies: [anomaly('203.0.113.9', 9), anomaly('10.0.1.1', 8), anomaly('192.0.2.1', 7)],
    });

    // Assess
    expect(selection.excluded).toEqual([
      { sourceIp: '203.0.113.9', reason: 'allow-listed' },
      { sourceIp: '10.0.1.1', reason: 'vpc-internal' },
    ]);
    expect(selection.blocked.map((r) => r.cidr)).toEqual(['192.0.2.1/32']);
  });

  it('merges sources of one masked network, keeping the highest Z-score', () => {
    // Act
    const selection = selectBlocks({
      ...base,
      ipv4Mask: 24,
      anomalies: [anomaly('192.0.2.1', 4, 13_000), anomaly('192.0.2.99', 11, 30_000), anomaly('198.51.100.1', 6)],
    });

    // Assess
    expect(selection.blocked.map((r) => [r.cidr, r.maxZScore, r.sources.map((s) => s.sourceIp)])).toEqual([
      ['192.0.2.0/24', 11, ['192.0.2.99', '192.0.2.1']],
      ['198.51.100.0/24', 6, ['198.51.100.1']],
    ]);
  });

  it('narrows a masked network that would cover an allow-listed address', () => {
    // Act
    const selection = selectBlocks({
      ...base,
      ipv4Mask: 24,
      ipv6Mask: 48,
      allowList: [net('192.0.2.128/32'), net('2001:db8:0:ff::/64')],
      anomalies: [anomaly('192.0.2.129', 9), anomaly('2001:db8::1', 8)],
    });

    // Assess
    expect(selection.blocked.map((r) => r.cidr)).toEqual(['192.0.2.129/32', '2001:db8::/57']);
  });

  it('keeps retained rules first, drops those now covering a protected address', () => {
    // Act
    const selection = selectBlocks({
      ...base,
      capacity: { ipv4: 2, ipv6: 2 },
      allowList: [net('203.0.113.5/32')],
      retained: [net('192.0.2.0/24'), net('203.0.113.0/24')],
      anomalies: [anomaly('198.51.100.1', 99), anomaly('198.51.100.2', 98), anomaly('192.0.2.7', 5)],
    });

    // Assess
    expect(selection.blocked.map((r) => [r.cidr, r.retained, r.sources.length])).toEqual([
      ['192.0.2.0/24', true, 1],
      ['198.51.100.1/32', false, 1],
    ]);
    expect(selection.releasedForProtection.map(cidrText)).toEqual(['203.0.113.0/24']);
  });

  it('never covers a protected address, never exceeds capacity and accounts for every source (property)', () => {
    const v4 = fc.tuple(fc.constantFrom(10, 192, 198, 203), fc.nat(3), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
    const v6 = fc.tuple(fc.nat(3), fc.nat(0xffff)).map(([a, b]) => `2001:db8:${a}::${b.toString(16)}`);
    const address = fc.oneof(v4, v6);
    const protectedNet = fc
      .tuple(address, fc.nat(128))
      .map(([a, p]) => parseNetwork(`${a}/${Math.min(p, a.includes(':') ? 128 : 32)}`, { allowHostBits: true })!);
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({ sourceIp: address, maxZScore: fc.double({ min: 3, max: 100, noNaN: true }), maxPackets: fc.nat(1_000_000) }),
          { selector: (a) => a.sourceIp, maxLength: 40 },
        ),
        fc.array(protectedNet, { maxLength: 5 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 128 }),
        fc.record({ ipv4: fc.nat(20), ipv6: fc.nat(20) }),
        (anomalies, allowList, ipv4Mask, ipv6Mask, capacity) => {
          // Act
          const selection = selectBlocks({ anomalies, allowList, vpcCidrs: [net('10.0.0.0/16')], ipv4Mask, ipv6Mask, capacity });

          // Assess
          const protectedNets = [...allowList, net('10.0.0.0/16')];
          for (const rule of selection.blocked) expect(protectedNets.some((p) => networksOverlap(p, rule.network))).toBe(false);
          expect(selection.blocked.filter((r) => r.network.family === 'ipv4').length).toBeLessThanOrEqual(capacity.ipv4);
          expect(selection.blocked.filter((r) => r.network.family === 'ipv6').length).toBeLessThanOrEqual(capacity.ipv6);
          const placed = [...selection.blocked, ...selection.unblocked];
          for (const a of anomalies) {
            const excluded = selection.excluded.some((e) => e.sourceIp === a.sourceIp);
            const covered = placed.filter((r) => r.sources.includes(a) && networkContains(r.network, a.sourceIp)).length;
            expect(excluded ? 0 : 1).toBe(covered);
          }
          const zs = selection.blocked.map((r) => r.maxZScore);
          expect(zs).toEqual([...zs].sort((x, y) => y - x));
        },
      ),
    );
  });
});

describe('selectBlocks never spends a rule on an address no internet packet comes from', () => {
  it.each([
    '0.0.0.0',
    '0.1.2.3',
    '255.255.255.255',
    '224.0.0.251',
    '239.255.255.250',
    '169.254.169.254',
    '127.0.0.1',
    '::',
    '::1',
    'ff02::1',
    'fe80::1',
  ])('%s is skipped as not-routable', (sourceIp) => {
    // Act
    const selection = selectBlocks({ ...base, anomalies: [anomaly(sourceIp, 99, 1e6), anomaly('198.51.100.7', 9, 5e4)] });

    // Assess
    expect(selection.excluded).toEqual([{ sourceIp, reason: 'not-routable' }]);
    expect(selection.blocked.map((r) => r.cidr)).toEqual(['198.51.100.7/32']);
  });

  it('keeps public, documentation, carrier-grade NAT and private sources blockable', () => {
    for (const address of ['45.1.2.3', '198.51.100.7', '2001:db8::1', '100.64.0.1', '192.168.1.1', '2600::1'])
      expect(isRoutableSource(address), address).toBe(true);
  });
});
