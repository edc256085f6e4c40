/**
 * Builders of test inputs: example identities, function environments, stack context, networks,
 * ACL entries, anomaly messages, SNS events, flow records, Logs Insights rows, Timestream
 * records and flood stories. Every test and harness takes these from here, so an example means the same thing
 * everywhere. Property-based generators live in ./arbitraries and are re-exported.
 */
import type { _Record as TimestreamRecord } from '@aws-sdk/client-timestream-write';
import type { SQSEvent } from 'aws-lambda';
import { parseNetwork, type Network } from '../../core/addresses';
import { ANOMALY_MESSAGE_VERSION, type Anomaly, type AnomalyMessage } from '../../core/anomaly-message';
import { DEFAULT_METRICS_NAMESPACE } from '../../core/metrics';
import type { AclEntry } from '../../core/nacl-plan';
import type { InsightsRow } from '../../core/packet-bins';
import type { FloodGuardMonitoringProps } from '../../dashboards/monitoring-props';
import type { FlowRecord } from '../../core/flow-log-format';
import type { ScenarioSpec } from '../../scenarios/generator';

export { addressLike, anyText, FUZZ_RUNS } from './arbitraries';

// ---- Identities ---------------------------------------------------------------------------------

export const VPC_ID = 'vpc-0123456789abcdef0';
export const SUBNET_IDS = ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'] as const;
export const ACCOUNT = '123456789012';
export const ANOMALIES_TOPIC_ARN = `arn:aws:sns:eu-west-1:${ACCOUNT}:flood-guard-anomalies.fifo`;
export const FLOW_LOG_GROUP = '/flood-guard/flow-logs';
export const AUDIT_LOG_GROUP = '/nacl-flood-guard/audit';
export const ALLOW_LIST_BUCKET = 'flood-guard-allow-list';
export const ALLOW_LIST_KEY = 'allow-list.txt';
export const DENY_LIST_KEY = 'deny-list.txt';
export const VERDICT_QUEUE = 'flood-guard-verdicts.fifo';
export const VERDICT_QUEUE_URL = `https://sqs.us-east-1.amazonaws.com/123456789012/${VERDICT_QUEUE}`;

/** Fake credentials for SDK clients whose calls never leave the process. */
export const TEST_CREDENTIALS = { accessKeyId: 'TEST', secretAccessKey: 'TEST' };

// ---- Networks ------------------------------------------------------------------------------------

/** A parsed network; fails the test at once on a typo instead of passing `undefined` along. */
export function net(cidr: string): Network {
  const network = parseNetwork(cidr);
  if (!network) throw new Error(`test input ${JSON.stringify(cidr)} is not a CIDR without host bits`);
  return network;
}

// ---- Function environments and stack context ------------------------------------------------------

/** The variables the stack gives the summarizer, for a dual-stack VPC and a TCP:443 listener. */
export const SUMMARIZER_ENV = {
  VPC_ID,
  VPC_CIDRS: '10.0.0.0/16,2001:db8:1234:1a00::/56',
  FLOW_LOG_GROUP_NAME: FLOW_LOG_GROUP,
  LISTENERS: '443/tcp',
  TIMESTREAM_DATABASE: 'floodguard',
  TIMESTREAM_TABLE: 'packet_bins',
  ANOMALIES_TOPIC_ARN,
} as const;

/** The variables the stack gives the NACL updater: two subnets, three distinct ACLs. */
export const UPDATER_ENV = {
  VPC_ID,
  VPC_CIDRS: '10.0.0.0/16',
  SUBNET_IDS: SUBNET_IDS.join(','),
  ORIGINAL_NACL_ID: 'acl-00000000000000001',
  BLUE_NACL_ID: 'acl-00000000000000002',
  GREEN_NACL_ID: 'acl-00000000000000003',
  ALLOW_LIST_BUCKET,
  AUDIT_LOG_GROUP_NAME: AUDIT_LOG_GROUP,
  VERDICT_QUEUE_URL,
} as const;

