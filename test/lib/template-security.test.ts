/**
 * Security properties of the synthesized template, checked over EVERY resource of each type, so a
 * later resource added without them (or a change that drops them) fails here.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { allStatements, asList, logicalIdOf, symbolic, synthesize, type Statement } from '../support/cdk';

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

let template: Template;
let stackName: string;
let resources: Record<string, Resource>;

beforeAll(() => {
  const synthesized = synthesize();
  synthesized.dispose();
  template = synthesized.template;
  stackName = synthesized.stack.stackName;
  resources = template.toJSON().Resources as Record<string, Resource>;
});

function ofType(type: string): [string, Record<string, unknown>][] {
  const found = Object.entries(resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}] as [string, Record<string, unknown>]);
  // An empty list would make every check below pass vacuously.
  expect(found.length, `no ${type} in the template`).toBeGreaterThan(0);
  return found;
}

/** The logical ids a Ref / GetAtt (or a list of them) points at. */
function referenced(value: unknown): string[] {
  return asList(symbolic(value) as string | string[]).map(
    (v) =>
      String(v)
        .replace(/^\{|\}$/g, '')
        .split('.')[0] as string,
  );
}

/** Types of the resources of this template a property names (Ref or Fn::GetAtt); a literal names none. */
function typesReferenced(value: unknown): (string | undefined)[] {
  return value === undefined ? [] : referenced(value).map((id) => resources[id]?.Type);
}

function principalIsEveryone(principal: unknown): boolean {
  return principal === '*' || (principal as { AWS?: unknown } | undefined)?.AWS === '*';
}

/** True when the document holds a Deny for everyone on requests made without TLS. */
function deniesInsecureTransport(statements: readonly Statement[]): boolean {
  return statements.some(
    (s) => s.Effect === 'Deny' && principalIsEveryone(s.Principal) && String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false',
  );
}

function documentOf(properties: Record<string, unknown>): Statement[] {
  return (symbolic(properties.PolicyDocument) as { Statement: Statement[] }).Statement;
}

