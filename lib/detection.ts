import { ArnFormat, type CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  SCHEDULE_EVENT_SOURCE,
  SECOND_RUN_DELAY_SECONDS,
  SUMMARIZER_DEPLOYMENT,
  toEnvironment,
  type SummarizerResources,
} from '../functions/summarizer/contract';
import { createBinStore, type BinStore } from './bin-store';
import type { FloodGuardConfig } from './config';
import { FloodGuardFunction } from './lambda-function';
import { acknowledge } from './nag';
import { regionalServiceHost, VENDED_STATES_LOG_PREFIX } from './partition';

/** Summarizer timeout (its contract): both runs and the wait finish well inside the minute between executions. */
export const SUMMARIZER_TIMEOUT = Duration.seconds(SUMMARIZER_DEPLOYMENT.timeoutSeconds);
/** Lambda service errors worth one quick retry; a failed run is superseded 30 s later anyway. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

export interface DetectionProps {
  readonly config: FloodGuardConfig;
  readonly flowLogGroup: logs.ILogGroup;
  /** Comma-joined VPC CIDRs from the network-facts custom resource. */
  readonly vpcCidrs: string;
  readonly encryptionKey: kms.IKey;
  readonly operationalLogRetention: logs.RetentionDays;
}

/**
 * The detection path: the packet-bin store, the anomalies topic, the summarizer and the Express
 * state machine that EventBridge starts every minute (summarizer, wait 30 s, summarizer).
 */
