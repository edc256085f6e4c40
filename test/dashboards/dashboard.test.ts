import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_NAMESPACE } from '../../core/metrics';
import { blockedIpsQueryLines } from '../../dashboards/audit-query';
import { VPC_ID } from '../support/builders';
import {
  buildMonitoring,
  dashboardBody,
  logicalId,
  widgetMetrics,
  type DashboardWidget,
  type MonitoringFixture,
} from '../support/monitoring';

const defaults = buildMonitoring();
const widgets = dashboardBody(defaults.template).widgets;

function widgetTitled(list: DashboardWidget[], prefix: string): DashboardWidget {
  const found = list.filter((w) => w.properties.title?.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one widget titled "${prefix}...", found ${found.length}`);
  return found[0]!;
}

function productMetric(name: string, stat: string | undefined, label: string, dimensions: Record<string, string> = { VpcId: VPC_ID }) {
  return { namespace: DEFAULT_METRICS_NAMESPACE, name, dimensions, options: { label, period: 60, ...(stat ? { stat } : {}) } };
}

function annotations(widget: DashboardWidget): Array<{ value: number; label: string }> {
  return ((widget.properties.annotations as { horizontal?: Array<{ value: number; label: string }> } | undefined)?.horizontal ?? []).map(
    ({ value, label }) => ({ value, label }),
  );
}

describe('dashboard layout', () => {
  it('shows the reference widgets 1-6 first, then pipeline health, at fixed grid positions', () => {
    // Prepare: the default deployment's dashboard (built once above).
    // Act
    const layout = widgets.map((w) => [w.type, (w.properties.title ?? w.properties.markdown) as string, w.x, w.y, w.width, w.height]);

    // Assess
    const rows = layout.map(([type, title, x, y, width, height]) => [
      type,
      String(title)
        .split(/[,(\n]/)[0]!
        .trim(),
      x,
      y,
      width,
      height,
    ]);
    expect(rows).toEqual([
      ['metric', 'Network Traffic', 0, 0, 12, 6],
      ['metric', 'All Source IPs', 12, 0, 12, 6],
      ['metric', 'Anomalous Source Networks', 0, 6, 12, 6],
      ['metric', 'Anomalous Source IPs', 12, 6, 12, 6],
      ['metric', 'Packet Statistics', 0, 12, 24, 6],
      ['log', 'Blocked IPs per hour and source: max Z-score', 0, 18, 24, 8],
      ['text', '## Pipeline health', 0, 26, 24, 2],
      ['metric', 'Flow-log delivery lag', 0, 28, 6, 6],
      ['metric', 'Summarizer runs and errors', 6, 28, 6, 6],
      ['metric', 'Detection state machine', 12, 28, 6, 6],
      ['metric', 'Incomplete detection data', 18, 28, 6, 6],
      ['metric', 'Logs Insights: capped results and rejected rows', 0, 34, 6, 6],
      ['metric', 'NACL updater: errors', 6, 34, 6, 6],
      ['metric', 'Allow list and deny list: failed reads/minute', 12, 34, 6, 6],
      ['metric', 'Network ACL changes and EC2 API trouble', 18, 34, 6, 6],
      ['alarm', 'Operator alarms', 0, 40, 24, 3],
    ]);
  });

  it('gives every graph one-minute points and a y axis labelled with its unit', () => {
    const graphs = widgets.filter((w) => w.type === 'metric');

    for (const graph of graphs) {
      const yAxis = graph.properties.yAxis as { left: { label: string; min: number }; right?: { label: string } };
      expect(graph.properties.period, graph.properties.title).toBe(60);
      expect(yAxis.left.label, graph.properties.title).toMatch(/packets\/minute|sources|networks|seconds|count|executions\/minute/);
      expect(yAxis.left.min).toBe(0);
      for (const metric of widgetMetrics(graph)) expect(metric.options.period, `${graph.properties.title}: ${metric.name}`).toBe(60);
    }
    expect(graphs).toHaveLength(13);
  });

  it('satisfies the documented dashboard body structure for every widget type it uses', () => {
    for (const w of widgets) {
      const p = w.properties;
      expect(['metric', 'text', 'log', 'alarm']).toContain(w.type);
      expect(w.width >= 1 && w.width <= 24 && w.height >= 1 && w.height <= 1000 && w.x >= 0 && w.y >= 0).toBe(true);
      if (w.type === 'metric') {
        expect(p.region).toBe('${AWS::Region}');
        expect((p.metrics as unknown[]).length).toBeGreaterThan(0);
      }
      if (w.type === 'log') {
        expect(p.region).toBe('${AWS::Region}');
        expect(typeof p.query).toBe('string');
      }
      if (w.type === 'alarm') expect((p.alarms as unknown[]).length).toBeLessThanOrEqual(100);
      if (w.type === 'text') expect(String(p.markdown).length).toBeGreaterThan(0);
    }
    expect(widgets.length).toBeLessThanOrEqual(500);
  });

  it('is valid dashboard JSON whose widgets all fit the 24-column grid without overlapping', () => {
    const cells = new Set<string>();
    for (const w of widgets) {
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell), `overlap at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
    }
  });
});

