import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowLogFormat } from '../../core/flow-log-format';
import { loadConfig as loadSummarizerConfig } from '../../functions/summarizer/contract';
import { ACTIVE_ACL_TAG, loadConfig as loadUpdaterConfig, WATERMARK_TAG } from '../../functions/nacl-updater/contract';
import { ORIGINAL_ACL_TAG } from '../../functions/network-facts/contract';
import { memoryStoreHours } from '../../lib/detection';
import { STACK_CONTEXT, SUBNET_IDS, VPC_ID } from '../support/builders';
import {
  acknowledgements,
  allFindings,
  allStatements,
  asList,
  logicalIdOf,
  resolveCfn,
  symbolic,
  synthesize,
  type Synthesized,
} from '../support/cdk';

const SUBNETS = SUBNET_IDS;
const ARN = 'arn:{AWS::Partition}';
const ACCOUNT = '{AWS::Region}:{AWS::AccountId}';

let synthesized: Synthesized;
let template: Template;
const id: Record<string, string> = {};

beforeAll(() => {
  // The one synthesis that bundles, and one that validates: the bundles and the report are checked below.
  synthesized = synthesize(STACK_CONTEXT, { bundle: true, validate: true });
  template = synthesized.template;
  id.key = logicalIdOf(template, 'AWS::KMS::Key', 'Key');
  id.flowLogGroup = logicalIdOf(template, 'AWS::Logs::LogGroup', 'FlowLogsLogGroup');
  id.summarizer = logicalIdOf(template, 'AWS::Lambda::Function', 'DetectionSummarizerFunction');
  id.updater = logicalIdOf(template, 'AWS::Lambda::Function', 'MitigationNaclUpdaterFunction');
  id.facts = logicalIdOf(template, 'AWS::Lambda::Function', 'NetworkAclsFactsFunction');
  id.summarizerRole = logicalIdOf(template, 'AWS::IAM::Role', 'DetectionSummarizerRole');
  id.updaterRole = logicalIdOf(template, 'AWS::IAM::Role', 'MitigationNaclUpdaterRole');
  id.factsRole = logicalIdOf(template, 'AWS::IAM::Role', 'NetworkAclsFactsFunctionRole');
  id.factsResource = logicalIdOf(template, 'Custom::NetworkFacts', 'NetworkAclsFacts');
  id.blue = logicalIdOf(template, 'AWS::EC2::NetworkAcl', 'NetworkAclsBlue');
  id.green = logicalIdOf(template, 'AWS::EC2::NetworkAcl', 'NetworkAclsGreen');
  id.topic = logicalIdOf(template, 'AWS::SNS::Topic', 'DetectionAnomaliesTopic');
  id.notifications = logicalIdOf(template, 'AWS::SNS::Topic', 'NotificationsTopic');
  id.dlq = logicalIdOf(template, 'AWS::SQS::Queue', 'MitigationVerdictsDeadLetters');
  id.queue = logicalIdOf(template, 'AWS::SQS::Queue', 'MitigationVerdictsQueue');
  id.bucket = logicalIdOf(template, 'AWS::S3::Bucket', 'MitigationAllowList');
  id.accessLogs = logicalIdOf(template, 'AWS::S3::Bucket', 'MitigationAccessLogs');
  id.audit = logicalIdOf(template, 'AWS::Logs::LogGroup', 'MitigationAuditLog');
  id.table = logicalIdOf(template, 'AWS::Timestream::Table', 'DetectionPacketBins');
  id.database = logicalIdOf(template, 'AWS::Timestream::Database', 'DetectionDatabase');
  id.stateMachine = logicalIdOf(template, 'AWS::StepFunctions::StateMachine', 'DetectionSchedule');
});

afterAll(() => synthesized?.dispose());

function resource(logicalId: string): { Type: string; Properties: Record<string, unknown>; DependsOn?: string[]; DeletionPolicy?: string } {
  return template.toJSON().Resources[logicalId];
}

