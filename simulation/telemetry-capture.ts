/**
 * The telemetry port recording instead of printing, for the simulation and the tests. It is the
 * production implementation (powertoolsTelemetry) over Powertools subclasses that keep the JSON
 * Powertools would write to standard output: each log line as Logger serializes it, each EMF
 * document as Metrics serializes it. Checks on what a run logged or counted therefore read the
 * real output format.
 */
import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricName } from '../core/metrics';
import { powertoolsTelemetry, type PowertoolsFactory, type TelemetryOptions } from '../functions/common/powertools-telemetry';
import type { Telemetry } from '../functions/common/telemetry';

/** A log line as Powertools writes it: level, message, service, timestamp, persistent keys, the call's fields. */
export type LogEntry = Readonly<Record<string, unknown>> & { readonly level: string; readonly message: string };

export interface CapturedLog {
  /** When it was written, by the capture's clock (simulated time in the simulation). */
  readonly at: number;
  /** As Powertools writes it: INFO, WARN, ERROR. */
  readonly level: string;
  readonly message: string;
  /** The fields the call passed (the entry without the keys Powertools and the telemetry add to every line). */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly entry: LogEntry;
}

/** Keys on every line that the call did not pass: Powertools' own, the Lambda context's, and the telemetry's vpcId. */
const LINE_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'sampling_rate',
  'xray_trace_id',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'tenant_id',
  'vpcId',
]);

/** An EMF document as Powertools Metrics writes it. */
export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string;
      readonly Dimensions: ReadonlyArray<readonly string[]>;
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit?: string }>;
    }>;
  };
  readonly [key: string]: unknown;
}

/** One data point of an EMF document, as CloudWatch extracts it. */
export interface CapturedMetric {
  readonly at: number;
  readonly namespace: string;
  readonly name: string;
  readonly unit: string | undefined;
  /** Dimension name -> value, for the one dimension set the document declares. */
  readonly dimensions: Readonly<Record<string, unknown>>;
  readonly dimensionSets: ReadonlyArray<readonly string[]>;
  readonly value: number;
}

export interface CapturedFlush {
  readonly at: number;
  readonly document: EmfDocument;
}

type Sink = (json: string) => void;

class RecordingLogger extends Logger {
  constructor(
    options: ConstructorParameters<typeof Logger>[0],
    private readonly sink: Sink,
  ) {
    super(options);
  }

  /** Where Powertools prints the line: the same serialization, kept instead. */
  protected override printLog(logLevel: number, log: LogItem): void {
    // Powertools may warn from its own constructor, before `sink` is set.
    if (!this.sink) return super.printLog(logLevel, log);
    this.sink(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }
}

class RecordingMetrics extends Metrics {
  constructor(
    options: ConstructorParameters<typeof Metrics>[0],
    private readonly sink: Sink,
  ) {
    super(options);
  }

  /** Also called by Powertools itself when a metric reaches 100 values: every document is kept. */
  override publishStoredMetrics(): this {
    if (this.hasStoredMetrics()) this.sink(JSON.stringify(this.serializeMetrics()));
    this.clearMetrics();
    this.clearDimensions();
    this.clearMetadata();
    return this;
  }
}

export class TelemetryCapture {
  readonly logs: CapturedLog[] = [];
  readonly flushes: CapturedFlush[] = [];

  /** @param now clock of `at` (the simulation passes its simulated clock) */
  constructor(private readonly now: () => number = Date.now) {}

  /** A telemetry for one function container, recording here. */
  telemetry(options: TelemetryOptions): Telemetry {
    const factory: PowertoolsFactory = {
      logger: (o) => new RecordingLogger(o, (json) => this.recordLog(json)),
      metrics: (o) => new RecordingMetrics(o, (json) => this.flushes.push({ at: this.now(), document: JSON.parse(json) as EmfDocument })),
    };
    return powertoolsTelemetry(options, factory);
  }

  /** Every data point of every EMF document, in order (a metric added twice in one invocation gives two). */
  get metrics(): CapturedMetric[] {
    return this.flushes.flatMap(dataPoints);
  }

  /** The metrics of each EMF document (one per invocation), data points of a name summed. */
  metricValues(): Partial<Record<MetricName, number>>[] {
    return this.flushes.map((flush) => {
      const values: Partial<Record<string, number>> = {};
      for (const point of dataPoints(flush)) values[point.name] = (values[point.name] ?? 0) + point.value;
      return values as Partial<Record<MetricName, number>>;
    });
  }

  /** Each log line as level, message and the call's fields, in order. */
  lines(): { level: string; message: string; fields: Readonly<Record<string, unknown>> }[] {
    return this.logs.map(({ level, message, fields }) => ({ level, message, fields }));
  }

  /** The metrics of the last EMF document, as metricValues(); empty before the first. */
  lastMetricValues(): Partial<Record<MetricName, number>> {
    return this.metricValues().at(-1) ?? {};
  }

  private recordLog(json: string): void {
    const entry = JSON.parse(json) as LogEntry;
    const fields = Object.fromEntries(Object.entries(entry).filter(([key]) => !LINE_KEYS.has(key)));
    this.logs.push({ at: this.now(), level: entry.level, message: entry.message, fields, entry });
  }
}

/** The data points of one EMF document, as CloudWatch extracts them: one per value of a metric. */
export function dataPoints({ at, document }: CapturedFlush): CapturedMetric[] {
  return document._aws.CloudWatchMetrics.flatMap((directive) =>
    directive.Metrics.flatMap((metric) => {
      const raw = document[metric.Name];
      const values = Array.isArray(raw) ? (raw as number[]) : [raw as number];
      return values.map((value) => ({
        at,
        namespace: directive.Namespace,
        name: metric.Name,
        unit: metric.Unit,
        dimensionSets: directive.Dimensions,
        dimensions: Object.fromEntries(directive.Dimensions.flat().map((d) => [d, document[d]])),
        value,
      }));
    }),
  );
}
