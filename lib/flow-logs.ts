import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FLOW_LOG_FIELDS, flowLogFormat, type FlowLogFieldName } from '../core/flow-log-format';
import { listenerLabel, type Listener } from '../core/listeners';
import { LISTENER_METRIC_DIMENSIONS, Metrics } from '../core/metrics';

export interface FlowLogsProps {
  readonly subnetIds: readonly string[];
  readonly listeners: readonly Listener[];
  readonly retention: logs.RetentionDays;
  readonly encryptionKey: kms.IKey;
  readonly metricsNamespace: string;
}

/**
 * One flow log per protected subnet (all traffic, 60 s aggregation, the shared custom format) into
 * one encrypted log group, plus the reference's AllowedPackets / RejectedPackets metric filters.
 */
export class FlowLogs extends Construct {
  readonly logGroup: logs.LogGroup;
  readonly flowLogs: ec2.FlowLog[];

  constructor(scope: Construct, id: string, props: FlowLogsProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.retention,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = this.deliveryRole();
    this.flowLogs = props.subnetIds.map(
      (subnetId) =>
        new ec2.FlowLog(this, `FlowLog-${subnetId}`, {
          resourceType: subnetResource(subnetId),
          destination: ec2.FlowLogDestination.toCloudWatchLogs(this.logGroup, role),
          trafficType: ec2.FlowLogTrafficType.ALL,
          maxAggregationInterval: ec2.FlowLogMaxAggregationInterval.ONE_MINUTE,
          logFormat: [ec2.LogFormat.custom(flowLogFormat())],
        }),
    );
    this.addPacketMetricFilters(props);
  }

  /** The role VPC Flow Logs assumes, only on behalf of this account's flow logs. */
  private deliveryRole(): iam.Role {
    const stack = Stack.of(this);
    return new iam.Role(this, 'DeliveryRole', {
      description: "Lets VPC Flow Logs write the protected subnets' flow logs to their log group",
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ec2', resource: 'vpc-flow-log', resourceName: '*' }) },
      }),
    });
  }

  /**
   * Ingress packets to the listeners, by action. CloudWatch metric filters take dimension values
   * only from log fields and the format carries no VPC id, so the two metrics have no dimension:
   * one filter per listener and action adds to them, so they count every listener. With several
   * listeners, a second filter per listener and action publishes the same packets under the
   * listener's port and protocol, for the dashboard's per-listener traffic. Four filters per
   * listener, at most 40 of the 100 a log group may have.
   */
  private addPacketMetricFilters(props: FlowLogsProps): void {
    const filters = [
      { metric: Metrics.AllowedPackets, action: 'ACCEPT' },
      { metric: Metrics.RejectedPackets, action: 'REJECT' },
    ];
    const several = props.listeners.length > 1;
    props.listeners.forEach((listener, i) => {
      // The first listener's filters keep the ids they had when a deployment had one listener.
      const suffix = i === 0 ? '' : `-${listenerLabel(listener).replace('/', '-')}`;
      for (const { metric, action } of filters) {
        const common = {
          logGroup: this.logGroup,
          metricNamespace: props.metricsNamespace,
          metricName: metric.name,
          metricValue: `$${fieldName('packets')}`,
          unit: cloudwatch.Unit.COUNT,
          filterPattern: logs.FilterPattern.literal(
            packetFilterPattern({
              dstport: String(listener.port),
              protocol: String(listener.protocol),
              action: `"${action}"`,
              'flow-direction': '"ingress"',
            }),
          ),
        };
        new logs.MetricFilter(this, `${metric.name}Filter${suffix}`, common);
        if (several)
          new logs.MetricFilter(this, `${metric.name}ListenerFilter-${listenerLabel(listener).replace('/', '-')}`, {
            ...common,
            dimensions: {
              [LISTENER_METRIC_DIMENSIONS.port]: `$${fieldName('dstport')}`,
              [LISTENER_METRIC_DIMENSIONS.protocol]: `$${fieldName('protocol')}`,
            },
          });
      }
    });
  }
}

/**
 * A subnet by id. (Subnet.fromSubnetId would do, but warns about the route table it does not
 * know, which a flow log never needs.)
 */
function subnetResource(subnetId: string): ec2.FlowLogResourceType {
  return { resourceType: 'Subnet', resourceId: subnetId };
}

/** Name of a flow-log field inside a space-delimited filter pattern (letters only, from the shared list). */
function fieldName(awsName: FlowLogFieldName): string {
  const field = FLOW_LOG_FIELDS.find((f) => f.awsName === awsName);
  if (!field) throw new Error(`unknown flow-log field ${awsName}`);
  return field.queryName;
}

/**
 * A space-delimited filter pattern over the shared field list, e.g.
 * `[srcAddr, dstPort=443, protocol=6, packets, ...]`; fields without a condition match anything.
 */
export function packetFilterPattern(conditions: Partial<Record<FlowLogFieldName, string>>): string {
  const columns = FLOW_LOG_FIELDS.map((f) => {
    const condition = conditions[f.awsName];
    return condition === undefined ? f.queryName : `${f.queryName}=${condition}`;
  });
  return `[${columns.join(', ')}]`;
}
