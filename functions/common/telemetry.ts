/**
 * The telemetry port: how every function logs and counts. Adapters and the run logic take a
 * `Telemetry` (or its logger or metrics) as a dependency; each handler module creates the one
 * Powertools-backed implementation (powertools-telemetry.ts) once per container, and the
 * simulation and the tests create the capturing one, which records the same JSON lines.
 */
import type { MetricName } from '../../core/metrics';

/**
 * Fields of a structured log line, written as keys of the JSON line next to `level`, `message`,
 * `service` and `timestamp`. An Error value is written with its name, message, location and stack.
 */
export type LogFields = Readonly<Record<string, unknown>>;

export interface TelemetryLogger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface TelemetryMetrics {
  /**
   * Adds a data point to a metric of the catalogue (core/metrics.ts), in the catalogue's unit and
   * with the telemetry's dimension. Adding the same name again in one invocation adds another
   * data point: CloudWatch receives all of them.
   */
  add(name: MetricName, value: number): void;
}

/** The parts of the Lambda context written on every log line (all optional: the simulation has none). */
export interface InvocationContext {
  readonly functionName?: string;
  readonly functionVersion?: string;
  readonly invokedFunctionArn?: string;
  readonly memoryLimitInMB?: string;
  readonly awsRequestId?: string;
}

export interface Telemetry {
  readonly logger: TelemetryLogger;
  readonly metrics: TelemetryMetrics;
  /**
   * Starts an invocation: the Lambda context goes on every log line after it, with `cold_start`
   * true on the first invocation of a container (on-demand initialization) and false after.
   */
  beginInvocation(context?: InvocationContext): void;
  /** Ends an invocation: writes the metrics added since the last flush as one EMF document (nothing when none were added). */
  flush(): void;
}

/**
 * Runs one invocation with its telemetry: begins it with the Lambda context and flushes its
 * metrics at the end, also when it throws, so a failed run still reports what it counted.
 */
export async function instrumented<T>(telemetry: Telemetry, context: InvocationContext | undefined, run: () => Promise<T>): Promise<T> {
  telemetry.beginInvocation(context);
  try {
    return await run();
  } finally {
    telemetry.flush();
  }
}
