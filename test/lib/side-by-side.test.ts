/**
 * Several deployments in one account and region: one per VPC (the default stack names) and a
 * second one in the same VPC for another ACL (its own stack name). Nothing named, tagged for
 * ownership or counted is shared between them.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../bin/app';
import { DEPLOYMENT_TAG } from '../../lib/deployment-name';
import { STACK_CONTEXT } from '../support/builders';
import { allStatements } from '../support/cdk';

const OTHER_VPC = 'vpc-0fedcba9876543210';
const DEPLOYMENTS = {
  first: { ...STACK_CONTEXT },
  otherVpc: { ...STACK_CONTEXT, vpcId: OTHER_VPC, subnetIds: 'subnet-0aaaaaaaaaaaaaaa1' },
  sameVpcOtherAcl: { ...STACK_CONTEXT, subnetIds: 'subnet-0bbbbbbbbbbbbbbb2', stackName: 'NaclFloodGuard-edge-acl' },
} as const;

/** Properties whose value names a resource account- and region-wide (a name two stacks could both claim). */
const NAME_PROPERTIES = ['LogGroupName', 'DashboardName', 'TopicName', 'QueueName', 'FunctionName', 'RoleName', 'BucketName', 'AlarmName'];

interface Deployment {
  readonly stackName: string;
  readonly template: Template;
}

function deploy(context: Record<string, string>): Deployment {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const { stack } = buildApp(app);
  return { stackName: stack.stackName, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

function resources(d: Deployment): Resources {
  return d.template.toJSON().Resources as Resources;
}

/** Every concrete resource name a template sets (DynamoDB tables included; a Timestream table is named inside its database). */
function physicalNames(d: Deployment): string[] {
  return Object.values(resources(d)).flatMap(({ Type, Properties = {} }) => {
    const keys = Type === 'AWS::DynamoDB::Table' ? [...NAME_PROPERTIES, 'TableName'] : NAME_PROPERTIES;
    return keys.flatMap((key) => (typeof Properties[key] === 'string' ? [`${Type} ${Properties[key] as string}`] : []));
  });
}

function aclTags(d: Deployment): { key: string; value: string }[] {
  return Object.values(resources(d))
    .filter((r) => r.Type === 'AWS::EC2::NetworkAcl')
    .flatMap((r) => (r.Properties?.Tags as { Key: string; Value: string }[]).map((t) => ({ key: t.Key, value: t.Value })));
}

/** Every metrics namespace a template uses: metric filters, function environments, alarms and the dashboard. */
function namespaces(d: Deployment): Set<string> {
  const found = new Set<string>();
  const walk = (value: unknown, key = ''): void => {
    if (typeof value === 'string') {
      if (['MetricNamespace', 'Namespace', 'POWERTOOLS_METRICS_NAMESPACE'].includes(key)) found.add(value);
      for (const match of value.matchAll(/\["(AutoNACL[^"]*)"/g)) found.add(match[1] as string);
    } else if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(resources(d));
  // AWS/ namespaces are the services' own metrics (Lambda errors, queue depth), addressed by resource.
  return new Set([...found].filter((n) => !n.startsWith('AWS/')));
}

describe('side-by-side deployments in one account and region', () => {
  const deployed = Object.fromEntries(Object.entries(DEPLOYMENTS).map(([name, context]) => [name, deploy(context)])) as Record<
    keyof typeof DEPLOYMENTS,
    Deployment
  >;
  const all = Object.values(deployed);

  it('get one stack each: by default one per VPC, a second one in a VPC by its own name', () => {
    expect(all.map((d) => d.stackName)).toEqual([
      `NaclFloodGuard-${STACK_CONTEXT.vpcId}`,
      `NaclFloodGuard-${OTHER_VPC}`,
      'NaclFloodGuard-edge-acl',
    ]);
  });

  it('name no resource alike', () => {
    const names = all.map(physicalNames);
    for (const list of names) expect(list.length).toBeGreaterThan(0);
    const flat = names.flat();
    expect(new Set(flat).size).toBe(flat.length);
  });

  it("tag each deployment's ACLs with its own name and owner tag", () => {
    for (const d of all) {
      expect(aclTags(d).filter((t) => t.key === DEPLOYMENT_TAG)).toEqual([
        { key: DEPLOYMENT_TAG, value: d.stackName },
        { key: DEPLOYMENT_TAG, value: d.stackName },
      ]);
      expect(
        aclTags(d)
          .filter((t) => t.key === 'Name')
          .map((t) => t.value),
      ).toEqual([`${d.stackName}-blue`, `${d.stackName}-green`]);
    }
  });

  it("write ACL entries and tags only on ACLs that carry the deployment's own owner tag", () => {
    for (const d of all) {
      const writes = allStatements(d.template).filter(({ statement }) =>
        [statement.Action].flat().some((a) => ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAclEntry', 'ec2:CreateTags'].includes(a)),
      );
      expect(writes.length).toBe(3);
      for (const { statement } of writes) {
        expect(statement.Condition?.StringEquals).toEqual({ [`aws:ResourceTag/${DEPLOYMENT_TAG}`]: d.stackName });
      }
    }
  });

  it('count each deployment in its own metrics namespace, everywhere it emits or reads metrics', () => {
    for (const d of all) expect(namespaces(d)).toEqual(new Set([`AutoNACL/${d.stackName}`]));
  });
});
