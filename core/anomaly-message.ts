import { z } from 'zod';
import { parseAddress } from './addresses';

/**
 * The message the summarizer publishes to the anomalies topic and the NACL updater applies.
 * Bump the version on any incompatible change: the updater rejects versions it does not know.
 */
export const ANOMALY_MESSAGE_VERSION = 1;

const sourceIp = z
  .string()
  .max(64)
  .refine((text) => parseAddress(text)?.address === text, { message: 'not a canonical IPv4 or IPv6 address' });

const finite = z.number().refine(Number.isFinite, { message: 'not a finite number' });
const isoTime = z.iso.datetime({ offset: false });

export const anomalySchema = z.strictObject({
  sourceIp,
  maxZScore: finite,
  maxPackets: z.number().int().nonnegative(),
  /** With several listeners: the listener (`443/tcp`) of the source's largest Z-score. Absent with one. */
  listener: z
    .string()
    .regex(/^\d{1,5}\/(tcp|udp)$/, 'not a listener like 443/tcp')
    .optional(),
});

export const anomalyMessageSchema = z.strictObject({
  version: z.literal(ANOMALY_MESSAGE_VERSION),
  /** When the summarizer run produced the verdict (ISO-8601, UTC). Orders messages. */
  generatedAt: isoTime,
  vpcId: z.string().min(1),
  window: z.strictObject({
    /** First bin start included in the baseline (ISO-8601, UTC). */
    start: isoTime,
    minutes: z.number().int().positive(),
    binSeconds: z.number().int().positive(),
  }),
  thresholds: z.strictObject({
    minZScore: finite,
    minPacketsPerBin: z.number().int().nonnegative(),
  }),
  /** Baseline over the window; null statistics mean the window held no bins. */
  baseline: z.strictObject({
    mean: finite.nullable(),
    standardDeviation: finite.nullable(),
    binCount: z.number().int().nonnegative(),
    anomalyThreshold: finite.nullable(),
  }),
  /** Anomalous sources, highest max Z-score first. */
  anomalies: z.array(anomalySchema).max(10_000),
  /** False when the run could not see complete data: the updater may add blocks, never remove one. */
  complete: z.boolean(),
});

export type Anomaly = z.infer<typeof anomalySchema>;
export type AnomalyMessage = z.infer<typeof anomalyMessageSchema>;

export type ParsedMessage = { ok: true; message: AnomalyMessage } | { ok: false; reason: string };

/** Parses and validates a message body; never throws. */
export function parseAnomalyMessage(body: string): ParsedMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'message body is not JSON' };
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (version !== ANOMALY_MESSAGE_VERSION) {
    return {
      ok: false,
      reason: `unknown message version ${JSON.stringify(version ?? null)}; this updater reads version ${ANOMALY_MESSAGE_VERSION}`,
    };
  }
  const result = anomalyMessageSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { ok: false, reason: `invalid message at ${issue?.path.join('.') || '(root)'}: ${issue?.message}` };
  }
  return { ok: true, message: result.data };
}
