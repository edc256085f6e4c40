import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FloodGuardMonitoring } from '../../dashboards/monitoring';
import { MONITORING_SETTINGS } from '../support/builders';
import { buildMonitoring } from '../support/monitoring';

describe('operator topic', () => {
  const fixture = buildMonitoring();

  it('is encrypted with a rotating customer-managed key', () => {
    fixture.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [fixture.ids.operatorTopicKey, 'Arn'] },
    });
    fixture.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it("lets only this account's CloudWatch alarms use the key", () => {
    fixture.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ]),
      },
    });
  });

  it("refuses publishing without TLS and allows this account's alarms to publish", () => {
    const topicRef = { Ref: fixture.ids.operatorTopic };

    fixture.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: topicRef,
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*'],
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('has no subscription unless an operator e-mail is given', () => {
    const withEmail = buildMonitoring({ operatorEmail: 'oncall@example.com' });

    fixture.template.resourceCountIs('AWS::SNS::Subscription', 0);
    withEmail.template.resourceCountIs('AWS::SNS::Subscription', 1);
    withEmail.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: withEmail.ids.operatorTopic },
    });
  });
});

describe('cdk-nag', () => {
  it('finds nothing unacknowledged in the monitoring construct under the AwsSolutions and Serverless packs', () => {
    // Prepare: a stack holding only the monitoring construct, watching imported resources, so
    // every finding would be about the dashboard, the alarms, the key or the topic.
    const app = new App();
    const stack = new Stack(app, 'MonitoringOnly', { env: { account: '111122223333', region: 'eu-west-1' } });
    new FloodGuardMonitoring(stack, 'Monitoring', {
      ...MONITORING_SETTINGS,
      operatorEmail: 'oncall@example.com',
      auditLogGroup: logs.LogGroup.fromLogGroupName(stack, 'Audit', 'audit'),
      summarizer: lambda.Function.fromFunctionName(stack, 'Summarizer', 'summarizer'),
      naclUpdater: lambda.Function.fromFunctionName(stack, 'Updater', 'updater'),
      stateMachine: sfn.StateMachine.fromStateMachineName(stack, 'Detection', 'detection'),
      updaterDeadLetterQueue: sqs.Queue.fromQueueArn(stack, 'Dlq', 'arn:aws:sqs:eu-west-1:111122223333:dlq'),
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));

    // Act
    const assembly = app.synth();
    onTestFinished(() => fs.rmSync(assembly.directory, { recursive: true, force: true }));

    // Assess: the report lists only packs with something to say: one acknowledged finding, the
    // e-mail subscription without a dead-letter queue; nothing from AwsSolutions
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string; violations: unknown[]; suppressedViolations: { ruleName: string }[] }[];
    };
    expect(
      report.pluginReports.map((p) => [p.pluginName, p.conclusion, p.violations, p.suppressedViolations.map((v) => v.ruleName)]),
    ).toEqual([['Serverless', 'success', [], ['Serverless-SNSRedrivePolicy']]]);
  });
});
