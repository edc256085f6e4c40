/**
 * The updater on the FIFO verdict queue: superseded messages succeed quietly, a failed verdict goes
 * back to the queue with the messages after it and its retry delay, and an invocation whose every
 * message failed fails (Lambda's Errors).
 */
import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../../../functions/nacl-updater/contract';
import { anomalyMessage as message, flooders, VERDICT_QUEUE } from '../../support/builders';
import { UpdaterWorld } from '../../support/updater-world';

describe('NACL updater: the verdict queue', () => {
  it('drops a message superseded by a newer verdict already applied: counted as ignored, not failed, deleted', async () => {
    // Prepare: the newer verdict is applied first (a redelivery of an older one comes after)
    const world = await UpdaterWorld.create();
    const older = message(world.vpcId, flooders(1));
    const newer = message(world.vpcId, flooders(2));
    await world.deliver(newer);
    const denied = world.deniedCidrs();

    // Act
    const response = await world.deliver(older);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(world.telemetry.lastMetricValues()).toMatchObject({ MessagesIgnored: 1 });
    expect(world.deniedCidrs()).toEqual(denied);
    expect(world.sqs.messagesIn(VERDICT_QUEUE)).toEqual([]);
  });

  it('reports a failed verdict and the messages after it as batch item failures; the superseded ones before it succeed', async () => {
    // Prepare: a batch of an older verdict, the newest, then a malformed message; writing stays throttled
    const world = await UpdaterWorld.create();
    const newest = message(world.vpcId, flooders(3));
    world.ec2.failNext('CreateNetworkAclEntry', 'RequestLimitExceeded', 100);

    // Act
    const response = await world.deliver(
      message(world.vpcId, flooders(1), { generatedAt: Date.parse(newest.generatedAt) - 60_000 }),
      newest,
      'not json',
    );

    // Assess: the older message is deleted, the newest and the one after it go back to the queue
    const queued = world.sqs.messagesIn(VERDICT_QUEUE);
    expect(queued.map((m) => m.body)).toEqual([JSON.stringify(newest), 'not json']);
    expect(response.batchItemFailures).toHaveLength(2);
    expect(world.telemetry.logs.some((l) => l.level === 'ERROR' && l.message.startsWith('anomaly message failed'))).toBe(true);
    expect(world.activeAclId()).toBe(world.originalAclId);
  });

  it('fails the invocation when its only message fails, and shows the message again after its retry delay', async () => {
    // Prepare
    const world = await UpdaterWorld.create();
    world.ec2.failNext('DescribeNetworkAcls', 'RequestLimitExceeded', 100);

    // Act
    const run = world.deliver(message(world.vpcId, flooders(2)));

    // Assess: Lambda counts the error; the message is hidden for 10 s, not the queue's 12 minutes
    await expect(run).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    const failedAt = world.clock;
    const [group] = world.sqs.messagesIn(VERDICT_QUEUE).map((m) => m.groupId);
    world.clock = failedAt + retryDelaySeconds(1) * 1000 - 1;
    expect(world.sqs.receive(VERDICT_QUEUE, 10)).toEqual([]);
    world.clock = failedAt + retryDelaySeconds(1) * 1000;
    expect(world.sqs.receive(VERDICT_QUEUE, 10)).toMatchObject([{ groupId: group, receiveCount: 2 }]);
  });

  it('waits 10, then 20 s between attempts', () => {
    expect([1, 2, 3, 4, 5].map(retryDelaySeconds)).toEqual([10, 20, 20, 20, 20]);
  });
});
