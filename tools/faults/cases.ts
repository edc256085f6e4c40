/**
 * The faults of the campaign, each its own case: how it is injected into the simulated deployment and
 * how it must show (I4: a log line with the reason and a metric). "How it is handled" is the
 * table in docs/failure-handling.md, generated from these cases.
 */
import {
  GetQueryResultsCommand,
  LimitExceededException,
  StartQueryCommand,
  type GetQueryResultsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateNetworkAclEntryCommand,
  CreateTagsCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeVpcsCommand,
  ReplaceNetworkAclAssociationCommand,
  ReplaceNetworkAclEntryCommand,
  type CreateNetworkAclEntryCommandInput,
  type ReplaceNetworkAclAssociationCommandInput,
} from '@aws-sdk/client-ec2';
import { GetObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { InternalErrorException, PublishCommand } from '@aws-sdk/client-sns';
import {
  QueryCommand,
  ThrottlingException as QueryThrottling,
  ValidationException as QueryValidation,
} from '@aws-sdk/client-timestream-query';
import {
  RejectedRecordsException,
  ThrottlingException as WriteThrottling,
  ValidationException as WriteValidation,
  WriteRecordsCommand,
  type WriteRecordsCommandInput,
} from '@aws-sdk/client-timestream-write';
import type { AnomalyMessage } from '../../core/anomaly-message';
import type { MetricName } from '../../core/metrics';
import { ec2Error } from '../../simulation/ec2-network-acls';
import type { CapturedLog } from '../../simulation/log-capture';
import type { PublishedMessage } from '../../simulation/sns';
import { ALLOW_LIST, PARTNER, type FaultContext, type FaultHooks, type PlatformError } from './world';

const BUCKET = 'flood-guard-allow-list';
const KEY = 'allow-list.txt';

/** How a fault must be visible (I4). */
export interface Evidence {
  /** A log line the handler (or Lambda, for a failed invocation) writes, with the reason. */
  readonly log: { readonly describe: string; readonly matches: (line: CapturedLog) => boolean } | 'invocation error';
  /** A metric data point it emits (Lambda's Errors for a failed invocation). */
  readonly metric: { readonly name: MetricName; readonly positive: boolean } | 'Lambda Errors';
}

export interface FaultCase extends FaultHooks {
  readonly name: string;
  /** How the product handles it (docs/failure-handling.md). */
  readonly handling: string;
  readonly evidence: Evidence;
  /** Addresses that must never be denied in this case, besides the VPC and the allow list (I1). */
  readonly protectedAddresses?: readonly string[];
}

const logged = (level: CapturedLog['level'][], text: string) => ({
  describe: `${level.join('/')} "${text}"`,
  matches: (l: CapturedLog) => level.includes(l.level) && l.message.includes(text),
});
const metric = (name: MetricName, positive = true) => ({ name, positive });

// ---- Summarizer faults ------------------------------------------------------------------------

function queryEndsWith(status: 'Failed' | 'Timeout' | 'Cancelled'): FaultHooks {
  return {
    arm: ({ deployment }) =>
      deployment.faults.on(GetQueryResultsCommand, async (input, next) => {
        const output = (await next(input)) as GetQueryResultsCommandOutput;
        return output.status === 'Complete' ? { ...output, status, results: [] } : output;
      }),
  };
}

const summarizerCases: FaultCase[] = [
  {
    name: 'StartQuery LimitExceeded',
    handling:
      'Minute counted incomplete and re-queried by every next run until stored; the verdict is incomplete: may add blocks, never removes one',
    evidence: { log: logged(['warn'], 'Insights query not started'), metric: metric('InsightsQueriesIncomplete') },
    arm: ({ deployment }) =>
      deployment.faults.fail(
        StartQueryCommand,
        () => new LimitExceededException({ message: 'too many concurrent queries', $metadata: {} }),
      ),
  },
  ...(['Failed', 'Timeout', 'Cancelled'] as const).map((status): FaultCase => ({
    name: `Insights query ends ${status}`,
    handling: 'Its rows are not used (a partial bin never overwrites a fuller one); run incomplete: may add, never removes',
    evidence: { log: logged(['warn'], 'Insights query did not complete'), metric: metric('InsightsQueriesIncomplete') },
    ...queryEndsWith(status),
  })),
  {
    name: 'Insights query still Running at the time budget',
    handling: 'Stopped (StopQuery) at the deadline, minute incomplete; the run still judges and publishes an incomplete verdict',
    evidence: { log: logged(['warn'], 'Insights query stopped at the deadline'), metric: metric('InsightsQueriesIncomplete') },
    // One run's queries never finish: runs that last their whole budget overlap on AWS, which one simulated clock cannot show.
    arm: ({ deployment }) => {
      let until: number | undefined;
      deployment.faults.on(GetQueryResultsCommand, async (input, next) => {
        until ??= deployment.now() + 60_000;
        return deployment.now() < until ? { status: 'Running', results: [], statistics: {}, $metadata: {} } : next(input);
      });
    },
  },
  {
    name: 'WriteRecords throttled',
    handling: 'SDK retries; a batch still failing is counted and the run is incomplete (never removes a block)',
    evidence: { log: logged(['error'], 'packet-bin write failed'), metric: metric('BinWriteFailures') },
    arm: ({ deployment }) =>
      deployment.faults.fail(
        WriteRecordsCommand,
        () => new WriteThrottling({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }),
      ),
  },
  {
    name: 'WriteRecords RejectedRecords',
    handling: 'Rejected records logged with the reason and counted; the run is incomplete',
    evidence: { log: logged(['warn'], 'packet-bin record rejected'), metric: metric('BinRecordsRejected') },
    arm: ({ deployment }) =>
      deployment.faults.on(WriteRecordsCommand, async (input) => {
        const message = 'One or more records have been rejected.';
        const count = (input as WriteRecordsCommandInput).Records?.length ?? 0;
        throw new RejectedRecordsException({
          message,
          Message: message,
          $metadata: {},
          RejectedRecords: Array.from({ length: count }, (_, i) => ({ RecordIndex: i, Reason: 'injected: record rejected' })),
        });
      }),
  },
  {
    name: 'WriteRecords validation error',
    handling: 'Batch counted failed, run incomplete; the next run rewrites the bins (newer version)',
    evidence: { log: logged(['error'], 'packet-bin write failed'), metric: metric('BinWriteFailures') },
    arm: ({ deployment }) =>
      deployment.faults.fail(WriteRecordsCommand, () => new WriteValidation({ message: 'invalid', Message: 'invalid', $metadata: {} })),
  },
  {
    name: 'Z-score query throttled',
    handling: 'No baseline, no verdict: nothing published, so nothing is unblocked; the invocation fails (Step Functions records it)',
    evidence: { log: logged(['error'], 'Z-score query failed'), metric: metric('IncompleteRuns') },
    arm: ({ deployment }) =>
      deployment.faults.fail(
        QueryCommand,
        () => new QueryThrottling({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }),
      ),
  },
  {
    name: 'Z-score query failing',
    handling: 'As throttled: no verdict published, blocks stay; the next healthy run decides',
    evidence: { log: logged(['error'], 'Z-score query failed'), metric: metric('IncompleteRuns') },
    arm: ({ deployment }) =>
      deployment.faults.fail(QueryCommand, () => new QueryValidation({ message: 'query failed', Message: 'query failed', $metadata: {} })),
  },
  {
    name: 'SNS publish failing',
    handling: 'Verdict lost, the updater keeps the ACL as it is; SummarizerRuns 0 for the run (alarm); next publish converges',
    evidence: { log: logged(['error'], 'publishing the verdict failed'), metric: metric('SummarizerRuns', false) },
    arm: ({ deployment }) =>
      deployment.faults.fail(PublishCommand, () => new InternalErrorException({ message: 'internal error', $metadata: {} })),
  },
];

// ---- Allow-list faults ------------------------------------------------------------------------

function s3Error(name: string, status: number): () => Error {
  return () => new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

/** Garbage that is not UTF-8 text: a stand-in for a corrupted or binary upload. */
function garbageBytes(): Buffer {
  let state = 7;
  return Buffer.from(
    Array.from({ length: 4096 }, () => ((state = (state * 1103515245 + 12345) >>> 0) >>> 16) & 0xff).map((b, i) =>
      i % 64 === 0 ? 0xc3 : b,
    ),
  );
}

const allowListStale = { log: logged(['warn', 'error'], 'allow list'), metric: metric('AllowListReadFailures') };
const restoreAllowList = ({ deployment }: FaultContext) => deployment.s3.putObject(BUCKET, KEY, ALLOW_LIST);

const allowListCases: FaultCase[] = [
  {
    name: 'allow list 403',
    handling: 'The last list read successfully stands in (none yet: the run changes nothing); counted and logged',
    evidence: allowListStale,
    arm: ({ deployment }) => deployment.faults.fail(GetObjectCommand, s3Error('AccessDenied', 403)),
  },
  {
    name: 'allow list 404',
    handling: 'As 403: last good list, or no change at all without one',
    evidence: allowListStale,
    arm: ({ deployment }) => deployment.s3.deleteObject(BUCKET, KEY),
    disarm: restoreAllowList,
  },
  {
    name: 'allow list slow (20 s)',
    handling:
      'Waited for within the 2-minute function timeout; the verdict is applied late but correctly (latency shows as Lambda Duration)',
    evidence: { log: logged(['info'], 'anomaly message applied'), metric: metric('BlockedSourceNetworks') },
    arm: ({ deployment }) =>
      deployment.faults.on(GetObjectCommand, async (input, next) => {
        deployment.advanceTo(deployment.now() + 20_000);
        return next(input);
      }),
  },
  {
    name: 'allow list garbage bytes',
    handling: 'Not UTF-8 text: treated as a failed read, the last good list stands in (a corrupted upload never unprotects a partner)',
    evidence: allowListStale,
    arm: ({ deployment }) => deployment.s3.putObject(BUCKET, KEY, garbageBytes()),
    disarm: restoreAllowList,
  },
  {
    name: 'allow list of 10 MB',
    handling: 'Refused above 1 MiB (memory, time): the last good list stands in; counted and logged',
    evidence: allowListStale,
    arm: ({ deployment }) => deployment.s3.putObject(BUCKET, KEY, '203.0.113.200/32\n'.repeat((10 * 1024 * 1024) / 17)),
    disarm: restoreAllowList,
  },
];

// ---- EC2 faults -------------------------------------------------------------------------------

const throttled = () => ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503);
const ec2Commands = [
  ['DescribeNetworkAcls', DescribeNetworkAclsCommand],
  ['DescribeVpcs', DescribeVpcsCommand],
  ['CreateNetworkAclEntry', CreateNetworkAclEntryCommand],
  ['ReplaceNetworkAclEntry', ReplaceNetworkAclEntryCommand],
  ['DeleteNetworkAclEntry', DeleteNetworkAclEntryCommand],
  ['ReplaceNetworkAclAssociation', ReplaceNetworkAclAssociationCommand],
  ['CreateTags', CreateTagsCommand],
] as const;

const ec2Cases: FaultCase[] = [
  ...ec2Commands.map(([name, command]): FaultCase => ({
    name: `EC2 RequestLimitExceeded on ${name}`,
    handling:
      name === 'CreateTags'
        ? 'Retried with backoff; the watermark tag is only a record: the verdict stays applied, the failure is logged'
        : 'Retried with backoff (counted); still throttled, the invocation fails before any subnet moves onto a half-written ACL; Lambda retries, the next verdict converges',
    evidence: {
      log: name === 'CreateTags' ? logged(['error'], 'could not record the applied message time') : 'invocation error',
      metric: metric('Ec2ApiRetries'),
    },
    arm: ({ deployment }) => deployment.faults.fail(command, throttled),
  })),
  {
    name: 'NetworkAclEntryLimitExceeded (account quota 5, configured 20)',
    handling:
      'Refused rules reported unblocked, never counted blocked; the real quota is learnt; an ACL with no deny rule placed is not swapped in',
    evidence: { log: logged(['warn'], 'deny rules refused by the account quota'), metric: metric('AclEntryLimitExceeded') },
    deployment: { accountRuleLimit: 5 },
    arm: () => undefined,
  },
  {
    name: 'ACL entry changed by someone else mid-run',
    handling:
      'The call fails (entry exists); the invocation fails before moving subnets; the next run re-reads and rewrites the inactive ACL',
    evidence: { log: 'invocation error', metric: 'Lambda Errors' },
    arm: ({ deployment }) =>
      deployment.faults.on(
        CreateNetworkAclEntryCommand,
        async (input, next) => {
          const entry = input as CreateNetworkAclEntryCommandInput;
          await deployment.ec2.createNetworkAclEntry({
            NetworkAclId: entry.NetworkAclId,
            RuleNumber: entry.RuleNumber,
            Egress: entry.Egress,
            Protocol: '-1',
            RuleAction: 'allow',
            CidrBlock: '0.0.0.0/0',
          });
          return next(input);
        },
        1,
      ),
  },
  {
    name: 'subnet association changed by someone else mid-run',
    handling:
      'ReplaceNetworkAclAssociation answers NotFound for the stale id; invocation fails; the next run reads the new association and converges',
    evidence: { log: 'invocation error', metric: 'Lambda Errors' },
    arm: ({ deployment }) =>
      deployment.faults.on(
        ReplaceNetworkAclAssociationCommand,
        async (input, next) => {
          const { AssociationId } = input as ReplaceNetworkAclAssociationCommandInput;
          const subnet = deployment.subnetIds.find((id) => deployment.ec2.associationIdOf(id) === AssociationId)!;
          await deployment.ec2.replaceNetworkAclAssociation({ AssociationId, NetworkAclId: deployment.ec2.aclOf(subnet) });
          return next(input);
        },
        1,
      ),
  },
  {
    name: 'updater time budget ends half-way through moving subnets',
    handling:
      'Subnets are split, each on a fully written ACL (the target was complete before the first move); the next run consolidates them',
    evidence: { log: 'invocation error', metric: 'Lambda Errors' },
    arm: ({ deployment }) =>
      deployment.faults.on(
        ReplaceNetworkAclAssociationCommand,
        async (input, next) => {
          await next(input);
          throw new Error('Task timed out after 120.00 seconds');
        },
        1,
      ),
  },
];

// ---- Message faults ---------------------------------------------------------------------------

/** A message published by a run, parsed, with changes. */
function variant(message: PublishedMessage, change: (m: AnomalyMessage) => AnomalyMessage): PublishedMessage {
  return {
    ...message,
    messageId: `${message.messageId}-variant`,
    message: JSON.stringify(change(JSON.parse(message.message) as AnomalyMessage)),
  };
}

const newer = (m: AnomalyMessage) => new Date(Date.parse(m.generatedAt) + 1).toISOString();
const ignored = { log: logged(['info'], 'not newer than the one last applied'), metric: metric('MessagesIgnored') };

function withSource(sourceIp: string): (m: AnomalyMessage) => AnomalyMessage {
  return (m) => ({ ...m, generatedAt: newer(m), anomalies: [{ sourceIp, maxZScore: 1_000, maxPackets: 1_000_000 }, ...m.anomalies] });
}

function deliverAlsoVariant(change: (m: AnomalyMessage) => AnomalyMessage): FaultHooks['deliver'] {
  return async (ctx, messages) => {
    for (const message of messages) {
      await ctx.invokeUpdater(message);
      await ctx.invokeUpdater(variant(message, change));
    }
  };
}

let heldBack: PublishedMessage[] = [];
let secondContainer: ((event: never) => Promise<void>) | undefined;

const messageCases: FaultCase[] = [
  {
    name: 'two updater invocations overlapping',
    handling:
      'Reserved concurrency 1 serializes them (Lambda retries the throttled one); a late retry reaching a fresh container is ignored by the watermark tag',
    evidence: ignored,
    arm: (ctx) => {
      heldBack = [];
      secondContainer = ctx.deployment.coldStartUpdater() as (event: never) => Promise<void>;
    },
    deliver: async (ctx, messages) => {
      for (const message of messages) await ctx.invokeUpdater(message);
      for (const late of heldBack) await ctx.invokeUpdater(late, secondContainer);
      heldBack = messages;
    },
  },
  {
    name: 'duplicated messages',
    handling: 'The second copy is not newer than the one applied: ignored without an EC2 call',
    evidence: ignored,
    arm: () => undefined,
    deliver: async (ctx, messages) => {
      for (const message of messages) {
        await ctx.invokeUpdater(message);
        await ctx.invokeUpdater(message);
      }
    },
  },
  {
    name: 'reordered messages',
    handling: 'A message older than the one applied is ignored (generatedAt watermark, kept in memory and as an ACL tag)',
    evidence: ignored,
    arm: () => {
      heldBack = [];
    },
    deliver: async (ctx, messages) => {
      for (const message of messages) await ctx.invokeUpdater(message);
      for (const late of heldBack) await ctx.invokeUpdater(late);
      heldBack = messages;
    },
  },
  {
    name: 'message with 10,000 anomalies',
    handling:
      'Highest Z-scores fill the quota within the caps; the rest reported unblocked; allow-listed and VPC sources skipped; the next verdict lifts the extras',
    evidence: { log: logged(['info'], 'anomaly message applied'), metric: metric('UnblockedSourceNetworks') },
    protectedAddresses: ['10.0.3.3', `${PARTNER}`],
    arm: () => undefined,
    deliver: deliverAlsoVariant((m) => ({
      ...m,
      generatedAt: newer(m),
      anomalies: [
        ...m.anomalies,
        { sourceIp: '10.0.3.3', maxZScore: 9_000, maxPackets: 900_000 },
        { sourceIp: PARTNER, maxZScore: 8_000, maxPackets: 800_000 },
        // A storm of sources just above the threshold (the real flooders score higher).
        ...Array.from({ length: 10_000 - m.anomalies.length - 2 }, (_, i) => ({
          sourceIp: `45.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          maxZScore: 3.5 - i / 100_000,
          maxPackets: 20_000,
        })),
      ],
    })),
  },
  {
    name: 'malformed source address',
    handling: 'The whole message is rejected by the schema (counted, logged); the ACL stays as it is',
    evidence: { log: logged(['warn'], 'anomaly message rejected'), metric: metric('MessagesRejected') },
    arm: () => undefined,
    deliver: deliverAlsoVariant(withSource('203.0.113.999')),
  },
  ...(
    [
      ['0.0.0.0', '0.0.0.0'],
      ['broadcast', '255.255.255.255'],
      ['multicast', '224.0.0.251'],
      ['link-local', '169.254.169.254'],
      ['IPv6 link-local', 'fe80::1'],
    ] as const
  ).map(([kind, address]): FaultCase => ({
    name: `${kind} source address (${address})`,
    handling: 'Not a routable source: never blocked (it would waste a rule), skipped as not-routable, counted and logged',
    evidence: {
      log: {
        describe: 'info "not blocked" with reason not-routable',
        matches: (l) => l.message.includes('not blocked') && JSON.stringify(l.attributes).includes('not-routable'),
      },
      metric: metric('AllowListedSourcesSkipped'),
    },
    protectedAddresses: [address],
    arm: () => undefined,
    deliver: deliverAlsoVariant(withSource(address)),
  })),
];

export const FAULT_CASES: readonly FaultCase[] = [...summarizerCases, ...allowListCases, ...ec2Cases, ...messageCases];

/** I4: the evidence shows between arming the fault and the end of the run after it cleared. */
export function evidenceSeen(
  evidence: Evidence,
  logs: readonly CapturedLog[],
  metrics: readonly { at: number; name: string; value: number }[],
  errors: readonly PlatformError[],
  from: number,
  until: number,
): string | undefined {
  const within = (at: number) => at >= from && at <= until;
  const logOk =
    evidence.log === 'invocation error'
      ? errors.some((e) => within(e.at))
      : logs.some((l) => within(l.at) && (evidence.log as Exclude<Evidence['log'], string>).matches(l));
  const metricOk =
    evidence.metric === 'Lambda Errors'
      ? errors.some((e) => within(e.at))
      : metrics.some(
          (m) =>
            within(m.at) &&
            m.name === (evidence.metric as { name: string }).name &&
            ((evidence.metric as { positive: boolean }).positive ? m.value > 0 : m.value === 0),
        );
  const problems = [
    logOk ? undefined : `no log ${evidence.log === 'invocation error' ? 'of a failed invocation' : evidence.log.describe}`,
    metricOk
      ? undefined
      : `no metric ${evidence.metric === 'Lambda Errors' ? 'Lambda Errors' : `${evidence.metric.name} ${evidence.metric.positive ? '> 0' : '= 0'}`}`,
  ].filter(Boolean);
  return problems.length > 0 ? problems.join('; ') : undefined;
}