function environmentOf(functionId: string): Record<string, unknown> {
  return (resource(functionId).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** What CloudFormation would substitute at deploy time for the Refs and GetAtts of the functions' environments. */
function deployedIds(): Record<string, string> {
  return {
    [`${id.factsResource}.VpcCidrs`]: '10.0.0.0/16,2001:db8:1234::/56',
    [`${id.factsResource}.OriginalNetworkAclId`]: 'acl-0419000000000000a',
    [`${id.blue}.Id`]: 'acl-0b1e0000000000001',
    [`${id.green}.Id`]: 'acl-06ee0000000000002',
    [id.flowLogGroup]: 'NaclFloodGuard-FlowLogsLogGroup9853A85F-AbCdEf',
    [id.database]: 'DetectionDatabaseFF8194DD-AbCdEf',
    [`${id.table}.Name`]: 'packet-bins',
    [id.topic]: 'arn:aws:sns:eu-west-1:111122223333:NaclFloodGuard-DetectionAnomaliesTopic-AbCdEf.fifo',
    [id.notifications]: 'arn:aws:sns:eu-west-1:111122223333:NaclFloodGuard-NotificationsTopic-AbCdEf',
    [id.queue]: 'https://sqs.eu-west-1.amazonaws.com/111122223333/NaclFloodGuard-MitigationVerdictsQueue-AbCdEf.fifo',
    [id.bucket]: 'naclfloodguard-mitigationallowlist-abcdef',
    [id.audit]: 'NaclFloodGuard-MitigationAuditLog-AbCdEf',
  };
}

function policyOfRole(roleId: string) {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
  return Object.keys(policies).flatMap((owner) =>
    allStatements(template)
      .filter((s) => s.owner === owner)
      .map((s) => s.statement),
  );
}

const aclArn = (logicalId: string) => `${ARN}:ec2:${ACCOUNT}:network-acl/{${logicalId}.Id}`;
const subnetArn = (subnet: string) => `${ARN}:ec2:${ACCOUNT}:subnet/${subnet}`;

describe('1. flow logs', () => {
  it('logs every protected subnet, all traffic, 60 s aggregation, in the shared custom format', () => {
    template.resourceCountIs('AWS::EC2::FlowLog', SUBNETS.length);
    for (const subnet of SUBNETS) {
      template.hasResourceProperties('AWS::EC2::FlowLog', {
        ResourceType: 'Subnet',
        ResourceId: subnet,
        TrafficType: 'ALL',
        MaxAggregationInterval: 60,
        LogFormat: flowLogFormat(),
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: { Ref: id.flowLogGroup },
      });
    }
  });

  it('writes to a log group with the configured retention (default 1 day), encrypted with the stack key', () => {
    expect(resource(id.flowLogGroup).Properties).toMatchObject({ RetentionInDays: 1, KmsKeyId: { 'Fn::GetAtt': [id.key, 'Arn'] } });
    expect(resource(id.key).Properties).toMatchObject({ EnableKeyRotation: true });
  });

  it('lets only VPC Flow Logs of this account assume the delivery role', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: Match.anyValue() },
          }),
        ],
      },
    });
  });

  it('counts accepted and rejected ingress packets to the listener with the reference metric names', () => {
    const pattern = (action: string) =>
      `[srcAddr, dstPort=443, protocol=6, packets, start, end, action="${action}", logStatus, flowDirection="ingress"]`;
    for (const [name, action] of [
      ['AllowedPackets', 'ACCEPT'],
      ['RejectedPackets', 'REJECT'],
    ] as const) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: id.flowLogGroup },
        FilterPattern: pattern(action),
        MetricTransformations: [
          { MetricName: name, MetricNamespace: `AutoNACL/${synthesized.stack.stackName}`, MetricValue: '$packets', Unit: 'Count' },
        ],
      });
    }
  });
});

describe('2. packet-bin store', () => {
  it('keeps bins in memory for window plus re-query (2 h by default) and one day in the magnetic store', () => {
    expect(resource(id.table).Properties).toEqual({
      DatabaseName: { Ref: id.database },
      TableName: 'packet-bins',
      RetentionProperties: { MemoryStoreRetentionPeriodInHours: '2', MagneticStoreRetentionPeriodInDays: '1' },
    });
    expect(resource(id.database).Properties).toEqual({ KmsKeyId: { 'Fn::GetAtt': [id.key, 'Arn'] } });
  });

  it.each([
    [60, 10, 2],
    [5, 5, 2],
    [120, 10, 3],
    [180, 60, 4],
    [1440, 60, 25],
  ])('sizes the memory store for a %i-minute window and %i re-queried minutes as %i h', (window, requery, hours) => {
    expect(memoryStoreHours(window, requery)).toBe(hours);
  });
});

