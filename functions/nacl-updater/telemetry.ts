import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_DIMENSION, Metrics, type MetricName, type MetricUnit as ProductUnit } from '../../core/metrics';

/** Where the updater counts things; flushed once per invocation. */
export interface UpdaterMetrics {
  count(name: MetricName, value: number): void;
  flush(): void;
}

/** The log calls the updater makes (Powertools Logger satisfies it). */
export interface UpdaterLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

const UNITS: Record<ProductUnit, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Seconds: MetricUnit.Seconds,
  Milliseconds: MetricUnit.Milliseconds,
  Bytes: MetricUnit.Bytes,
  None: MetricUnit.NoUnit,
};

/**
 * EMF metrics through Powertools, with VpcId as the only dimension: Powertools adds a `service`
 * dimension by default, which would make every metric a different CloudWatch metric from the
 * ones the dashboard and the reference's alarms address.
 */
export function powertoolsMetrics(namespace: string, serviceName: string, vpcId: string): UpdaterMetrics {
  const metrics = new PowertoolsMetrics({ namespace, serviceName });
  metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions({ [METRICS_DIMENSION]: vpcId });
  return {
    count: (name, value) => metrics.addMetric(Metrics[name].name, UNITS[Metrics[name].unit], value),
    flush: () => metrics.publishStoredMetrics(),
  };
}

export function powertoolsLogger(serviceName: string): UpdaterLogger {
  const logger = new Logger({ serviceName });
  return {
    info: (message, attributes = {}) => logger.info(message, attributes),
    warn: (message, attributes = {}) => logger.warn(message, attributes),
    error: (message, attributes = {}) => logger.error(message, attributes),
  };
}
