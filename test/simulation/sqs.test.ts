/** The SNS FIFO topic, SQS FIFO queue and event source mapping stand-ins: at least as strict as AWS. */
import { describe, expect, it } from 'vitest';
import { SqsEventSourceStandIn } from '../../simulation/event-source';
import { SnsStandIn } from '../../simulation/sns';
import { DEDUPLICATION_INTERVAL_MS, SqsStandIn } from '../../simulation/sqs';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:verdicts.fifo';

function fifo(options: { visibility?: number; maxReceiveCount?: number } = {}) {
  const clock = { ms: 0 };
  const sqs = new SqsStandIn(() => clock.ms);
  sqs.createQueue({ name: 'dlq.fifo', fifo: true, visibilityTimeoutSeconds: 30, retentionSeconds: 3600 });
  sqs.createQueue({
    name: 'q.fifo',
    fifo: true,
    visibilityTimeoutSeconds: options.visibility ?? 60,
    retentionSeconds: 3600,
    redrive: { deadLetterQueue: 'dlq.fifo', maxReceiveCount: options.maxReceiveCount ?? 3 },
  });
  return { clock, sqs };
}

describe('SQS FIFO stand-in', () => {
  it('requires a message group and a deduplication id, and refuses a standard dead-letter queue or a misnamed queue', () => {
    const { sqs } = fifo();
    expect(() => sqs.send('q.fifo', { body: 'a', deduplicationId: 'd' })).toThrow(/MessageGroupId/);
    expect(() => sqs.send('q.fifo', { body: 'a', groupId: 'g' })).toThrow(/ContentBasedDeduplication enabled or MessageDeduplicationId/);
    sqs.createQueue({ name: 'standard', fifo: false, visibilityTimeoutSeconds: 30, retentionSeconds: 3600 });
    expect(() =>
      sqs.createQueue({
        name: 'other.fifo',
        fifo: true,
        visibilityTimeoutSeconds: 30,
        retentionSeconds: 3600,
        redrive: { deadLetterQueue: 'standard', maxReceiveCount: 5 },
      }),
    ).toThrow(/Dead-letter queue must be same type/);
    expect(() => sqs.createQueue({ name: 'named', fifo: true, visibilityTimeoutSeconds: 30, retentionSeconds: 3600 })).toThrow(/\.fifo/);
  });

  it('accepts a repeated deduplication id within 5 minutes without enqueuing it, and enqueues it after', () => {
    const { clock, sqs } = fifo();
    const first = sqs.send('q.fifo', { body: 'a', groupId: 'g', deduplicationId: 'd' });
    clock.ms = DEDUPLICATION_INTERVAL_MS - 1;
    expect(sqs.send('q.fifo', { body: 'a', groupId: 'g', deduplicationId: 'd' })).toBe(first);
    expect(sqs.messagesIn('q.fifo')).toHaveLength(1);
    clock.ms = DEDUPLICATION_INTERVAL_MS;
    expect(sqs.send('q.fifo', { body: 'a', groupId: 'g', deduplicationId: 'd' })).not.toBe(first);
    expect(sqs.messagesIn('q.fifo')).toHaveLength(2);
  });

  it('hands out a group in order and nothing of it while a message is in flight; other groups go on', () => {
    const { clock, sqs } = fifo({ visibility: 60 });
    for (const [body, groupId] of [
      ['a1', 'a'],
      ['a2', 'a'],
      ['b1', 'b'],
    ])
      sqs.send('q.fifo', { body, groupId, deduplicationId: body });
    const [a1] = sqs.receive('q.fifo', 1);
    expect(a1?.body).toBe('a1');
    expect(sqs.receive('q.fifo', 10).map((m) => m.body)).toEqual(['b1']);
    expect(sqs.receive('q.fifo', 10)).toEqual([]);
    sqs.delete('q.fifo', a1!.receiptHandle);
    expect(sqs.receive('q.fifo', 10).map((m) => m.body)).toEqual(['a2']);
    clock.ms = 60_000;
    // The visibility timeout ended: a2 and b1 show again, in order, each received a second time.
    expect(sqs.receive('q.fifo', 10)).toMatchObject([
      { body: 'a2', receiveCount: 2 },
      { body: 'b1', receiveCount: 2 },
    ]);
  });

  it('moves a message received maxReceiveCount times to the FIFO dead-letter queue on its next receive, freeing the group', () => {
    const { clock, sqs } = fifo({ visibility: 10, maxReceiveCount: 2 });
    sqs.send('q.fifo', { body: 'poison', groupId: 'g', deduplicationId: '1' });
    sqs.send('q.fifo', { body: 'next', groupId: 'g', deduplicationId: '2' });
    for (const at of [0, 10_000]) {
      clock.ms = at;
      expect(sqs.receive('q.fifo', 1).map((m) => m.body)).toEqual(['poison']);
    }
    clock.ms = 20_000;
    expect(sqs.receive('q.fifo', 1).map((m) => m.body)).toEqual(['next']);
    expect(sqs.messagesIn('dlq.fifo')).toEqual([{ body: 'poison', groupId: 'g', receiveCount: 0 }]);
  });

  it('changes the visibility of a message in flight only, by its current receipt handle', async () => {
    const { clock, sqs } = fifo({ visibility: 60 });
    sqs.send('q.fifo', { body: 'a', groupId: 'g', deduplicationId: '1' });
    const [received] = sqs.receive('q.fifo', 1);
    const url = 'https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo';
    await sqs.changeMessageVisibility({ QueueUrl: url, ReceiptHandle: received!.receiptHandle, VisibilityTimeout: 5 });
    clock.ms = 5_000;
    await expect(
      sqs.changeMessageVisibility({ QueueUrl: url, ReceiptHandle: received!.receiptHandle, VisibilityTimeout: 5 }),
    ).rejects.toMatchObject({
      name: 'MessageNotInflight',
    });
    await expect(sqs.changeMessageVisibility({ QueueUrl: url, ReceiptHandle: 'made-up', VisibilityTimeout: 5 })).rejects.toMatchObject({
      name: 'ReceiptHandleIsInvalid',
    });
    expect(sqs.receive('q.fifo', 1)).toHaveLength(1);
  });
});

