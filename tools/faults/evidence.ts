/**
 * What a fault case is, and I4: every fault must show, as a log line with the reason and a metric,
 * between arming it and the end of the run after it cleared.
 */
import type { MetricName } from '../../core/metrics';
import type { CapturedLog, CapturedMetric } from '../../simulation/telemetry-capture';
import type { FaultHooks, PlatformError } from './world';

/** How a fault must be visible (I4). */
export interface Evidence {
  /** A log line the handler (or Lambda, for a failed invocation) writes, with the reason. */
  readonly log:
    | { readonly describe: string; readonly matches: (line: CapturedLog) => boolean }
    | { readonly describe: string; readonly matchesError: (error: PlatformError) => boolean }
    | 'invocation error';
  /** A metric data point it emits (Lambda's Errors for a failed invocation). */
  readonly metric: { readonly name: MetricName; readonly positive: boolean } | 'Lambda Errors';
}

export interface FaultCase extends FaultHooks {
  readonly name: string;
  /** How the product handles it (docs/failure-handling.md). */
  readonly handling: string;
  readonly evidence: Evidence;
  /**
   * The fault must never make an invocation run into its Lambda timeout, which the platform reports
   * with nothing but "Task timed out" and no metric of the function (I4): a hung call must end first.
   */
  readonly endsBeforeLambdaTimeouts?: boolean;
  /** Addresses that must never be denied in this case, besides the VPC and the allow list (I1). */
  readonly protectedAddresses?: readonly string[];
}

type Level = 'info' | 'warn' | 'error';

/** Evidence of a log line at one of `level` whose message contains `text`. */
export const logged = (level: Level[], text: string) => ({
  describe: `${level.join('/')} "${text}"`,
  // Powertools writes the level in capitals (INFO, WARN, ERROR).
  matches: (l: CapturedLog) => level.some((name) => name.toUpperCase() === l.level) && l.message.includes(text),
});

/** Evidence of a failed invocation whose error (as Lambda logs it) contains `text`. */
export const failedWith = (text: string) => ({
  describe: `Lambda error log "${text}"`,
  matchesError: (e: PlatformError) => e.message.includes(text),
});

/** Evidence of a data point of `name`: above zero, or zero when `positive` is false. */
export const metric = (name: MetricName, positive = true) => ({ name, positive });

/** I4: the evidence shows between arming the fault and the end of the run after it cleared. */
export function evidenceSeen(
  evidence: Evidence,
  logs: readonly CapturedLog[],
  metrics: readonly CapturedMetric[],
  errors: readonly PlatformError[],
  from: number,
  until: number,
): string | undefined {
  const within = (at: number) => at >= from && at <= until;
  const { log } = evidence;
  const logOk =
    log === 'invocation error'
      ? errors.some((e) => within(e.at))
      : 'matchesError' in log
        ? errors.some((e) => within(e.at) && log.matchesError(e))
        : logs.some((l) => within(l.at) && log.matches(l));
  const metricOk =
    evidence.metric === 'Lambda Errors'
      ? errors.some((e) => within(e.at))
      : metrics.some(
          (m) =>
            within(m.at) &&
            m.name === (evidence.metric as { name: string }).name &&
            ((evidence.metric as { positive: boolean }).positive ? m.value > 0 : m.value === 0),
        );
  const problems = [
    logOk ? undefined : `no log ${evidence.log === 'invocation error' ? 'of a failed invocation' : evidence.log.describe}`,
    metricOk
      ? undefined
      : `no metric ${evidence.metric === 'Lambda Errors' ? 'Lambda Errors' : `${evidence.metric.name} ${evidence.metric.positive ? '> 0' : '= 0'}`}`,
  ].filter(Boolean);
  return problems.length > 0 ? problems.join('; ') : undefined;
}
