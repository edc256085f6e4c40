import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowLogReader, resolveFlowLogInput } from '../../../tools/replay/flow-log-files';
import { scratchDir } from '../../support/files';

const V5 =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';

const v5Line = (i: number, src: string) =>
  `5 123456789012 eni-1 ${src} 10.0.0.5 ${1024 + (i % 999)} ${i % 7 === 0 ? 80 : 443} 6 ${i} 800 ${1_700_000_000 + i * 7} ${1_700_000_030 + i * 7} ${i % 3 === 0 ? 'REJECT' : 'ACCEPT'} OK ${i % 5 === 0 ? 'egress' : 'ingress'}`;

/** Bins computed from the records of a one-pass read: minute/address -> packets. */
async function expectedBins(dir: string) {
  const reader = new FlowLogReader(await resolveFlowLogInput(dir), { vpcCidrs: ['10.0.0.0/16'], threads: 1 });
  const bins = new Map<string, number>();
  for await (const batch of reader.batches())
    for (const r of batch) {
      if (r.dstPort !== 443 || r.protocol !== 6 || r.action !== 'ACCEPT' || r.flowDirection !== 'ingress') continue;
      const key = `${Math.floor(r.start / 60)}/${r.srcAddr}`;
      bins.set(key, (bins.get(key) ?? 0) + r.packets);
    }
  return { bins, stats: reader.stats };
}

describe('reading straight into packet bins', () => {
  it('gives the bins, counts and warnings of a one-pass read, files plain and gzip, whole or cut into ranges (property)', async () => {
    const fileArb = fc.record({
      gzip: fc.boolean(),
      lines: fc.array(
        fc.oneof(
          fc
            .tuple(fc.nat(5_000), fc.constantFrom('198.51.100.7', '203.0.113.9', '2001:db8::5', '2001:DB8::5', '10.0.9.9'))
            .map(([i, s]) => v5Line(i, s)),
          fc.constantFrom('garbage', ''),
        ),
        { maxLength: 300 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fileArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 3 }), async (files, threads) => {
        // Prepare
        const dir = await scratchDir('bin-read');
        for (const [k, file] of files.entries()) {
          const text = [V5, ...file.lines].join('\n') + '\n';
          await writeFile(join(dir, `f${k}.log${file.gzip ? '.gz' : ''}`), file.gzip ? gzipSync(text) : text);
        }
        const expected = await expectedBins(dir);

        // Act
        const reader = new FlowLogReader(await resolveFlowLogInput(dir), { vpcCidrs: ['10.0.0.0/16'], threads, parallelFromBytes: 0 });
        const bins = await reader.bins({ listeners: [{ port: 443, protocol: 6 }] });

        // Assess
        expect(bins.size).toBe(expected.bins.size);
        for (const [key, packets] of expected.bins) {
          const [minute, address] = key.split('/') as [string, string];
          const id = reader.sources().findIndex((s) => s.address === address);
          expect(bins.packets(Number(minute), id)).toBe(packets);
        }
        expect(reader.stats).toEqual(expected.stats);
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