describe('SNS FIFO topic stand-in', () => {
  it('requires a group and a deduplication id, delivers raw to its FIFO queue once per id, and keeps FIFO queues off standard topics', async () => {
    const { sqs } = fifo();
    const sns = new SnsStandIn(() => 0);
    sns.createTopic(TOPIC, { fifo: true });
    sns.subscribeQueue(TOPIC, sqs, 'q.fifo');
    await expect(sns.publish({ TopicArn: TOPIC, Message: 'v', MessageDeduplicationId: 'd' })).rejects.toThrow(
      /MessageGroupId parameter is required/,
    );
    await expect(sns.publish({ TopicArn: TOPIC, Message: 'v', MessageGroupId: 'g' })).rejects.toThrow(/MessageDeduplicationId/);
    const publish = { TopicArn: TOPIC, Message: 'v', MessageGroupId: 'g', MessageDeduplicationId: 'd' };
    const first = await sns.publish(publish);
    expect((await sns.publish(publish)).MessageId).toBe(first.MessageId);
    expect(sqs.messagesIn('q.fifo')).toEqual([{ body: 'v', groupId: 'g', receiveCount: 0 }]);
    sns.createTopic('arn:aws:sns:us-east-1:123456789012:standard');
    expect(() => sns.subscribeQueue('arn:aws:sns:us-east-1:123456789012:standard', sqs, 'q.fifo')).toThrow(
      /FIFO SQS Queues can not be subscribed/,
    );
  });
});

describe('SQS event source mapping stand-in', () => {
  it('runs one batch of a group at a time: a poll during an invocation gets nothing, the next message follows it', async () => {
    const { sqs } = fifo();
    for (const body of ['1', '2']) sqs.send('q.fifo', { body, groupId: 'g', deduplicationId: body });
    const source = new SqsEventSourceStandIn(sqs, {
      queueName: 'q.fifo',
      queueArn: 'arn:aws:sqs:us-east-1:123456789012:q.fifo',
      batchSize: 1,
      reportBatchItemFailures: true,
    });
    const seen: string[] = [];
    let nested = -1;
    await source.poll(
      async (event) => {
        seen.push(event.Records.map((r) => r.body).join());
        if (nested < 0)
          nested = await source.poll(
            async () => undefined,
            () => undefined,
          );
        return { batchItemFailures: [] };
      },
      () => undefined,
    );
    expect(nested).toBe(0);
    expect(seen).toEqual(['1', '2']);
    expect(sqs.messagesIn('q.fifo')).toEqual([]);
  });

  it('deletes all but the reported failures, and keeps the whole batch when a failure names a message not in it', async () => {
    const { sqs } = fifo();
    for (const body of ['1', '2', '3']) sqs.send('q.fifo', { body, groupId: 'g', deduplicationId: body });
    const source = new SqsEventSourceStandIn(sqs, {
      queueName: 'q.fifo',
      queueArn: 'arn:aws:sqs:us-east-1:123456789012:q.fifo',
      batchSize: 2,
      reportBatchItemFailures: true,
    });
    await source.poll(
      async (event) => ({ batchItemFailures: event.Records.slice(1).map((r) => ({ itemIdentifier: r.messageId })) }),
      () => undefined,
    );
    expect(sqs.messagesIn('q.fifo').map((m) => m.body)).toEqual(['2', '3']);
    const other = fifo();
    other.sqs.send('q.fifo', { body: 'x', groupId: 'g', deduplicationId: 'x' });
    const strict = new SqsEventSourceStandIn(other.sqs, {
      queueName: 'q.fifo',
      queueArn: 'arn:aws:sqs:us-east-1:123456789012:q.fifo',
      batchSize: 1,
      reportBatchItemFailures: true,
    });
    await strict.poll(
      async () => ({ batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] }),
      () => undefined,
    );
    expect(other.sqs.messagesIn('q.fifo').map((m) => m.body)).toEqual(['x']);
  });
});
