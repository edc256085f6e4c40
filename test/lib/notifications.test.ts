/**
 * The block-notifications topic in the template: encrypted with the stack's key, TLS-only, only the
 * updater publishes; the operator's e-mail subscribed; Slack and Teams channels through AWS Chatbot
 * with a role that may do nothing and a guardrail that denies everything; cdk-nag clean.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config';
import { contextReader, STACK_CONTEXT } from '../support/builders';
import { acknowledgements, allFindings, allStatements, logicalIdOf, symbolic, synthesize, type Synthesized } from '../support/cdk';

const TEAMS = {
  notifyTeamsTeamId: '11111111-2222-3333-4444-555555555555',
  notifyTeamsChannelId: '19%3a0123456789abcdef%40thread.tacv2',
  notifyTeamsTenantId: '66666666-7777-8888-9999-000000000000',
};
const SLACK = { notifySlackWorkspaceId: 'T0123ABCDEF', notifySlackChannelId: 'C0123ABCDEF' };

let synthesized: Synthesized;
const id: Record<string, string> = {};

beforeAll(() => {
  synthesized = synthesize({ ...STACK_CONTEXT, notifyEmail: 'soc@example.com', ...SLACK, ...TEAMS });
  const t = synthesized.template;
  id.topic = logicalIdOf(t, 'AWS::SNS::Topic', 'NotificationsTopic');
  id.key = logicalIdOf(t, 'AWS::KMS::Key', 'Key');
  id.updaterRole = logicalIdOf(t, 'AWS::IAM::Role', 'MitigationNaclUpdaterRole');
  id.chatRole = logicalIdOf(t, 'AWS::IAM::Role', 'NotificationsChatRole');
  id.guardrail = logicalIdOf(t, 'AWS::IAM::ManagedPolicy', 'NotificationsChatGuardrail');
});

afterAll(() => synthesized?.dispose());

const resources = () => synthesized.template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
const ofType = (type: string) => Object.values(resources()).filter((r) => r.Type === type);

describe('block notifications in the template', () => {
  it('is a topic encrypted with the stack key, TLS-only, to which only the updater may publish', () => {
    const topic = resources()[id.topic]!;
    expect(symbolic(topic.Properties.KmsMasterKeyId)).toBe(`{${id.key}.Arn}`);
    const policy = allStatements(synthesized.template)
      .map((s) => s.statement)
      .filter((s) => JSON.stringify(s.Resource ?? '').includes(id.topic));
    expect(policy).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const onlyUpdater = policy.find((s) => s.Sid === 'OnlyUpdaterPublishes');
    expect(onlyUpdater).toMatchObject({ Effect: 'Deny', Action: 'sns:Publish' });
    expect(symbolic(onlyUpdater?.Condition)).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': `{${id.updaterRole}.Arn}` } });
    const publish = policy.find((s) => s.Sid === 'PublishNotifications');
    expect(publish).toMatchObject({ Effect: 'Allow', Action: 'sns:Publish' });
  });

  it('subscribes the operator e-mail address', () => {
    const subscriptions = ofType('AWS::SNS::Subscription').filter((s) => symbolic(s.Properties.TopicArn) === `{${id.topic}}`);
    expect(subscriptions.map((s) => [s.Properties.Protocol, s.Properties.Endpoint])).toEqual([['email', 'soc@example.com']]);
  });

  it('delivers to Slack and Microsoft Teams through AWS Chatbot, with no permission and every action denied', () => {
    const [slack] = ofType('AWS::Chatbot::SlackChannelConfiguration');
    const [teams] = ofType('AWS::Chatbot::MicrosoftTeamsChannelConfiguration');
    for (const chat of [slack!, teams!]) {
      expect(symbolic(chat.Properties.SnsTopicArns)).toEqual([`{${id.topic}}`]);
      expect(symbolic(chat.Properties.IamRoleArn)).toBe(`{${id.chatRole}.Arn}`);
      expect(symbolic(chat.Properties.GuardrailPolicies)).toEqual([`{${id.guardrail}}`]);
      expect(chat.Properties.UserRoleRequired).toBe(false);
    }
    expect(slack!.Properties).toMatchObject({ SlackWorkspaceId: 'T0123ABCDEF', SlackChannelId: 'C0123ABCDEF' });
    expect(teams!.Properties).toMatchObject({
      TeamId: TEAMS.notifyTeamsTeamId,
      TeamsChannelId: TEAMS.notifyTeamsChannelId,
      TeamsTenantId: TEAMS.notifyTeamsTenantId,
    });
    const chatRole = resources()[id.chatRole]!.Properties;
    expect(chatRole.ManagedPolicyArns).toBeUndefined();
    expect(chatRole.Policies).toBeUndefined();
    expect(
      ofType('AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes(id.chatRole)),
      'no policy attached to the chat role',
    ).toEqual([]);
    expect((resources()[id.guardrail]!.Properties.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      { Effect: 'Deny', Action: '*', Resource: '*' },
    ]);
  });

  it('passes cdk-nag, every finding acknowledged with its reason', () => {
    const report = JSON.parse(fs.readFileSync(path.join(synthesized.assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { conclusion: string; violations: unknown[] }[];
    };
    for (const plugin of report.pluginReports) expect(plugin).toMatchObject({ conclusion: 'success', violations: [] });
    const findings = allFindings(synthesized.stack);
    const acks = acknowledgements(synthesized.app).filter((a) => /^(AwsSolutions|Serverless)-/.test(a.id));
    const covers = (a: { id: string; path: string }, f: { ruleName: string; path: string }) =>
      a.id === f.ruleName && (f.path === a.path || f.path.startsWith(`${a.path}/`));
    expect(findings.filter((f) => !acks.some((a) => covers(a, f)))).toEqual([]);
  });
});

describe('notification context keys', () => {
  const parse = (extra: Record<string, string>) => () => parseConfig(contextReader(extra));

  it('reads the targets', () => {
    expect(parse({ notifyEmail: ' soc@example.com ', ...SLACK, ...TEAMS })().notify).toEqual({
      email: 'soc@example.com',
      slack: { workspaceId: 'T0123ABCDEF', channelId: 'C0123ABCDEF' },
      teams: { teamId: TEAMS.notifyTeamsTeamId, channelId: TEAMS.notifyTeamsChannelId, tenantId: TEAMS.notifyTeamsTenantId },
    });
  });

  it.each([
    [{ notifyEmail: 'soc-at-example.com' }, /notifyEmail "soc-at-example.com" is not an e-mail address\. Fix: -c notifyEmail=/],
    [
      { notifySlackWorkspaceId: 'T0123ABCDEF' },
      /notifySlackWorkspaceId is set but notifySlackChannelId is not.*Fix: -c notifySlackChannelId=<id>/,
    ],
    [
      { notifySlackChannelId: 'C01', notifySlackWorkspaceId: 'my workspace' },
      /notifySlackWorkspaceId "my workspace" is not a Slack workspace id/,
    ],
    [
      { notifyTeamsTeamId: TEAMS.notifyTeamsTeamId },
      /notifyTeamsTeamId is set but notifyTeamsChannelId and notifyTeamsTenantId are not.*-c notifyTeamsChannelId=<id> -c notifyTeamsTenantId=<id>/,
    ],
    [{ ...TEAMS, notifyTeamsChannelId: 'general' }, /notifyTeamsChannelId "general" is not a Microsoft Teams channel id/],
    [{ ...TEAMS, notifyTeamsTenantId: 'contoso' }, /notifyTeamsTenantId "contoso" is not a Microsoft Teams tenant id/],
  ])('rejects %j naming the keys and the fix', (extra, message) => {
    expect(parse(extra)).toThrow(message);
  });
});