describe('reference widgets', () => {
  it('1. Network Traffic: allowed and rejected packets of the listener, stacked, summed per minute, without dimension like the metric filters', () => {
    const widget = widgetTitled(widgets, 'Network Traffic');

    expect(widget.properties.title).toBe('Network Traffic (TCP:443), packets/minute');
    expect(widget.properties.stacked).toBe(true);
    expect(widgetMetrics(widget)).toEqual([
      productMetric('AllowedPackets', 'Sum', 'Allowed (ACCEPT) packets', {}),
      productMetric('RejectedPackets', 'Sum', 'Rejected (REJECT) packets', {}),
    ]);
  });

  it('1. Network Traffic names the protocol and port of the deployment', () => {
    const udp = dashboardBody(buildMonitoring({ listeners: [{ protocol: 17, port: 53 }] }).template).widgets;

    expect(widgetTitled(udp, 'Network Traffic').properties.title).toBe('Network Traffic (UDP:53), packets/minute');
  });

  it('1. Network Traffic with several listeners: each listener allowed and rejected, stacked, under the Port and Protocol the filters publish', () => {
    const listeners = [
      { port: 443, protocol: 6 as const },
      { port: 53, protocol: 17 as const },
    ];
    const widget = widgetTitled(dashboardBody(buildMonitoring({ listeners }).template).widgets, 'Network Traffic');

    expect(widget.properties.title).toBe('Network Traffic (TCP:443, UDP:53), packets/minute');
    expect(widget.properties.stacked).toBe(true);
    expect(widgetMetrics(widget)).toEqual([
      productMetric('AllowedPackets', 'Sum', 'TCP:443 allowed (ACCEPT) packets', { Port: '443', Protocol: '6' }),
      productMetric('RejectedPackets', 'Sum', 'TCP:443 rejected (REJECT) packets', { Port: '443', Protocol: '6' }),
      productMetric('AllowedPackets', 'Sum', 'UDP:53 allowed (ACCEPT) packets', { Port: '53', Protocol: '17' }),
      productMetric('RejectedPackets', 'Sum', 'UDP:53 rejected (REJECT) packets', { Port: '53', Protocol: '17' }),
    ]);
  });

  it('2. All Source IPs: distinct sources, with the outliers on the right axis', () => {
    const widget = widgetTitled(widgets, 'All Source IPs');

    expect(widget.properties.stacked).toBe(false);
    expect(widgetMetrics(widget)).toEqual([
      productMetric('UniqueSourceIPs', 'Maximum', 'Distinct source IPs'),
      {
        ...productMetric('OutlierSourceIPs', 'Maximum', 'Outliers (Z > 3 and > 12,000 packets/min)'),
        options: { label: 'Outliers (Z > 3 and > 12,000 packets/min)', period: 60, stat: 'Maximum', yAxis: 'right' },
      },
    ]);
  });

  it('3. Anomalous Source Networks: blocked, unblocked and (report mode) would-block networks, stacked, under the deny-rule capacity bound', () => {
    const widget = widgetTitled(widgets, 'Anomalous Source Networks');

    expect(widget.properties.title).toBe('Anomalous Source Networks (/32 IPv4, /128 IPv6), deny rules');
    expect(widget.properties.stacked).toBe(true);
    expect(widgetMetrics(widget)).toEqual([
      productMetric('BlockedSourceNetworks', 'Maximum', 'Blocked networks (deny rules)'),
      productMetric('UnblockedSourceNetworks', 'Maximum', 'Unblocked networks (no room in the ACL)'),
      productMetric('WouldBlockSourceNetworks', 'Maximum', 'Would block networks (report mode: no rule written)'),
    ]);
    expect(annotations(widget)).toEqual([
      { value: 19, label: 'Deny-rule capacity per IP family, at most 19 (quota 20 - default deny - mirrored rules)' },
    ]);
  });

  it('3. Anomalous Source Networks follows the configured masks and rule quota', () => {
    const custom = dashboardBody(
      buildMonitoring({ naclRuleNetworkMask: 24, naclRuleNetworkMaskIpv6: 64, naclRuleLimit: 40 }).template,
    ).widgets;

    const widget = widgetTitled(custom, 'Anomalous Source Networks');

    expect(widget.properties.title).toBe('Anomalous Source Networks (/24 IPv4, /64 IPv6), deny rules');
    expect(annotations(widget).map((a) => a.value)).toEqual([39]);
  });

  it('4. Anomalous Source IPs: blocked, unblocked and (report mode) would-block sources, stacked', () => {
    const widget = widgetTitled(widgets, 'Anomalous Source IPs');

    expect(widget.properties.stacked).toBe(true);
    expect(widgetMetrics(widget)).toEqual([
      productMetric('BlockedSourceIPs', 'Maximum', 'Blocked sources'),
      productMetric('UnblockedSourceIPs', 'Maximum', 'Unblocked sources (no room in the ACL)'),
      productMetric('WouldBlockSourceIPs', 'Maximum', 'Would block sources (report mode: no rule written)'),
    ]);
  });

  it('5. Packet Statistics: mean, standard deviation and threshold in packets/minute, with the packet floor', () => {
    const widget = widgetTitled(widgets, 'Packet Statistics');

    expect(widget.properties.title).toBe(
      'Packet Statistics, packets/minute per source over 60 min (anomalous: Z > 3 and > 12,000 packets/min)',
    );
    // Average is the dashboard's default statistic, so the body leaves "stat" out.
    expect(widgetMetrics(widget)).toEqual([
      productMetric('PacketBinAverage', undefined, 'Mean packets/minute per source'),
      productMetric('PacketBinStandardDeviation', undefined, 'Standard deviation (population), packets/minute'),
      productMetric('PacketBinAnomalyThreshold', undefined, 'Anomaly threshold: mean + 3 x sd, packets/minute'),
    ]);
    expect(annotations(widget)).toEqual([{ value: 12_000, label: 'Packet floor MinPacketsPerBin: 12,000 packets/minute' }]);
  });

  it('5. Packet Statistics states the configured MinZScore, MinPacketsPerBin and window', () => {
    const custom = dashboardBody(buildMonitoring({ minZScore: 4.5, minPacketsPerBin: 250_000, windowMinutes: 30 }).template).widgets;

    const widget = widgetTitled(custom, 'Packet Statistics');

    expect(widget.properties.title).toBe(
      'Packet Statistics, packets/minute per source over 30 min (anomalous: Z > 4.5 and > 250,000 packets/min)',
    );
    expect(widgetMetrics(widget)[2]!.options.label).toBe('Anomaly threshold: mean + 4.5 x sd, packets/minute');
    expect(annotations(widget).map((a) => a.value)).toEqual([250_000]);
  });

  it('6. Blocked IPs: an Insights table over the audit log group resource, per hour and source', () => {
    const widget = widgetTitled(widgets, 'Blocked IPs');

    expect(widget.type).toBe('log');
    expect(widget.properties.view).toBe('table');
    expect(widget.properties.query).toBe(
      `SOURCE '\${Ref:${defaults.ids.auditLogGroup}}' | ` +
        [
          'fields @timestamp, ip, network, z_score, packets, mode',
          'filter ispresent(ip)',
          'stats max(z_score) as maxZScore, max(packets) as maxPacketsPerMinute, latest(network) as denyRuleNetwork, latest(@timestamp) as lastBlocked, latest(mode) as mode by bin(1h), ip',
          'sort lastBlocked desc',
          'limit 1000',
        ].join('\n| '),
    );
    expect(blockedIpsQueryLines()).toHaveLength(5);
  });
});

