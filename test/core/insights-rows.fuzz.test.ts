import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { networkContains, parseAddress, parseNetwork, type Network } from '../../core/addresses';
import { BIN_QUERY_COLUMNS } from '../../core/insights-query';
import { parseMinuteRows, type InsightsRow } from '../../core/packet-bins';
import { addressLike, anyText, FUZZ_RUNS } from '../support/arbitraries';

const VPC: Network[] = ['10.0.0.0/16', '2600:1f18:4a3:6900::/56'].map((c) => parseNetwork(c)!);
const MINUTE = Date.UTC(2026, 2, 1, 10, 0);
const { sourceIp, packets, maxLagMs } = BIN_QUERY_COLUMNS;

const numberText = fc.oneof(
  fc.nat().map(String),
  fc.double().map(String),
  fc.constantFrom('12.0', '1.2E4', '1e400', '-0', '-5', '9007199254740993', ' 7 ', '0x10', '', 'NaN', 'Infinity', '1,000'),
  anyText,
);
const field = fc.record(
  {
    field: fc.oneof(fc.constantFrom(sourceIp, packets, maxLagMs, '@ptr'), fc.string({ maxLength: 8 })),
    value: fc.oneof(addressLike, numberText),
  },
  { requiredKeys: [] },
);
const hostileRow: fc.Arbitrary<InsightsRow> = fc.oneof(
  fc.array(field, { maxLength: 5 }),
  fc.tuple(addressLike, numberText, numberText).map(([s, p, l]) => [
    { field: sourceIp, value: s },
    { field: packets, value: p },
    { field: maxLagMs, value: l },
  ]),
);

function wellFormed(result: ReturnType<typeof parseMinuteRows>, rowCount: number): void {
  expect(result.rejections.length).toBeLessThanOrEqual(rowCount);
  expect(result.bins.length).toBeLessThanOrEqual(rowCount - result.rejections.length);
  const seen = new Set<string>();
  for (const bin of result.bins) {
    expect(parseAddress(bin.sourceIp)?.address).toBe(bin.sourceIp);
    expect(VPC.some((n) => networkContains(n, bin.sourceIp))).toBe(false);
    expect(Number.isSafeInteger(bin.packets) && bin.packets >= 0).toBe(true);
    expect(bin.minuteStartMs).toBe(MINUTE);
    expect(seen.has(bin.sourceIp)).toBe(false);
    seen.add(bin.sourceIp);
  }
  if (result.maxLagMs !== undefined) expect(Number.isFinite(result.maxLagMs)).toBe(true);
}

describe('fuzz: parseMinuteRows (Insights result rows)', () => {
  it(`never throws; bins are canonical, outside the VPC, whole and distinct (${FUZZ_RUNS} cases)`, () => {
    let bins = 0;
    let rejections = 0;
    fc.assert(
      fc.property(fc.array(hostileRow, { maxLength: 8 }), (rows) => {
        // Act
        const result = parseMinuteRows(rows, MINUTE, VPC);

        // Assess
        wellFormed(result, rows.length);
        bins += result.bins.length;
        rejections += result.rejections.length;
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(bins).toBeGreaterThan(0);
    expect(rejections).toBeGreaterThan(0);
  });

  it('counts each malformed row once, with its reason, and keeps every packet of the good rows (2,000 cases)', () => {
    // Rows built to be bad for one known reason each.
    const bad = fc.oneof(
      fc.constant({ reason: 'missing source address', row: [{ field: packets, value: '5' }] }),
      fc.string({ maxLength: 10 }).map((s) => ({
        reason: 'invalid source address',
        row: [
          { field: sourceIp, value: `x${s}` },
          { field: packets, value: '5' },
        ],
      })),
      fc.ipV4().map((ip) => ({ reason: 'missing packets', row: [{ field: sourceIp, value: ip }] })),
      fc.tuple(fc.ipV4(), fc.constantFrom('-1', 'abc', '1e400', '9007199254740993', '0x10')).map(([ip, p]) => ({
        reason: 'invalid packets',
        row: [
          { field: sourceIp, value: ip },
          { field: packets, value: p },
        ],
      })),
      fc.integer({ min: 0, max: 65_535 }).map((n) => ({
        reason: 'source inside the VPC',
        row: [
          { field: sourceIp, value: `10.0.${n >> 8}.${n & 255}` },
          { field: packets, value: '5' },
        ],
      })),
    );
    const good = fc.record({ ip: fc.ipV4().filter((ip) => !ip.startsWith('10.0.')), packets: fc.nat({ max: 1_000_000 }) });
    fc.assert(
      fc.property(fc.array(bad, { maxLength: 6 }), fc.array(good, { maxLength: 6 }), (badRows, goodRows) => {
        // Prepare
        const rows: InsightsRow[] = [
          ...badRows.map((b) => b.row),
          ...goodRows.map((g) => [
            { field: sourceIp, value: g.ip },
            { field: packets, value: String(g.packets) },
          ]),
        ];

        // Act
        const result = parseMinuteRows(rows, MINUTE, VPC);

        // Assess
        expect(result.rejections.map((r) => r.reason).sort()).toEqual(badRows.map((b) => b.reason).sort());
        const expected = new Map<string, number>();
        for (const g of goodRows) expected.set(g.ip, (expected.get(g.ip) ?? 0) + g.packets);
        expect(new Map(result.bins.map((b) => [b.sourceIp, b.packets]))).toEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});
