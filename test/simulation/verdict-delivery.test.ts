/**
 * The simulated deployment delivers verdicts as AWS does, through the FIFO topic and queue: a
 * verdict that keeps failing lands in the FIFO dead-letter queue after 5 receives; a superseded
 * one never does.
 */
import { DescribeNetworkAclsCommand, EC2ServiceException } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { UPDATER_QUEUE } from '../../functions/nacl-updater/contract';
import { publishVerdict } from '../../functions/summarizer/run';
import { SimulatedDeployment } from '../../simulation/deployment';
import { anomalyMessage, flooders, START } from '../support/builders';

let deployment: SimulatedDeployment | undefined;
afterEach(() => deployment?.close());

async function deploy(): Promise<SimulatedDeployment> {
  deployment = await SimulatedDeployment.create({ startMs: START, vpcCidrs: ['10.0.0.0/16'], listeners: [{ port: 443, protocol: 6 }] });
  return deployment;
}

async function publish(d: SimulatedDeployment, generatedAt: number, deduplicationId?: string): Promise<void> {
  const input = publishVerdict(d.resources.anomaliesTopicArn, JSON.stringify(anomalyMessage(d.vpcId, flooders(2), { generatedAt }))).input;
  await d.sns.publish({ ...input, ...(deduplicationId ? { MessageDeduplicationId: deduplicationId } : {}) });
}

/** Polls after each simulated run, 30 s apart, recording the failed invocations. */
async function runs(d: SimulatedDeployment, count: number): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (let i = 0; i < count; i++) {
    d.advanceTo(d.now() + 30_000);
    await d.deliverNotifications((error) => errors.push(error));
  }
  return errors;
}

describe('verdict delivery (simulation)', () => {
  it('moves a verdict that fails every attempt to the FIFO dead-letter queue after maxReceiveCount receives, then goes on', async () => {
    // Prepare: every DescribeNetworkAcls fails
    const d = await deploy();
    const internal = () =>
      new EC2ServiceException({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'internal' });
    d.faults.on(DescribeNetworkAclsCommand, async () => {
      throw internal();
    });
    await publish(d, START);

    // Act
    const errors = await runs(d, UPDATER_QUEUE.maxReceiveCount + 2);

    // Assess
    expect(errors).toHaveLength(UPDATER_QUEUE.maxReceiveCount);
    expect(d.verdicts.deadLetters()).toHaveLength(1);
    expect(d.verdicts.queued()).toEqual([]);
    d.faults.clear();
    await publish(d, START + 60_000);
    await runs(d, 1);
    expect(d.onOriginalAcl()).toBe(false);
  });

  it('drops a verdict superseded by a newer one applied: ignored, deleted, never dead-lettered', async () => {
    // Prepare: the newer verdict is applied
    const d = await deploy();
    await publish(d, START + 60_000);
    await runs(d, 1);

    // Act: the older one arrives late (another deduplication id)
    await publish(d, START, 'late-copy');
    const errors = await runs(d, UPDATER_QUEUE.maxReceiveCount + 1);

    // Assess
    expect(errors).toEqual([]);
    expect(d.telemetry.logs.filter((l) => l.message.includes('not newer than the one last applied'))).toHaveLength(1);
    expect(d.verdicts.queued()).toEqual([]);
    expect(d.verdicts.deadLetters()).toEqual([]);
  });
});
