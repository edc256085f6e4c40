/**
 * The stack in the China and GovCloud partitions: every ARN, regional service principal,
 * kms:ViaService value and the dashboard URL as CloudFormation resolves them there.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../bin/app';
import { STACK_CONTEXT } from '../support/builders';
import { allStatements, asList, logicalIdOf, resolveCfn, type ResolvedIds } from '../support/cdk';

const PARTITIONS = [
  // Timestream for LiveAnalytics has no CloudFormation resource in China: DynamoDB holds the bins there.
  { region: 'cn-north-1', partition: 'aws-cn', urlSuffix: 'amazonaws.com.cn', console: 'console.amazonaws.cn', binStore: 'dynamodb' },
  {
    region: 'us-gov-west-1',
    partition: 'aws-us-gov',
    urlSuffix: 'amazonaws.com',
    console: 'console.amazonaws-us-gov.com',
    binStore: 'timestream',
  },
  { region: 'eu-west-1', partition: 'aws', urlSuffix: 'amazonaws.com', console: 'console.aws.amazon.com', binStore: 'timestream' },
] as const;

/** Global service principals: `<service>.amazonaws.com` in every partition (the CDK's and IAM's convention). */
const GLOBAL_PRINCIPALS = new Set(
  ['lambda', 'sns', 'cloudwatch', 'vpc-flow-logs', 'states', 'logging.s3'].map((s) => `${s}.amazonaws.com`),
);

function synthesizeIn(region: string, binStore: string): Template {
  // cdk-nag runs (its findings fail the synth); CloudFormation's own validation is the stack test's.
  const app = new App({ context: { ...STACK_CONTEXT, binStore, 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  return Template.fromStack(buildApp(app, { account: '123456789012', region }).stack);
}

/** Every string of a value, nested. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe.each(PARTITIONS)('the stack in $partition ($region)', ({ region, partition, urlSuffix, console: consoleHost, binStore }) => {
  const template = synthesizeIn(region, binStore);
  const pseudo = { 'AWS::Region': region, 'AWS::AccountId': '123456789012', 'AWS::Partition': partition, 'AWS::URLSuffix': urlSuffix };
  // Every resource reference resolves to a placeholder: only the pseudo parameters matter here.
  const ids = new Proxy({} as ResolvedIds, { get: (_, key) => (String(key) in pseudo ? undefined : `<${String(key)}>`) });
  const resolved = resolveCfn(template.toJSON(), ids, { pseudo, mappings: template.toJSON().Mappings }) as Record<string, unknown>;

  it(`builds every ARN in the ${partition} partition`, () => {
    const arns = strings(resolved.Resources).flatMap((s) => s.match(/arn:[a-z-]+:/g) ?? []);
    expect(arns.length).toBeGreaterThan(20);
    expect(new Set(arns)).toEqual(new Set([`arn:${partition}:`]));
  });

  it(`names the regional CloudWatch Logs principal and the kms:ViaService services with ${urlSuffix}`, () => {
    const statements = allStatements(Template.fromJSON(resolved)).map((s) => s.statement);
    const principals = statements.flatMap((s) => asList((s.Principal as { Service?: string | string[] } | undefined)?.Service));
    expect(principals.filter((p) => !GLOBAL_PRINCIPALS.has(p))).toEqual([`logs.${region}.${urlSuffix}`]);
    const viaServices = statements.flatMap((s) => asList(s.Condition?.StringEquals?.['kms:ViaService'] as string | undefined));
    // The updater decrypts the verdict queue through its event source mapping's grant, not a kms:ViaService condition.
    const services = ['sns', ...(binStore === 'dynamodb' ? ['dynamodb'] : [])];
    expect(new Set(viaServices)).toEqual(new Set(services.map((service) => `${service}.${region}.${urlSuffix}`)));
  });

  it(`links the dashboard on ${consoleHost}`, () => {
    const dashboard = logicalIdOf(template, 'AWS::CloudWatch::Dashboard', 'MonitoringDashboard');
    const outputs = resolved.Outputs as Record<string, { Value: string }>;
    expect(outputs.DashboardUrl?.Value).toBe(`https://${consoleHost}/cloudwatch/home?region=${region}#dashboards:name=<${dashboard}>`);
  });
});
