import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrText, parseNetwork } from '../../core/addresses';
import { parseAllowList } from '../../core/allow-list';
import { addressLike, anyText, FUZZ_RUNS } from '../support/arbitraries';

/** A line an operator might write, or garbage: addresses, CIDRs, comments, blanks, any text. */
const line = fc.oneof(
  addressLike,
  fc.tuple(addressLike, anyText).map(([a, c]) => `${a} #${c}`),
  fc.tuple(fc.constantFrom('', ' ', '\t', '  '), addressLike, fc.constantFrom('', ' ', '\t')).map(([l, a, r]) => l + a + r),
  fc.constant('# comment'),
  fc.constant(''),
  anyText,
);
const separator = fc.constantFrom('\n', '\r\n', '\r');
const text = fc
  .tuple(fc.boolean(), fc.array(fc.tuple(line, separator), { maxLength: 8 }))
  .map(([bom, lines]) => (bom ? '\uFEFF' : '') + lines.map(([l, s]) => l + s).join(''));

/** Lines holding something other than blanks and comments: each must end up a network or an invalid line. */
function contentLines(input: string): number {
  return input
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
    .filter((l) => l.split('#')[0]!.trim() !== '').length;
}

describe('fuzz: parseAllowList', () => {
  it(`never throws; every content line is a network or a counted invalid line; networks are canonical and distinct (${FUZZ_RUNS} cases)`, () => {
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(text, (input) => {
        // Act
        const list = parseAllowList(input);

        // Assess: accounted for
        const lines = contentLines(input);
        expect(list.invalidLines.length).toBeLessThanOrEqual(lines);
        expect(list.networks.length).toBeLessThanOrEqual(lines - list.invalidLines.length);
        if (lines > list.invalidLines.length) expect(list.networks.length).toBeGreaterThan(0);
        // Well-formed networks: each re-parses to itself, none repeats
        const cidrs = list.networks.map(cidrText);
        expect(new Set(cidrs).size).toBe(cidrs.length);
        for (const network of list.networks) expect(parseNetwork(cidrText(network))).toEqual(network);
        // Invalid lines: increasing 1-based line numbers, bounded text, a reason
        let previous = 0;
        for (const bad of list.invalidLines) {
          expect(bad.line).toBeGreaterThan(previous);
          previous = bad.line;
          expect(bad.text.length).toBeLessThanOrEqual(200);
          expect(bad.reason.length).toBeGreaterThan(0);
        }
        valid += list.networks.length;
        invalid += list.invalidLines.length;
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(valid).toBeGreaterThan(0);
    expect(invalid).toBeGreaterThan(0);
  });

  it('keeps every valid line whatever garbage surrounds it (2,000 cases)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { minLength: 1, maxLength: 5 }),
        fc.array(anyText, { maxLength: 5 }),
        (good, garbage) => {
          // Prepare: garbage lines interleaved with known-good addresses
          const lines = good.flatMap((address, i) => [garbage[i] ?? '', address]);

          // Act
          const list = parseAllowList(lines.join('\n'));

          // Assess
          const cidrs = new Set(list.networks.map(cidrText));
          for (const address of good) expect(cidrs.has(cidrText(parseNetwork(address)!))).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
