/**
 * Hung calls: one service at a time never answers. Each call ends at its client's own timeouts and
 * retries (the functions' contracts, functions/common/client-options.ts), on the simulated clock,
 * as the SDK's request handler ends it (simulation/hung-calls.ts); the function then handles the
 * TimeoutError under its usual rules, inside its Lambda timeout and with a log line and a metric.
 */
import { GetQueryResultsCommand, PutLogEventsCommand, StartQueryCommand, StopQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateNetworkAclEntryCommand, DescribeNetworkAclsCommand } from '@aws-sdk/client-ec2';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand } from '@aws-sdk/client-sns';
import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { longestCallMs } from '../../../functions/common/client-options';
import { UPDATER_CALLS, UPDATER_EC2_CALLS } from '../../../functions/nacl-updater/contract';
import { SUMMARIZER_CALLS } from '../../../functions/summarizer/contract';
import type { Route } from '../../../simulation/sdk-routing';
import { failedWith, logged, metric, type FaultCase } from '../evidence';
import type { FaultContext } from '../world';

export const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
export const SUMMARIZER_CALL = seconds(longestCallMs(SUMMARIZER_CALLS));
const UPDATER_CALL = seconds(longestCallMs(UPDATER_CALLS));
const EC2_CALL = seconds(longestCallMs(UPDATER_EC2_CALLS));

/** Every call of these commands hangs while the fault is armed. */
export const hang = (...commands: Route[0][]) => ({
  arm: ({ deployment }: FaultContext) => {
    for (const command of commands) deployment.hangCalls(command);
  },
  endsBeforeLambdaTimeouts: true,
});

export const hungCallCases: FaultCase[] = [
  {
    name: 'Logs Insights hung (every call)',
    handling: `Each call gives up after ${SUMMARIZER_CALL} (timeouts and retries of the client); its minute is incomplete and re-queried by the next runs; the run stops starting queries at its deadline and still publishes an incomplete verdict within 25 s`,
    evidence: { log: logged(['warn'], 'Insights query not started'), metric: metric('InsightsQueriesIncomplete') },
    ...hang(StartQueryCommand, GetQueryResultsCommand, StopQueryCommand),
  },
  {
    name: 'Timestream WriteRecords hung',
    deployment: { binStore: 'timestream' },
    handling: `Batches give up after ${SUMMARIZER_CALL}, inside the reserve the run keeps after its queries; the first that does not answer stops the run's other writes; counted failed, the run is incomplete (never removes a block) and the next run rewrites the bins`,
    evidence: { log: logged(['error'], 'packet-bin write failed'), metric: metric('BinWriteFailures') },
    ...hang(WriteRecordsCommand),
  },
  {
    name: 'Timestream Query hung',
    deployment: { binStore: 'timestream' },
    handling: `The Z-score query gives up after ${SUMMARIZER_CALL}: no baseline, no verdict, nothing unblocked; the invocation fails with its reason logged`,
    evidence: { log: logged(['error'], 'Z-score query failed'), metric: metric('IncompleteRuns') },
    ...hang(QueryCommand),
  },
  {
    name: 'SNS Publish hung',
    handling: `The publish gives up after ${SUMMARIZER_CALL}: no verdict, the updater keeps the ACL as it is; SummarizerRuns 0 for the run; the next publish converges`,
    evidence: { log: logged(['error'], 'publishing the verdict failed'), metric: metric('SummarizerRuns', false) },
    ...hang(PublishCommand),
  },
  {
    name: 'S3 GetObject hung (allow list)',
    handling: `The read gives up after ${UPDATER_CALL}, inside the 2-minute timeout: the last good allow list stands in; counted and logged`,
    evidence: { log: logged(['warn', 'error'], 'allow list'), metric: metric('AllowListReadFailures') },
    ...hang(GetObjectCommand),
  },
  {
    name: 'EC2 DescribeNetworkAcls hung',
    handling: `The call gives up after ${EC2_CALL}: the invocation fails before any subnet moves; the message goes back to the verdict queue and is tried again seconds later; the next verdict converges`,
    evidence: { log: failedWith('requestTimeout'), metric: 'Lambda Errors' },
    ...hang(DescribeNetworkAclsCommand),
  },
  {
    name: 'EC2 CreateNetworkAclEntry hung',
    handling: `The write gives up after ${EC2_CALL}: the invocation fails with the inactive ACL half-written and no subnet on it; the next run rewrites it`,
    evidence: { log: failedWith('requestTimeout'), metric: 'Lambda Errors' },
    ...hang(CreateNetworkAclEntryCommand),
  },
  {
    name: 'CloudWatch Logs PutLogEvents hung (audit log)',
    handling: `The audit write gives up after ${UPDATER_CALL}: the blocks stay in place; counted and logged`,
    evidence: { log: logged(['error'], 'audit log write failed'), metric: metric('AuditLogWriteFailures') },
    ...hang(PutLogEventsCommand),
  },
];
