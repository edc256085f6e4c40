import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLOW_LOG_HEADER, flowLogLine, type ScenarioRecord } from '../../../scenarios/generator';
import { duckdbBinning, generateFlowLogFile, removeDir, replayBinning } from '../../../tools/bench/measures';
import { scratchDir } from '../../support/files';

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
