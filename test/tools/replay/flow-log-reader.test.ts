import { writeFile, mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowLogReader, resolveFlowLogInput } from '../../../tools/replay/flow-log-files';
import type { FlowRecord } from '../../../core/flow-log-format';
import { scratchDir } from '../../support/files';

// Public sample files (copied where their license allows) and records written for these tests; see its README.md.
const SAMPLES = resolve(__dirname, '../../fixtures/flow-logs');

async function readAll(path: string, vpcCidrs: string[] = ['172.31.0.0/16']) {
  const reader = new FlowLogReader(await resolveFlowLogInput(path), { vpcCidrs });
  const records: FlowRecord[] = [];
  for await (const batch of reader.batches()) records.push(...batch);
  return { records, stats: reader.stats };
}

/** Removed when the test ends. */
function tempDir(): Promise<string> {
  return scratchDir('flow-logs');
}

describe('flow-log reader on real sample files', () => {
  it('reads headerless version 2 records and skips NODATA lines', async () => {
    // Act
    const { records, stats } = await readAll(join(SAMPLES, 'opensearch-project-opensearch-catalog/raw.log'));

    // Assess: 404 NODATA and 371 ACCEPT OK records, as its NOTICE.md counts
    expect(stats).toMatchObject({ lines: 775, records: 371, noData: 404, malformed: 0, headers: 0 });
    expect(records).toHaveLength(371);
    expect(records.every((r) => r.action === 'ACCEPT' && r.end >= r.start)).toBe(true);
  });

  it('reads a version 5 header in alphabetical order and keeps the logged flow-direction', async () => {
    // Act
    const { records, stats } = await readAll(join(SAMPLES, 'tenzir-tenzir/flowlogs.csv'));

    // Assess
    expect(stats).toMatchObject({ records: 7, headers: 1, malformed: 0 });
    expect(records[0]).toEqual({
      srcAddr: '172.31.33.188',
      dstPort: 5189,
      protocol: 6,
      packets: 3,
      start: 1658916449,
      end: 1658916505,
      action: 'ACCEPT',
      flowDirection: 'egress',
    });
    expect(records.map((r) => r.action)).toEqual(['ACCEPT', 'ACCEPT', 'ACCEPT', 'ACCEPT', 'ACCEPT', 'REJECT', 'ACCEPT']);
  });

  it('infers ingress from the VPC CIDRs when flow-direction is absent', async () => {
    // Act
    const { records } = await readAll(join(SAMPLES, 'optionalg-cloudfwd/cloudwatchlogs_vpcflowlog_lambdaprocessed.sample'));

    // Assess: the 168 records from the VPC (172.31.0.0/16) are egress, the 192 from anywhere else (172.16.x.x too) ingress
    const counts: Record<string, number> = {};
    for (const r of records) {
      const key = `${r.srcAddr.startsWith('172.31.') ? 'from the VPC' : 'from outside'}, ${r.flowDirection}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    expect(counts).toEqual({ 'from the VPC, egress': 168, 'from outside, ingress': 192 });
  });

  it('tolerates two spaces between fields, as in an example of the AWS documentation', async () => {
    // Act
    const { records, stats } = await readAll(join(SAMPLES, 'written/v3-tcp-flags-double-space.log'));

    // Assess: fields on both sides of the double space land where the header says
    expect(stats).toMatchObject({ records: 8, headers: 1, malformed: 0 });
    expect(records.at(-1)).toMatchObject({ srcAddr: '10.0.1.17', dstPort: 49154, packets: 15, action: 'ACCEPT' });
  });

  it('re-reads a header that recurs where two objects were concatenated, and counts SKIPDATA', async () => {
    // Act
    const { stats } = await readAll(join(SAMPLES, 'written/concatenated-objects-skip-data.log'));

    // Assess
    expect(stats).toMatchObject({ headers: 2, blank: 1, skipData: 1, noData: 1, records: 0, malformed: 0 });
  });

  it('counts a line with an extra token as malformed and names file and line', async () => {
    // Act
    const path = join(SAMPLES, 'written/v2-extra-token-and-nodata.log');
    const { stats } = await readAll(path);

    // Assess
    expect(stats).toMatchObject({ malformed: 1, noData: 1, records: 0 });
    expect(stats.warnings).toEqual([`${path}:2: expected 14 fields, found 15`]);
  });

  it('canonicalises IPv6 source addresses', async () => {
    // Act
    const { records } = await readAll(join(SAMPLES, 'written/ipv6.log'));

    // Assess: as AWS writes them, and zero-padded in capitals
    expect(records.map((r) => r.srcAddr)).toEqual(['2001:db8:4a1c:100:6f2e:91b3:c0d4:7a15', '2001:db8:4a1c:100::e01']);
  });

  it('refuses a file alone whose format lacks the fields detection needs, naming them', async () => {
    // Act
    const read = readAll(join(SAMPLES, 'written/nat-gateway-custom.log'));

    // Assess
    await expect(read).rejects.toThrow(
      /none of the 1 file\(s\) is a usable flow log: .*nat-gateway-custom\.log: flow-log format lacks field\(s\) dstport, protocol, packets, start, end, action/,
    );
  });
});

describe('flow-log reader inputs', () => {
  it('reads gzip files and directories recursively, skipping hidden files', async () => {
    // Prepare
    const dir = await tempDir();
    await mkdir(join(dir, '2026', '11'), { recursive: true });
    const header = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n';
    const line = (src: string) => `2 123456789012 eni-1 ${src} 10.0.0.5 4000 443 6 10 800 1700000000 1700000050 ACCEPT OK\n`;
    await writeFile(join(dir, '2026', '11', 'a.log.gz'), gzipSync(header + line('198.51.100.1') + line('198.51.100.2')));
    await writeFile(join(dir, 'b.log'), line('198.51.100.3'));
    await writeFile(join(dir, '.hidden'), 'garbage\n');

    // Act
    const { records, stats } = await readAll(dir, ['10.0.0.0/16']);

    // Assess
    expect(records.map((r) => r.srcAddr)).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3']);
    expect(stats).toMatchObject({ malformed: 0, headers: 1 });
  });

  it('loses no line at chunk boundaries, plain or gzip, whatever the line lengths', async () => {
    // Prepare: ~3 MB, so the plain file spans several 1 MB reads and gunzip yields many 16 KB chunks
    const dir = await tempDir();
    const lines = Array.from(
      { length: 30_000 },
      (_, i) =>
        `2 123456789012 eni-${'a'.repeat(i % 97)} 198.51.${(i >> 8) & 255}.${i & 255} 10.0.0.5 4000 443 6 ${i} 800 1700000000 1700000050 ACCEPT OK`,
    );
    const text = `${lines.join('\n')}\n`;
    await writeFile(join(dir, 'plain.log'), text);
    await writeFile(join(dir, 'packed.log.gz'), gzipSync(text));

    // Act
    const plain = await readAll(join(dir, 'plain.log'), ['10.0.0.0/16']);
    const packed = await readAll(join(dir, 'packed.log.gz'), ['10.0.0.0/16']);

    // Assess
    const expectedSum = (30_000 * 29_999) / 2;
    for (const { records, stats } of [plain, packed]) {
      expect(stats).toMatchObject({ records: 30_000, malformed: 0 });
      expect(records.reduce((sum, r) => sum + r.packets, 0)).toBe(expectedSum);
    }
  });

  it('counts a line longer than the read buffer as malformed and reads on from the next line', async () => {
    // Prepare: a 3 MiB line without a newline between two good lines
    const dir = await tempDir();
    const path = join(dir, 'long.log');
    const good = (src: string) => `2 123456789012 eni-1 ${src} 10.0.0.5 4000 443 6 7 800 1700000000 1700000050 ACCEPT OK\n`;
    await writeFile(path, good('198.51.100.1') + 'x'.repeat(3 << 20) + '\n' + good('198.51.100.2'));

    // Act
    const { records, stats } = await readAll(path, ['10.0.0.0/16']);

    // Assess
    expect(records.map((r) => r.srcAddr)).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(stats).toMatchObject({ records: 2, malformed: 1 });
    expect(stats.warnings).toEqual([`${path}:2: line longer than 1048576 bytes`]);
  });

  it('gives columns that read back as the records, one source id per address however it is spelled', async () => {
    // Prepare
    const dir = await tempDir();
    const path = join(dir, 'spellings.log');
    const line = (src: string, packets: number, action = 'ACCEPT') =>
      `2 123456789012 eni-1 ${src} 10.0.0.5 4000 443 6 ${packets} 800 1700000000 1700000050 ${action} OK`;
    await writeFile(
      path,
      [line('2001:db8::1', 1), line('2001:DB8:0:0::1', 2, 'REJECT'), line('198.51.100.9', 3), line('10.0.3.4', 4)].join('\n'),
    );
    const reader = new FlowLogReader(await resolveFlowLogInput(path), { vpcCidrs: ['10.0.0.0/16'] });

    // Act
    const batches = [];
    for await (const columns of reader.columns()) batches.push(columns);

    // Assess
    expect(batches.flatMap((b) => Array.from(b.source.subarray(0, b.length)))).toEqual([0, 0, 1, 2]);
    expect(batches.flatMap((b) => b.records())).toEqual([
      {
        srcAddr: '2001:db8::1',
        dstPort: 443,
        protocol: 6,
        packets: 1,
        start: 1700000000,
        end: 1700000050,
        action: 'ACCEPT',
        flowDirection: 'ingress',
      },
      {
        srcAddr: '2001:db8::1',
        dstPort: 443,
        protocol: 6,
        packets: 2,
        start: 1700000000,
        end: 1700000050,
        action: 'REJECT',
        flowDirection: 'ingress',
      },
      {
        srcAddr: '198.51.100.9',
        dstPort: 443,
        protocol: 6,
        packets: 3,
        start: 1700000000,
        end: 1700000050,
        action: 'ACCEPT',
        flowDirection: 'ingress',
      },
      {
        srcAddr: '10.0.3.4',
        dstPort: 443,
        protocol: 6,
        packets: 4,
        start: 1700000000,
        end: 1700000050,
        action: 'ACCEPT',
        flowDirection: 'egress',
      },
    ]);
  });

  it('fails clearly on a missing path and on an empty directory', async () => {
    // Prepare
    const dir = await tempDir();

    // Act / Assess
    await expect(resolveFlowLogInput(join(dir, 'nope.log'))).rejects.toThrow(/cannot read flow logs at .*nope\.log: ENOENT/);
    await expect(resolveFlowLogInput(dir)).rejects.toThrow(/holds no flow-log files/);
  });

  it('fails clearly on a corrupt gzip file', async () => {
    // Prepare
    const dir = await tempDir();
    const path = join(dir, 'bad.log.gz');
    await writeFile(path, Buffer.concat([gzipSync('2 1 eni-1 198.51.100.1 10.0.0.5 1 443 6 1 1 1 2 ACCEPT OK\n').subarray(0, 12)]));

    // Act / Assess
    await expect(readAll(path)).rejects.toThrow(/usable flow log: .*bad\.log\.gz: cannot read it: unexpected end of file/);
  });

  it('reads any field order back to the same records (property)', async () => {
    const fields = [
      'version',
      'account-id',
      'interface-id',
      'srcaddr',
      'dstaddr',
      'srcport',
      'dstport',
      'protocol',
      'packets',
      'bytes',
      'start',
      'end',
      'action',
      'log-status',
      'flow-direction',
    ];
    const recordArb = fc.record({
      srcAddr: fc.oneof(fc.ipV4(), fc.constantFrom('2001:db8::1', '2600:1f18::abcd')),
      dstPort: fc.integer({ min: 0, max: 65535 }),
      protocol: fc.constantFrom(6, 17, 1),
      packets: fc.integer({ min: 0, max: 10_000_000 }),
      start: fc.integer({ min: 1_600_000_000, max: 1_800_000_000 }),
      duration: fc.integer({ min: 0, max: 600 }),
      action: fc.constantFrom('ACCEPT' as const, 'REJECT' as const),
      flowDirection: fc.constantFrom('ingress' as const, 'egress' as const),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(fields, { minLength: fields.length }),
        fc.array(recordArb, { minLength: 1, maxLength: 20 }),
        async (order, recs) => {
          // Prepare
          const value = (r: (typeof recs)[number], f: string): string =>
            ({
              version: '5',
              'account-id': '123456789012',
              'interface-id': 'eni-1',
              srcaddr: r.srcAddr,
              dstaddr: '10.0.0.5',
              srcport: '1234',
              dstport: String(r.dstPort),
              protocol: String(r.protocol),
              packets: String(r.packets),
              bytes: '1',
              start: String(r.start),
              end: String(r.start + r.duration),
              action: r.action,
              'log-status': 'OK',
              'flow-direction': r.flowDirection,
            })[f]!;
          const dir = await tempDir();
          const path = join(dir, 'x.log');
          await writeFile(path, [order.join(' '), ...recs.map((r) => order.map((f) => value(r, f)).join(' '))].join('\n'));

          // Act
          const { records } = await readAll(path, ['10.0.0.0/16']);

          // Assess
          expect(records).toEqual(
            recs.map(({ duration, ...r }) => ({ ...r, srcAddr: r.srcAddr.replace(/(^|\.)0+(\d)/g, '$1$2'), end: r.start + duration })),
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('folders of mixed files', () => {
  it('replays the committed real-world fixtures as one folder: reads every flow log, skips the rest naming each and why', async () => {
    // Act
    const reader = new FlowLogReader(await resolveFlowLogInput(SAMPLES), { vpcCidrs: ['172.31.0.0/16'] });
    let records = 0;
    for await (const batch of reader.batches()) records += batch.length;

    // Assess: the notices, licences and README are not flow-log text; the NAT gateway format lacks fields
    const skipped = reader.skippedFiles.map((s) => [relative(SAMPLES, s.file), s.reason.split(':')[0]]);
    expect(skipped).toEqual([
      ['README.md', 'not flow-log text'],
      ['opensearch-project-opensearch-catalog/LICENSE', 'not flow-log text'],
      ['opensearch-project-opensearch-catalog/NOTICE.md', 'not flow-log text'],
      ['optionalg-cloudfwd/LICENSE', 'not flow-log text'],
      ['optionalg-cloudfwd/NOTICE.md', 'not flow-log text'],
      ['tenzir-tenzir/NOTICE.md', 'not flow-log text'],
      ['written/NOTICE.md', 'not flow-log text'],
      ['written/nat-gateway-custom.log', 'flow-log format lacks field(s) dstport, protocol, packets, start, end, action (header'],
    ]);
    // Every record of the usable files, each read alone
    const usable = ['opensearch-project-opensearch-catalog/raw.log', 'optionalg-cloudfwd/cloudwatchlogs_vpcflowlog_lambdaprocessed.sample'];
    usable.push(
      'tenzir-tenzir/flowlogs.csv',
      ...['concatenated-objects-skip-data', 'ipv6', 'v2-extra-token-and-nodata', 'v3-tcp-flags-double-space'].map(
        (f) => `written/${f}.log`,
      ),
    );
    const alone = await Promise.all(usable.map((f) => readAll(join(SAMPLES, f))));
    expect(records).toBe(alone.reduce((sum, r) => sum + r.records.length, 0));
    expect(reader.stats.malformed).toBe(1);
  });

  it('fails only when no file is usable, naming each file and why', async () => {
    // Prepare
    const dir = await scratchDir('mixed');
    await writeFile(join(dir, 'notes.txt'), 'not a flow log\nat all\n');
    await writeFile(join(dir, 'nat.log'), 'instance-id srcaddr dstaddr\n- 10.0.0.1 10.0.0.2\n');

    // Act
    const reader = new FlowLogReader(await resolveFlowLogInput(dir), { vpcCidrs: [] });
    const reading = reader.bins({ listeners: [{ port: 443, protocol: 6 }] });

    // Assess
    await expect(reading).rejects.toThrow(
      `none of the 2 file(s) is a usable flow log: ${join(dir, 'nat.log')}: flow-log format lacks field(s) dstport, protocol, packets, start, end, action (header: "instance-id srcaddr dstaddr"); ${join(dir, 'notes.txt')}: not flow-log text: none of its first 2 line(s) is a flow record`,
    );
  });
});
