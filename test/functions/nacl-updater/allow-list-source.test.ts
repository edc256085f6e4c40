import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { cidrText } from '../../../core/addresses';
import { AllowListSource } from '../../../functions/nacl-updater/allow-list-source';
import { mockSdk } from '../../support/sdk';

const s3 = mockSdk(S3Client);

const body = (bytes: Buffer) => ({ transformToByteArray: async () => new Uint8Array(bytes) }) as unknown as GetObjectCommandOutput['Body'];

describe('AllowListSource refuses bytes that are not UTF-8 text', () => {
  it('keeps the last good list when the object turns into garbage', async () => {
    // Prepare
    s3.on(GetObjectCommand)
      .resolvesOnce({ Body: body(Buffer.from('192.0.2.0/24\n')), ETag: '"1"' })
      .resolvesOnce({ Body: body(Buffer.from([0x31, 0xff, 0xfe, 0x0a, 0xc3])), ETag: '"2"' });
    const source = new AllowListSource(new S3Client({ region: 'us-east-1' }), 'bucket', 'allow-list.txt');

    // Act
    const first = await source.read();
    const second = await source.read();

    // Assess
    expect(first.status).toBe('fresh');
    expect(second).toMatchObject({
      status: 'stale',
      failure: expect.stringContaining('cannot read allow list s3://bucket/allow-list.txt'),
    });
    expect(second.status === 'stale' && second.list.networks.map(cidrText)).toEqual(['192.0.2.0/24']);
    expect(s3.commandCalls(GetObjectCommand)[1]!.args[0].input).toEqual({ Bucket: 'bucket', Key: 'allow-list.txt', IfNoneMatch: '"1"' });
  });
});
