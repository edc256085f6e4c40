import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowLogReader, resolveFlowLogInput } from '../../../tools/replay/flow-log-files';
import { unusableReason } from '../../../tools/replay/file-check';
import { scratchDir } from '../../support/files';

const V5 =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';
const SHUFFLED =
  'srcaddr dstport protocol packets start end action log-status version account-id interface-id dstaddr srcport bytes flow-direction';

const v5Line = (i: number, src: string) =>
  `5 123456789012 eni-1 ${src} 10.0.0.5 ${1024 + (i % 999)} 443 6 ${i} 800 ${1_700_000_000 + i} ${1_700_000_030 + i} ${i % 3 === 0 ? 'REJECT' : 'ACCEPT'} OK ingress`;

/** Reads a file in one pass and on `threads` threads (every size qualifies), with what each saw. */
async function readBothWays(path: string, threads: number) {
  const read = async (options: { threads: number; parallelFromBytes?: number }) => {
    const reader = new FlowLogReader(await resolveFlowLogInput(path), { vpcCidrs: ['10.0.0.0/16'], ...options });
    const records = [];
    for await (const batch of reader.batches()) records.push(...batch);
    return { records, stats: reader.stats, threaded: reader.filesReadInParallel === 1 };
  };
  return { onePass: await read({ threads: 1 }), parallel: await read({ threads, parallelFromBytes: 0 }) };
}

async function tempFile(text: string): Promise<string> {
  const path = join(await scratchDir('parallel-read'), 'flows.log');
  await writeFile(path, text);
  return path;
}

describe('reading one file on several threads', () => {
  const lineArb = fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .tuple(fc.nat(1_000_000), fc.constantFrom('198.51.100.7', '203.0.113.9', '2001:db8::5', '2001:DB8::5', '10.0.9.9'))
        .map(([i, src]) => v5Line(i, src)),
    },
    { weight: 2, arbitrary: fc.constantFrom('5 123456789012 eni-1 - - - - - - - 1700000000 1700000060 - NODATA -', '', '   ') },
    {
      weight: 2,
      arbitrary: fc.constantFrom('5 123456789012 eni-1 198.51.100.1 10.0.0.5 1 443 6 x 1 1 2 ACCEPT OK ingress', 'garbage', 'Z 1 2'),
    },
    { weight: 1, arbitrary: fc.constant(V5) },
  );

  it('gives the records, counts and warnings (with file:line) of one pass, wherever the cuts fall (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(lineArb, { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 2, max: 5 }),
        fc.boolean(),
        async (header, lines, threads, trailingNewline) => {
          // Prepare
          const all = [...(header ? [V5] : []), ...lines];
          const text = all.join('\n') + (trailingNewline ? '\n' : '');
          const path = await tempFile(text);

          // Act
          const skipped = await unusableReason(path);
          const { onePass, parallel } = skipped === undefined ? await readBothWays(path, threads) : { onePass: null, parallel: null };

          // Assess: a file whose first lines hold no record is no flow log to either reader
          if (skipped !== undefined) {
            await expect(readBothWays(path, threads)).rejects.toThrow('none of the 1 file(s) is a usable flow log');
            return;
          }
          // threads unless a header comes after a first line that is not one
          expect(parallel!.threaded).toBe(all[0] === V5 || !all.includes(V5));
          expect(onePass!.threaded).toBe(false);
          expect(parallel!.records).toEqual(onePass!.records);
          expect(parallel!.stats).toEqual(onePass!.stats);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps the first ten warnings in file order when every range has some', async () => {
    // Prepare: 60 malformed lines spread over the file
    const lines = Array.from({ length: 3_000 }, (_, i) => (i % 50 === 7 ? 'not a flow record' : v5Line(i, '198.51.100.7')));
    const path = await tempFile([V5, ...lines].join('\n'));

    // Act
    const { onePass, parallel } = await readBothWays(path, 4);

    // Assess
    expect(parallel.threaded).toBe(true);
    expect(onePass.stats.malformed).toBe(60);
    expect(parallel!.stats).toEqual(onePass!.stats);
    expect(parallel.stats.warnings[9]).toBe(`${path}:459: expected 15 fields, found 4`);
  });

  it('follows a later header that changes the field order, as one pass does', async () => {
    // Prepare: the second half in another order
    const shuffled = (i: number) => {
      const v = v5Line(i, '203.0.113.9').split(' ');
      const names = V5.split(' ');
      return SHUFFLED.split(' ')
        .map((f) => v[names.indexOf(f)])
        .join(' ');
    };
    const lines = [
      V5,
      ...Array.from({ length: 2_000 }, (_, i) => v5Line(i, '198.51.100.7')),
      SHUFFLED,
      ...Array.from({ length: 2_000 }, (_, i) => shuffled(i)),
    ];
    const path = await tempFile(lines.join('\n'));

    // Act
    const { onePass, parallel } = await readBothWays(path, 3);

    // Assess
    expect(onePass.stats).toMatchObject({ records: 4_000, malformed: 0, headers: 2 });
    expect(parallel.threaded).toBe(false);
    expect(parallel!.records).toEqual(onePass!.records);
    expect(parallel!.stats).toEqual(onePass!.stats);
  });

  it('fails on an unusable header in the middle with the file and line one pass names', async () => {
    // Prepare
    const lines = [
      V5,
      ...Array.from({ length: 2_000 }, (_, i) => v5Line(i, '198.51.100.7')),
      'version srcaddr dstaddr',
      v5Line(1, '198.51.100.7'),
    ];
    const path = await tempFile(lines.join('\n'));

    // Act / Assess
    await expect(readBothWays(path, 2)).rejects.toThrow(
      `${path}:2002: flow-log format lacks field(s) dstport, protocol, packets, start, end, action`,
    );
  });

  it('reports progress up to the file size', async () => {
    // Prepare
    const text = [V5, ...Array.from({ length: 5_000 }, (_, i) => v5Line(i, '198.51.100.7'))].join('\n');
    const path = await tempFile(text);
    const seen: number[] = [];
    const reader = new FlowLogReader(await resolveFlowLogInput(path), {
      vpcCidrs: ['10.0.0.0/16'],
      threads: 2,
      parallelFromBytes: 0,
      onBytes: (b) => seen.push(b),
    });

    // Act
    let records = 0;
    for await (const batch of reader.columns()) records += batch.length;

    // Assess
    expect(records).toBe(5_000);
    expect(seen.at(-1)).toBe(Buffer.byteLength(text));
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });
});
