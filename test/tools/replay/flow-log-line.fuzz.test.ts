import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { networkContains, parseAddress, parseNetwork } from '../../../core/addresses';
import type { FlowRecord } from '../../../core/flow-log-format';
import { DEFAULT_LAYOUT, DEFAULT_V2_FIELDS, layoutOf, type FieldLayout } from '../../../tools/replay/field-layout';
import { FlowLineParser } from '../../../tools/replay/flow-log-parser';
import { addressLike, anyText, FUZZ_RUNS } from '../../support/arbitraries';

const VPC_CIDRS = ['10.0.0.0/16', '2600:1f18:4a3:6900::/56'];
const V5_FIELDS = [
  'version',
  'srcaddr',
  'dstaddr',
  'dstport',
  'protocol',
  'packets',
  'start',
  'end',
  'action',
  'log-status',
  'flow-direction',
];
const V5_LAYOUT = layoutOf(V5_FIELDS);

/** A token that is valid in some column, or nearly. */
const token = fc.oneof(
  addressLike,
  fc.nat().map(String),
  fc.integer({ min: -5, max: 70_000 }).map(String),
  fc.constantFrom(
    'ACCEPT',
    'REJECT',
    'accept',
    'OK',
    'NODATA',
    'SKIPDATA',
    'ingress',
    'egress',
    '-',
    '2',
    '5',
    'eni-0a1b2c3d',
    '123456789012',
    '99999999999999999',
  ),
  fc.string({ unit: fc.constantFrom('0', '1', '9', '.', ':', 'a', 'Z', '-'), minLength: 1, maxLength: 16 }),
);
const spacing = fc.constantFrom(' ', '  ', '\t', ' \t');

/** A value that is valid in the named column. */
function validIn(field: string): fc.Arbitrary<string> {
  switch (field) {
    case 'srcaddr':
    case 'dstaddr':
      return fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('10.0.1.10', '2600:1f18:4a3:6900::5'));
    case 'dstport':
      return fc.integer({ min: 0, max: 65_535 }).map(String);
    case 'protocol':
      return fc.constantFrom('6', '17', '1');
    case 'packets':
      return fc.nat().map(String);
    case 'start':
      return fc.constant('1772359200');
    case 'end':
      return fc.constantFrom('1772359200', '1772359260');
    case 'action':
      return fc.constantFrom('ACCEPT', 'REJECT');
    case 'log-status':
      return fc.constantFrom('OK', 'OK', 'OK', 'NODATA', 'SKIPDATA');
    case 'flow-direction':
      return fc.constantFrom('ingress', 'egress', '-');
    default:
      return fc.constantFrom('2', '123456789012', 'eni-0a1b2c3d', '443', '1500');
  }
}

/** Lines of about the right shape for each layout (most columns valid, some hostile), plus any text. */
function lineFor(fields: readonly string[]): fc.Arbitrary<string> {
  const column = (field: string) => fc.oneof({ weight: 6, arbitrary: validIn(field) }, { weight: 1, arbitrary: token });
  return fc.oneof(
    fc.tuple(fc.tuple(...fields.map(column)), spacing).map(([tokens, sep]) => tokens.join(sep)),
    fc
      .tuple(fc.array(token, { minLength: fields.length - 1, maxLength: fields.length + 1 }), spacing, fc.constantFrom('', '\r', ' '))
      .map(([tokens, sep, end]) => tokens.join(sep) + end),
    anyText,
    fc.array(token, { maxLength: 70 }).map((tokens) => tokens.join(' ')),
  );
}

const cases = fc.oneof(
  fc.tuple(fc.constant(DEFAULT_LAYOUT), fc.array(lineFor(DEFAULT_V2_FIELDS), { minLength: 1, maxLength: 4 })),
  fc.tuple(fc.constant(V5_LAYOUT), fc.array(lineFor(V5_FIELDS), { minLength: 1, maxLength: 4 })),
);

const vpcNetworks = VPC_CIDRS.map((c) => parseNetwork(c)!);

function assertRecord(record: FlowRecord, layout: FieldLayout): void {
  expect(parseAddress(record.srcAddr)?.address).toBe(record.srcAddr);
  expect(Number.isInteger(record.dstPort) && record.dstPort >= 0 && record.dstPort <= 65_535).toBe(true);
  expect(Number.isInteger(record.protocol) && record.protocol >= 0 && record.protocol <= 255).toBe(true);
  expect(Number.isSafeInteger(record.packets) && record.packets >= 0).toBe(true);
  expect(Number.isSafeInteger(record.start) && record.start <= record.end && Number.isSafeInteger(record.end)).toBe(true);
  expect(['ACCEPT', 'REJECT']).toContain(record.action);
  expect(['ingress', 'egress']).toContain(record.flowDirection);
  // Without a flow-direction column, direction follows from the source being inside the VPC.
  if (layout.flowDirection < 0) expect(record.flowDirection === 'egress').toBe(vpcNetworks.some((n) => networkContains(n, record.srcAddr)));
}

describe('fuzz: replay flow-log line parser', () => {
  it(`never throws; every line is a record or counted as blank, no-data, skip-data or malformed; records are well-formed (${FUZZ_RUNS} cases)`, () => {
    let records = 0;
    let malformed = 0;
    fc.assert(
      fc.property(cases, ([layout, lines]) => {
        // Prepare
        const parser = new FlowLineParser(VPC_CIDRS);

        // Act
        const parsed = lines.map((line, i) => parser.parse(line, layout, () => `fuzz:${i + 1}`));

        // Assess
        const { stats } = parser;
        expect(stats.lines).toBe(lines.length);
        expect(stats.records + stats.blank + stats.noData + stats.skipData + stats.malformed).toBe(lines.length);
        expect(parsed.filter((r) => r !== undefined)).toHaveLength(stats.records);
        for (const record of parsed) if (record) assertRecord(record, layout);
        expect(stats.warnings.length).toBe(Math.min(stats.malformed, 10));
        records += stats.records;
        malformed += stats.malformed;
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(records).toBeGreaterThan(0);
    expect(malformed).toBeGreaterThan(0);
  });
});