describe('3. functions', () => {
  const sizing = () => [
    [id.summarizer, 1024, 25],
    [id.updater, 512, 120],
    [id.facts, 256, 300],
  ];

  it('runs each function on arm64 and the newest Node.js runtime, traced, with explicit memory and timeout', () => {
    for (const [fn, memory, timeout] of sizing()) {
      expect(resource(fn as string).Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: memory,
        Timeout: timeout,
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      });
    }
  });

  it('gives each function its own encrypted log group with retention, and a role without managed policies', () => {
    for (const [fn] of sizing()) {
      const properties = resource(fn as string).Properties as {
        LoggingConfig: { LogGroup: { Ref: string } };
        Role: { 'Fn::GetAtt': [string, string] };
      };
      const logGroup = resource(properties.LoggingConfig.LogGroup.Ref);
      expect(logGroup.Properties).toMatchObject({ RetentionInDays: 30, KmsKeyId: { 'Fn::GetAtt': [id.key, 'Arn'] } });
      expect(resource(properties.Role['Fn::GetAtt'][0]).Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('bundles each handler locally with esbuild: minified, with a source map that Node applies', () => {
    for (const [fn] of sizing()) {
      const properties = resource(fn as string).Properties as {
        Code: { S3Key: string };
        Environment: { Variables: Record<string, string> };
      };
      const assetDir = path.join(synthesized.assembly.directory, `asset.${properties.Code.S3Key.replace(/\.zip$/, '')}`);
      const bundle = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');
      expect(fs.existsSync(path.join(assetDir, 'index.js.map'))).toBe(true);
      // Minified: long lines, no indentation.
      expect(bundle.split('\n').length).toBeLessThan(bundle.length / 500);
      expect(properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('runs the updater one message at a time from the FIFO verdict queue, without reserved concurrency, failures to the FIFO dead-letter queue', () => {
    expect(resource(id.updater).Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(template.findResources('AWS::Lambda::EventInvokeConfig')).toEqual({});
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: id.updater },
      EventSourceArn: { 'Fn::GetAtt': [id.queue, 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(Object.keys(template.findResources('AWS::Lambda::EventSourceMapping'))).toHaveLength(1);
    expect(resource(id.queue).Properties).toEqual({
      FifoQueue: true,
      KmsMasterKeyId: { 'Fn::GetAtt': [id.key, 'Arn'] },
      // Lambda's guidance: six times the function timeout (120 s); at least 5 receives before the dead-letter queue.
      VisibilityTimeout: 720,
      MessageRetentionPeriod: 86_400,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id.dlq, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(resource(id.dlq).Properties).toEqual({
      FifoQueue: true,
      KmsMasterKeyId: { 'Fn::GetAtt': [id.key, 'Arn'] },
      MessageRetentionPeriod: 1_209_600,
    });
    // The dead-letter alarm watches the FIFO dead-letter queue.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id.dlq, 'QueueName'] } }],
    });
    for (const queue of [id.queue, id.dlq]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('sets exactly the summarizer variables, from construct attributes', () => {
    expect(symbolic(environmentOf(id.summarizer))).toEqual({
      VPC_ID,
      VPC_CIDRS: `{${id.factsResource}.VpcCidrs}`,
      FLOW_LOG_GROUP_NAME: `{${id.flowLogGroup}}`,
      LISTENERS: '443/tcp',
      MIN_ZSCORE: '3',
      MIN_PACKETS_PER_BIN: '12000',
      WINDOW_MINUTES: '60',
      REQUERY_MINUTES: '10',
      MAX_ANOMALIES: '100',
      BIN_STORE: 'timestream',
      TIMESTREAM_DATABASE: `{${id.database}}`,
      TIMESTREAM_TABLE: `{${id.table}.Name}`,
      ANOMALIES_TOPIC_ARN: `{${id.topic}}`,
      POWERTOOLS_METRICS_NAMESPACE: `AutoNACL/${synthesized.stack.stackName}`,
      POWERTOOLS_SERVICE_NAME: 'summarizer',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('sets exactly the updater variables, from construct attributes', () => {
    expect(symbolic(environmentOf(id.updater))).toEqual({
      MODE: 'block',
      VPC_ID,
      VPC_CIDRS: `{${id.factsResource}.VpcCidrs}`,
      SUBNET_IDS: SUBNETS.join(','),
      ORIGINAL_NACL_ID: `{${id.factsResource}.OriginalNetworkAclId}`,
      BLUE_NACL_ID: `{${id.blue}.Id}`,
      GREEN_NACL_ID: `{${id.green}.Id}`,
      NACL_RULE_LIMIT: '20',
      NACL_RULE_NETWORK_MASK: '32',
      NACL_RULE_NETWORK_MASK_IPV6: '128',
      MAX_NEW_BLOCKS_PER_RUN: '20',
      MAX_BLOCKED_NETWORKS: '40',
      ALLOW_LIST_BUCKET: `{${id.bucket}}`,
      ALLOW_LIST_KEY: 'allow-list.txt',
      DENY_LIST_KEY: 'deny-list.txt',
      AUDIT_LOG_GROUP_NAME: `{${id.audit}}`,
      NOTIFICATIONS_TOPIC_ARN: `{${id.notifications}}`,
      DEPLOYMENT_NAME: synthesized.stack.stackName,
      VERDICT_QUEUE_URL: `{${id.queue}}`,
      POWERTOOLS_METRICS_NAMESPACE: `AutoNACL/${synthesized.stack.stackName}`,
      POWERTOOLS_SERVICE_NAME: 'nacl-updater',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it("sets environments the handlers' own cold-start validation accepts once deployed", () => {
    // Prepare: what CloudFormation would substitute at deploy time
    const deployed = deployedIds();

    // Act
    const summarizer = loadSummarizerConfig(resolveCfn(environmentOf(id.summarizer), deployed) as Record<string, string>);
    const updater = loadUpdaterConfig(resolveCfn(environmentOf(id.updater), deployed) as Record<string, string>);

    // Assess
    expect(summarizer).toMatchObject({ listeners: [{ port: 443, protocol: 6 }], timestreamTable: 'packet-bins', windowMinutes: 60 });
    expect(updater).toMatchObject({
      subnetIds: SUBNETS,
      originalNaclId: 'acl-0419000000000000a',
      naclRuleLimit: 20,
      allowListKey: 'allow-list.txt',
      notificationsTopicArn: 'arn:aws:sns:eu-west-1:111122223333:NaclFloodGuard-NotificationsTopic-AbCdEf',
      deploymentName: synthesized.stack.stackName,
      verdictQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/NaclFloodGuard-MitigationVerdictsQueue-AbCdEf.fifo',
    });
    expect(updater.aggregation).toBeUndefined();
  });

  it('leaves adaptive aggregation off by default: no aggregation variable is set', () => {
    expect(environmentOf(id.updater)).not.toHaveProperty('NACL_MAX_AGGREGATE_PREFIX');
    expect(environmentOf(id.updater)).not.toHaveProperty('NACL_MAX_AGGREGATE_PREFIX_IPV6');
  });
});

describe('4. detection schedule', () => {
  it('is an Express state machine with full execution logging and tracing', () => {
    expect(resource(id.stateMachine).Properties).toMatchObject({
      StateMachineType: 'EXPRESS',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Logs::LogGroup', 'DetectionStateMachineLogs'), 'Arn'] },
            },
          },
        ],
      },
    });
  });

  it('logs executions under /aws/vendedlogs/states/, named after the stack', () => {
    const logGroup = logicalIdOf(template, 'AWS::Logs::LogGroup', 'DetectionStateMachineLogs');
    expect(resource(logGroup).Properties.LogGroupName).toBe(`/aws/vendedlogs/states/${synthesized.stack.stackName}-detection`);
  });

  it('is started by EventBridge every minute; a start older than a minute is dropped', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({ Arn: { Ref: id.stateMachine }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 } }),
      ],
    });
  });
});

describe('5. anomalies topic', () => {
  it('is encrypted with the stack key and refuses plain-text transport', () => {
    expect(resource(id.topic).Properties).toMatchObject({ KmsMasterKeyId: { 'Fn::GetAtt': [id.key, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: id.topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('lets only the summarizer publish, by topic policy and by IAM', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sns:Publish',
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [id.summarizerRole, 'Arn'] } } },
          }),
        ]),
      },
    });
    const publishers = allStatements(template).filter(
      (s) =>
        s.statement.Effect === 'Allow' &&
        asList(s.statement.Action).includes('sns:Publish') &&
        asList(s.statement.Resource).includes(`{${id.topic}}`),
    );
    expect(publishers.map((p) => p.owner)).toEqual([expect.stringMatching(/^DetectionSummarizerRoleDefaultPolicy/)]);
  });

  it('is a FIFO topic delivering raw to the verdict queue, only from itself, with undeliverable messages dead-lettered', () => {
    expect(resource(id.topic).Properties).toMatchObject({ FifoTopic: true, KmsMasterKeyId: { 'Fn::GetAtt': [id.key, 'Arn'] } });
    expect(String((resource(id.topic).Properties as { TopicName: string }).TopicName)).toMatch(/\.fifo$/);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      TopicArn: { Ref: id.topic },
      Endpoint: { 'Fn::GetAtt': [id.queue, 'Arn'] },
      RawMessageDelivery: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id.dlq, 'Arn'] } },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id.queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: id.topic } } },
          }),
        ]),
      },
    });
  });
});