type Overrides = Record<string, string | undefined>;

export function summarizerEnv(overrides: Overrides = {}): Record<string, string | undefined> {
  return { ...SUMMARIZER_ENV, ...overrides };
}

export function updaterEnv(overrides: Overrides = {}): Record<string, string | undefined> {
  return { ...UPDATER_ENV, ...overrides };
}

/** The context keys a deploy must give (`cdk deploy -c ...`), for the example VPC. */
export const STACK_CONTEXT = {
  vpcId: VPC_ID,
  subnetIds: SUBNET_IDS.join(','),
  listenerPort: '443',
  listenerProtocol: 'TCP',
} as const;

/** A context reader over the example keys and overrides, as `parseConfig` takes it. */
export function contextReader(overrides: Record<string, string> = {}): (key: string) => string | undefined {
  const values: Record<string, string> = { ...STACK_CONTEXT, ...overrides };
  return (key) => values[key];
}

/** The deployment settings the monitoring watches: the product's defaults for a TCP:443 endpoint. */
export const MONITORING_SETTINGS = {
  vpcId: VPC_ID,
  metricsNamespace: DEFAULT_METRICS_NAMESPACE,
  listeners: [{ port: 443, protocol: 6 }],
  minZScore: 3,
  minPacketsPerBin: 12_000,
  windowMinutes: 60,
  naclRuleLimit: 20,
  naclRuleNetworkMask: 32,
  naclRuleNetworkMaskIpv6: 128,
} as const satisfies Partial<FloodGuardMonitoringProps>;

// ---- Network ACL entries ------------------------------------------------------------------------------

/** Rule 100 allowing all IPv4 traffic in both directions: what a VPC's default ACL holds. */
export function allowAllEntries(ruleNumber = 100): AclEntry[] {
  return [false, true].map((egress) => ({ ruleNumber, egress, protocol: '-1', ruleAction: 'allow', cidrBlock: '0.0.0.0/0' }));
}

/** An ACL entry as the product models it, from the EC2 API's shape. */
export function aclEntryOf(entry: {
  RuleNumber?: number;
  Egress?: boolean;
  Protocol?: string;
  RuleAction?: string;
  CidrBlock?: string;
  Ipv6CidrBlock?: string;
  PortRange?: { From?: number; To?: number };
}): AclEntry {
  return {
    ruleNumber: entry.RuleNumber ?? 0,
    egress: entry.Egress ?? false,
    protocol: entry.Protocol ?? '-1',
    ruleAction: entry.RuleAction === 'deny' ? 'deny' : 'allow',
    ...(entry.CidrBlock !== undefined ? { cidrBlock: entry.CidrBlock } : {}),
    ...(entry.Ipv6CidrBlock !== undefined ? { ipv6CidrBlock: entry.Ipv6CidrBlock } : {}),
    ...(entry.PortRange ? { portRange: { from: entry.PortRange.From ?? 0, to: entry.PortRange.To ?? 65535 } } : {}),
  };
}

// ---- Anomaly messages and SNS events ------------------------------------------------------------------

/** Simulated time the examples start at: 2026-03-01 12:00 UTC. */
export const START = Date.parse('2026-03-01T12:00:00Z');

/** `count` anomalous sources 198.51.100.1.. (or `prefix`1..), Z-scores descending from `topZ`. */
export function flooders(count: number, options: { prefix?: string; topZ?: number } = {}): Anomaly[] {
  const prefix = options.prefix ?? '198.51.100.';
  const topZ = options.topZ ?? 50;
  return Array.from({ length: count }, (_, i) => ({ sourceIp: `${prefix}${i + 1}`, maxZScore: topZ - i, maxPackets: 50_000 - i * 100 }));
}

let messageClock = START;

