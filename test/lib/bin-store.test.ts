/**
 * The packet-bin store in the template: `binStore=dynamodb` deploys an on-demand, encrypted DynamoDB
 * table with TTL that only the summarizer may write and query, and nothing of Timestream; the
 * default deploys Timestream and nothing of DynamoDB. Both pass cdk-nag and CloudFormation validation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_CONTEXT } from '../support/builders';
import { acknowledgements, allFindings, allStatements, asList, logicalIdOf, symbolic, synthesize, type Synthesized } from '../support/cdk';

let dynamo: Synthesized;
let timestream: Synthesized;

beforeAll(() => {
  dynamo = synthesize({ ...STACK_CONTEXT, binStore: 'dynamodb' }, { validate: true });
  timestream = synthesize(STACK_CONTEXT);
});
afterAll(() => {
  dynamo?.dispose();
  timestream?.dispose();
});

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
const resourcesOf = (s: Synthesized) => s.template.toJSON().Resources as Resources;
const typesOf = (s: Synthesized) => Object.values(resourcesOf(s)).map((r) => r.Type);
const actionsOf = (s: Synthesized) => allStatements(s.template).flatMap(({ statement }) => asList(statement.Action));

describe('binStore=dynamodb', () => {
  it('creates one on-demand table keyed by pk and sk, encrypted with the stack key, with TTL on expiresAt', () => {
    const tables = Object.entries(resourcesOf(dynamo)).filter(([, r]) => r.Type === 'AWS::DynamoDB::Table');
    const key = logicalIdOf(dynamo.template, 'AWS::KMS::Key', 'Key');
    expect(tables).toHaveLength(1);
    expect(symbolic(tables[0]?.[1].Properties)).toEqual({
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: `{${key}.Arn}` },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('lets only the summarizer write and query the table, and use the key only through DynamoDB', () => {
    const table = logicalIdOf(dynamo.template, 'AWS::DynamoDB::Table', 'DetectionPacketBinTable');
    const key = logicalIdOf(dynamo.template, 'AWS::KMS::Key', 'Key');
    const role = logicalIdOf(dynamo.template, 'AWS::IAM::Role', 'DetectionSummarizer');
    const statements = allStatements(dynamo.template);
    const onTable = statements.filter(({ statement }) => asList(statement.Action).some((a) => a.startsWith('dynamodb:')));
    expect(onTable).toHaveLength(1);
    expect(onTable[0]?.statement).toEqual({
      Sid: 'PacketBins',
      Effect: 'Allow',
      Action: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      Resource: `{${table}.Arn}`,
    });
    const policy = resourcesOf(dynamo)[onTable[0]?.owner ?? '']?.Properties as { Roles: unknown[] };
    expect(symbolic(policy.Roles)).toEqual([`{${role}}`]);
    const keyUse = statements.find(({ statement }) => statement.Sid === 'PacketBinTableKey')?.statement;
    expect(keyUse).toEqual({
      Sid: 'PacketBinTableKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: `{${key}.Arn}`,
      Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.{AWS::Region}.{AWS::URLSuffix}' } },
    });
  });

  it('holds no Timestream resource, permission or variable', () => {
    expect(typesOf(dynamo).filter((type) => type.startsWith('AWS::Timestream::'))).toEqual([]);
    expect(actionsOf(dynamo).filter((action) => action.startsWith('timestream:'))).toEqual([]);
    const summarizer = logicalIdOf(dynamo.template, 'AWS::Lambda::Function', 'DetectionSummarizer');
    const variables = (resourcesOf(dynamo)[summarizer]?.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment
      .Variables;
    expect(Object.keys(variables).filter((name) => name.startsWith('TIMESTREAM_'))).toEqual([]);
    expect(variables.BIN_STORE).toBe('dynamodb');
    expect(symbolic(variables.DYNAMODB_TABLE)).toBe(`{${logicalIdOf(dynamo.template, 'AWS::DynamoDB::Table', 'DetectionPacketBinTable')}}`);
  });

  it('passes validation and cdk-nag, every finding acknowledged with its reason', () => {
    const report = JSON.parse(fs.readFileSync(path.join(dynamo.assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { conclusion: string; violations: unknown[] }[];
    };
    for (const plugin of report.pluginReports) expect(plugin).toMatchObject({ conclusion: 'success', violations: [] });
    const findings = allFindings(dynamo.stack);
    const acks = acknowledgements(dynamo.app).filter((a) => /^(AwsSolutions|Serverless)-/.test(a.id));
    const covers = (a: { id: string; path: string }, f: { ruleName: string; path: string }) =>
      a.id === f.ruleName && (f.path === a.path || f.path.startsWith(`${a.path}/`));
    expect(findings.filter((f) => !acks.some((a) => covers(a, f)))).toEqual([]);
    expect(acks.filter((a) => !findings.some((f) => covers(a, f)))).toEqual([]);
    expect(acks.find((a) => a.id === 'AwsSolutions-DDB3')?.reason).toMatch(/re-derived from the flow logs/);
  });
});

describe('binStore=timestream (the default)', () => {
  it('holds no DynamoDB resource, permission or variable', () => {
    expect(typesOf(timestream).filter((type) => type.startsWith('AWS::DynamoDB::'))).toEqual([]);
    expect(
      typesOf(timestream)
        .filter((type) => type.startsWith('AWS::Timestream::'))
        .sort(),
    ).toEqual(['AWS::Timestream::Database', 'AWS::Timestream::Table']);
    expect(actionsOf(timestream).filter((action) => action.startsWith('dynamodb:'))).toEqual([]);
    const summarizer = logicalIdOf(timestream.template, 'AWS::Lambda::Function', 'DetectionSummarizer');
    const variables = (resourcesOf(timestream)[summarizer]?.Properties as { Environment: { Variables: Record<string, unknown> } })
      .Environment.Variables;
    expect(variables.DYNAMODB_TABLE).toBeUndefined();
    expect(variables.BIN_STORE).toBe('timestream');
  });
});