describe('6. allow-list bucket', () => {
  it('blocks public access, is versioned and encrypted, logs access to the logs bucket, and outlives the stack', () => {
    const bucket = resource(id.bucket);
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: id.accessLogs }, LogFilePrefix: 'allow-list/' },
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
    for (const bucketId of [id.bucket, id.accessLogs]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('lets the updater read only the allow-list and deny-list objects (and learn that one is missing)', () => {
    const s3Statements = policyOfRole(id.updaterRole).filter((s) => asList(s.Action).some((a) => a.startsWith('s3:')));
    expect(s3Statements).toEqual([
      {
        Sid: 'ReadAllowList',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [`{${id.bucket}.Arn}/allow-list.txt`, `{${id.bucket}.Arn}/deny-list.txt`],
      },
      {
        Sid: 'TellMissingAllowList',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: `{${id.bucket}.Arn}`,
        Condition: { StringEquals: { 's3:prefix': ['allow-list.txt', 'deny-list.txt'] } },
      },
    ]);
  });
  it('puts an empty allow list in place at deploy time without overwriting an edited one', () => {
    const seedId = logicalIdOf(template, 'Custom::AllowListSeed', 'MitigationAllowListSeed');
    const seed = resource(seedId);
    expect(seed.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [id.facts, 'Arn'] },
      Bucket: { Ref: id.bucket },
      Key: 'allow-list.txt',
    });
    expect(asList(seed.DependsOn)).toEqual(expect.arrayContaining([expect.stringMatching(/^NetworkAclsFactsFunctionRoleDefaultPolicy/)]));
    const s3Statements = policyOfRole(id.factsRole).filter((s) => asList(s.Action).some((a) => a.startsWith('s3:')));
    expect(s3Statements).toEqual([
      { Sid: 'SeedAllowListObject', Effect: 'Allow', Action: 's3:PutObject', Resource: `{${id.bucket}.Arn}/allow-list.txt` },
      { Sid: 'SeedDenyListObject', Effect: 'Allow', Action: 's3:PutObject', Resource: `{${id.bucket}.Arn}/deny-list.txt` },
    ]);
  });
  it('puts an empty deny list in place the same way, with its own template', () => {
    const seed = resource(logicalIdOf(template, 'Custom::AllowListSeed', 'MitigationDenyListSeed'));
    expect(seed.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [id.facts, 'Arn'] },
      Bucket: { Ref: id.bucket },
      Key: 'deny-list.txt',
      List: 'deny',
    });
  });
});

