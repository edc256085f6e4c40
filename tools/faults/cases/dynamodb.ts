/**
 * Faults of the DynamoDB packet-bin store (binStore=dynamodb): throttled and unprocessed writes,
 * a newer run winning a conditional-write race, and window queries that fail or are throttled.
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
import { logged, metric, type FaultCase } from '../evidence';

const DYNAMODB = { binStore: 'dynamodb' } as const;
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
];
