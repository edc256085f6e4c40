import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../simulation/faults';
import { S3StandIn } from '../../simulation/s3';
import { routeCommands } from '../../simulation/sdk-routing';

function wired() {
  const s3 = new S3StandIn();
  s3.createBucket('b');
  s3.putObject('b', 'k', 'hello');
  const faults = new FaultInjector();
  const client = routeCommands(new S3Client({ region: 'us-east-1' }), faults.wrap([[GetObjectCommand, s3.getObject]]));
  return {
    faults,
    client,
    read: async () => (await client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))).Body!.transformToString(),
  };
}

describe('FaultInjector', () => {
  it('fails the next n calls, then lets calls through, and counts what it answered', async () => {
    // Prepare
    const { faults, read } = wired();
    faults.fail(GetObjectCommand, () => new Error('injected'), 2);

    // Act / Assess
    await expect(read()).rejects.toThrow('injected');
    await expect(read()).rejects.toThrow('injected');
    await expect(read()).resolves.toBe('hello');
    expect(faults.fired.get('GetObjectCommand')).toBe(2);
  });

  it('lets an interceptor call the stand-in and change its answer, until cleared', async () => {
    // Prepare
    const { faults, client } = wired();
    faults.on(GetObjectCommand, async (input, next) => ({ ...((await next(input)) as object), ContentType: 'changed' }));

    // Act
    const changed = await client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
    faults.clear();
    const plain = await client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));

    // Assess
    expect(changed.ContentType).toBe('changed');
    expect(plain.ContentType).toBe('text/plain');
  });

  it('tells observers about successful calls only', async () => {
    // Prepare
    const { faults, read } = wired();
    const seen: string[] = [];
    faults.observe((command) => seen.push(command));
    faults.fail(GetObjectCommand, () => new Error('injected'), 1);

    // Act
    await read().catch(() => undefined);
    await read();

    // Assess
    expect(seen).toEqual(['GetObjectCommand']);
  });
});
