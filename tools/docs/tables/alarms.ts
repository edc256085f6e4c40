import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DEFAULT_METRICS_NAMESPACE } from '../../../core/metrics';
import { ALARM_NAMES, createAlarms, type AlarmName } from '../../../dashboards/alarms';
import { DEFAULT_ALARM_THRESHOLDS, type ResolvedAlarmThresholds } from '../../../dashboards/alarm-defaults';
import { ProductMetrics } from '../../../dashboards/metrics';
import { CONFIG_KEYS } from '../../../lib/config';
import type { Table } from '../markdown';

/** What the table shows of one alarm, read from the CloudFormation resource the construct builds. */
interface BuiltAlarm {
  readonly metric: string;
  readonly statistic: string;
  readonly comparison: string;
  readonly threshold: number;
  readonly minutes: number;
  readonly missingData: string;
  readonly description: string;
}

const COMPARISONS: Record<string, string> = {
  GreaterThanOrEqualToThreshold: '>=',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

/** The operator alarms (dashboards/alarms.ts) as built with the default thresholds. */
export function alarmsTable(): Table {
  const built = buildAlarms(DEFAULT_ALARM_THRESHOLDS);
  const settings = settingsOf(built);
  return {
    header: ['Alarm', 'Fires when', 'Missing data', 'Notification: what it means, what to do'],
    rows: ALARM_NAMES.map((name) => {
      const alarm = built[name];
      const keys = settings[name].map((key) => `\`${key}\``).join(', ');
      return [
        title(name),
        `${alarm.metric} (${alarm.statistic}) ${alarm.comparison} ${alarm.threshold} ${during(alarm.minutes)}${keys ? ` (${keys})` : ''}`,
        alarm.missingData,
        alarm.description,
      ];
    }),
  };
}

/** unblockedSources -> "Unblocked sources", aclStateUnknown -> "ACL state unknown". */
function title(name: AlarmName): string {
  const words = name
    .replace(/([A-Z])/g, ' $1')
    .toLowerCase()
    .replace(/^acl\b/, 'ACL');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function during(minutes: number): string {
  return minutes === 1 ? 'in a minute' : `in each of ${minutes} consecutive minutes`;
}

/**
 * Which context keys set each alarm: the threshold whose change changes the alarm. A threshold
 * `x` is the context key `alarmX` (lib/config.ts); a missing key is an error here.
 */
function settingsOf(defaults: Record<AlarmName, BuiltAlarm>): Record<AlarmName, string[]> {
  const result = Object.fromEntries(ALARM_NAMES.map((name) => [name, [] as string[]])) as Record<AlarmName, string[]>;
  for (const key of Object.keys(DEFAULT_ALARM_THRESHOLDS) as (keyof ResolvedAlarmThresholds)[]) {
    const contextKey = `alarm${key.charAt(0).toUpperCase()}${key.slice(1)}`;
    if (!(CONFIG_KEYS as readonly string[]).includes(contextKey))
      throw new Error(`alarm threshold ${key} has no context key ${contextKey}`);
    const changed = buildAlarms({ ...DEFAULT_ALARM_THRESHOLDS, [key]: DEFAULT_ALARM_THRESHOLDS[key] + 1 });
    for (const name of ALARM_NAMES) {
      if (JSON.stringify(changed[name]) !== JSON.stringify(defaults[name])) result[name].push(contextKey);
    }
  }
  return result;
}

/** Builds the alarms in a bare stack, with stand-in resources for the ones they watch. */
function buildAlarms(thresholds: ResolvedAlarmThresholds): Record<AlarmName, BuiltAlarm> {
  const stack = new Stack(new App(), 'Docs');
  const naclUpdater = new lambda.Function(stack, 'NaclUpdater', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
  });
  const alarms = createAlarms(stack, {
    metrics: new ProductMetrics(DEFAULT_METRICS_NAMESPACE, 'vpc-0123456789abcdef0'),
    thresholds,
    naclUpdater,
    updaterDeadLetterQueue: new sqs.Queue(stack, 'DeadLetters'),
    topic: new sns.Topic(stack, 'Operator'),
  });
  const labels = new Map([
    ['AWS/Lambda', 'the NACL updater'],
    ['AWS/SQS', "the updater's dead-letter queue"],
  ]);
  const read = (alarm: cloudwatch.Alarm): BuiltAlarm => {
    const cfn = alarm.node.defaultChild as cloudwatch.CfnAlarm;
    const owner = labels.get(cfn.namespace ?? '');
    return {
      metric: owner ? `\`${cfn.metricName}\` of ${owner}` : `\`${cfn.metricName}\``,
      statistic: cfn.statistic ?? cfn.extendedStatistic ?? '',
      comparison: COMPARISONS[cfn.comparisonOperator ?? ''] ?? String(cfn.comparisonOperator),
      threshold: cfn.threshold ?? NaN,
      minutes: periodMinutes(cfn),
      missingData: (cfn.treatMissingData ?? 'missing').replace(/([A-Z])/g, ' $1').toLowerCase(),
      description: stack.resolve(cfn.alarmDescription) as string,
    };
  };
  return Object.fromEntries(ALARM_NAMES.map((name) => [name, read(alarms[name])])) as Record<AlarmName, BuiltAlarm>;
}

/** Consecutive breaching minutes; the table's wording assumes one-minute periods with every one breaching. */
function periodMinutes(cfn: cloudwatch.CfnAlarm): number {
  const periods = cfn.evaluationPeriods;
  if (cfn.period !== 60 || periods === undefined || (cfn.datapointsToAlarm ?? periods) !== periods) {
    throw new Error(`alarm ${cfn.node.path}: the docs table describes one-minute periods that all breach`);
  }
  return periods;
}
