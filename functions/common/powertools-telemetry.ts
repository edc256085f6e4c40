/**
 * The telemetry port on Powertools for AWS Lambda: Logger writes one JSON line per call, Metrics
 * one EMF document per flush, both to the function's standard output, where CloudWatch Logs
 * stores the lines and extracts the metrics. Handler modules create it once per container, so
 * Powertools' cold-start tracking sees the container's first invocation.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { Metrics as Catalogue, METRICS_DIMENSION, type MetricUnit as CatalogueUnit } from '../../core/metrics';
import type { LogFields, Telemetry } from './telemetry';

export interface TelemetryOptions {
  /** The `service` key of every log line (POWERTOOLS_SERVICE_NAME). */
  readonly serviceName: string;
  /** CloudWatch namespace of the metrics (POWERTOOLS_METRICS_NAMESPACE). */
  readonly metricsNamespace: string;
  /**
   * The protected VPC: the value of the metrics' one dimension (VpcId) and a `vpcId` key on
   * every log line. @default none: no dimension and no key (a function that emits no metrics)
   */
  readonly vpcId?: string;
}

/**
 * Makes the Powertools objects. The default makes the stock classes, which write to standard
 * output; the simulation passes subclasses that record the same JSON instead.
 */
export interface PowertoolsFactory {
  readonly logger: (options: NonNullable<ConstructorParameters<typeof Logger>[0]>) => Logger;
  readonly metrics: (options: NonNullable<ConstructorParameters<typeof Metrics>[0]>) => Metrics;
}

const STANDARD_OUTPUT: PowertoolsFactory = {
  logger: (options) => new Logger(options),
  metrics: (options) => new Metrics(options),
};

const UNITS: Record<CatalogueUnit, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Seconds: MetricUnit.Seconds,
  Milliseconds: MetricUnit.Milliseconds,
  Bytes: MetricUnit.Bytes,
  None: MetricUnit.NoUnit,
};

export function powertoolsTelemetry(options: TelemetryOptions, factory: PowertoolsFactory = STANDARD_OUTPUT): Telemetry {
  const logger = factory.logger({
    serviceName: options.serviceName,
    persistentKeys: options.vpcId === undefined ? {} : { vpcId: options.vpcId },
  });
  const metrics = factory.metrics({ namespace: options.metricsNamespace, serviceName: options.serviceName });
  // Powertools adds a `service` dimension by default: every metric would then be a different
  // CloudWatch metric from the one the dashboard and the alarms address (VpcId alone).
  metrics.clearDefaultDimensions();
  if (options.vpcId !== undefined) metrics.setDefaultDimensions({ [METRICS_DIMENSION]: options.vpcId });
  const line = (level: 'info' | 'warn' | 'error') => (message: string, fields?: LogFields) => logger[level](message, { ...fields });
  return {
    logger: { info: line('info'), warn: line('warn'), error: line('error') },
    metrics: {
      add: (name, value) => metrics.addMetric(Catalogue[name].name, UNITS[Catalogue[name].unit], value),
    },
    // Powertools reads only the context's identifying fields; the simulation passes none of them.
    beginInvocation: (context) => {
      if (context) logger.addContext(context as Context);
    },
    // Powertools warns on stdout when asked to publish nothing; a run that counted nothing writes nothing.
    flush: () => {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}