describe('7. blue/green ACLs and network facts', () => {
  it('owns two network ACLs in the protected VPC', () => {
    template.resourceCountIs('AWS::EC2::NetworkAcl', 2);
    for (const acl of [id.blue, id.green]) expect(resource(acl).Properties.VpcId).toBe(VPC_ID);
  });

  it('discovers the original ACL and VPC CIDRs at deploy time from the protected subnets and both stack ACLs', () => {
    expect(resource(id.factsResource).Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [id.facts, 'Arn'] },
      VpcId: VPC_ID,
      SubnetIds: SUBNETS,
      BlueNetworkAclId: { 'Fn::GetAtt': [id.blue, 'Id'] },
      GreenNetworkAclId: { 'Fn::GetAtt': [id.green, 'Id'] },
    });
  });

  it('orders teardown: updater before facts (which moves subnets back) before ACLs and the facts role', () => {
    // CloudFormation deletes dependents first. Facts references both ACLs and depends on its role's policy.
    const factsDependsOn = resource(id.factsResource).DependsOn ?? [];
    expect(factsDependsOn).toEqual(
      expect.arrayContaining([expect.stringMatching(/^NetworkAclsFactsFunctionRoleDefaultPolicy/), id.factsRole]),
    );
    // The updater (which could move subnets onto blue/green) reads the facts, so it is deleted first.
    expect(JSON.stringify(environmentOf(id.updater))).toContain(`"${id.factsResource}","OriginalNetworkAclId"`);
  });

  it('lets the facts function move subnets only within the protected VPC', () => {
    const move = policyOfRole(id.factsRole).find((s) => s.Action === 'ec2:ReplaceNetworkAclAssociation');
    expect(move).toEqual({
      Sid: 'MoveSubnetsBackInThisVpc',
      Effect: 'Allow',
      Action: 'ec2:ReplaceNetworkAclAssociation',
      Resource: [`${ARN}:ec2:${ACCOUNT}:network-acl/*`, `${ARN}:ec2:${ACCOUNT}:subnet/*`],
      Condition: { ArnEquals: { 'ec2:Vpc': `${ARN}:ec2:${ACCOUNT}:vpc/vpc-0123456789abcdef0` } },
    });
  });
});

