import { vi } from 'vitest';

/** One metric of an EMF document, as CloudWatch would extract it. */
export interface EmittedMetric {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string | undefined;
  /** Dimension name -> value, for the one dimension set the document declares. */
  readonly dimensions: Record<string, unknown>;
  readonly dimensionSets: string[][];
  readonly value: unknown;
}

interface EmfDocument {
  readonly _aws: {
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit?: string }> }>;
  };
  readonly [key: string]: unknown;
}

/**
 * Runs `act` while capturing what is written to stdout (where Powertools Metrics writes its EMF
 * lines) and returns every metric of every EMF document found there. Other output passes through.
 */
export async function captureEmf(act: () => Promise<unknown>): Promise<EmittedMetric[]> {
  const lines: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    const documents = text.split('\n').filter((line) => line.includes('"_aws"'));
    if (documents.length > 0) {
      lines.push(...documents);
      return true;
    }
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write);
  try {
    await act();
  } finally {
    spy.mockRestore();
  }
  return lines.flatMap((line) => metricsOf(JSON.parse(line) as EmfDocument));
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
