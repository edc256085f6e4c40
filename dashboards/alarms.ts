import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Metrics } from '../core/metrics';
import { METRIC_PERIOD, type ProductMetrics } from './metrics';
import type { ResolvedAlarmThresholds } from './thresholds';

export const ALARM_NAMES = [
  'unblockedSources',
  'detectionNotRunning',
  'incompleteData',
  'updaterErrors',
  'updaterDeadLetters',
  'deliveryLag',
  'aclStateUnknown',
] as const;
export type AlarmName = (typeof ALARM_NAMES)[number];
export type FloodGuardAlarms = Readonly<Record<AlarmName, cloudwatch.Alarm>>;

export interface AlarmInputs {
  readonly metrics: ProductMetrics;
  readonly thresholds: ResolvedAlarmThresholds;
  readonly naclUpdater: lambda.IFunction;
  readonly updaterDeadLetterQueue: sqs.IQueue;
  readonly topic: sns.ITopic;
}

/** One alarm as data: which metric, when it fires, and what a missing data point means. */
interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  /** Consecutive one-minute periods that must breach. */
  readonly minutes: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
  readonly description: string;
}

const { GREATER_THAN_OR_EQUAL_TO_THRESHOLD, GREATER_THAN_THRESHOLD, LESS_THAN_THRESHOLD } = cloudwatch.ComparisonOperator;

/** Builds every operator alarm; each notifies the operator topic when it fires and when it clears. */
export function createAlarms(scope: Construct, inputs: AlarmInputs): FloodGuardAlarms {
  const specs = alarmSpecs(inputs);
  const action = new cloudwatchActions.SnsAction(inputs.topic);
  const alarms = {} as Record<AlarmName, cloudwatch.Alarm>;
  for (const name of ALARM_NAMES) {
    alarms[name] = createAlarm(scope, name, specs[name], action);
  }
  return alarms;
}

function createAlarm(scope: Construct, name: AlarmName, spec: AlarmSpec, action: cloudwatch.IAlarmAction): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, alarmId(name), {
    metric: spec.metric,
    threshold: spec.threshold,
    comparisonOperator: spec.comparisonOperator,
    evaluationPeriods: spec.minutes,
    datapointsToAlarm: spec.minutes,
    treatMissingData: spec.treatMissingData,
    alarmDescription: spec.description,
  });
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}

function alarmSpecs(inputs: AlarmInputs): Record<AlarmName, AlarmSpec> {
  return { ...productMetricAlarmSpecs(inputs.metrics, inputs.thresholds), ...updaterAlarmSpecs(inputs) };
}

type UpdaterAlarmName = 'updaterErrors' | 'updaterDeadLetters';

/** Alarms on the metrics the product emits itself: what detection and mitigation report. */
function productMetricAlarmSpecs(
  metrics: ProductMetrics,
  t: ResolvedAlarmThresholds,
): Record<Exclude<AlarmName, UpdaterAlarmName>, AlarmSpec> {
  return {
    unblockedSources: {
      metric: metrics.metric(Metrics.UnblockedSourceIPs),
      threshold: 1,
      comparisonOperator: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      minutes: t.unblockedMinutes,
      // No updater run means nothing was left unblocked; "detection not running" covers silence.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Anomalous sources have been left unblocked for ${t.unblockedMinutes} minutes because the network ACL has no room for more deny rules. ` +
        'Check the Blocked IPs widget and the audit log; widen naclRuleNetworkMask, remove rules from the original ACL, or raise the "rules per network ACL" quota and naclRuleLimit.',
    },
    detectionNotRunning: {
      metric: metrics.metric(Metrics.SummarizerRuns),
      threshold: 1,
      comparisonOperator: LESS_THAN_THRESHOLD,
      minutes: t.detectionStalledMinutes,
      // Silence is the failure this alarm exists for: no data point means no run.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description:
        `No summarizer run published a verdict for ${t.detectionStalledMinutes} minutes: floods are neither detected nor blocked, and no block is lifted. ` +
        'Check the state machine executions, the summarizer errors and its logs (Logs Insights, Timestream or SNS failures, throttling).',
    },
    incompleteData: {
      metric: metrics.metric(Metrics.IncompleteRuns),
      threshold: 1,
      comparisonOperator: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      minutes: t.incompleteMinutes,
      // Complete runs need not report a zero; silence is covered by "detection not running".
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Summarizer runs could not see complete data for ${t.incompleteMinutes} minutes: blocks can be added but none is lifted. ` +
        'Look at the detection data quality widget (failed or capped Insights queries, failed bin writes) and the summarizer logs.',
    },
    deliveryLag: {
      metric: metrics.metric(Metrics.FlowLogDeliveryLag),
      threshold: t.maxDeliveryLagSeconds,
      comparisonOperator: GREATER_THAN_THRESHOLD,
      minutes: t.deliveryLagMinutes,
      // Lag is only measured by runs that saw records; silence is covered elsewhere.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Flow-log records reached CloudWatch Logs more than ${t.maxDeliveryLagSeconds} s late for ${t.deliveryLagMinutes} minutes: records later than the re-query reach are never counted and detection is delayed. ` +
        'If it persists, raise requeryMinutes (and this bound) or check the flow-log delivery status.',
    },
    aclStateUnknown: {
      metric: metrics.metric(Metrics.AclStateUnknown),
      threshold: 1,
      comparisonOperator: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      minutes: t.aclStateUnknownMinutes,
      // Runs that knew the ACL in use need not report a zero; no run means no verdict to apply.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `For ${t.aclStateUnknownMinutes} minutes the NACL updater could not tell which network ACL the protected subnets are on: no verdict was applied, so blocks are neither added nor lifted. ` +
        "EC2's eventual consistency explains a minute, not this: check the audit log and the subnets' network ACL associations for changes made outside the stack.",
    },
  };
}

/** Alarms on what AWS reports about the NACL updater: Lambda's Errors and its dead-letter queue. */
function updaterAlarmSpecs(inputs: AlarmInputs): Record<UpdaterAlarmName, AlarmSpec> {
  const { thresholds: t } = inputs;
  return {
    updaterErrors: {
      metric: inputs.naclUpdater.metricErrors({ period: METRIC_PERIOD, statistic: cloudwatch.Stats.SUM }),
      threshold: t.updaterErrors,
      comparisonOperator: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      minutes: 1,
      // Lambda reports Errors only for minutes with invocations.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        'The NACL updater failed: the active network ACL stays as it was (fail safe) but new floods may not be blocked. ' +
        'Read the updater logs for the error; throttled EC2 calls and a missing allow list converge on their own, anything else needs a fix.',
    },
    updaterDeadLetters: {
      metric: inputs.updaterDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: METRIC_PERIOD,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      comparisonOperator: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      minutes: 1,
      // SQS stops reporting idle queues; an idle dead-letter queue is the healthy state.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        'An anomaly message failed every NACL updater attempt and landed on the dead-letter queue. ' +
        'Read the message and the updater logs, fix the cause, then purge the queue (a newer message supersedes it; this alarm clears once the queue is empty).',
    },
  };
}

function alarmId(name: AlarmName): string {
  return name.charAt(0).toUpperCase() + name.slice(1) + 'Alarm';
}
