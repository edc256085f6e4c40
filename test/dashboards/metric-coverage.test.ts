import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_NAMESPACE, Metrics, type MetricDefinition } from '../../core/metrics';
import { METRICS_NOT_SHOWN } from '../../dashboards/metrics';
import { FlowLogs } from '../../lib/flow-logs';
import { VPC_ID } from '../support/builders';
import { buildMonitoring, dashboardBody, placeholder, widgetMetrics, type MonitoringFixture } from '../support/monitoring';

interface MetricReference {
  readonly where: string;
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
}

/** Every metric the dashboard graphs and the alarms watch, read back from the synthesized template. */
function referencedMetrics(fixture: MonitoringFixture): MetricReference[] {
  const fromDashboard = dashboardBody(fixture.template)
    .widgets.filter((w) => w.type === 'metric')
    .flatMap((w) =>
      widgetMetrics(w).map(({ namespace, name, dimensions }) => ({ where: `widget "${w.properties.title}"`, namespace, name, dimensions })),
    );
  const fromAlarms = Object.entries(fixture.template.findResources('AWS::CloudWatch::Alarm')).map(([id, resource]) => {
    const p = (
      resource as { Properties: { Namespace?: string; MetricName?: string; Dimensions?: Array<{ Name: string; Value: unknown }> } }
    ).Properties;
    if (!p.Namespace || !p.MetricName) throw new Error(`alarm ${id} does not watch a single metric`);
    const dimensions = Object.fromEntries(
      (p.Dimensions ?? []).map((d) => [d.Name, typeof d.Value === 'string' ? d.Value : placeholder(d.Value)]),
    );
    return { where: `alarm ${id}`, namespace: p.Namespace, name: p.MetricName, dimensions };
  });
  return [...fromDashboard, ...fromAlarms];
}

/** What the source of a product metric publishes it with (see dashboards/metrics.ts metricDimensions). */
function publishedDimensions(definition: MetricDefinition): Record<string, string> {
  return definition.source === 'flow-log-filter' ? {} : { VpcId: VPC_ID };
}

const definitions = Object.values(Metrics) as MetricDefinition[];
const fixture = buildMonitoring();
const references = referencedMetrics(fixture);

