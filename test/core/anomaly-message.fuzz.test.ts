import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../core/addresses';
import { anomalyMessageSchema, parseAnomalyMessage, type AnomalyMessage } from '../../core/anomaly-message';
import type { MetricName } from '../../core/metrics';
import type { UpdaterConfig } from '../../functions/nacl-updater/contract';
import { NaclUpdater } from '../../functions/nacl-updater/updater';
import { addressLike, anyText, FUZZ_RUNS } from '../support/arbitraries';

const VALID: AnomalyMessage = {
  version: 1,
  generatedAt: '2026-03-01T10:00:30.000Z',
  vpcId: 'vpc-0123456789abcdef0',
  window: { start: '2026-03-01T09:00:00.000Z', minutes: 60, binSeconds: 60 },
  thresholds: { minZScore: 3, minPacketsPerBin: 12_000 },
  baseline: { mean: 1200.5, standardDeviation: 300.25, binCount: 4_000, anomalyThreshold: 2101.25 },
  anomalies: [{ sourceIp: '198.51.100.7', maxZScore: 9.5, maxPackets: 40_000 }],
  complete: true,
};

/** Paths into the valid message whose value a mutation replaces. */
const PATHS: readonly (readonly (string | number)[])[] = [
  ['version'],
  ['generatedAt'],
  ['vpcId'],
  ['window'],
  ['window', 'start'],
  ['window', 'minutes'],
  ['window', 'binSeconds'],
  ['thresholds', 'minZScore'],
  ['thresholds', 'minPacketsPerBin'],
  ['baseline', 'mean'],
  ['baseline', 'standardDeviation'],
  ['baseline', 'binCount'],
  ['baseline', 'anomalyThreshold'],
  ['anomalies'],
  ['anomalies', 0],
  ['anomalies', 0, 'sourceIp'],
  ['anomalies', 0, 'maxZScore'],
  ['anomalies', 0, 'maxPackets'],
  ['complete'],
  ['extra'],
  ['anomalies', 0, 'extra'],
];

function mutated(path: readonly (string | number)[], value: unknown): string {
  const message = structuredClone(VALID) as unknown as Record<string | number, unknown>;
  let node = message;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1) as string | number] = value;
  return JSON.stringify(message);
}

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  addressLike,
  fc.constantFrom(
    1e308,
    -1,
    0,
    1.5,
    2 ** 53,
    '1',
    'NaN',
    null,
    true,
    [],
    {},
    '2026-03-01T10:00:30Z',
    '2026-13-01T10:00:30.000Z',
    '2026-03-01T10:00:30.000+02:00',
  ),
);

/** Bodies: raw text, any JSON, and the valid message with one value replaced by something hostile. */
const body = fc.oneof(
  anyText,
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.tuple(fc.constantFrom(...PATHS), hostileValue).map(([path, value]) => mutated(path, value)),
  fc
    .array(fc.record({ sourceIp: addressLike, maxZScore: fc.double(), maxPackets: fc.integer() }), { maxLength: 5 })
    .map((anomalies) => mutated(['anomalies'], anomalies)),
);

/** A parsed message is exactly what the schema accepts, with canonical source addresses and finite numbers. */
function assertWellFormed(message: AnomalyMessage): void {
  expect(anomalyMessageSchema.safeParse(message).success).toBe(true);
  for (const anomaly of message.anomalies) {
    expect(parseAddress(anomaly.sourceIp)?.address).toBe(anomaly.sourceIp);
    expect(Number.isFinite(anomaly.maxZScore)).toBe(true);
  }
  expect(Number.isFinite(Date.parse(message.generatedAt))).toBe(true);
}

describe('fuzz: parseAnomalyMessage', () => {
  it(`never throws, rejects with a reason or returns a well-formed message that round-trips (${FUZZ_RUNS} cases)`, () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(body, (text) => {
        // Act
        const parsed = parseAnomalyMessage(text);

        // Assess
        if (parsed.ok) {
          accepted++;
          assertWellFormed(parsed.message);
          // What was accepted travels again unchanged.
          expect(parseAnomalyMessage(JSON.stringify(parsed.message))).toEqual(parsed);
        } else {
          rejected++;
          expect(parsed.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
    // Both outcomes were exercised, so the property is not vacuous.
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});

const CONFIG: UpdaterConfig = {
  mode: 'block',
  vpcId: VALID.vpcId,
  vpcNetworks: [],
  subnetIds: ['subnet-0123456789abcdef0'],
  originalNaclId: 'acl-00000000',
  blueNaclId: 'acl-00000001',
  greenNaclId: 'acl-00000002',
  naclRuleLimit: 20,
  ipv4Mask: 32,
  ipv6Mask: 128,
  maxNewBlocksPerRun: 20,
  maxBlockedNetworks: 40,
  verdictQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/flood-guard-verdicts.fifo',
  allowListBucket: 'bucket',
  allowListKey: 'allow-list.txt',
  denyListKey: 'deny-list.txt',
  auditLogGroupName: 'audit',
  metricsNamespace: 'AutoNACL',
  serviceName: 'nacl-updater',
  deploymentName: 'nacl-flood-guard',
};

describe('fuzz: the NACL updater counts every rejected message', () => {
  it('MessagesRejected equals the bodies refused (malformed or for another VPC), whatever the batch (1,000 batches)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(body, { maxLength: 6 }), async (bodies) => {
        // Prepare: an allow list that cannot be read stops the run before any EC2 call
        const counted: Partial<Record<MetricName, number>> = {};
        const warnings: string[] = [];
        const updater = new NaclUpdater({
          config: CONFIG,
          acls: {} as never,
          allowList: { read: async () => ({ status: 'unavailable', failure: 'fuzz' }) } as never,
          denyList: { read: async () => ({ status: 'unavailable', failure: 'fuzz' }) },
          audit: {} as never,
          metrics: { add: (name, value) => void (counted[name] = (counted[name] ?? 0) + value) },
          logger: { info: () => undefined, warn: (message) => void warnings.push(message), error: () => undefined },
          now: () => 0,
        });
        // A valid message for another VPC is refused too.
        const expected = bodies.filter((b) => {
          const parsed = parseAnomalyMessage(b);
          return !parsed.ok || parsed.message.vpcId !== CONFIG.vpcId;
        }).length;

        // Act
        await updater.handle(bodies);

        // Assess
        expect(counted.MessagesRejected ?? 0).toBe(expected);
        expect(warnings.filter((w) => w === 'anomaly message rejected')).toHaveLength(expected);
      }),
      { numRuns: 1_000 },
    );
  });
});
