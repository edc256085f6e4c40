import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrText, isRoutableSource, networksOverlap, parseNetwork } from '../../core/addresses';
import { activeDenyList, parseDenyList } from '../../core/deny-list';
import { addressLike, anyText, FUZZ_RUNS } from '../support/arbitraries';

const until = fc.oneof(
  fc
    .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
    .map((d) => `until=${d.toISOString()}`),
  fc.constantFrom(
    'until=2026-12-31',
    'until=2026-02-30T00:00:00Z',
    'until=',
    'until=2026-12-31T25:00:00Z',
    'until=2026-12-31T00:00:00+01:00',
  ),
  anyText.map((t) => `until=${t}`),
);
/** A line an operator might write, or garbage. */
const line = fc.oneof(
  addressLike,
  fc.tuple(addressLike, until).map(([a, u]) => `${a} ${u}`),
  fc.tuple(addressLike, until, anyText).map(([a, u, c]) => `${a}\t${u} #${c}`),
  fc.constant('# comment'),
  fc.constant(''),
  anyText,
);
const separator = fc.constantFrom('\n', '\r\n', '\r');
const text = fc
  .tuple(fc.boolean(), fc.array(fc.tuple(line, separator), { maxLength: 8 }))
  .map(([bom, lines]) => (bom ? '\uFEFF' : '') + lines.map(([l, s]) => l + s).join(''));

function contentLines(input: string): number {
  return input
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
    .filter((l) => l.split('#')[0]!.trim() !== '').length;
}

describe('fuzz: parseDenyList', () => {
  it(`never throws; every content line is an entry or a counted invalid line; entries are canonical, routable, distinct (${FUZZ_RUNS} cases)`, () => {
    let entries = 0;
    let invalid = 0;
    let expiring = 0;
    fc.assert(
      fc.property(text, (input) => {
        // Act
        const list = parseDenyList(input);

        // Assess: accounted for
        const lines = contentLines(input);
        expect(list.entries.length).toBeLessThanOrEqual(lines - list.invalidLines.length);
        if (lines > list.invalidLines.length) expect(list.entries.length).toBeGreaterThan(0);
        const cidrs = list.entries.map((e) => cidrText(e.network));
        expect(new Set(cidrs).size).toBe(cidrs.length);
        for (const entry of list.entries) {
          expect(parseNetwork(cidrText(entry.network))).toEqual(entry.network);
          expect(isRoutableSource(entry.network.address)).toBe(true);
          if (entry.until !== undefined) expect(Number.isFinite(entry.until)).toBe(true);
          expect(entry.comment.length).toBeLessThanOrEqual(200);
        }
        let previous = 0;
        for (const bad of list.invalidLines) {
          expect(bad.line).toBeGreaterThan(previous);
          previous = bad.line;
          expect(bad.text.length).toBeLessThanOrEqual(200);
          expect(bad.reason.length).toBeGreaterThan(0);
        }
        entries += list.entries.length;
        invalid += list.invalidLines.length;
        expiring += list.entries.filter((e) => e.until !== undefined).length;
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(entries).toBeGreaterThan(0);
    expect(invalid).toBeGreaterThan(0);
    expect(expiring).toBeGreaterThan(0);
  });

  it(`what is applied is in force and clear of every protected network (${FUZZ_RUNS} cases)`, () => {
    const protectedNetworks = fc.array(
      fc
        .oneof(fc.ipV4(), fc.ipV6())
        .chain((ip) =>
          fc
            .integer({ min: ip.includes(':') ? 16 : 8, max: ip.includes(':') ? 128 : 32 })
            .map((p) => parseNetwork(`${ip}/${p}`, { allowHostBits: true })!),
        ),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(
        text,
        protectedNetworks,
        fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2100-01-01') }),
        (input, guarded, now) => {
          // Act
          const list = parseDenyList(input);
          const active = activeDenyList(list, now, guarded);

          // Assess
          for (const network of active.networks) {
            const entry = list.entries.find((e) => cidrText(e.network) === cidrText(network))!;
            expect(entry.until === undefined || entry.until > now).toBe(true);
            expect(guarded.some((p) => networksOverlap(p, network))).toBe(false);
          }
          const accounted = active.conflicting.length + active.expired.length;
          expect(active.networks.length + accounted).toBeLessThanOrEqual(list.entries.length);
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });
});
