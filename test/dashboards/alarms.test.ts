import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config-error';
import { DEFAULT_METRICS_NAMESPACE } from '../../core/metrics';
import { ALARM_THRESHOLD_BOUNDS } from '../../dashboards/alarm-defaults';
import { ALARM_NAMES, type AlarmName } from '../../dashboards/alarms';
import { UPDATER_BOUNDS } from '../../functions/nacl-updater/contract';
import { SUMMARIZER_BOUNDS } from '../../functions/summarizer/contract';
import { parseConfig } from '../../lib/config';
import { boundaryCases, caseName } from '../support/bounds';
import { VPC_ID } from '../support/builders';
import { buildMonitoring, buildMonitoringStack, logicalId, type MonitoringFixture, type PropOverrides } from '../support/monitoring';

interface AlarmProperties {
  Namespace: string;
  MetricName: string;
  Dimensions: Array<{ Name: string; Value: unknown }>;
  Statistic: string;
  Period: number;
  Threshold: number;
  ComparisonOperator: string;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  TreatMissingData: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
  AlarmDescription: string;
}

function alarm(fixture: MonitoringFixture, name: AlarmName): AlarmProperties {
  const id = logicalId(fixture.stack, fixture.monitoring.alarms[name]);
  const resource = fixture.template.toJSON().Resources[id] as { Type: string; Properties: AlarmProperties };
  expect(resource.Type).toBe('AWS::CloudWatch::Alarm');
  return resource.Properties;
}

const vpcDimension = [{ Name: 'VpcId', Value: VPC_ID }];