describe('security: only the summarizer can make the stack block an address', () => {
  const topicId = () => logicalIdOf(template, 'AWS::SNS::Topic', 'DetectionAnomaliesTopic');
  const summarizerRole = () => logicalIdOf(template, 'AWS::IAM::Role', 'DetectionSummarizerRole');

  it('the anomalies topic policy denies sns:Publish to every principal except the summarizer role', () => {
    // Prepare
    const policies = ofType('AWS::SNS::TopicPolicy').filter(([, p]) => referenced(p.Topics).includes(topicId()));

    // Assess
    expect(policies).toHaveLength(1);
    const deny = documentOf(policies[0]![1]).filter(
      (s) =>
        s.Effect === 'Deny' &&
        principalIsEveryone(s.Principal) &&
        asList(s.Action).some((a) => a === 'sns:Publish' || a === 'sns:*') &&
        s.Condition?.ArnNotEquals !== undefined,
    );
    expect(deny).toHaveLength(1);
    expect(deny[0]!.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': `{${summarizerRole()}.Arn}` } });
    expect(asList(deny[0]!.Resource)).toEqual([`{${topicId()}}`]);
  });

  it("no identity policy but the summarizer role's allows publishing to the anomalies topic", () => {
    // Prepare: the roles each IAM policy is attached to
    const rolesOf = new Map(
      Object.entries(resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::Policy')
        .map(([id, r]) => [id, referenced(r.Properties?.Roles)]),
    );
    const publishes = (s: Statement) =>
      s.Effect === 'Allow' &&
      asList(s.Action).some((a) => ['sns:Publish', 'sns:*', '*'].includes(a)) &&
      asList(s.Resource).some((r) => r === '*' || r === `{${topicId()}}`);

    // Act
    const grantees = allStatements(template)
      .filter(({ type, statement }) => (type === 'AWS::IAM::Policy' || type === 'AWS::IAM::Role') && publishes(statement))
      .flatMap(({ owner, type }) => (type === 'AWS::IAM::Role' ? [owner] : (rolesOf.get(owner) ?? [])));

    // Assess
    expect([...new Set(grantees)]).toEqual([summarizerRole()]);
  });

  it('the NACL updater runs one invocation at a time: one FIFO queue, batch size 1, no reserved concurrency by default', () => {
    const updater = logicalIdOf(template, 'AWS::Lambda::Function', 'MitigationNaclUpdater');
    expect(resources[updater]?.Properties?.ReservedConcurrentExecutions).toBeUndefined();
    const mappings = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    expect(mappings.map((m) => [m.Properties?.FunctionName, m.Properties?.BatchSize])).toEqual([[{ Ref: updater }, 1]]);
    const queues = Object.values(resources).filter((r) => r.Type === 'AWS::SQS::Queue');
    expect(queues.every((q) => q.Properties?.FifoQueue === true)).toBe(true);
  });
});

describe('security: encryption at rest and in transit', () => {
  it('every log group has a retention and a KMS key', () => {
    for (const [id, p] of ofType('AWS::Logs::LogGroup')) {
      expect(p.RetentionInDays, id).toEqual(expect.any(Number));
      expect(typesReferenced(p.KmsKeyId), id).toEqual(['AWS::KMS::Key']);
    }
  });

  it('every function logs to a log group of this template (never an implicit one without retention)', () => {
    const groups = new Set(ofType('AWS::Logs::LogGroup').map(([id]) => id));
    for (const [id, p] of ofType('AWS::Lambda::Function')) {
      const group = (p.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup;
      expect(typesReferenced(group), id).toEqual(['AWS::Logs::LogGroup']);
      expect(groups.has(referenced(group)[0] as string), id).toBe(true);
    }
  });

  it('every bucket, topic, queue, Timestream database and stream is encrypted; every KMS key rotates', () => {
    for (const [id, p] of ofType('AWS::S3::Bucket')) {
      const rules =
        (
          p.BucketEncryption as
            { ServerSideEncryptionConfiguration?: { ServerSideEncryptionByDefault?: { SSEAlgorithm?: string } }[] } | undefined
        )?.ServerSideEncryptionConfiguration ?? [];
      expect(
        rules
          .map((r) => r.ServerSideEncryptionByDefault?.SSEAlgorithm)
          .some((a) => a === 'AES256' || a === 'aws:kms' || a === 'aws:kms:dsse'),
        id,
      ).toBe(true);
    }
    for (const [id, p] of ofType('AWS::SNS::Topic')) expect(typesReferenced(p.KmsMasterKeyId), id).toEqual(['AWS::KMS::Key']);
    for (const [id, p] of ofType('AWS::SQS::Queue'))
      expect(p.KmsMasterKeyId !== undefined || p.SqsManagedSseEnabled === true, id).toBe(true);
    // Timestream tables are encrypted with their database's key.
    for (const [id, p] of ofType('AWS::Timestream::Database')) expect(typesReferenced(p.KmsKeyId), id).toEqual(['AWS::KMS::Key']);
    for (const [id, p] of Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Kinesis::Stream')) {
      expect((p.Properties?.StreamEncryption as { EncryptionType?: string } | undefined)?.EncryptionType, id).toBe('KMS');
    }
    for (const [id, p] of ofType('AWS::KMS::Key')) expect(p.EnableKeyRotation, id).toBe(true);
  });

  it('every bucket, topic and queue has a resource policy denying requests without TLS (aws:SecureTransport false)', () => {
    const policyKinds = [
      { resource: 'AWS::S3::Bucket', policy: 'AWS::S3::BucketPolicy', targets: (p: Record<string, unknown>) => referenced(p.Bucket) },
      { resource: 'AWS::SNS::Topic', policy: 'AWS::SNS::TopicPolicy', targets: (p: Record<string, unknown>) => referenced(p.Topics) },
      { resource: 'AWS::SQS::Queue', policy: 'AWS::SQS::QueuePolicy', targets: (p: Record<string, unknown>) => referenced(p.Queues) },
    ];
    for (const kind of policyKinds) {
      const policies = ofType(kind.policy);
      // Each policy of the kind denies plain HTTP...
      for (const [id, p] of policies) expect(deniesInsecureTransport(documentOf(p)), id).toBe(true);
      // ...and every resource of the kind has one.
      const covered = new Set(policies.flatMap(([, p]) => kind.targets(p)));
      for (const [id] of ofType(kind.resource)) expect(covered.has(id), `${id} has no ${kind.policy}`).toBe(true);
    }
  });
});

describe('security: no secrets in function configuration', () => {
  const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|ACCESS_KEY|API_KEY|AUTH/i;
  // AWS access key ids, PEM blocks, and long opaque strings (40+ base64/hex characters).
  const SECRET_VALUE = /(AKIA|ASIA)[0-9A-Z]{16}|-----BEGIN|^[A-Za-z0-9+/=_-]{40,}$/;

  it('no environment variable name or literal value of any function looks like a secret', () => {
    for (const [id, p] of ofType('AWS::Lambda::Function')) {
      const variables = (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      for (const [name, value] of Object.entries(variables)) {
        expect(SECRET_NAME.test(name), `${id} ${name}`).toBe(false);
        // The metrics namespace is a CloudWatch name (`AutoNACL/<stackName>` by default), checked to be exactly that.
        if (name === 'POWERTOOLS_METRICS_NAMESPACE') expect(value, `${id} ${name}`).toBe(`AutoNACL/${stackName}`);
        else if (typeof value === 'string') expect(SECRET_VALUE.test(value), `${id} ${name}=${value}`).toBe(false);
      }
    }
  });

  it('the secret detectors themselves catch what they are meant to', () => {
    expect(['DB_PASSWORD', 'API_KEY', 'GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY'].every((n) => SECRET_NAME.test(n))).toBe(true);
    expect(
      ['AKIAABCDEFGHIJKLMNOP', '-----BEGIN PRIVATE KEY-----', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYab'].every((v) =>
        SECRET_VALUE.test(v),
      ),
    ).toBe(true);
    expect(['VPC_ID', 'ALLOW_LIST_KEY', 'NACL_RULE_LIMIT'].some((n) => SECRET_NAME.test(n))).toBe(false);
  });
});
