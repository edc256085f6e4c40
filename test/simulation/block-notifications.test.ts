/**
 * Block notifications on the simulated deployment: the real updater publishes one message per
 * change of the blocked set to the notifications topic, on the SNS stand-in that enforces
 * Publish's limits (subject, MessageStructure=json, size).
 */
import { InternalErrorException, PublishCommand, type PublishCommandInput } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import type { Anomaly, AnomalyMessage } from '../../core/anomaly-message';
import { SimulatedDeployment } from '../../simulation/deployment';
import { deliveredText } from '../../simulation/sns';
import { anomalyMessage, flooders, sqsEvent, START } from '../support/builders';

let deployment: SimulatedDeployment | undefined;

afterEach(() => deployment?.close());

async function deploy(
  options: { mode?: 'block' | 'report'; naclRuleLimit?: number; denyList?: string } = {},
): Promise<SimulatedDeployment> {
  deployment = await SimulatedDeployment.create({
    startMs: START,
    vpcCidrs: ['10.0.0.0/16'],
    listeners: [{ port: 443, protocol: 6 }],
    ...options,
  });
  return deployment;
}

let publishes = 0;

/** One verdict handed to the updater through the verdict queue (`again`: the same message once more, as a repeated delivery). */
async function verdict(d: SimulatedDeployment, anomalies: readonly Anomaly[], again?: AnomalyMessage): Promise<AnomalyMessage> {
  d.advanceTo(d.now() + 30_000);
  const message = again ?? anomalyMessage(d.vpcId, anomalies, { generatedAt: d.now() });
  await d.sns.publish({
    TopicArn: d.resources.anomaliesTopicArn,
    Message: JSON.stringify(message),
    MessageGroupId: 'nacl-writes',
    MessageDeduplicationId: `verdict-${++publishes}`,
  });
  await d.deliverNotifications();
  return message;
}

const emails = (d: SimulatedDeployment) => d.sns.publishedTo(d.resources.notificationsTopicArn).map((m) => deliveredText(m, 'email'));

describe('block notifications (simulation)', () => {
  it('sends one message per change of the blocked set and none for a verdict that changes nothing', async () => {
    // Prepare
    const d = await deploy();
    const three = flooders(3);

    // Act
    const first = await verdict(d, three);
    await verdict(d, three, first);
    await verdict(d, three);
    await verdict(d, three.slice(0, 2));
    // A retried delivery of the first verdict to a new container: the ACLs' watermark tells it is old.
    await d.coldStartUpdater()(sqsEvent([d.sns.published[0]!.message]));

    // Assess
    const sent = d.sns.publishedTo(d.resources.notificationsTopicArn);
    expect(sent.map((m) => m.subject)).toEqual(['NaclFloodGuard-simulated: blocked 3', 'NaclFloodGuard-simulated: lifted 1']);
    expect(sent.every((m) => m.messageStructure === 'json')).toBe(true);
    expect(emails(d)[0]).toContain('  - 198.51.100.1/32: Z-score 50.0, 50,000 packets/min');
    expect(emails(d)[1]).toContain('Lifted (1):\n  - 198.51.100.3/32');
    const chat = JSON.parse(deliveredText(sent[0]!, 'https')) as { version: string; source: string; content: { description: string } };
    expect(chat).toMatchObject({ version: '1.0', source: 'custom' });
    expect(chat.content.description).toContain('`198.51.100.2/32`');
    expect(d.telemetry.metricValues().filter((m) => m.NotificationsPublished !== undefined)).toHaveLength(2);
  });

  it('tells sources left unblocked for lack of room once, and deny-listed networks with their reason', async () => {
    // Prepare: 4 deny rules fit (quota 6 minus the copied allow rule and the default rule); the deny list takes one.
    const d = await deploy({ naclRuleLimit: 6, denyList: '203.0.113.0/24 # scraper\n' });

    // Act
    await verdict(d, flooders(5));
    await verdict(d, flooders(5));

    // Assess
    expect(d.sns.publishedTo(d.resources.notificationsTopicArn)).toHaveLength(1);
    const text = emails(d)[0]!;
    expect(text).toContain('  - 203.0.113.0/24: deny list: scraper');
    expect(text).toContain('Left unblocked for lack of room (2):');
    expect(text).toContain('  - 198.51.100.5/32: Z-score 46.0, 49,600 packets/min (rule quota)');
  });

  it('marks report-mode changes as what block mode would have done', async () => {
    // Prepare
    const d = await deploy({ mode: 'report' });

    // Act
    await verdict(d, flooders(2));

    // Assess
    expect(d.sns.publishedTo(d.resources.notificationsTopicArn).map((m) => m.subject)).toEqual([
      '[report mode] NaclFloodGuard-simulated: would block 2',
    ]);
    expect(emails(d)[0]).toContain('REPORT MODE: no network ACL was changed');
  });

  it('blocks even when the notification cannot be published, and counts the failure', async () => {
    // Prepare
    const d = await deploy();
    d.faults.on(PublishCommand, async (input, next) => {
      if ((input as PublishCommandInput).TopicArn !== d.resources.notificationsTopicArn) return next(input);
      throw new InternalErrorException({ message: 'internal error', $metadata: { httpStatusCode: 500 } });
    });

    // Act
    await verdict(d, flooders(2));

    // Assess
    expect(d.onOriginalAcl()).toBe(false);
    expect(d.sns.publishedTo(d.resources.notificationsTopicArn)).toEqual([]);
    expect(d.telemetry.lastMetricValues()).toMatchObject({ NotificationPublishFailures: 1, BlockedSourceNetworks: 2 });
  });
});
