import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/** What the stack hands the dashboard and alarms: the resources to watch and the thresholds to show. */
export interface FloodGuardMonitoringProps {
  readonly vpcId: string;
  /** Namespace of every product metric (see core/metrics.ts). */
  readonly metricsNamespace: string;
  readonly listenerPort: number;
  readonly listenerProtocol: 'TCP' | 'UDP';
  readonly minZScore: number;
  readonly minPacketsPerBin: number;
  readonly windowMinutes: number;
  readonly naclRuleLimit: number;
  readonly naclRuleNetworkMask: number;
  readonly naclRuleNetworkMaskIpv6: number;
  /** Log group that receives one JSON line per blocked source. */
  readonly auditLogGroup: logs.ILogGroup;
  readonly summarizer: lambda.IFunction;
  readonly naclUpdater: lambda.IFunction;
  readonly stateMachine: sfn.IStateMachine;
  /** Where failed asynchronous updater invocations land. */
  readonly updaterDeadLetterQueue: sqs.IQueue;
  /** Alarm thresholds; each has a documented default. */
  readonly alarms?: FloodGuardAlarmThresholds;
  /** Optional e-mail address subscribed to the operator topic. */
  readonly operatorEmail?: string;
}

export interface FloodGuardAlarmThresholds {
  /** Minutes with sources left unblocked (ACL full) before alarming. @default 5 */
  readonly unblockedMinutes?: number;
  /** Flow-log delivery lag, seconds, above which to alarm. @default 600 */
  readonly maxDeliveryLagSeconds?: number;
}

/** Re-exported so the stack can type the construct's outputs without importing widget code. */
export type { cloudwatch };