describe('pipeline health widgets', () => {
  const lambdaMetric = (fixture: MonitoringFixture, fn: 'summarizer' | 'naclUpdater', name: string) => ({
    namespace: 'AWS/Lambda',
    name,
    dimensions: { FunctionName: `\${Ref:${fixture.ids[fn]}}` },
  });
  const shape = (w: DashboardWidget) => widgetMetrics(w).map(({ namespace, name, dimensions }) => ({ namespace, name, dimensions }));

  it('7. delivery lag against the alarm bound and the re-query reach', () => {
    const widget = widgetTitled(widgets, 'Flow-log delivery lag');

    expect(widget.properties.title).toBe('Flow-log delivery lag, seconds (alarm > 600 s for 3 min)');
    expect(widgetMetrics(widget)).toEqual([productMetric('FlowLogDeliveryLag', 'Maximum', 'Largest lag seen by a run, seconds')]);
    expect(annotations(widget)).toEqual([
      { value: 600, label: 'Alarm bound 600 s' },
      { value: 600, label: 'Re-query reach 600 s: later records are never counted' },
    ]);
  });

  it('7. delivery lag annotations follow the configured bound and REQUERY_MINUTES', () => {
    const custom = dashboardBody(
      buildMonitoring({ requeryMinutes: 20, alarms: { maxDeliveryLagSeconds: 900, deliveryLagMinutes: 4 } }).template,
    ).widgets;

    const widget = widgetTitled(custom, 'Flow-log delivery lag');

    expect(widget.properties.title).toBe('Flow-log delivery lag, seconds (alarm > 900 s for 4 min)');
    expect(annotations(widget).map((a) => a.value)).toEqual([900, 1200]);
  });

  it('7. summarizer runs, errors and duration of the summarizer function', () => {
    const widget = widgetTitled(widgets, 'Summarizer runs');

    expect(shape(widget)).toEqual([
      { namespace: DEFAULT_METRICS_NAMESPACE, name: 'SummarizerRuns', dimensions: { VpcId: VPC_ID } },
      lambdaMetric(defaults, 'summarizer', 'Errors'),
      lambdaMetric(defaults, 'summarizer', 'Duration'),
    ]);
    expect(widgetMetrics(widget).map((m) => [m.options.stat, m.options.yAxis])).toEqual([
      ['Sum', undefined],
      ['Sum', undefined],
      ['Maximum', 'right'],
    ]);
  });

  it('7. failed and timed-out executions of the detection state machine', () => {
    const widget = widgetTitled(widgets, 'Detection state machine');

    expect(shape(widget)).toEqual([
      { namespace: 'AWS/States', name: 'ExecutionsFailed', dimensions: { StateMachineArn: `\${Ref:${defaults.ids.stateMachine}}` } },
      { namespace: 'AWS/States', name: 'ExecutionsTimedOut', dimensions: { StateMachineArn: `\${Ref:${defaults.ids.stateMachine}}` } },
    ]);
  });

  it('7. incomplete runs and their causes', () => {
    const names = widgetMetrics(widgetTitled(widgets, 'Incomplete detection data')).map((m) => [m.name, m.options.stat]);

    expect(names).toEqual([
      ['IncompleteRuns', 'Sum'],
      ['InsightsQueriesIncomplete', 'Sum'],
      ['BinWriteFailures', 'Sum'],
      ['BinRecordsRejected', 'Sum'],
    ]);
  });

  it('7. capped queries, rejected rows and bytes scanned', () => {
    const metrics = widgetMetrics(widgetTitled(widgets, 'Logs Insights'));

    expect(metrics.map((m) => [m.name, m.options.stat, m.options.yAxis])).toEqual([
      ['InsightsResultsCapped', 'Sum', undefined],
      ['InsightsRowsRejected', 'Sum', undefined],
      ['InsightsBytesScanned', 'Sum', 'right'],
    ]);
  });

  it('7. updater errors, the dead-letter queue and rejected messages', () => {
    const widget = widgetTitled(widgets, 'NACL updater');

    expect(shape(widget)).toEqual([
      lambdaMetric(defaults, 'naclUpdater', 'Errors'),
      {
        namespace: 'AWS/SQS',
        name: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: `\${GetAtt:${defaults.ids.deadLetterQueue}.QueueName}` },
      },
      { namespace: DEFAULT_METRICS_NAMESPACE, name: 'MessagesRejected', dimensions: { VpcId: VPC_ID } },
      { namespace: DEFAULT_METRICS_NAMESPACE, name: 'MessagesIgnored', dimensions: { VpcId: VPC_ID } },
      { namespace: DEFAULT_METRICS_NAMESPACE, name: 'AuditLogWriteFailures', dimensions: { VpcId: VPC_ID } },
      { namespace: DEFAULT_METRICS_NAMESPACE, name: 'NotificationPublishFailures', dimensions: { VpcId: VPC_ID } },
    ]);
  });

  it('7. allow-list problems and network ACL changes', () => {
    const allowList = widgetMetrics(widgetTitled(widgets, 'Allow list')).map((m) => [m.name, m.options.stat]);
    const acl = widgetMetrics(widgetTitled(widgets, 'Network ACL changes')).map((m) => [m.name, m.options.stat]);

    expect(allowList).toEqual([
      ['AllowListReadFailures', 'Sum'],
      ['AllowListInvalidLines', 'Maximum'],
      ['AllowListedSourcesSkipped', 'Maximum'],
      ['DenyListReadFailures', 'Sum'],
      ['DenyListInvalidLines', 'Maximum'],
      ['DenyListEntriesNotApplied', 'Maximum'],
      ['DenyListedNetworks', 'Maximum'],
      ['RepeatOffenderHolds', 'Maximum'],
      ['RepeatOffenderStateReadFailures', 'Sum'],
      ['RepeatOffenderStateWriteFailures', 'Sum'],
    ]);
    expect(acl).toEqual([
      ['AclSwaps', 'Sum'],
      ['AclEntryChanges', 'Sum'],
      ['NotificationsPublished', 'Sum'],
      ['Ec2ApiRetries', 'Sum'],
      ['AclEntryLimitExceeded', 'Sum'],
      ['AclStaleReads', 'Sum'],
      ['AclStateUnknown', 'Sum'],
    ]);
  });

  it('7. the alarm status widget lists every operator alarm', () => {
    const widget = widgets.find((w) => w.type === 'alarm')!;
    const alarmIds = Object.keys(defaults.template.findResources('AWS::CloudWatch::Alarm'));

    expect(widget.properties.alarms).toEqual(
      Object.values(defaults.monitoring.alarms).map((a) => `\${GetAtt:${logicalId(defaults.stack, a)}.Arn}`),
    );
    expect(widget.properties.alarms).toHaveLength(alarmIds.length);
  });
});
