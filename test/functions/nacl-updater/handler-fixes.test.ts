/** Handler fixes the fault campaign called for: each failed before the fix. */
import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { isRoutableSource, parseNetwork } from '../../../core/addresses';
import { selectBlocks } from '../../../core/block-selection';
import { AllowListSource } from '../../../functions/nacl-updater/allow-list-source';

describe('selectBlocks never spends a rule on an address no internet packet comes from', () => {
  it.each([
    '0.0.0.0',
    '0.1.2.3',
    '255.255.255.255',
    '224.0.0.251',
    '239.255.255.250',
    '169.254.169.254',
    '127.0.0.1',
    '::',
    '::1',
    'ff02::1',
    'fe80::1',
  ])('%s is skipped as not-routable', (sourceIp) => {
    // Act
    const selection = selectBlocks({
      anomalies: [
        { sourceIp, maxZScore: 99, maxPackets: 1e6 },
        { sourceIp: '198.51.100.7', maxZScore: 9, maxPackets: 5e4 },
      ],
      allowList: [],
      vpcCidrs: [parseNetwork('10.0.0.0/16')!],
      ipv4Mask: 32,
      ipv6Mask: 128,
      capacity: { ipv4: 18, ipv6: 18 },
    });

    // Assess
    expect(selection.excluded).toEqual([{ sourceIp, reason: 'not-routable' }]);
    expect(selection.blocked.map((r) => r.cidr)).toEqual(['198.51.100.7/32']);
  });

  it('keeps public, documentation, carrier-grade NAT and private sources blockable', () => {
    for (const address of ['45.1.2.3', '198.51.100.7', '2001:db8::1', '100.64.0.1', '192.168.1.1', '2600::1'])
      expect(isRoutableSource(address), address).toBe(true);
  });
});

describe('AllowListSource refuses bytes that are not UTF-8 text', () => {
  const body = (bytes: Buffer) =>
    ({ transformToByteArray: async () => new Uint8Array(bytes) }) as unknown as GetObjectCommandOutput['Body'];

  it('keeps the last good list when the object turns into garbage', async () => {
    // Prepare
    const client = new S3Client({ region: 'us-east-1' });
    const s3 = mockClient(client);
    s3.on(GetObjectCommand)
      .resolvesOnce({ Body: body(Buffer.from('192.0.2.0/24\n')), ETag: '"1"' })
      .resolvesOnce({ Body: body(Buffer.from([0x31, 0xff, 0xfe, 0x0a, 0xc3])), ETag: '"2"' });
    const source = new AllowListSource(client, 'bucket', 'allow-list.txt');

    // Act
    const first = await source.read();
    const second = await source.read();

    // Assess
    expect(first.status).toBe('fresh');
    expect(second).toMatchObject({
      status: 'stale',
      failure: expect.stringContaining('cannot read allow list s3://bucket/allow-list.txt'),
    });
    expect(second.status === 'stale' && second.list.networks.map((n) => `${n.address}/${n.prefixLength}`)).toEqual(['192.0.2.0/24']);
    expect(s3.commandCalls(GetObjectCommand)[1]!.args[0].input).toEqual({ Bucket: 'bucket', Key: 'allow-list.txt', IfNoneMatch: '"1"' });
  });
});

describe('summarizer re-queries the minutes an outage made it miss', () => {
  it('queries a minute whose query failed in the next run, although the by-age schedule would skip it', async () => {
    // Prepare: a deployment whose first run (08:01:00) cannot start queries
    const { StartQueryCommand, LimitExceededException } = await import('@aws-sdk/client-cloudwatch-logs');
    const { SimulatedDeployment } = await import('../../../simulation/deployment');
    const start = Date.UTC(2026, 2, 1, 8, 0, 0);
    const deployment = await SimulatedDeployment.create({
      startMs: start,
      vpcCidrs: ['10.0.0.0/16'],
      listenerPort: 443,
      listenerProtocol: 6,
      windowMinutes: 20,
      requeryMinutes: 10,
    });
    const queried: number[] = [];
    deployment.faults.observe((_command, input) => queried.push((input as { startTime: number }).startTime * 1000), StartQueryCommand);
    deployment.faults.fail(StartQueryCommand, () => new LimitExceededException({ message: 'limit', $metadata: {} }));
    deployment.advanceTo(start + 60_000);
    await deployment.invokeSummarizer();
    deployment.faults.clear();

    // Act: a second-half run (08:02:30) schedules ages 1 and 10 only; 08:00 is age 2
    deployment.advanceTo(start + 150_000);
    await deployment.invokeSummarizer();
    deployment.close();

    // Assess
    expect(queried).toContain(start);
    expect(queried).toContain(start + 60_000);
  });
});
