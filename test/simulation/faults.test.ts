import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { longestCallMs, sdkClientOptions } from '../../functions/common/client-options';
import { ClockSignals } from '../../simulation/clock-signals';
import { FaultInjector } from '../../simulation/faults';
import { HANG_STEP_MS } from '../../simulation/hung-calls';
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

describe('FaultInjector: hung calls', () => {
  const timeouts = { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 2 };
  function hungWorld() {
    const clock = { now: 0 };
    const signals = new ClockSignals(() => clock.now);
    const sleep = async (ms: number) => {
      clock.now += ms;
      signals.fire();
    };
    const { faults } = wired();
    const s3 = new S3StandIn();
    const client = routeCommands(
      new S3Client({ region: 'us-east-1', ...sdkClientOptions(timeouts) }),
      faults.wrap([[GetObjectCommand, s3.getObject]]),
    );
    faults.hang(GetObjectCommand, { now: () => clock.now, sleep });
    const send = (abortSignal?: AbortSignal) => client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }), { abortSignal });
    return { clock, signals, send };
  }

  it("ends calls hung side by side together, at the client's timeouts and retry", async () => {
    // Prepare
    const { clock, send } = hungWorld();

    // Act
    const ended = await Promise.all(Array.from({ length: 4 }, () => send().catch((error: Error) => [error.name, clock.now])));

    // Assess: each attempt 3 s, the longest backoff 100 ms between (6.1 s, not four times that): four calls waiting by
    // 10-ms steps may each see a wait's end (and their own start) up to three steps late
    for (const [name, at] of ended as [string, number][]) {
      expect(name).toBe('TimeoutError');
      expect(at).toBeGreaterThanOrEqual(longestCallMs(timeouts));
      expect(at).toBeLessThan(longestCallMs(timeouts) + 4 * 4 * HANG_STEP_MS);
    }
  });

  it('ends a hung call at its abort signal, and sends no call whose signal is already aborted', async () => {
    // Prepare
    const { clock, signals, send } = hungWorld();

    // Act
    const aborted = await send(signals.signalAt(1_234)).catch((error: Error) => [error.name, clock.now]);
    const before = clock.now;
    const notSent = await send(signals.signalAt(0)).catch((error: Error) => [error.name, clock.now]);

    // Assess
    expect(aborted).toEqual(['AbortError', 1_240]);
    expect(notSent).toEqual(['AbortError', before]);
  });
});