/** Actions that support no resource-level permission (Service Authorization Reference): the only ones allowed on `*`. */
const UNSCOPABLE_ACTIONS = new Set([
  'ec2:DescribeSubnets',
  'ec2:DescribeNetworkAcls',
  'ec2:DescribeVpcs',
  'logs:GetQueryResults',
  'logs:StopQuery',
  'timestream:DescribeEndpoints',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

describe('8. least privilege', () => {
  it("grants no wildcard action in any policy of the stack's pipeline", () => {
    const wildcards = allStatements(template)
      // Deny statements (TLS-only guards) are broader on purpose.
      .filter((s) => s.statement.Effect === 'Allow')
      // The monitoring construct's operator-topic key is covered by test/dashboards.
      .filter((s) => !s.owner.startsWith('MonitoringOperatorTopicKey'))
      // The key policies' account-root statement is the default delegation to IAM, where every grant is scoped.
      .filter((s) => !(s.type === 'AWS::KMS::Key' && JSON.stringify(s.statement.Principal).includes(':root')))
      .flatMap((s) =>
        asList(s.statement.Action)
          .filter((a) => a.includes('*'))
          .map((a) => `${s.owner}: ${a}`),
      );
    expect(wildcards).toEqual([]);
  });

  it('allows Resource "*" in identity policies only for actions that cannot be scoped', () => {
    const unscoped = allStatements(template)
      .filter((s) => s.type === 'AWS::IAM::Policy' && s.statement.Effect === 'Allow' && asList(s.statement.Resource).includes('*'))
      .flatMap((s) => asList(s.statement.Action))
      .filter((a) => !UNSCOPABLE_ACTIONS.has(a));
    expect(unscoped).toEqual([]);
  });

  it('changes ACL entries only on the two stack ACLs, in any policy', () => {
    const entryActions = ['ec2:CreateNetworkAclEntry', 'ec2:ReplaceNetworkAclEntry', 'ec2:DeleteNetworkAclEntry'];
    const grants = allStatements(template).filter((s) => asList(s.statement.Action).some((a) => entryActions.includes(a)));
    expect(grants.map((g) => g.owner)).toEqual([expect.stringMatching(/^MitigationNaclUpdaterRoleDefaultPolicy/)]);
    expect(asList(grants[0]?.statement.Resource).sort()).toEqual([aclArn(id.blue), aclArn(id.green)].sort());
  });

  it('tags only the two stack ACLs, each role only with its own tag key', () => {
    const tagging = allStatements(template).filter((s) => asList(s.statement.Action).includes('ec2:CreateTags'));
    const byOwner = Object.fromEntries(tagging.map((t) => [t.owner.replace(/DefaultPolicy.*$/, ''), t.statement]));
    expect(Object.keys(byOwner).sort()).toEqual(['MitigationNaclUpdaterRole', 'NetworkAclsFactsFunctionRole']);
    for (const statement of Object.values(byOwner)) {
      expect(asList(statement.Action)).toEqual(['ec2:CreateTags']);
      expect(asList(statement.Resource).sort()).toEqual([aclArn(id.blue), aclArn(id.green)].sort());
    }
    const owned = { StringEquals: { 'aws:ResourceTag/nacl-flood-guard:deployment': synthesized.stack.stackName } };
    expect(byOwner.MitigationNaclUpdaterRole?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'aws:TagKeys': [WATERMARK_TAG, ACTIVE_ACL_TAG] },
      ...owned,
    });
    expect(byOwner.NetworkAclsFactsFunctionRole?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'aws:TagKeys': [ORIGINAL_ACL_TAG] },
      ...owned,
    });
  });

  it('lets the updater swap only the protected subnets, only onto blue, green or their original ACL', () => {
    const swap = policyOfRole(id.updaterRole).find((s) => s.Action === 'ec2:ReplaceNetworkAclAssociation');
    expect(asList(swap?.Resource).sort()).toEqual(
      [
        aclArn(id.blue),
        aclArn(id.green),
        `${ARN}:ec2:${ACCOUNT}:network-acl/{${id.factsResource}.OriginalNetworkAclId}`,
        ...SUBNETS.map(subnetArn),
      ].sort(),
    );
  });

  it("scopes logs, Timestream, dead letters and the key to the stack's own resources", () => {
    const summarizer = policyOfRole(id.summarizerRole);
    expect(summarizer.find((s) => s.Sid === 'QueryFlowLogs')?.Resource).toEqual([
      `${ARN}:logs:${ACCOUNT}:log-group:{${id.flowLogGroup}}`,
      `{${id.flowLogGroup}.Arn}`,
    ]);
    expect(summarizer.find((s) => s.Sid === 'PacketBins')).toMatchObject({
      Action: ['timestream:WriteRecords', 'timestream:Select'],
      Resource: `{${id.table}.Arn}`,
    });
    expect(summarizer.find((s) => s.Sid === 'EncryptVerdicts')).toMatchObject({
      Resource: `{${id.key}.Arn}`,
      Condition: { StringEquals: { 'kms:ViaService': 'sns.{AWS::Region}.{AWS::URLSuffix}' } },
    });
    const updater = policyOfRole(id.updaterRole);
    expect(updater.find((s) => s.Sid === 'WriteAudit')).toMatchObject({
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: `{${id.audit}.Arn}`,
    });
    // Reads, deletes and delays messages of the verdict queue only (the event source mapping's grant).
    const consume = updater.find((s) => asList(s.Action).includes('sqs:ReceiveMessage'));
    expect(consume).toMatchObject({ Resource: `{${id.queue}.Arn}` });
    expect(asList(consume?.Action)).toEqual(expect.arrayContaining(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage']));
    expect(updater.filter((s) => asList(s.Action).some((a) => a.startsWith('sqs:'))).map((s) => s.Resource)).toEqual([`{${id.queue}.Arn}`]);
    // Reads the VPC's CIDRs every run, so CIDRs associated after deploy are never blocked.
    expect(updater.find((s) => s.Sid === 'DescribeAcls')).toMatchObject({
      Action: ['ec2:DescribeNetworkAcls', 'ec2:DescribeVpcs'],
      Resource: '*',
    });
  });

  it('uses no AWS managed policy on any role', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect((role as { Properties: Record<string, unknown> }).Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('9. outputs', () => {
  it('shows the dashboard URL, the allow list and how to edit it, the topic and the ACL ids', () => {
    const outputs = symbolic(template.toJSON().Outputs) as Record<string, { Value: string }>;
    const dashboard = logicalIdOf(template, 'AWS::CloudWatch::Dashboard', 'MonitoringDashboard');
    const dashboardUrl = resolveCfn(
      template.toJSON().Outputs.DashboardUrl.Value,
      { [dashboard]: 'flood-guard-dashboard' },
      {
        mappings: template.toJSON().Mappings,
      },
    );
    expect(dashboardUrl).toBe('https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=flood-guard-dashboard');
    expect(outputs.AllowListBucketName?.Value).toBe(`{${id.bucket}}`);
    expect(outputs.AllowListKey?.Value).toBe('allow-list.txt');
    expect(outputs.AllowListEditCommand?.Value).toBe(`aws s3 cp allow-list.txt s3://{${id.bucket}}/allow-list.txt`);
    expect(outputs.DenyListEditCommand?.Value).toBe(`aws s3 cp deny-list.txt s3://{${id.bucket}}/deny-list.txt`);
    expect(outputs.AnomaliesTopicArn?.Value).toBe(`{${id.topic}}`);
    expect(outputs.BlueNetworkAclId?.Value).toBe(`{${id.blue}.Id}`);
    expect(outputs.GreenNetworkAclId?.Value).toBe(`{${id.green}.Id}`);
    expect(outputs.OriginalNetworkAclId?.Value).toBe(`{${id.factsResource}.OriginalNetworkAclId}`);
  });
});

describe('validation: cdk-nag and the CloudFormation validation report', () => {
  it('writes a validation report with no error and no unacknowledged violation', () => {
    const report = JSON.parse(fs.readFileSync(path.join(synthesized.assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
    };
    expect(report.pluginReports.map((p) => p.pluginName)).toContain('CloudFormation Validate');
    for (const plugin of report.pluginReports) {
      expect(plugin).toMatchObject({ conclusion: 'success', violations: [] });
    }
  });

  it('acknowledges every cdk-nag finding, each with a specific reason, and nothing that is not a finding', () => {
    const findings = allFindings(synthesized.stack);
    const acks = acknowledgements(synthesized.app).filter((a) => /^(AwsSolutions|Serverless)-/.test(a.id));
    expect(findings.length).toBeGreaterThan(0);

    const unacknowledged = findings.filter(
      (f) => !acks.some((a) => a.id === f.ruleName && (f.path === a.path || f.path.startsWith(`${a.path}/`))),
    );
    expect(unacknowledged).toEqual([]);
    const stale = acks.filter((a) => !findings.some((f) => f.ruleName === a.id && (f.path === a.path || f.path.startsWith(`${a.path}/`))));
    expect(stale).toEqual([]);
    for (const ack of acks) expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(60);
  });

  it('fails synthesis on an unacknowledged finding', () => {
    // Prepare: a stack with a bucket that allows plain HTTP, under the same plugins as bin/app.ts
    const app = new App();
    const stack = new Stack(app, 'Insecure');
    new s3.Bucket(stack, 'Plain', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, versioned: true });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));

    // Act + Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });
});

describe('configuration reaches the template', () => {
  let other: Synthesized;

  beforeAll(() => {
    other = synthesize(
      {
        ...STACK_CONTEXT,
        subnetIds: 'subnet-0aaaaaaaaaaaaaaaa',
        listenerPort: '53',
        listenerProtocol: 'UDP',
        logRetentionDays: '7',
        windowMinutes: '180',
        allowListKey: 'lists/allow.txt',
        operatorEmail: 'ops@example.com',
        updaterReservedConcurrency: '1',
        metricsNamespace: 'Edge/Floods',
        naclMaxAggregatePrefix: '20',
        alarmUnblockedMinutes: '9',
        repeatOffenderWindowHours: '48',
        maxBlockHours: '12',
      },
      { validate: true },
    );
  });

  afterAll(() => other?.dispose());

  it('takes alarm thresholds from the context', () => {
    other.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'UnblockedSourceIPs',
      EvaluationPeriods: 9,
      DatapointsToAlarm: 9,
    });
  });

  it('applies protocol, port, retention, window, key, namespace and e-mail', () => {
    const t = other.template;
    t.resourceCountIs('AWS::EC2::FlowLog', 1);
    t.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: Match.stringLikeRegexp('dstPort=53, protocol=17'),
      MetricTransformations: [Match.objectLike({ MetricNamespace: 'Edge/Floods' })],
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    t.hasResourceProperties('AWS::Timestream::Table', {
      RetentionProperties: { MemoryStoreRetentionPeriodInHours: '4', MagneticStoreRetentionPeriodInDays: '1' },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LISTENERS: '53/udp', WINDOW_MINUTES: '180' }) },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ALLOW_LIST_KEY: 'lists/allow.txt', SUBNET_IDS: 'subnet-0aaaaaaaaaaaaaaaa' }) },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    const getObject = allStatements(t).find((s) => s.statement.Sid === 'ReadAllowList');
    expect(asList(getObject?.statement.Resource)[0]).toMatch(/\/lists\/allow\.txt$/);
  });

  it('lets the updater write only the repeat-offender state object, and passes the policy as its cold-start validation accepts', () => {
    // Prepare
    const updaterId = logicalIdOf(other.template, 'AWS::Lambda::Function', 'MitigationNaclUpdaterFunction');
    const variables = (other.template.toJSON().Resources[updaterId].Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;

    // Act
    const updater = loadUpdaterConfig(resolveCfn(variables, deployedIds()) as Record<string, string>);
    const writes = allStatements(other.template).filter((s) => asList(s.statement.Action).includes('s3:PutObject'));

    // Assess
    expect(updater.repeatOffenders).toEqual({ windowHours: 48, maxBlockHours: 12 });
    const updaterWrites = writes.filter((s) => s.statement.Sid === 'WriteRepeatOffenderState');
    expect(updaterWrites).toHaveLength(1);
    expect(asList(updaterWrites[0]!.statement.Resource)).toHaveLength(1);
    expect(asList(updaterWrites[0]!.statement.Resource)[0]).toMatch(/\/repeat-offenders\.json$/);
    const read = allStatements(other.template).find((s) => s.statement.Sid === 'ReadAllowList');
    expect(asList(read?.statement.Resource).map(String).at(-1)).toMatch(/\/repeat-offenders\.json$/);
  });

  it('puts an empty repeat-offender state in place at deploy time when repeat offenders are on, as the allow list', () => {
    // Prepare
    const resources = other.template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const factsId = logicalIdOf(other.template, 'AWS::Lambda::Function', 'NetworkAclsFactsFunction');
    const bucketId = logicalIdOf(other.template, 'AWS::S3::Bucket', 'MitigationAllowList');

    // Act
    const seeds = Object.values(resources).filter((r) => r.Type === 'Custom::AllowListSeed');
    const seedWrite = allStatements(other.template).find((s) => s.statement.Sid === 'SeedRepeatOffenderState');

    // Assess: three seeds here; the default template (repeat offenders off) has the two lists' only
    expect(seeds.map((s) => s.Properties.Key)).toEqual(['lists/allow.txt', 'deny-list.txt', 'repeat-offenders.json']);
    expect(seeds[2]!.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [factsId, 'Arn'] },
      Bucket: { Ref: bucketId },
      Key: 'repeat-offenders.json',
      List: 'repeat-offenders',
    });
    expect(seedWrite?.statement).toMatchObject({ Effect: 'Allow', Action: 's3:PutObject' });
    expect(asList(seedWrite?.statement.Resource).map(String)).toEqual([expect.stringMatching(/\/repeat-offenders\.json$/)]);
    expect(
      Object.values(template.toJSON().Resources as Record<string, { Type: string }>).filter((r) => r.Type === 'Custom::AllowListSeed'),
    ).toHaveLength(2);
  });

  it('reserves one execution for the updater when updaterReservedConcurrency is 1, still fed by the FIFO verdict queue', () => {
    const updaterId = logicalIdOf(other.template, 'AWS::Lambda::Function', 'MitigationNaclUpdaterFunction');
    expect(other.template.toJSON().Resources[updaterId].Properties.ReservedConcurrentExecutions).toBe(1);
    other.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: updaterId }, BatchSize: 1 });
  });

  it('passes an adaptive aggregation limit to the updater, the unset family at its host prefix (no merging), as its cold-start validation accepts', () => {
    // Prepare
    const updaterId = logicalIdOf(other.template, 'AWS::Lambda::Function', 'MitigationNaclUpdaterFunction');
    const variables = (other.template.toJSON().Resources[updaterId].Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;

    // Act
    const updater = loadUpdaterConfig(resolveCfn(variables, deployedIds()) as Record<string, string>);

    // Assess
    expect(variables).toMatchObject({ NACL_MAX_AGGREGATE_PREFIX: '20', NACL_MAX_AGGREGATE_PREFIX_IPV6: '128' });
    expect(updater.aggregation).toEqual({ ipv4: 20, ipv6: 128 });
  });
});
