/**
 * What a Lambda function writes: Powertools writes metrics (EMF) and INFO logs to stdout, WARN and
 * ERROR logs to stderr. `captureOutput()` keeps both for the test that calls it and puts the
 * streams back when that test ends, passed or failed.
 */
import { onTestFinished, vi } from 'vitest';

/** One metric of an EMF document, as CloudWatch would extract it. */
export interface EmittedMetric {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string | undefined;
  /** Dimension name -> value, for the dimension sets the document declares. */
  readonly dimensions: Record<string, unknown>;
  readonly dimensionSets: string[][];
  readonly value: unknown;
}

export interface EmfDocument {
  readonly _aws: {
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit?: string }> }>;
  };
  readonly [key: string]: unknown;
}

export interface CapturedOutput {
  /** Every EMF document written so far. */
  readonly emfDocuments: () => EmfDocument[];
  /** Every metric of every EMF document written so far. */
  readonly metrics: () => EmittedMetric[];
  /** Every structured log line written so far. */
  readonly logs: () => { level: string; message: string; [key: string]: unknown }[];
  /** Forgets what was written so far. */
  readonly clear: () => void;
}

/** Captures stdout and stderr until the calling test ends. Call it inside a test or a beforeEach hook. */
export function captureOutput(): CapturedOutput {
  const { captured, stop } = startCapture();
  onTestFinished(stop);
  return captured;
}

/** Every metric `act` writes as EMF (what else it writes is dropped). */
export async function metricsWrittenBy(act: () => Promise<unknown>): Promise<EmittedMetric[]> {
  const { captured, stop } = startCapture();
  try {
    await act();
  } finally {
    stop();
  }
  return captured.metrics();
}

function startCapture(): { captured: CapturedOutput; stop: () => void } {
  const chunks: string[] = [];
  const record = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record),
    vi.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
  const objects = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const emfDocuments = () => objects().filter((o) => '_aws' in o) as unknown as EmfDocument[];
  const captured: CapturedOutput = {
    emfDocuments,
    metrics: () => emfDocuments().flatMap(metricsOf),
    logs: () => objects().filter((o) => 'level' in o) as ReturnType<CapturedOutput['logs']>,
    clear: () => {
      chunks.length = 0;
    },
  };
  return { captured, stop: () => spies.forEach((spy) => spy.mockRestore()) };
}

/** The one EMF document a run writes, as metric name -> value and unit, with its namespace and dimensions. */
export function runMetrics(captured: CapturedOutput): {
  namespace: unknown;
  dimensions: unknown;
  values: Record<string, number>;
  units: Record<string, string>;
} {
  const docs = captured.emfDocuments();
  if (docs.length !== 1) throw new Error(`expected one EMF document, got ${docs.length}`);
  const doc = docs[0] as EmfDocument;
  const directive = doc._aws.CloudWatchMetrics[0];
  const values: Record<string, number> = {};
  const units: Record<string, string> = {};
  for (const m of directive?.Metrics ?? []) {
    values[m.Name] = doc[m.Name] as number;
    units[m.Name] = m.Unit as string;
  }
  return { namespace: directive?.Namespace, dimensions: { sets: directive?.Dimensions, VpcId: doc.VpcId }, values, units };
}

function metricsOf(doc: EmfDocument): EmittedMetric[] {
  return doc._aws.CloudWatchMetrics.flatMap((directive) =>
    directive.Metrics.map((metric) => ({
      namespace: directive.Namespace,
      name: metric.Name,
      unit: metric.Unit,
      dimensionSets: directive.Dimensions,
      dimensions: Object.fromEntries(directive.Dimensions.flat().map((d) => [d, doc[d]])),
      value: doc[metric.Name],
    })),
  );
}
