/**
 * The packet-bin store of one deployment: Timestream for LiveAnalytics or DynamoDB, as the
 * `binStore` context key says, and nothing of the other (docs/architecture.md, Packet-bin store).
 * The resources are created in the detection construct's scope, so their logical ids are the
 * ones the stack always had.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as timestream from 'aws-cdk-lib/aws-timestream';
import type { Construct, IDependable } from 'constructs';
import { DYNAMODB_BIN_TABLE_KEYS, PACKET_BINS_TABLE, type SummarizerResources } from '../functions/summarizer/contract';
import type { FloodGuardConfig } from './config';
import { acknowledge } from './nag';
import { regionalServiceHost } from './partition';

export type BinStoreResources = Pick<SummarizerResources, 'timestreamDatabase' | 'timestreamTable' | 'dynamoDbTable'>;

export interface BinStore {
  /** What the summarizer's environment names of the store. */
  readonly resources: BinStoreResources;
  /** The resource the summarizer must be created after. */
  readonly dependable: IDependable;
  /** Why the summarizer role's `Resource::*` statements cannot be scoped, with this store. */
  readonly unscopedActions: string;
  /** The least the summarizer needs: write and read the bins, on this store only. */
  grant(role: iam.IRole): void;
}

export function createBinStore(scope: Construct, config: FloodGuardConfig, key: kms.IKey): BinStore {
  return config.binStore === 'dynamodb' ? dynamoDbStore(scope, key) : timestreamStore(scope, config, key);
}

function timestreamStore(scope: Construct, config: FloodGuardConfig, key: kms.IKey): BinStore {
  const database = new timestream.CfnDatabase(scope, 'Database', { kmsKeyId: key.keyArn });
  database.applyRemovalPolicy(RemovalPolicy.DESTROY);
  const table = new timestream.CfnTable(scope, 'PacketBins', {
    databaseName: database.ref,
    tableName: PACKET_BINS_TABLE,
    retentionProperties: {
      MemoryStoreRetentionPeriodInHours: String(memoryStoreHours(config.windowMinutes, config.requeryMinutes)),
      MagneticStoreRetentionPeriodInDays: '1',
    },
  });
  table.applyRemovalPolicy(RemovalPolicy.DESTROY);
  for (const resource of [database, table]) {
    acknowledge(
      resource,
      'CloudFormation-Validate::W3697',
      'Timestream for LiveAnalytics is closed to new customers since 2025-06-20 (docs/limits.md): binStore=timestream serves accounts that already use it; binStore=dynamodb deploys no Timestream resource.',
    );
  }
  return {
    resources: { timestreamDatabase: database.ref, timestreamTable: table.attrName },
    dependable: table,
    unscopedActions:
      'logs:GetQueryResults/StopQuery and timestream:DescribeEndpoints have no resource type (Service Authorization Reference); X-Ray PutTraceSegments/PutTelemetryRecords likewise.',
    grant: (role) => {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PacketBins',
          actions: ['timestream:WriteRecords', 'timestream:Select'],
          resources: [table.attrArn],
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'TimestreamEndpointDiscovery',
          // Timestream clients must discover their cell endpoint first; DescribeEndpoints has no resource type.
          actions: ['timestream:DescribeEndpoints'],
          resources: ['*'],
        }),
      );
    },
  };
}

/** On demand (pay per request), encrypted with the stack key, items expiring by TTL. */
function dynamoDbStore(scope: Construct, key: kms.IKey): BinStore {
  const { partitionKey, sortKey, timeToLive } = DYNAMODB_BIN_TABLE_KEYS;
  const table = new dynamodb.Table(scope, 'PacketBinTable', {
    partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    timeToLiveAttribute: timeToLive,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  acknowledge(
    table,
    'AwsSolutions-DDB3',
    'The table holds packet bins that expire within the baseline window plus an hour and are re-derived from the flow logs: a point-in-time restore would bring back stale bins, so there is nothing to recover.',
  );
  return {
    resources: { dynamoDbTable: table.tableName },
    dependable: table,
    unscopedActions:
      'logs:GetQueryResults/StopQuery have no resource type (Service Authorization Reference); X-Ray PutTraceSegments/PutTelemetryRecords likewise.',
    grant: (role) => {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PacketBins',
          actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:Query'],
          resources: [table.tableArn],
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PacketBinTableKey',
          // DynamoDB uses the table's key on the caller's behalf, and only through DynamoDB.
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': regionalServiceHost('dynamodb') } },
        }),
      );
    },
  };
}

/**
 * Memory-store retention: the whole window plus the re-queried minutes, rounded up to hours, so
 * every bin a run rewrites or reads is in the fast store (reference: 2 h for a 60-minute window).
 */
export function memoryStoreHours(windowMinutes: number, requeryMinutes: number): number {
  return Math.max(2, Math.ceil((windowMinutes + requeryMinutes) / 60));
}
