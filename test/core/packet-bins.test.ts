import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAddress, parseNetwork, type Network } from '../../core/addresses';
import {
  parseListenerStatisticsRows,
  parseMinuteRows,
  parsePacketCount,
  parseStatisticsRows,
  statisticsOfBins,
  summarizeMinute,
  type InsightsRow,
} from '../../core/packet-bins';
import { insightsRow } from '../support/builders';

const MINUTE = Date.UTC(2026, 10, 25, 12, 0);
const VPC: Network[] = [parseNetwork('10.0.0.0/16') as Network, parseNetwork('2001:db8:1234:1a00::/56') as Network];

const row = insightsRow;

describe('parseMinuteRows', () => {
  it('turns rows into bins of the minute, with the largest lag', () => {
    // Act
    const parsed = parseMinuteRows([row('198.51.100.7', '15000', '301000'), row('2001:DB8::1', '40', '2500')], MINUTE, VPC);

    // Assess
    expect(parsed.bins).toEqual([
      { sourceIp: '198.51.100.7', minuteStartMs: MINUTE, packets: 15000 },
      { sourceIp: '2001:db8::1', minuteStartMs: MINUTE, packets: 40 },
    ]);
    expect(parsed.rejections).toEqual([]);
    expect(parsed.maxLagMs).toBe(301000);
  });

  it('rejects malformed rows with a reason and keeps the rest', () => {
    // Prepare
    const rows = [
      row(undefined, '10'),
      row('', '10'),
      row('not-an-ip', '10'),
      row('203.0.113.9', undefined),
      row('203.0.113.9', 'lots'),
      row('203.0.113.9', '-3'),
      row('203.0.113.9', '1.5'),
      row('10.0.3.4', '99999'),
      row('2001:db8:1234:1a12::5', '99999'),
      row('203.0.113.10', '1.2E4', 'garbage'),
    ];

    // Act
    const parsed = parseMinuteRows(rows, MINUTE, VPC);

    // Assess
    expect(parsed.rejections.map((r) => r.reason)).toEqual([
      'missing source address',
      'missing source address',
      'invalid source address',
      'missing packets',
      'invalid packets',
      'invalid packets',
      'invalid packets',
      'source inside the VPC',
      'source inside the VPC',
    ]);
    expect(parsed.rejections[4]?.row).toEqual({ srcAddr: '203.0.113.9', binPackets: 'lots' });
    expect(parsed.bins).toEqual([{ sourceIp: '203.0.113.10', minuteStartMs: MINUTE, packets: 12000 }]);
    expect(parsed.maxLagMs).toBeUndefined();
  });

  it('sums rows that spell the same address differently', () => {
    const parsed = parseMinuteRows([row('2001:db8:0:0::1', '5'), row('2001:db8::1', '7')], MINUTE, VPC);
    expect(parsed.bins).toEqual([{ sourceIp: '2001:db8::1', minuteStartMs: MINUTE, packets: 12 }]);
  });

  const externalV4 = fc.ipV4().filter((a) => !a.startsWith('10.0.'));
  const address = fc.oneof(
    externalV4,
    fc.ipV6().filter((a) => !(parseAddress(a)?.address ?? '').startsWith('2001:db8:1234:1a')),
  );
  const garbage = fc.oneof(fc.string(), fc.constantFrom('', '-', 'NaN', 'Infinity', '1e400', '0x10', '12,000'));

  it('property: valid rows become bins whose packets add up, per canonical source', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(address, fc.integer({ min: 0, max: 2 ** 40 })), { maxLength: 50 }), (pairs) => {
        const parsed = parseMinuteRows(
          pairs.map(([a, p]) => row(a, String(p))),
          MINUTE,
          VPC,
        );
        expect(parsed.rejections).toEqual([]);
        const expected = new Map<string, number>();
        for (const [a, p] of pairs) {
          const key = parseAddress(a)?.address as string;
          expected.set(key, (expected.get(key) ?? 0) + p);
        }
        expect(new Map(parsed.bins.map((b) => [b.sourceIp, b.packets]))).toEqual(expected);
        expect(parsed.bins.every((b) => b.minuteStartMs === MINUTE)).toBe(true);
      }),
    );
  });

  it('property: arbitrary rows never throw, and every row is either binned or rejected', () => {
    const anyRow = fc.array(
      fc.record({
        field: fc.constantFrom('srcAddr', 'binPackets', 'maxLagMs', 'other'),
        value: fc.oneof(garbage, address, fc.nat().map(String)),
      }),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(fc.array(anyRow, { maxLength: 30 }), (rows) => {
        const parsed = parseMinuteRows(rows, MINUTE, VPC);
        const binnedRows = rows.length - parsed.rejections.length;
        expect(parsed.bins.length).toBeLessThanOrEqual(binnedRows);
        for (const bin of parsed.bins) {
          expect(parseAddress(bin.sourceIp)?.address).toBe(bin.sourceIp);
          expect(Number.isSafeInteger(bin.packets) && bin.packets >= 0).toBe(true);
        }
      }),
    );
  });
});

describe('parsePacketCount', () => {
  it('reads whole numbers in the forms Insights prints', () => {
    expect(parsePacketCount('12000')).toBe(12000);
    expect(parsePacketCount('12000.0')).toBe(12000);
    expect(parsePacketCount('1.2E4')).toBe(12000);
    expect(parsePacketCount(' 7 ')).toBe(7);
  });

  it('refuses anything that is not a non-negative whole number', () => {
    for (const text of ['', '-1', '1.5', 'abc', 'NaN', 'Infinity', '1e400', '0x1F', '9007199254740993'])
      expect(parsePacketCount(text)).toBeUndefined();
  });
});

