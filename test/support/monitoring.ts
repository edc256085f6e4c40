/**
 * The monitoring constructs (dashboard, alarms, operator topic) in a stack of their own, over real
 * constructs for every resource they watch, and readers of the dashboard body.
 */
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { FloodGuardMonitoring } from '../../dashboards/monitoring';
import type { FloodGuardMonitoringProps } from '../../dashboards/monitoring-props';
import { MONITORING_SETTINGS } from './builders';

/** Real constructs for every resource the monitoring watches, so the dashboard names real logical ids. */
export interface MonitoringFixture {
  readonly stack: Stack;
  readonly template: Template;
  readonly monitoring: FloodGuardMonitoring;
  readonly ids: {
    readonly auditLogGroup: string;
    readonly summarizer: string;
    readonly naclUpdater: string;
    readonly stateMachine: string;
    readonly deadLetterQueue: string;
    readonly operatorTopic: string;
    readonly operatorTopicKey: string;
  };
}

export type PropOverrides = Partial<
  Omit<FloodGuardMonitoringProps, 'auditLogGroup' | 'summarizer' | 'naclUpdater' | 'stateMachine' | 'updaterDeadLetterQueue'>
>;

export function buildMonitoring(overrides: PropOverrides = {}): MonitoringFixture {
  const { stack, monitoring, resources } = buildMonitoringStack(overrides);
  const template = Template.fromStack(stack);
  return {
    stack,
    template,
    monitoring,
    ids: {
      auditLogGroup: logicalId(stack, resources.auditLogGroup),
      summarizer: logicalId(stack, resources.summarizer),
      naclUpdater: logicalId(stack, resources.naclUpdater),
      stateMachine: logicalId(stack, resources.stateMachine),
      deadLetterQueue: logicalId(stack, resources.deadLetterQueue),
      operatorTopic: logicalId(stack, monitoring.operatorTopic),
      operatorTopicKey: logicalId(stack, monitoring.node.findChild('OperatorTopicKey')),
    },
  };
}

export function buildMonitoringStack(overrides: PropOverrides = {}, app = new App()) {
  const stack = new Stack(app, 'DashboardTest');
  const resources = {
    auditLogGroup: new logs.LogGroup(stack, 'AuditLog', { retention: logs.RetentionDays.ONE_MONTH }),
    summarizer: inlineFunction(stack, 'Summarizer'),
    naclUpdater: inlineFunction(stack, 'NaclUpdater'),
    stateMachine: new sfn.StateMachine(stack, 'Detection', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Run')),
      stateMachineType: sfn.StateMachineType.EXPRESS,
    }),
    deadLetterQueue: new sqs.Queue(stack, 'UpdaterDlq', { enforceSSL: true }),
  };
  const monitoring = new FloodGuardMonitoring(stack, 'Monitoring', {
    ...MONITORING_SETTINGS,
    auditLogGroup: resources.auditLogGroup,
    summarizer: resources.summarizer,
    naclUpdater: resources.naclUpdater,
    stateMachine: resources.stateMachine,
    updaterDeadLetterQueue: resources.deadLetterQueue,
    ...overrides,
  });
  return { app, stack, monitoring, resources };
}

function inlineFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
  });
}

export function logicalId(stack: Stack, construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return stack.resolve(element.logicalId) as string;
}

// ---- dashboard body --------------------------------------------------------------------------

export interface DashboardWidget {
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: Record<string, unknown> & { title?: string };
}

/**
 * The dashboard body as CloudWatch receives it, with every CloudFormation intrinsic in the
 * Fn::Join replaced by a readable placeholder: `${Ref:Id}`, `${GetAtt:Id.Attr}`, `${AWS::Region}`.
 */
export function dashboardBody(template: Template): { widgets: DashboardWidget[] } {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  if (dashboards.length !== 1) throw new Error(`expected one dashboard, found ${dashboards.length}`);
  const body = (dashboards[0] as { Properties: { DashboardBody: unknown } }).Properties.DashboardBody;
  return JSON.parse(resolveJoin(body)) as { widgets: DashboardWidget[] };
}

function resolveJoin(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return placeholder(value);
  return join[1].map((part) => (typeof part === 'string' ? part : placeholder(part))).join(join[0]);
}

export function placeholder(token: unknown): string {
  const t = token as Record<string, unknown>;
  if (typeof t.Ref === 'string') return t.Ref.startsWith('AWS::') ? `\${${t.Ref}}` : `\${Ref:${t.Ref}}`;
  const getAtt = t['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt) return `\${GetAtt:${getAtt[0]}.${getAtt[1]}}`;
  const join = t['Fn::Join'];
  if (join) return resolveJoin(token);
  throw new Error(`unexpected intrinsic in dashboard body: ${JSON.stringify(token)}`);
}

export interface WidgetMetric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
  readonly options: Record<string, unknown>;
}

/** The metrics of a graph widget, with the "..." / "." shorthand of the body expanded. */
export function widgetMetrics(widget: DashboardWidget): WidgetMetric[] {
  const rows = (widget.properties.metrics as unknown[][] | undefined) ?? [];
  const result: WidgetMetric[] = [];
  let previous: unknown[] = [];
  for (const row of rows) {
    const last = row[row.length - 1];
    const hasOptions = typeof last === 'object' && last !== null;
    const parts = hasOptions ? row.slice(0, -1) : row.slice();
    const expanded = parts.map((part, i) => (part === '.' ? previous[i] : part)) as string[];
    previous = expanded;
    const [namespace, name, ...dims] = expanded;
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < dims.length; i += 2) dimensions[dims[i]!] = dims[i + 1]!;
    result.push({ namespace: namespace!, name: name!, dimensions, options: hasOptions ? (last as Record<string, unknown>) : {} });
  }
  return result;
}