describe('metric coverage', () => {
  it('every product metric the dashboard and alarms reference is in core/metrics.ts, with the namespace and dimensions its source publishes', () => {
    const product = references.filter((r) => !r.namespace.startsWith('AWS/'));

    for (const reference of product) {
      expect(Object.keys(Metrics), `${reference.where}: ${reference.name} is not in core/metrics.ts`).toContain(reference.name);
      expect(reference.namespace, reference.where).toBe(DEFAULT_METRICS_NAMESPACE);
      expect(reference.dimensions, `${reference.where}: ${reference.name}`).toEqual(
        publishedDimensions(Metrics[reference.name as keyof typeof Metrics]),
      );
    }
    // Exactly the metrics not listed as not shown are referenced
    expect([...new Set(product.map((r) => r.name))].sort()).toEqual(
      definitions
        .map((d) => d.name)
        .filter((name) => !(name in METRICS_NOT_SHOWN))
        .sort(),
    );
  });

  it('every other metric is an AWS service metric of a resource the monitoring watches', () => {
    const ref = (id: string) => `\${Ref:${id}}`;
    const allowed = [
      {
        namespace: 'AWS/Lambda',
        names: ['Errors', 'Duration'],
        dimensions: [{ FunctionName: ref(fixture.ids.summarizer) }, { FunctionName: ref(fixture.ids.naclUpdater) }],
      },
      {
        namespace: 'AWS/States',
        names: ['ExecutionsFailed', 'ExecutionsTimedOut'],
        dimensions: [{ StateMachineArn: ref(fixture.ids.stateMachine) }],
      },
      {
        namespace: 'AWS/SQS',
        names: ['ApproximateNumberOfMessagesVisible'],
        dimensions: [{ QueueName: `\${GetAtt:${fixture.ids.deadLetterQueue}.QueueName}` }],
      },
    ];

    const service = references.filter((r) => r.namespace.startsWith('AWS/'));

    for (const reference of service) {
      expect(
        allowed.map((a) => a.namespace),
        `${reference.where}: unexpected namespace ${reference.namespace}`,
      ).toContain(reference.namespace);
      const rule = allowed.find((a) => a.namespace === reference.namespace)!;
      expect(rule.names, reference.where).toContain(reference.name);
      expect(rule.dimensions, reference.where).toContainEqual(reference.dimensions);
    }
    expect(new Set(service.map((r) => r.namespace))).toEqual(new Set(['AWS/Lambda', 'AWS/States', 'AWS/SQS']));
  });

  it('every metric in core/metrics.ts is shown somewhere or listed as not shown with a reason, never both', () => {
    const shown = new Set(references.map((r) => r.name));

    for (const definition of definitions) {
      const reason = METRICS_NOT_SHOWN[definition.name as keyof typeof Metrics];
      if (shown.has(definition.name)) {
        expect(reason, `${definition.name} is shown but also listed as not shown`).toBeUndefined();
      } else {
        expect(reason, `${definition.name} is neither on the dashboard nor in METRICS_NOT_SHOWN`).toMatch(/\w{3,}.{20,}/);
      }
    }
  });

  it('keys every definition of core/metrics.ts by its own name, so a name cannot appear twice', () => {
    for (const [key, definition] of Object.entries(Metrics)) expect(definition.name).toBe(key);
  });

  it('puts every product metric in the configured namespace', () => {
    const custom = referencedMetrics(buildMonitoring({ metricsNamespace: 'Custom/FloodGuard' }));

    const namespaces = new Set(custom.filter((r) => !r.namespace.startsWith('AWS/')).map((r) => r.namespace));

    expect(namespaces).toEqual(new Set(['Custom/FloodGuard']));
  });

  it('spells no metric name as a string literal in dashboards/: every name comes from core/metrics.ts', () => {
    const dir = join(__dirname, '../../dashboards');
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')] as const);

    for (const definition of definitions) {
      const literal = new RegExp(`['"\`]${definition.name}['"\`]`);
      for (const [file, text] of sources) expect(literal.test(text), `${file} spells '${definition.name}'`).toBe(false);
    }
    // The files that name metrics are among those scanned, and the pattern finds a quoted name
    expect(sources.map(([file]) => file)).toEqual(expect.arrayContaining(['alarms.ts', 'metrics.ts', 'monitoring.ts', 'widgets.ts']));
    expect(definitions.every((d) => new RegExp(`['"\`]${d.name}['"\`]`).test(`'${d.name}'`))).toBe(true);
  });
});

describe('metric emission by the flow-log metric filters', () => {
  it('publishes every flow-log-filter metric the dashboard reads, in the same namespace and with the same dimensions', () => {
    // Prepare: the stack's own flow-log construct, as the stack deploys it.
    const stack = new Stack(new App(), 'FlowLogsOnly');
    new FlowLogs(stack, 'FlowLogs', {
      subnetIds: ['subnet-0aaaaaaaaaaaaaaa1'],
      listeners: [{ port: 443, protocol: 6 }],
      retention: logs.RetentionDays.ONE_WEEK,
      encryptionKey: new kms.Key(stack, 'Key'),
      metricsNamespace: DEFAULT_METRICS_NAMESPACE,
    });

    // Act
    const filters = Object.values(Template.fromStack(stack).findResources('AWS::Logs::MetricFilter')).flatMap(
      (r) =>
        (
          r as {
            Properties: {
              MetricTransformations: Array<{
                MetricNamespace: string;
                MetricName: string;
                Dimensions?: Array<{ Key: string; Value: string }>;
              }>;
            };
          }
        ).Properties.MetricTransformations,
    );
    const published = filters.map((t) => ({
      namespace: t.MetricNamespace,
      name: t.MetricName,
      dimensions: Object.fromEntries((t.Dimensions ?? []).map((d) => [d.Key, d.Value])),
    }));

    // Assess
    const filterMetrics = definitions.filter((d) => d.source === 'flow-log-filter');
    for (const definition of filterMetrics) {
      const read = references.filter((r) => r.name === definition.name);
      expect(read.length, `${definition.name} is not on the dashboard`).toBeGreaterThan(0);
      for (const reference of read) {
        expect(published, `${reference.where}: no metric filter publishes ${definition.name} as read`).toContainEqual({
          namespace: reference.namespace,
          name: reference.name,
          dimensions: reference.dimensions,
        });
      }
    }
    expect(published).toHaveLength(filterMetrics.length);
  });
});