describe('minute statistics', () => {
  const statsRow = (binCount: string, packetSum: string, packetSquareSum: string): InsightsRow => [
    { field: 'binCount', value: binCount },
    { field: 'packetSum', value: packetSum },
    { field: 'packetSquareSum', value: packetSquareSum },
  ];

  it('statisticsOfBins: count, sum and an exact bigint sum of squares', () => {
    const bins = [90_000_000, 7].map((packets, i) => ({ sourceIp: `192.0.2.${i}`, minuteStartMs: MINUTE, packets }));
    expect(statisticsOfBins(bins)).toEqual({ binCount: 2, packetSum: 90_000_007, packetSquareSum: 8_100_000_000_000_049n });
  });

  it('summarizeMinute keeps only bins above the floor as candidates', () => {
    const bins = [12_000, 12_001].map((packets, i) => ({ sourceIp: `192.0.2.${i}`, minuteStartMs: MINUTE, packets }));
    expect(summarizeMinute(MINUTE, bins, statisticsOfBins(bins), 12_000).candidates.map((b) => b.packets)).toEqual([12_001]);
  });

  it("parseStatisticsRows: one row of exact whole numbers (also in Insights' 1.2E4 form); no row is an empty minute", () => {
    expect(parseStatisticsRows([statsRow('3', '1.2E4', '50000000')])).toEqual({
      ok: true,
      statistics: { binCount: 3, packetSum: 12_000, packetSquareSum: 50_000_000n },
    });
    expect(parseStatisticsRows([])).toEqual({ ok: true, statistics: { binCount: 0, packetSum: 0, packetSquareSum: 0n } });
  });

  it.each([
    [
      'a missing column',
      [
        [
          { field: 'binCount', value: '3' },
          { field: 'packetSum', value: '5' },
        ],
      ],
    ],
    ['a fraction', [statsRow('3', '5.5', '7')]],
    ['a value beyond 2^53 (a rounded double)', [statsRow('3', '5', '9.1E15')]],
    ['two rows', [statsRow('1', '1', '1'), statsRow('1', '1', '1')]],
  ])('parseStatisticsRows refuses %s', (_what, rows) => {
    expect(parseStatisticsRows(rows as InsightsRow[]).ok).toBe(false);
  });

  it('property: statistics of random bins equal the sums computed one by one', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50_000_000 }), { maxLength: 200 }), (packets) => {
        const stats = statisticsOfBins(packets.map((p, i) => ({ sourceIp: `192.0.2.${i % 250}`, minuteStartMs: MINUTE, packets: p })));
        expect(stats.binCount).toBe(packets.length);
        expect(stats.packetSum).toBe(packets.reduce((a, b) => a + b, 0));
        expect(stats.packetSquareSum).toBe(packets.reduce((a, b) => a + BigInt(b) * BigInt(b), 0n));
      }),
    );
  });
});

describe('several listeners', () => {
  const LISTENERS = [
    { port: 443, protocol: 6 as const },
    { port: 53, protocol: 17 as const },
  ];
  const on = (port: string, protocol: string, r: InsightsRow): InsightsRow => [
    ...r,
    { field: 'dstPort', value: port },
    { field: 'protocol', value: protocol },
  ];

  it('bins per source and listener; a row of no configured listener is rejected', () => {
    // Act
    const parsed = parseMinuteRows(
      [
        on('443', '6', row('198.51.100.7', '15000')),
        on('53', '17', row('2001:db8::1', '900')),
        on('53', '17', row('2001:DB8:0::1', '100')),
        on('53', '6', row('198.51.100.8', '5')),
        row('198.51.100.9', '5'),
      ],
      MINUTE,
      VPC,
      LISTENERS,
    );

    // Assess
    expect(parsed.bins).toEqual([
      { sourceIp: '198.51.100.7', minuteStartMs: MINUTE, packets: 15000, listener: '443/tcp' },
      { sourceIp: '2001:db8::1', minuteStartMs: MINUTE, packets: 1000, listener: '53/udp' },
    ]);
    expect(parsed.rejections.map((r) => r.reason)).toEqual(['not a listener', 'not a listener']);
  });

  it('with one listener the rows are the one-listener rows: no listener read or set', () => {
    const parsed = parseMinuteRows([row('198.51.100.7', '15000')], MINUTE, VPC, [LISTENERS[0]!]);
    expect(parsed.bins).toEqual([{ sourceIp: '198.51.100.7', minuteStartMs: MINUTE, packets: 15000 }]);
  });

  it('statistics per listener: a listener without a row had an empty minute; an unknown or repeated listener is refused', () => {
    const stats = (port: string, protocol: string, n: string, s: string, q: string): InsightsRow => [
      { field: 'dstPort', value: port },
      { field: 'protocol', value: protocol },
      { field: 'binCount', value: n },
      { field: 'packetSum', value: s },
      { field: 'packetSquareSum', value: q },
    ];
    const parsed = parseListenerStatisticsRows([stats('53', '17', '2', '30', '500')], LISTENERS);
    expect(parsed).toEqual({
      ok: true,
      byListener: new Map([
        ['443/tcp', { binCount: 0, packetSum: 0, packetSquareSum: 0n }],
        ['53/udp', { binCount: 2, packetSum: 30, packetSquareSum: 500n }],
      ]),
    });
    expect(parseListenerStatisticsRows([stats('80', '6', '1', '1', '1')], LISTENERS)).toMatchObject({ ok: false });
    expect(parseListenerStatisticsRows([stats('53', '17', '1', '1', '1'), stats('53', '17', '1', '1', '1')], LISTENERS)).toMatchObject({
      ok: false,
      reason: 'statistics row names 53/udp twice',
    });
  });
});
