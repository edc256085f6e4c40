import fc from 'fast-check';

/**
 * Cases per fuzz property: 2,000 in the suite, enough to reach the rare shapes of each input in
 * a few seconds; `FUZZ_RUNS=100000 npm test -- fuzz` searches deeper before a release. fast-check
 * prints the seed of a failure, so a case found deep is replayed at once.
 */
export const FUZZ_RUNS = fuzzRuns(process.env.FUZZ_RUNS);

function fuzzRuns(text: string | undefined): number {
  if (text === undefined || text === '') return 2_000;
  const runs = Number(text);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a whole number of cases, at least 1; got "${text}"`);
  return runs;
}

/** Text that looks like an address (either family, odd spellings included) or almost does. */
export const addressLike: fc.Arbitrary<string> = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV4Extended(),
  fc.tuple(fc.ipV4(), fc.integer({ min: -2, max: 40 })).map(([ip, p]) => `${ip}/${p}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: -2, max: 140 })).map(([ip, p]) => `${ip}/${p}`),
  fc.constantFrom(
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '169.254.1.1',
    '::',
    '::1',
    'fe80::1%eth0',
    '::ffff:1.2.3.4',
    '1.2.3',
    '01.2.3.4',
    '1.2.3.4.5',
    '-',
    '',
  ),
  fc.string({ maxLength: 20 }),
);

/** Any text: printable, full Unicode, control characters and lone surrogates included. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({
    unit: fc.constantFrom(' ', '\t', '\r', '\n', '#', '/', ':', '.', '0', '1', '9', 'a', 'f', '\uFEFF', '\u0000', '\uD800'),
    maxLength: 60,
  }),
);
