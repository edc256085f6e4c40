import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PacketBinTable } from '../../../tools/bench/packet-bin-table';
import { FLOW_LOG_HEADER, flowLogLine, type ScenarioRecord } from '../../../scenarios/generator';
import { duckdbBinning, generateFlowLogFile, removeDir, replayBinning } from '../../../tools/bench/measures';
import { scratchDir } from '../../support/files';

describe('packet bin table', () => {
  it('holds the same bins and totals as a map keyed by minute and source, whatever the order (property)', () => {
    const add = fc.tuple(
      fc.integer({ min: 29_000_000, max: 29_000_020 }),
      fc.integer({ min: 0, max: 5_000 }),
      fc.integer({ min: 0, max: 1_000_000 }),
    );
    fc.assert(
      fc.property(fc.array(add, { maxLength: 3_000 }), (adds) => {
        // Prepare
        const table = new PacketBinTable();
        const expected = new Map<string, number>();

        // Act
        for (const [minute, source, packets] of adds) {
          table.add(minute, source, packets);
          expected.set(`${minute}/${source}`, (expected.get(`${minute}/${source}`) ?? 0) + packets);
        }

        // Assess
        expect(table.size).toBe(expected.size);
        for (const [key, packets] of expected) {
          const [minute, source] = key.split('/').map(Number) as [number, number];
          expect(table.packets(minute, source)).toBe(packets);
        }
        expect(table.packets(29_000_021, 0)).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('grows past 100,000 sources in one minute without losing a bin', () => {
    // Prepare
    const table = new PacketBinTable();

    // Act
    for (let round = 0; round < 2; round++) for (let source = 0; source < 150_000; source++) table.add(7, source, source);

    // Assess
    expect(table.size).toBe(150_000);
    expect([0, 1, 65_535, 149_999].map((s) => table.packets(7, s))).toEqual([0, 2, 131_070, 299_998]);
  });
});

describe('replay binning beside DuckDB', () => {
  it('merges records of one source and minute, and leaves out what is not ingress ACCEPT to the listener, as DuckDB does', async () => {
    // Prepare: 3 sources x 2 minutes x 4 records, plus records neither may count
    const dir = await scratchDir('bins');
    const file = join(dir, 'flows.log');
    const line = (src: string, start: number, extra: Partial<ScenarioRecord> = {}) =>
      flowLogLine({
        srcAddr: src,
        dstAddr: '10.0.1.10',
        srcPort: 40_000,
        dstPort: 443,
        protocol: 6,
        packets: 5,
        start,
        end: start + 30,
        action: 'ACCEPT',
        flowDirection: 'ingress',
        ...extra,
      });
    const lines = [FLOW_LOG_HEADER];
    for (const src of ['198.51.100.1', '198.51.100.2', '2001:db8::7'])
      for (const start of [1_700_000_000, 1_700_000_060]) for (let i = 0; i < 4; i++) lines.push(line(src, start + i));
    lines.push(line('198.51.100.9', 1_700_000_000, { dstPort: 80 }), line('198.51.100.9', 1_700_000_000, { protocol: 17 }));
    lines.push(line('198.51.100.9', 1_700_000_000, { action: 'REJECT' }), line('198.51.100.9', 1_700_000_000, { flowDirection: 'egress' }));
    await writeFile(file, lines.join('\n') + '\n');

    // Act
    const ours = await replayBinning(file);
    const duck = await duckdbBinning(file);

    // Assess
    expect(ours.records).toBe(28);
    expect(ours.bins).toBe(6);
    expect(duck.bins).toBe(6);
  });

  it('finds the bins DuckDB finds in the generated file, and reads every record', async () => {
    // Prepare: 120,000 records over three minutes, 50,000 sources a minute
    const file = await generateFlowLogFile(120_000);
    try {
      // Act
      const ours = await replayBinning(file.file);
      const duck = await duckdbBinning(file.file);

      // Assess: as many bins as distinct (minute, source) pairs the generator wrote (its address formula, repeated here)
      const pairs = new Set<string>();
      for (let i = 0; i < 120_000; i++)
        pairs.add(`${Math.floor(i / 50_000)} ${(i % 50_000) >> 16}.${((i % 50_000) >> 8) & 255}.${i & 255}`);
      expect(ours.records).toBe(120_000);
      expect(ours.bins).toBe(pairs.size);
      expect(duck.bins).toBe(pairs.size);
    } finally {
      await removeDir(file.dir);
    }
  });
});
