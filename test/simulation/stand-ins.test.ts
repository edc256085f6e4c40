import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  InvalidParameterException,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { createHash } from 'node:crypto';
import { GetObjectCommand, NoSuchBucket, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InvalidParameterException as SnsInvalidParameter, NotFoundException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { LogStreamsStandIn } from '../../simulation/log-streams';
import { S3StandIn } from '../../simulation/s3';
import { routeCommands } from '../../simulation/sdk-routing';
import { deliveredText, SNS_MAX_MESSAGE_BYTES, SnsStandIn, snsEvent } from '../../simulation/sns';

const credentials = { accessKeyId: 'TEST', secretAccessKey: 'TEST' };
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:anomalies';

describe('SDK routing', () => {
  it('sends each command to its stand-in with a copy of the input, and refuses commands nobody models', async () => {
    // Prepare
    const logs = new LogStreamsStandIn();
    logs.createLogGroup('/audit');
    await logs.createLogStream({ logGroupName: '/audit', logStreamName: 's' });
    const client = routeCommands(new CloudWatchLogsClient({ region: 'us-east-1', credentials }), [
      [PutLogEventsCommand, logs.putLogEvents],
    ]);
    const input = { logGroupName: '/audit', logStreamName: 's', logEvents: [{ timestamp: 1, message: 'm' }] };

    // Act
    await client.send(new PutLogEventsCommand(input));
    input.logEvents[0]!.message = 'changed later';
    const unknown = client.send(new DescribeLogGroupsCommand({}));

    // Assess
    expect(logs.events('/audit')).toEqual([{ logStreamName: 's', timestamp: 1, message: 'm' }]);
    await expect(unknown).rejects.toThrow('simulation: DescribeLogGroupsCommand is not modelled by any stand-in');
  });
});

describe('SNS stand-in', () => {
  it('queues published messages for delivery as SNS Lambda events', async () => {
    // Prepare
    const sns = new SnsStandIn(() => Date.UTC(2026, 0, 1));
    sns.createTopic(TOPIC);
    const client = routeCommands(new SNSClient({ region: 'us-east-1', credentials }), sns.routes());

    // Act
    const { MessageId } = await client.send(new PublishCommand({ TopicArn: TOPIC, Message: '{"a":1}' }));
    const [delivered] = sns.drain();

    // Assess
    expect(sns.drain()).toEqual([]);
    expect(snsEvent(delivered!).Records[0]!.Sns).toMatchObject({
      MessageId,
      TopicArn: TOPIC,
      Message: '{"a":1}',
      Timestamp: '2026-01-01T00:00:00.000Z',
    });
  });

  it('refuses unknown topics, empty and oversized messages', async () => {
    // Prepare
    const sns = new SnsStandIn(() => 0);
    sns.createTopic(TOPIC);

    // Act / Assess
    await expect(sns.publish({ TopicArn: `${TOPIC}-other`, Message: 'x' })).rejects.toBeInstanceOf(NotFoundException);
    await expect(sns.publish({ TopicArn: TOPIC, Message: '' })).rejects.toBeInstanceOf(SnsInvalidParameter);
    await expect(sns.publish({ TopicArn: TOPIC, Message: 'é'.repeat(SNS_MAX_MESSAGE_BYTES / 2 + 1) })).rejects.toThrow('Message too long');
    await expect(sns.publish({ TopicArn: TOPIC, Message: 'x'.repeat(SNS_MAX_MESSAGE_BYTES) })).resolves.toHaveProperty('MessageId');
  });

  it('refuses subjects SNS refuses: over 99 characters, not printable ASCII, starting with a space', async () => {
    // Prepare
    const sns = new SnsStandIn(() => 0);
    sns.createTopic(TOPIC);
    const publish = (Subject: string) => sns.publish({ TopicArn: TOPIC, Message: 'x', Subject });

    // Act / Assess
    await expect(publish('s'.repeat(99))).resolves.toHaveProperty('MessageId');
    for (const subject of ['s'.repeat(100), 'line\nbreak', 'caf\u00e9', ' leading', ''])
      await expect(publish(subject)).rejects.toThrow('Invalid parameter: Subject');
    await expect(sns.publish({ TopicArn: TOPIC, Message: 'x'.repeat(SNS_MAX_MESSAGE_BYTES - 2), Subject: 'abc' })).rejects.toThrow(
      'Message too long',
    );
  });

  it('takes MessageStructure=json only with a JSON object holding a default text, and delivers each protocol its own', async () => {
    // Prepare
    const sns = new SnsStandIn(() => 0);
    sns.createTopic(TOPIC);
    const publish = (Message: string, MessageStructure = 'json') => sns.publish({ TopicArn: TOPIC, Message, MessageStructure });

    // Act / Assess
    await expect(publish('not json')).rejects.toThrow('JSON message body failed to parse');
    await expect(publish('["default"]')).rejects.toThrow('No default entry');
    await expect(publish('{"email":"x"}')).rejects.toThrow('No default entry');
    await expect(publish('{"default":"x"}', 'xml')).rejects.toThrow('MessageStructure');
    await publish(JSON.stringify({ default: 'text', https: '{"version":"1.0"}' }));
    const [message] = sns.drain();
    expect(deliveredText(message!, 'email')).toBe('text');
    expect(deliveredText(message!, 'https')).toBe('{"version":"1.0"}');
    expect(snsEvent(message!).Records[0]!.Sns.Message).toBe('text');
  });

  it('records messages to a topic without simulated subscribers but never queues them for delivery', async () => {
    // Prepare
    const sns = new SnsStandIn(() => 0);
    sns.createTopic(TOPIC, { delivered: false });

    // Act
    await sns.publish({ TopicArn: TOPIC, Message: 'x' });

    // Assess
    expect(sns.drain()).toEqual([]);
    expect(sns.published.map((m) => m.message)).toEqual(['x']);
  });
});

describe('S3 stand-in', () => {
  it('serves object bodies through the SDK stream helpers and answers NoSuchKey / NoSuchBucket', async () => {
    // Prepare
    const s3 = new S3StandIn();
    s3.createBucket('allow');
    s3.putObject('allow', 'allow-list.txt', '192.0.2.0/24\n');
    const client = routeCommands(new S3Client({ region: 'us-east-1', credentials }), s3.routes());

    // Act
    const object = await client.send(new GetObjectCommand({ Bucket: 'allow', Key: 'allow-list.txt' }));

    // Assess
    await expect(object.Body?.transformToString()).resolves.toBe('192.0.2.0/24\n');
    expect(object.ContentLength).toBe(13);
    await expect(client.send(new GetObjectCommand({ Bucket: 'allow', Key: 'missing' }))).rejects.toBeInstanceOf(NoSuchKey);
    await expect(client.send(new GetObjectCommand({ Bucket: 'nope', Key: 'k' }))).rejects.toBeInstanceOf(NoSuchBucket);
  });

  it('answers a conditional GET with 304 while the ETag matches, and with the new body once the object changed', async () => {
    // Prepare
    const s3 = new S3StandIn();
    s3.createBucket('allow');
    s3.putObject('allow', 'allow-list.txt', 'v1\n');
    const client = routeCommands(new S3Client({ region: 'us-east-1', credentials }), s3.routes());
    const get = (IfNoneMatch?: string) => client.send(new GetObjectCommand({ Bucket: 'allow', Key: 'allow-list.txt', IfNoneMatch }));
    const first = await get();

    // Act
    const unchanged = get(first.ETag);
    s3.putObject('allow', 'allow-list.txt', 'v2\n');
    const changed = await get(first.ETag);

    // Assess
    await expect(unchanged).rejects.toMatchObject({ $metadata: { httpStatusCode: 304 } });
    await expect(changed.Body?.transformToString()).resolves.toBe('v2\n');
    expect(changed.ETag).toBe(s3.etagOf('allow', 'allow-list.txt'));
    expect(changed.ETag).not.toBe(first.ETag);
  });
});

describe('S3 stand-in PutObject', () => {
  function standIn(maxPutBytes?: number) {
    const s3 = new S3StandIn(maxPutBytes);
    s3.createBucket('allow');
    const client = routeCommands(new S3Client({ region: 'us-east-1', credentials }), s3.routes());
    const put = (input: Omit<ConstructorParameters<typeof PutObjectCommand>[0], 'Bucket'> & { Bucket?: string }) =>
      client.send(new PutObjectCommand({ Bucket: 'allow', ...input }));
    return { s3, client, put };
  }

  it('stores the body under a new ETag that a GET then serves', async () => {
    // Prepare
    const { s3, client, put } = standIn();

    // Act
    const first = await put({ Key: 'state.json', Body: '{"a":1}' });
    const second = await put({ Key: 'state.json', Body: new TextEncoder().encode('{"a":2}') });

    // Assess
    const object = await client.send(new GetObjectCommand({ Bucket: 'allow', Key: 'state.json' }));
    await expect(object.Body?.transformToString()).resolves.toBe('{"a":2}');
    expect(second.ETag).toBe(s3.etagOf('allow', 'state.json'));
    expect(second.ETag).not.toBe(first.ETag);
  });

  it('refuses what S3 refuses, with its codes and statuses', async () => {
    // Prepare
    const { s3, put } = standIn(8);
    s3.putObject('allow', 'exists', 'x');
    const md5 = createHash('md5').update('other').digest('base64');

    // Act, Assess
    await expect(put({ Bucket: 'nope', Key: 'k', Body: 'x' })).rejects.toBeInstanceOf(NoSuchBucket);
    await expect(put({ Key: 'k', Body: '123456789' })).rejects.toMatchObject({
      name: 'EntityTooLarge',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(put({ Key: 'k'.repeat(1025), Body: 'x' })).rejects.toMatchObject({
      name: 'KeyTooLongError',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(put({ Key: 'k', Body: 'x', ContentMD5: 'abc' })).rejects.toMatchObject({ name: 'InvalidDigest' });
    await expect(put({ Key: 'k', Body: 'x', ContentMD5: md5 })).rejects.toMatchObject({
      name: 'BadDigest',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(put({ Key: 'exists', Body: 'y', IfNoneMatch: '*' })).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    await expect(put({ Key: 'exists', Body: 'y', IfMatch: '"0"' })).rejects.toMatchObject({ name: 'PreconditionFailed' });
    await expect(put({ Key: 'missing', Body: 'y', IfMatch: '"0"' })).rejects.toBeInstanceOf(NoSuchKey);
    expect(s3.bodyOf('allow', 'exists')?.toString()).toBe('x');
    expect(s3.bodyOf('allow', 'k')).toBeUndefined();
  });
});

describe('CloudWatch Logs streams stand-in', () => {
  it('enforces stream existence, uniqueness and chronological batches', async () => {
    // Prepare
    const logs = new LogStreamsStandIn();
    logs.createLogGroup('/audit');
    await logs.createLogStream({ logGroupName: '/audit', logStreamName: 's' });

    // Act / Assess
    await expect(logs.createLogStream({ logGroupName: '/audit', logStreamName: 's' })).rejects.toBeInstanceOf(
      ResourceAlreadyExistsException,
    );
    await expect(logs.createLogStream({ logGroupName: '/missing', logStreamName: 's' })).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      logs.putLogEvents({ logGroupName: '/audit', logStreamName: 'other', logEvents: [{ timestamp: 1, message: 'x' }] }),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      logs.putLogEvents({
        logGroupName: '/audit',
        logStreamName: 's',
        logEvents: [
          { timestamp: 2, message: 'b' },
          { timestamp: 1, message: 'a' },
        ],
      }),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(logs.putLogEvents({ logGroupName: '/audit', logStreamName: 's', logEvents: [] })).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    expect(logs.events('/audit')).toEqual([]);
  });
});
