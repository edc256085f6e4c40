import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PacketBinTable } from '../../../tools/replay/packet-bins';

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
