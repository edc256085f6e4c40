/**
 * Block notifications (docs/operator-controls.md): the topic the NACL updater tells each change of
 * the blocked set to, encrypted and TLS-only like the anomalies topic, with the operator's e-mail
 * address and, through AWS Chatbot, a Slack or Microsoft Teams channel subscribed.
 */
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { acknowledge } from './nag';
import type { NotificationTargets } from './operator-controls';
import { regionalServiceHost } from './partition';

export interface BlockNotificationsProps {
  readonly stackName: string;
  readonly targets: NotificationTargets;
  readonly encryptionKey: kms.IKey;
}

/** AWS::Chatbot configuration names: letters, digits, - and _, at most 128. */
const CHAT_NAME_MAX = 128;

export class BlockNotifications extends Construct {
  readonly topic: sns.Topic;
  /** The role AWS Chatbot assumes for the channels: no permission at all, notifications need none. */
  readonly chatRole?: iam.Role;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: BlockNotificationsProps,
  ) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      // E-mail shows it as the sender: the deployment it is about.
      displayName: `${props.stackName} blocks`.slice(0, 100),
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    if (props.targets.email !== undefined) this.subscribeEmail(props.targets.email);
    const { slack, teams } = props.targets;
    if (slack === undefined && teams === undefined) return;
    this.chatRole = new iam.Role(this, 'ChatRole', {
      description: 'AWS Chatbot channels of the nacl-flood-guard block notifications: delivery only, no action',
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
    });
    // Without guardrails AWS Chatbot lets channel members act with AdministratorAccess: deny every action instead.
    const guardrail = new iam.ManagedPolicy(this, 'ChatGuardrail', {
      description: 'Nothing may be done from the block-notification channels',
      statements: [new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['*'], resources: ['*'] })],
    });
    const name = `${props.stackName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, CHAT_NAME_MAX - 7)}-blocks`;
    if (slack !== undefined) {
      new chatbot.SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: name,
        slackWorkspaceId: slack.workspaceId,
        slackChannelId: slack.channelId,
        notificationTopics: [this.topic],
        role: this.chatRole,
        guardrailPolicies: [guardrail],
        userRoleRequired: false,
        loggingLevel: chatbot.LoggingLevel.NONE,
      });
    }
    if (teams !== undefined) {
      new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, 'Teams', {
        configurationName: name,
        teamId: teams.teamId,
        teamsChannelId: teams.channelId,
        teamsTenantId: teams.tenantId,
        iamRoleArn: this.chatRole.roleArn,
        snsTopicArns: [this.topic.topicArn],
        guardrailPolicies: [guardrail.managedPolicyArn],
        userRoleRequired: false,
        loggingLevel: 'NONE',
      });
    }
  }

  /** The one publisher: `role` may publish (and use the key through SNS); the topic denies every other principal. */
  allowOnly(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'PublishNotifications', actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptNotifications',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.props.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': regionalServiceHost('sns') } },
      }),
    );
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyUpdaterPublishes',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': role.roleArn } },
      }),
    );
  }

  private subscribeEmail(address: string): void {
    const subscription = this.topic.addSubscription(new subscriptions.EmailSubscription(address));
    acknowledge(
      subscription,
      'Serverless-SNSRedrivePolicy',
      'A dead-letter queue for an e-mail subscription would have no reader: an undelivered notification leaves the ' +
        'change in the audit log and on the dashboard, and the next change is told again.',
    );
  }
}
