/**
 * The one way every function builds its AWS SDK clients: connection and request timeouts and a
 * number of attempts, chosen in the function's contract below its time budget, so that a call
 * that never answers ends as a TimeoutError the function logs and counts under its own rules
 * (docs/failure-handling.md), never as a Lambda timeout with nothing logged.
 *
 * Pure: options only, no SDK client. The simulation builds its clients with the same options.
 */

/** How long one function's SDK calls may take. */
export interface CallTimeouts {
  /** Time to establish the connection, ms. */
  readonly connectionTimeoutMs: number;
  /** Time for a whole attempt, connection included, before the request handler gives up, ms. */
  readonly requestTimeoutMs: number;
  /** Attempts of one call, the first included: the SDK retries a timed-out attempt as a transient error. */
  readonly maxAttempts: number;
}

/** The standard retry strategy's backoff: up to 100 ms x 2^retry, at most 20 s (its full jitter chooses below). */
export const RETRY_BASE_DELAY_MS = 100;
export const MAX_RETRY_DELAY_MS = 20_000;

/** The longest backoff before retry `retry` (1 = the first retry). */
export function longestRetryDelayMs(retry: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** (retry - 1));
}

/** The longest a call can take: every attempt ending at its request timeout, with the longest backoff between. */
export function longestCallMs(timeouts: CallTimeouts): number {
  let total = timeouts.maxAttempts * timeouts.requestTimeoutMs;
  for (let retry = 1; retry < timeouts.maxAttempts; retry++) total += longestRetryDelayMs(retry);
  return total;
}

/**
 * The client options for these timeouts. The request handler (NodeHttpHandler) only warns at its
 * request timeout unless told to throw: `throwOnRequestTimeout` turns it into the TimeoutError the
 * retry strategy and the function handle.
 */
export function sdkClientOptions(timeouts: CallTimeouts) {
  return {
    maxAttempts: timeouts.maxAttempts,
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}
