import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { blockChange, leftOut, type BlockChange, type BlockChangeInput } from '../../core/block-change';
import { snsNotification } from '../../core/block-notification';
import type { TelemetryLogger, TelemetryMetrics } from '../common/telemetry';

export interface NotifierDeps {
  /** The notifications topic's client; absent (or no topic): changes are logged, never published. */
  readonly sns?: Pick<SNSClient, 'send'>;
  readonly topicArn?: string;
  readonly logger: TelemetryLogger;
  readonly metrics: TelemetryMetrics;
}

/**
 * Tells each change of the blocked set once, after the ACLs carry it (docs/operator-controls.md,
 * Block notifications). A publish that fails is logged and counted and not repeated: the
 * mitigation never waits for, or depends on, a notification.
 */
export class BlockNotifier {
  /** Networks the last run left without a place: told once, until they had a place in between. */
  private reportedLeftOut: ReadonlySet<string> = new Set();

  constructor(private readonly deps: NotifierDeps) {}

  /** The change told, if any. Never throws. */
  async notify(input: Omit<BlockChangeInput, 'reportedLeftOut'>): Promise<BlockChange | undefined> {
    const change = blockChange({ ...input, reportedLeftOut: this.reportedLeftOut });
    this.reportedLeftOut = new Set(leftOut(input).map((rule) => rule.cidr));
    if (change === undefined) return undefined;
    const { sns, topicArn, logger, metrics } = this.deps;
    if (sns === undefined || topicArn === undefined) return change;
    const notification = snsNotification(change);
    try {
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: notification.subject,
          Message: notification.message,
          MessageStructure: notification.messageStructure,
        }),
      );
      metrics.add('NotificationsPublished', 1);
      logger.info('block notification published', { subject: notification.subject, generatedAt: change.generatedAt });
    } catch (error) {
      metrics.add('NotificationPublishFailures', 1);
      logger.error('block notification not published (the network ACLs are as the verdict asks)', {
        subject: notification.subject,
        generatedAt: change.generatedAt,
        error: String(error),
      });
    }
    return change;
  }
}
