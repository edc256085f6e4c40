/**
 * What a Lambda function writes through its telemetry, read from the capture the tests build the
 * handlers with (simulation/telemetry-capture.ts): the JSON log lines and EMF documents exactly as
 * Powertools serializes them for standard output.
 */
import type { LogEntry, TelemetryCapture } from '../../simulation/telemetry-capture';

/** The one EMF document a run writes, as metric name -> value and unit, with its namespace and dimensions. */
export function runMetrics(captured: TelemetryCapture): {
  namespace: unknown;
  dimensions: unknown;
  values: Record<string, number>;
  units: Record<string, string>;
} {
  const docs = captured.flushes;
  if (docs.length !== 1) throw new Error(`expected one EMF document, got ${docs.length}`);
  const doc = docs[0]!.document;
  const directive = doc._aws.CloudWatchMetrics[0];
  const values: Record<string, number> = {};
  const units: Record<string, string> = {};
  for (const m of directive?.Metrics ?? []) {
    values[m.Name] = doc[m.Name] as number;
    units[m.Name] = m.Unit as string;
  }
  return { namespace: directive?.Namespace, dimensions: { sets: directive?.Dimensions, VpcId: doc.VpcId }, values, units };
}

/** The JSON log lines written so far: level, message, service, timestamp and the call's fields. */
export function logLines(captured: TelemetryCapture): LogEntry[] {
  return captured.logs.map((log) => log.entry);
}
