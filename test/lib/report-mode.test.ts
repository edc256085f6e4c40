/**
 * The stack in report mode (-c mode=report): the updater's role can read the network but holds no
 * EC2 write permission, and a deploy-time resource moves the subnets back to their original ACL
 * once the updater runs in report mode.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_MODE_RESTORE_TYPE } from '../../functions/network-facts/contract';
import { parseConfig } from '../../lib/config';
import { contextReader, STACK_CONTEXT } from '../support/builders';
import { allStatements, asList, logicalIdOf, symbolic, synthesize, type Synthesized } from '../support/cdk';

let report: Synthesized;
let block: Synthesized;

beforeAll(() => {
  report = synthesize({ ...STACK_CONTEXT, mode: 'report' });
  block = synthesize(STACK_CONTEXT);
});

afterAll(() => {
  report?.dispose();
  block?.dispose();
});

function ec2ActionsOfUpdater(template: Template): string[] {
  return allStatements(template)
    .filter((s) => /^MitigationNaclUpdaterRole/.test(s.owner))
    .flatMap((s) => asList(s.statement.Action))
    .filter((action) => action.startsWith('ec2:'))
    .sort();
}

function resourcesOfType(template: Template, type: string): Record<string, { Properties: Record<string, unknown>; DependsOn?: string[] }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown>; DependsOn?: string[] }>;
}

describe('report mode in the stack', () => {
  it('gives the updater read-only EC2 access: describe actions only, no write of any kind', () => {
    expect(ec2ActionsOfUpdater(report.template)).toEqual(['ec2:DescribeNetworkAcls', 'ec2:DescribeVpcs']);
    expect(ec2ActionsOfUpdater(block.template)).toEqual([
      'ec2:CreateNetworkAclEntry',
      'ec2:CreateTags',
      'ec2:DeleteNetworkAclEntry',
      'ec2:DescribeNetworkAcls',
      'ec2:DescribeVpcs',
      'ec2:ReplaceNetworkAclAssociation',
      'ec2:ReplaceNetworkAclEntry',
    ]);
  });

  it('tells the updater its mode', () => {
    const updater = logicalIdOf(report.template, 'AWS::Lambda::Function', 'MitigationNaclUpdaterFunction');
    const variables = (report.template.toJSON().Resources[updater].Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(variables.MODE).toBe('report');
  });

  it('moves the subnets back to their original ACL at deploy time, after the updater and its role are in report mode', () => {
    const restores = resourcesOfType(report.template, REPORT_MODE_RESTORE_TYPE);
    expect(Object.keys(restores)).toHaveLength(1);
    const [restore] = Object.values(restores);
    const id = (type: string, prefix: string) => logicalIdOf(report.template, type, prefix);
    const facts = id('Custom::NetworkFacts', 'NetworkAclsFacts');
    expect(symbolic(restore?.Properties)).toEqual({
      ServiceToken: `{${id('AWS::Lambda::Function', 'NetworkAclsFactsFunction')}.Arn}`,
      BlueNetworkAclId: `{${id('AWS::EC2::NetworkAcl', 'NetworkAclsBlue')}.Id}`,
      GreenNetworkAclId: `{${id('AWS::EC2::NetworkAcl', 'NetworkAclsGreen')}.Id}`,
      OriginalNetworkAclId: `{${facts}.OriginalNetworkAclId}`,
    });
    expect(restore?.DependsOn).toEqual(
      expect.arrayContaining([
        id('AWS::Lambda::Function', 'MitigationNaclUpdaterFunction'),
        id('AWS::IAM::Role', 'MitigationNaclUpdaterRole'),
        id('AWS::IAM::Policy', 'MitigationNaclUpdaterRoleDefaultPolicy'),
        id('AWS::IAM::Policy', 'NetworkAclsFactsFunctionRoleDefaultPolicy'),
      ]),
    );
  });

  it('has no such resource in block mode, so switching back deletes it and the updater blocks again', () => {
    expect(resourcesOfType(block.template, REPORT_MODE_RESTORE_TYPE)).toEqual({});
  });
});

describe('the mode context key', () => {
  it('is block by default and accepts report in any case', () => {
    expect(parseConfig(contextReader()).mode).toBe('block');
    expect(parseConfig(contextReader({ mode: 'Report' })).mode).toBe('report');
  });

  it('rejects anything else, naming the key, the value and the fix', () => {
    expect(() => parseConfig(contextReader({ mode: 'deny' }))).toThrow(
      'mode "deny" is not a mode. Fix: -c mode=block (apply the verdicts, the default) or -c mode=report (report only, change no ACL).',
    );
  });
});