/** A valid verdict; each is generated one minute after the previous one unless `generatedAt` is given. */
export function anomalyMessage(
  vpcId: string,
  anomalies: readonly Anomaly[],
  options: { generatedAt?: number; complete?: boolean } = {},
): AnomalyMessage {
  messageClock += 60_000;
  const generatedAt = options.generatedAt ?? messageClock;
  return {
    version: ANOMALY_MESSAGE_VERSION,
    generatedAt: new Date(generatedAt).toISOString(),
    vpcId,
    window: { start: new Date(generatedAt - 3_600_000).toISOString(), minutes: 60, binSeconds: 60 },
    thresholds: { minZScore: 3, minPacketsPerBin: 12_000 },
    baseline: { mean: 100, standardDeviation: 50, binCount: 1000, anomalyThreshold: 250 },
    anomalies: [...anomalies],
    complete: options.complete ?? true,
  };
}

/** The event the verdict queue's event source mapping hands the updater for these message bodies (first receive each). */
export function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `m-${index}`,
      receiptHandle: `rh-m-${index}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(START),
        SenderId: 'AIDASNS',
        ApproximateFirstReceiveTimestamp: String(START),
        MessageGroupId: 'nacl-writes',
        MessageDeduplicationId: `d-${index}`,
        SequenceNumber: String(index + 1).padStart(20, '0'),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:${ACCOUNT}:${VERDICT_QUEUE}`,
      awsRegion: 'us-east-1',
    })),
  };
}

// ---- Flow records, Insights rows, Timestream records ------------------------------------------------

/** An accepted ingress flow to TCP:443 from 198.51.100.1, 100 packets, 5-50 s into `minuteStartS` (Unix seconds). */
export function flowRecord(minuteStartS: number, overrides: Partial<FlowRecord> = {}): FlowRecord {
  return {
    srcAddr: '198.51.100.1',
    dstPort: 443,
    protocol: 6,
    packets: 100,
    start: minuteStartS + 5,
    end: minuteStartS + 50,
    action: 'ACCEPT',
    flowDirection: 'ingress',
    ...overrides,
  };
}

/** A row of the bin query's result; an undefined field is left out, as Insights leaves out empty fields. */
export function insightsRow(source: string | undefined, packets: string | undefined, lagMs?: string): InsightsRow {
  return [
    ...(source === undefined ? [] : [{ field: 'srcAddr', value: source }]),
    ...(packets === undefined ? [] : [{ field: 'binPackets', value: packets }]),
    ...(lagMs === undefined ? [] : [{ field: 'maxLagMs', value: lagMs }]),
  ];
}

/** A Timestream record of a source's packets in the minute starting at `timeMs`. */
export function packetsRecord(source: string, timeMs: number, packets: number | bigint, version?: number): TimestreamRecord {
  return {
    Dimensions: [{ Name: 'source_ip', Value: source }],
    MeasureName: 'packets',
    MeasureValueType: 'BIGINT',
    MeasureValue: String(packets),
    Time: String(timeMs),
    TimeUnit: 'MILLISECONDS',
    ...(version === undefined ? {} : { Version: version }),
  };
}

// ---- Flood stories ------------------------------------------------------------------------------

/**
 * A short flood story: 60 sources steadily sending 100-2,000 packets a minute to 443/tcp for 20
 * minutes, and three flooders in minutes 12 and 13. Stories for other tests override what they need.
 */
export function storySpec(overrides: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return {
    name: 'story',
    description: 'steady sources and a short flood',
    startEpoch: Date.UTC(2026, 3, 1, 0, 0, 0) / 1000,
    minutes: 20,
    seed: 3,
    steadySources: 60,
    steadyPackets: [100, 2000],
    steadyPresence: 1,
    listenerPort: 443,
    listenerProtocol: 6,
    vpcCidrs: ['10.0.0.0/16'],
    endpoint: '10.0.1.10',
    waves: [{ sources: ['203.0.113.1', '203.0.113.2', '203.0.113.3'], fromMinute: 12, minutes: 2, packets: 30_000, packetsStep: 2_000 }],
    ...overrides,
  };
}
