/** Faults of the summarizer's services: Logs Insights, Timestream writes and queries, SNS (DynamoDB's: ./dynamodb.ts). */
import {
  GetQueryResultsCommand,
  LimitExceededException,
  StartQueryCommand,
  type GetQueryResultsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
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
import { logged, metric, type FaultCase } from '../evidence';
import type { FaultHooks } from '../world';

/** Timestream's own faults: they run on a Timestream deployment. */
const TIMESTREAM = { binStore: 'timestream' } as const;

function queryEndsWith(status: 'Failed' | 'Timeout' | 'Cancelled'): FaultHooks {
  return {
    arm: ({ deployment }) =>
      deployment.faults.on(GetQueryResultsCommand, async (input, next) => {
        const output = (await next(input)) as GetQueryResultsCommandOutput;
        return output.status === 'Complete' ? { ...output, status, results: [] } : output;
      }),
  };
}

export const summarizerCases: FaultCase[] = [
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
    deployment: TIMESTREAM,
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
    deployment: TIMESTREAM,
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
    deployment: TIMESTREAM,
    handling: 'Batch counted failed, run incomplete; the next run rewrites the bins (newer version)',
    evidence: { log: logged(['error'], 'packet-bin write failed'), metric: metric('BinWriteFailures') },
    arm: ({ deployment }) =>
      deployment.faults.fail(WriteRecordsCommand, () => new WriteValidation({ message: 'invalid', Message: 'invalid', $metadata: {} })),
  },
  {
    name: 'Z-score query throttled',
    deployment: TIMESTREAM,
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
    deployment: TIMESTREAM,
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