describe('operator alarms', () => {
  const fixture = buildMonitoring();
  const topicRef = { Ref: fixture.ids.operatorTopic };

  it('creates exactly the seven operator alarms, each notifying the operator topic when it fires and when it clears', () => {
    const alarms = Object.keys(fixture.template.findResources('AWS::CloudWatch::Alarm'));

    expect(Object.keys(fixture.monitoring.alarms).sort()).toEqual([...ALARM_NAMES].sort());
    expect(alarms).toHaveLength(7);
    for (const name of ALARM_NAMES) {
      const props = alarm(fixture, name);
      expect(props.AlarmActions, name).toEqual([topicRef]);
      expect(props.OKActions, name).toEqual([topicRef]);
      expect(props.AlarmDescription.length, name).toBeGreaterThan(80);
      expect(props.Period, name).toBe(60);
    }
  });

  // [alarm, namespace, metric, dimensions, statistic, comparison, threshold, periods, missing data]
  const expected: Array<[AlarmName, string, string, (f: MonitoringFixture) => unknown[], string, string, number, number, string]> = [
    [
      'unblockedSources',
      DEFAULT_METRICS_NAMESPACE,
      'UnblockedSourceIPs',
      () => vpcDimension,
      'Maximum',
      'GreaterThanOrEqualToThreshold',
      1,
      5,
      'notBreaching',
    ],
    ['detectionNotRunning', DEFAULT_METRICS_NAMESPACE, 'SummarizerRuns', () => vpcDimension, 'Sum', 'LessThanThreshold', 1, 3, 'breaching'],
    [
      'incompleteData',
      DEFAULT_METRICS_NAMESPACE,
      'IncompleteRuns',
      () => vpcDimension,
      'Sum',
      'GreaterThanOrEqualToThreshold',
      1,
      5,
      'notBreaching',
    ],
    [
      'updaterErrors',
      'AWS/Lambda',
      'Errors',
      (f) => [{ Name: 'FunctionName', Value: { Ref: f.ids.naclUpdater } }],
      'Sum',
      'GreaterThanOrEqualToThreshold',
      1,
      1,
      'notBreaching',
    ],
    [
      'updaterDeadLetters',
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      (f) => [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [f.ids.deadLetterQueue, 'QueueName'] } }],
      'Maximum',
      'GreaterThanOrEqualToThreshold',
      1,
      1,
      'notBreaching',
    ],
    [
      'deliveryLag',
      DEFAULT_METRICS_NAMESPACE,
      'FlowLogDeliveryLag',
      () => vpcDimension,
      'Maximum',
      'GreaterThanThreshold',
      600,
      3,
      'notBreaching',
    ],
    [
      'aclStateUnknown',
      DEFAULT_METRICS_NAMESPACE,
      'AclStateUnknown',
      () => vpcDimension,
      'Sum',
      'GreaterThanOrEqualToThreshold',
      1,
      5,
      'notBreaching',
    ],
  ];

  it.each(expected)(
    '%s watches %s %s with the documented defaults',
    (name, namespace, metric, dimensions, statistic, comparison, threshold, periods, missing) => {
      const props = alarm(fixture, name);

      expect({
        Namespace: props.Namespace,
        MetricName: props.MetricName,
        Dimensions: props.Dimensions,
        Statistic: props.Statistic,
        ComparisonOperator: props.ComparisonOperator,
        Threshold: props.Threshold,
        EvaluationPeriods: props.EvaluationPeriods,
        DatapointsToAlarm: props.DatapointsToAlarm,
        TreatMissingData: props.TreatMissingData,
      }).toEqual({
        Namespace: namespace,
        MetricName: metric,
        Dimensions: dimensions(fixture),
        Statistic: statistic,
        ComparisonOperator: comparison,
        Threshold: threshold,
        EvaluationPeriods: periods,
        DatapointsToAlarm: periods,
        TreatMissingData: missing,
      });
    },
  );

  it('takes every threshold from props.alarms', () => {
    const custom = buildMonitoring({
      alarms: {
        unblockedMinutes: 10,
        maxDeliveryLagSeconds: 900,
        deliveryLagMinutes: 4,
        detectionStalledMinutes: 5,
        incompleteMinutes: 15,
        updaterErrors: 3,
        aclStateUnknownMinutes: 7,
      },
    });

    const summary = (name: AlarmName) => {
      const p = alarm(custom, name);
      return [p.Threshold, p.EvaluationPeriods, p.DatapointsToAlarm];
    };

    expect(summary('unblockedSources')).toEqual([1, 10, 10]);
    expect(summary('deliveryLag')).toEqual([900, 4, 4]);
    expect(summary('detectionNotRunning')).toEqual([1, 5, 5]);
    expect(summary('incompleteData')).toEqual([1, 15, 15]);
    expect(summary('updaterErrors')).toEqual([3, 1, 1]);
    expect(summary('aclStateUnknown')).toEqual([1, 7, 7]);
    expect(alarm(custom, 'aclStateUnknown').AlarmDescription).toContain('For 7 minutes');
    expect(alarm(custom, 'unblockedSources').AlarmDescription).toContain('for 10 minutes');
  });

  it('keeps the defaults for thresholds left undefined', () => {
    const partial = buildMonitoring({ alarms: { unblockedMinutes: undefined, maxDeliveryLagSeconds: 300 } });

    expect(alarm(partial, 'unblockedSources').EvaluationPeriods).toBe(5);
    expect(alarm(partial, 'deliveryLag').Threshold).toBe(300);
  });
});

