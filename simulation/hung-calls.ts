/**
 * A call that never answers, ended as the AWS SDK ends it: the client's request handler
 * (NodeHttpHandler) gives up on each attempt at its requestTimeout with a TimeoutError, the
 * standard retry strategy retries that transient error after its backoff until maxAttempts, and
 * the caller's abort signal ends the call at once. The settings are read from the client itself,
 * so a client built without timeouts hangs until the Lambda timeout stops it, as it would on AWS.
 *
 * Each call measures its timeouts on the clock and waits in short steps: calls that hang at the
 * same time wait side by side, as concurrent requests do, and an abort is seen within a step.
 */
import { longestRetryDelayMs } from '../functions/common/client-options';
import type { SentCall } from './sdk-routing';

/** The request handler's settings as a client resolves them. */
interface HandlerSettings {
  readonly requestTimeout?: number;
  readonly throwOnRequestTimeout?: boolean;
}

interface ClientSettings {
  readonly requestHandler?: { readonly configProvider?: Promise<HandlerSettings> };
  readonly maxAttempts?: () => Promise<number>;
}

/** Longer than any Lambda timeout: a call nothing ends waits until Lambda stops the invocation. */
const FOREVER_MS = 24 * 3600_000;
/** The step a hung call waits at a time: how late it may see an abort or its timeout, times the calls hung with it. */
export const HANG_STEP_MS = 10;

/** The simulated clock a hung call waits on. */
export interface HangClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

async function settingsOf(client: object): Promise<{ requestTimeoutMs: number | undefined; maxAttempts: number }> {
  const config = (client as { config?: ClientSettings }).config;
  const handler = (await config?.requestHandler?.configProvider) ?? {};
  const maxAttempts = (await config?.maxAttempts?.()) ?? 3;
  // Without throwOnRequestTimeout the handler only logs a warning at the timeout and keeps waiting.
  const requestTimeoutMs = handler.throwOnRequestTimeout && handler.requestTimeout ? handler.requestTimeout : undefined;
  return { requestTimeoutMs, maxAttempts };
}

function aborted(): Error {
  return Object.assign(new Error('Request aborted'), { name: 'AbortError' });
}

/** Waits `ms` on the clock in steps; the abort ends the wait at once. */
async function waitFor(ms: number, clock: HangClock, signal: AbortSignal | undefined): Promise<void> {
  const untilMs = clock.now() + ms;
  for (;;) {
    if (signal?.aborted) throw aborted();
    const left = untilMs - clock.now();
    if (left <= 0) return;
    await clock.sleep(Math.min(HANG_STEP_MS, left));
  }
}

/** Never answers: throws what the SDK throws once the client's timeouts and retries are spent (or at the abort). */
export async function hungCall(call: SentCall, clock: HangClock): Promise<never> {
  const { requestTimeoutMs, maxAttempts } = await settingsOf(call.client);
  let retryDelayMs = 0;
  for (let attempt = 1; ; attempt++) {
    await waitFor(requestTimeoutMs ?? FOREVER_MS, clock, call.abortSignal);
    if (attempt >= maxAttempts) {
      const message = `@smithy/node-http-handler - [ERROR] a request has exceeded the configured ${requestTimeoutMs} ms requestTimeout.`;
      throw Object.assign(new Error(message), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
        $metadata: { attempts: attempt, totalRetryDelay: retryDelayMs },
      });
    }
    // The strategy's full jitter picks up to this; the simulation takes the longest, the worst case.
    await waitFor(longestRetryDelayMs(attempt), clock, call.abortSignal);
    retryDelayMs += longestRetryDelayMs(attempt);
  }
}
