/**
 * Faults of the DynamoDB packet-bin store (binStore=dynamodb): throttled and unprocessed writes,
 * a newer run winning a conditional-write race, window queries that fail or are throttled, and
 * calls that never answer (ended at the client's timeouts, as ./hung-calls.ts describes).
 */
import {
  BatchWriteItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  ThrottlingException,
  type BatchWriteItemCommandInput,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { SimulatedDeployment } from '../../../simulation/deployment';
import { JUDGE_RESERVE_MS } from '../../../functions/summarizer/run';
import { logged, metric, type FaultCase } from '../evidence';
import { hang, seconds, SUMMARIZER_CALL } from './hung-calls';

const DYNAMODB = { binStore: 'dynamodb' } as const;
const WRITE_DEADLINE = `${seconds(JUDGE_RESERVE_MS)} before the 25-s timeout`;
const throttled = () =>
  new ProvisionedThroughputExceededException({ message: 'Throughput exceeds the current capacity of your table or index.', $metadata: {} });

/**
 * A newer run racing this one: before this run's head reaches the table, the same minute (its
 * candidates and head, the same data) is written by a run 1 ms newer, as an overlapping
 * invocation would; this run's conditional write then fails.
 */
async function newerRunFirst(deployment: SimulatedDeployment, input: PutItemCommandInput): Promise<void> {
  if (deployment.binStore.kind !== 'dynamodb' || !input.TableName || !input.Item) return;
  const { dynamodb } = deployment.binStore;
  const head = input.Item;
  const version = Number(head.v?.N);
  const listener = (head.pk?.S ?? '').replace(/^minutes\|/, '');
  const ours = `bins|${listener}|${head.sk?.S ?? ''}|${version}|`;
  for (const item of await dynamodb.allItems(input.TableName)) {
    const pk = item.pk?.S ?? '';
    if (pk.startsWith(ours))
      await dynamodb.putDirect(input.TableName, { ...item, pk: { S: pk.replace(`|${version}|`, `|${version + 1}|`) } });
  }
  await dynamodb.putDirect(input.TableName, { ...head, v: { N: String(version + 1) } });
}

export const dynamoDbCases: FaultCase[] = [
  {
    name: 'DynamoDB PutItem throttled',
    deployment: DYNAMODB,
    handling:
      "SDK retries; a minute whose head still cannot be written is counted failed and keeps its older run's data; the run is incomplete",
    evidence: { log: logged(['error'], 'packet-bin write failed'), metric: metric('BinWriteFailures') },
    arm: ({ deployment }) => deployment.faults.fail(PutItemCommand, throttled),
  },
  {
    name: 'DynamoDB BatchWriteItem throttled',
    deployment: DYNAMODB,
    handling: 'The batch is resent with exponential backoff; still throttled, its minute is counted failed and re-queried; run incomplete',
    evidence: { log: logged(['error'], 'packet-bin write failed'), metric: metric('BinWriteFailures') },
    arm: ({ deployment }) =>
      deployment.faults.fail(
        BatchWriteItemCommand,
        () => new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput.', $metadata: {} }),
      ),
  },
  {
    name: 'DynamoDB BatchWriteItem unprocessed items',
    deployment: DYNAMODB,
    handling:
      "Unprocessed items are resent with exponential backoff; left over, the minute's head is not written (its older run stays) and the run is incomplete",
    evidence: { log: logged(['error'], 'packet-bin write failed'), metric: metric('BinWriteFailures') },
    arm: ({ deployment }) =>
      deployment.faults.on(BatchWriteItemCommand, async (input) => ({
        UnprocessedItems: (input as BatchWriteItemCommandInput).RequestItems,
        $metadata: {},
      })),
  },
  {
    name: 'DynamoDB ConditionalCheckFailedException race',
    deployment: DYNAMODB,
    handling:
      "A newer run stored the minute first: its head and candidates stay (conditional write), this run's write counts as lost, not failed",
    evidence: { log: logged(['info'], 'packet-bin minute kept by a newer run'), metric: metric('IncompleteRuns', false) },
    arm: ({ deployment }) =>
      deployment.faults.on(PutItemCommand, async (input, next) => {
        await newerRunFirst(deployment, input as PutItemCommandInput);
        return next(input);
      }),
  },
  {
    name: 'DynamoDB window query throttled',
    deployment: DYNAMODB,
    handling: 'No baseline, no verdict: nothing published, so nothing is unblocked; the invocation fails (Step Functions records it)',
    evidence: { log: logged(['error'], 'Z-score query failed'), metric: metric('IncompleteRuns') },
    arm: ({ deployment }) => deployment.faults.fail(QueryCommand, throttled),
  },
  {
    name: 'DynamoDB window query failing',
    deployment: DYNAMODB,
    handling: 'As throttled: no verdict published, blocks stay; the next healthy run decides',
    evidence: { log: logged(['error'], 'Z-score query failed'), metric: metric('IncompleteRuns') },
    arm: ({ deployment }) =>
      deployment.faults.fail(QueryCommand, () => new InternalServerError({ message: 'Internal server error', $metadata: {} })),
  },
  {
    name: 'DynamoDB BatchWriteItem hung',
    deployment: DYNAMODB,
    handling: `The batches in flight give up together after ${SUMMARIZER_CALL}; the first that does not answer stops the run's other writes, and none outlasts the run's write deadline (${WRITE_DEADLINE}); the minutes keep their older heads, counted failed; the run is incomplete and the next runs rewrite them`,
    evidence: { log: logged(['error'], 'packet-bin write failed'), metric: metric('BinWriteFailures') },
    ...hang(BatchWriteItemCommand),
  },
  {
    name: 'DynamoDB PutItem hung',
    deployment: DYNAMODB,
    handling: `The head writes in flight give up together after ${SUMMARIZER_CALL} and stop the run's other writes; each minute keeps its older head, counted failed; the run is incomplete and the next runs rewrite the minutes`,
    evidence: { log: logged(['error'], 'packet-bin write failed'), metric: metric('BinWriteFailures') },
    ...hang(PutItemCommand),
  },
  {
    name: 'DynamoDB Query hung',
    deployment: DYNAMODB,
    handling: `The window query gives up after ${SUMMARIZER_CALL}: no baseline, no verdict, nothing unblocked; the invocation fails with its reason logged`,
    evidence: { log: logged(['error'], 'Z-score query failed'), metric: metric('IncompleteRuns') },
    ...hang(QueryCommand),
  },
  {
    name: 'DynamoDB hung (every call)',
    deployment: DYNAMODB,
    handling: `Writes stop at the first that does not answer, by the write deadline at the latest; the window query then gives up after ${SUMMARIZER_CALL}: failed writes counted, no verdict, nothing unblocked, all within the 25 s`,
    evidence: { log: logged(['error'], 'packet-bin write failed'), metric: metric('BinWriteFailures') },
    ...hang(BatchWriteItemCommand, PutItemCommand, QueryCommand),
  },
];