describe('configuration errors name the bad value', () => {
  const cases: Array<[string, PropOverrides, RegExp]> = [
    [
      'zero minutes',
      { alarms: { unblockedMinutes: 0 } },
      /alarms\.unblockedMinutes must be a whole number of minutes from 1 to 1440 \(got 0\)/,
    ],
    ['fractional minutes', { alarms: { incompleteMinutes: 2.5 } }, /alarms\.incompleteMinutes .* \(got 2\.5\)/],
    ['more than a day of periods', { alarms: { detectionStalledMinutes: 1441 } }, /alarms\.detectionStalledMinutes .* \(got 1441\)/],
    ['negative lag bound', { alarms: { maxDeliveryLagSeconds: -1 } }, /alarms\.maxDeliveryLagSeconds must be a whole number of seconds/],
    ['zero updater errors', { alarms: { updaterErrors: 0 } }, /alarms\.updaterErrors/],
    [
      'rule quota with no room for a deny rule',
      { naclRuleLimit: 1 },
      /naclRuleLimit must be a whole number of rules from 2 to 40 \(got 1\)/,
    ],
    ['IPv4 mask beyond 32', { naclRuleNetworkMask: 33 }, /naclRuleNetworkMask must be .* from 0 to 32 \(got 33\)/],
    ['IPv6 mask beyond 128', { naclRuleNetworkMaskIpv6: 129 }, /naclRuleNetworkMaskIpv6 .* \(got 129\)/],
    ['non-positive Z-score', { minZScore: 0 }, /minZScore must be a number greater than 0 and at most 1000 \(got 0\)/],
    ['not an e-mail address', { operatorEmail: 'ops.example.com' }, /operatorEmail "ops\.example\.com" is not an e-mail address/],
    ['re-query reach of zero', { requeryMinutes: 0 }, /requeryMinutes/],
  ];

  it.each(cases)('rejects %s', (_case, overrides, message) => {
    expect(() => buildMonitoring(overrides)).toThrow(message);
  });
});

describe('monitoring props take the bounds of the functions they describe', () => {
  // Every prop the dashboard shows that a function reads (maxAnomalies is not shown).
  const { minZScore, minPacketsPerBin, windowMinutes, requeryMinutes } = SUMMARIZER_BOUNDS;
  const { naclRuleLimit, naclRuleNetworkMask, naclRuleNetworkMaskIpv6 } = UPDATER_BOUNDS;
  const cases = boundaryCases({
    minZScore,
    minPacketsPerBin,
    windowMinutes,
    requeryMinutes,
    naclRuleLimit,
    naclRuleNetworkMask,
    naclRuleNetworkMaskIpv6,
  });

  it.each(cases.map((c) => [caseName(c), c] as const))('%s', (_name, { key, value, accepted }) => {
    const build = () => buildMonitoringStack({ [key]: value });
    if (accepted) {
      expect(build).not.toThrow();
    } else {
      expect(build).toThrow(ConfigError);
      expect(build).toThrow(new RegExp(`^Invalid nacl-flood-guard monitoring props:\\n  - ${key} must be .*\\(got ${value}\\)$`));
    }
  });

  it('lists every bad prop at once', () => {
    expect(() => buildMonitoringStack({ listeners: [{ port: 0, protocol: 6 }], windowMinutes: 4, alarms: { updaterErrors: 0 } })).toThrow(
      /listeners\[0\]\.port must be .*\n {2}- windowMinutes must be/,
    );
  });
});

describe('alarm thresholds: one set of bounds for the monitoring props and the context keys', () => {
  const contextKey = (key: string) => `alarm${key[0]?.toUpperCase()}${key.slice(1)}`;
  const REQUIRED = { vpcId: VPC_ID, subnetIds: 'subnet-0123456789abcdef0', listenerPort: '443', listenerProtocol: 'TCP' };

  it.each(boundaryCases(ALARM_THRESHOLD_BOUNDS).map((c) => [caseName(c), c] as const))('%s', (_name, { key, value, accepted }) => {
    const build = () => buildMonitoringStack({ alarms: { [key]: value } });
    const context: Record<string, unknown> = { ...REQUIRED, [contextKey(key)]: String(value) };
    const parse = () => parseConfig((name) => context[name]);
    if (accepted) {
      expect(build).not.toThrow();
      expect(parse().alarms[key]).toBe(value);
    } else {
      expect(build).toThrow(`alarms.${key} must be a whole number`);
      expect(parse).toThrow(`${contextKey(key)} "${value}" must be a whole number`);
    }
  });
});