export class Detection extends Construct {
  /** The packet-bin store the configuration chose: Timestream or DynamoDB, never both. */
  readonly binStore: BinStore;
  readonly topic: sns.Topic;
  readonly summarizer: FloodGuardFunction;
  /** What the summarizer's environment names of the deployed resources (CloudFormation references). */
  readonly summarizerResources: SummarizerResources;
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: DetectionProps) {
    super(scope, id);
    const { config } = props;
    this.binStore = createBinStore(this, config, props.encryptionKey);

    // FIFO: the verdicts keep their order and reach the updater's FIFO queue in one message group
    // (docs/architecture.md, Ordering); the summarizer sets the group and a deduplication id.
    this.topic = new sns.Topic(this, 'AnomaliesTopic', {
      fifo: true,
      displayName: 'nacl-flood-guard anomalies',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });

    this.summarizerResources = {
      vpcCidrs: props.vpcCidrs,
      flowLogGroupName: props.flowLogGroup.logGroupName,
      ...this.binStore.resources,
      anomaliesTopicArn: this.topic.topicArn,
    };
    this.summarizer = new FloodGuardFunction(this, 'Summarizer', {
      entry: 'functions/summarizer/handler.ts',
      description: 'nacl-flood-guard summarizer: flow logs to packet bins, Z-score verdict to the anomalies topic',
      deployment: SUMMARIZER_DEPLOYMENT,
      environment: toEnvironment(config, this.summarizerResources),
      logRetention: props.operationalLogRetention,
      encryptionKey: props.encryptionKey,
    });
    this.summarizer.node.addDependency(this.binStore.dependable);
    this.grantSummarizer(props);
    this.onlySummarizerPublishes();

    this.stateMachine = this.createStateMachine(props);
    this.schedule = new events.Rule(this, 'EveryMinute', {
      description: 'Starts the nacl-flood-guard detection state machine every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      // A start that could not happen within a minute is superseded by the next one.
      targets: [new targets.SfnStateMachine(this.stateMachine, { retryAttempts: 2, maxEventAge: Duration.minutes(1) })],
    });
    this.acknowledgeFindings();
  }

  private grantSummarizer(props: DetectionProps): void {
    const role = this.summarizer.role;
    const stack = Stack.of(this);
    const flowLogGroupName = props.flowLogGroup.logGroupName;
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'QueryFlowLogs',
        actions: ['logs:StartQuery'],
        resources: [
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: flowLogGroupName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
          props.flowLogGroup.logGroupArn,
        ],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadQueryResults',
        // Neither action has a resource type: a query id is not an ARN (Service Authorization Reference).
        actions: ['logs:GetQueryResults', 'logs:StopQuery'],
        resources: ['*'],
      }),
    );
    this.binStore.grant(role);
    role.addToPolicy(new iam.PolicyStatement({ sid: 'PublishVerdicts', actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptVerdicts',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': regionalServiceHost('sns') } },
      }),
    );
  }

  /** The topic policy denies Publish to every principal but the summarizer's role. */
  private onlySummarizerPublishes(): void {
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlySummarizerPublishes',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.summarizer.role.roleArn } },
      }),
    );
  }

  private createStateMachine(props: DetectionProps): sfn.StateMachine {
    const secondRun = this.summarizerRun('SecondRun', 2);
    const wait = new sfn.Wait(this, 'WaitBeforeSecondRun', {
      comment: 'Detection runs twice a minute',
      time: sfn.WaitTime.duration(Duration.seconds(SECOND_RUN_DELAY_SECONDS)),
    });
    const firstRun = this.summarizerRun('FirstRun', 1)
      // A failed first run must not cost the minute's second run.
      .addCatch(wait, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      // Named, as vended logs must be; the stack name keeps side-by-side deployments apart.
      logGroupName: `${VENDED_STATES_LOG_PREFIX}${Stack.of(this).stackName}-detection`,
      retention: props.operationalLogRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return new sfn.StateMachine(this, 'Schedule', {
      stateMachineType: sfn.StateMachineType.EXPRESS,
      comment: 'nacl-flood-guard detection: summarizer, wait 30 s, summarizer',
      definitionBody: sfn.DefinitionBody.fromChainable(firstRun.next(wait).next(secondRun)),
      // Express executions stop at 5 minutes; end well before with a logged timeout.
      timeout: Duration.minutes(3),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
  }

  private summarizerRun(id: string, run: 1 | 2): tasks.LambdaInvoke {
    const task = new tasks.LambdaInvoke(this, id, {
      lambdaFunction: this.summarizer.function,
      comment: `Summarizer run ${run} of this minute`,
      // The run plans its minutes from its number and the execution's start (the summarizer contract's scheduleEvent).
      payload: sfn.TaskInput.fromObject({ source: SCHEDULE_EVENT_SOURCE, run, 'executionStartTime.$': '$$.Execution.StartTime' }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: sfn.Timeout.duration(SUMMARIZER_TIMEOUT.plus(Duration.seconds(5))),
    });
    task.addRetry({
      errors: LAMBDA_SERVICE_ERRORS,
      interval: Duration.seconds(1),
      maxAttempts: 2,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    return task;
  }

  private acknowledgeFindings(): void {
    acknowledge(this.summarizer.role, 'AwsSolutions-IAM5[Resource::*]', this.binStore.unscopedActions);
    acknowledge(
      this.summarizer.function,
      'Serverless-LambdaDLQ',
      'Invoked synchronously by the state machine; a failed run is logged with the execution and superseded by the next run 30 s later, so there is no event to dead-letter.',
    );
    acknowledge(
      this.stateMachine,
      'AwsSolutions-IAM5[Resource::*]',
      'CloudWatch Logs vended-log delivery actions (logs:CreateLogDelivery etc.) and X-Ray actions support no resource-level permissions; the state machine needs them for execution logging and tracing.',
    );
    acknowledge(
      this.stateMachine,
      `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.summarizer.function.node.defaultChild as CfnElement)}.Arn>:*]`,
      'Step Functions LambdaInvoke grants the function ARN and its qualified ARNs (versions/aliases) of this one function only.',
    );
    acknowledge(
      this.schedule,
      'Serverless-EventBusDLQ',
      'Each schedule event is superseded by the next one a minute later; a dead-lettered start would never be replayed, and missed runs show on the dashboard (SummarizerRuns).',
    );
  }
}

export { memoryStoreHours } from './bin-store';
