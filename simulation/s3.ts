import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type PutObjectCommandOutput,
  NoSuchBucket,
  NoSuchKey,
  S3ServiceException,
  type GetObjectCommandInput,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import type { Route } from './sdk-routing';

interface StoredObject {
  readonly body: Buffer;
  readonly etag: string;
  readonly lastModified: Date;
}

const notFound = { $metadata: { httpStatusCode: 404 } };

/** A single PUT stores at most 5 GiB (larger objects need a multipart upload); keys are at most 1024 bytes of UTF-8. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;
export const MAX_KEY_BYTES = 1024;

/** A GetObject body with the SDK's stream helpers (transformToString and friends). */
function streamingBody(body: Buffer): NonNullable<GetObjectCommandOutput['Body']> {
  const stream = Readable.from([body]);
  return Object.assign(stream, {
    transformToString: async (encoding?: string) => body.toString((encoding ?? 'utf8') as BufferEncoding),
    transformToByteArray: async () => new Uint8Array(body),
    transformToWebStream: () => Readable.toWeb(Readable.from([body])) as unknown as ReadableStream,
  }) as unknown as NonNullable<GetObjectCommandOutput['Body']>;
}

/**
 * S3 stand-in for GetObject and PutObject: buckets and objects set up by the simulation; NoSuchBucket / NoSuchKey
 * as S3 answers, and 304 Not Modified to a conditional GET whose If-None-Match is the object's ETag.
 * A PUT is refused as S3 refuses it: over 5 GiB (EntityTooLarge), a key over 1024 bytes
 * (KeyTooLongError), a Content-MD5 that is not an MD5 (InvalidDigest) or not the body's
 * (BadDigest), If-None-Match: * on an existing object and If-Match on another ETag (412
 * PreconditionFailed), If-Match on a missing object (NoSuchKey).
 */
export class S3StandIn {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();
  private version = 0;

  /** `maxPutBytes` lowers the 5-GiB limit of one PUT, so a test can reach it (never above S3's). */
  constructor(private readonly maxPutBytes = MAX_PUT_BYTES) {}

  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  putObject(bucket: string, key: string, body: string | Buffer, lastModified = new Date(0)): void {
    const objects = this.buckets.get(bucket);
    if (!objects) throw new Error(`bucket ${bucket} does not exist`);
    objects.set(key, { body: Buffer.from(body), etag: `"${(++this.version).toString(16).padStart(32, '0')}"`, lastModified });
  }

  deleteObject(bucket: string, key: string): void {
    this.buckets.get(bucket)?.delete(key);
  }

  /** The ETag S3 reports for an object, quotes included. */
  readonly put = async (input: PutObjectCommandInput): Promise<PutObjectCommandOutput> => {
    const objects = input.Bucket === undefined ? undefined : this.buckets.get(input.Bucket);
    if (!objects) throw new NoSuchBucket({ message: 'The specified bucket does not exist', ...notFound });
    const key = input.Key ?? '';
    if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw s3Error('KeyTooLongError', 400, 'Your key is too long');
    const body = bodyBytes(input.Body);
    if (body.length > Math.min(this.maxPutBytes, MAX_PUT_BYTES))
      throw s3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed object size.');
    if (input.ContentMD5 !== undefined) {
      const given = Buffer.from(input.ContentMD5, 'base64');
      if (given.length !== 16) throw s3Error('InvalidDigest', 400, 'The Content-MD5 you specified was invalid.');
      if (!given.equals(createHash('md5').update(body).digest()))
        throw s3Error('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.');
    }
    const existing = objects.get(key);
    if (input.IfNoneMatch === '*' && existing)
      throw s3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
    if (input.IfMatch !== undefined && !existing) throw new NoSuchKey({ message: 'The specified key does not exist.', ...notFound });
    if (input.IfMatch !== undefined && input.IfMatch !== existing?.etag)
      throw s3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
    this.putObject(input.Bucket!, key, body);
    return { ETag: this.etagOf(input.Bucket!, key), $metadata: { httpStatusCode: 200 } };
  };

  /** The object's bytes, as stored. */
  bodyOf(bucket: string, key: string): Buffer | undefined {
    return this.buckets.get(bucket)?.get(key)?.body;
  }

  etagOf(bucket: string, key: string): string | undefined {
    return this.buckets.get(bucket)?.get(key)?.etag;
  }

  routes(): Route[] {
    return [
      [GetObjectCommand, this.getObject],
      [PutObjectCommand, this.put],
    ];
  }

  readonly getObject = async (input: GetObjectCommandInput): Promise<GetObjectCommandOutput> => {
    const objects = input.Bucket === undefined ? undefined : this.buckets.get(input.Bucket);
    if (!objects) throw new NoSuchBucket({ message: 'The specified bucket does not exist', ...notFound });
    const object = input.Key === undefined ? undefined : objects.get(input.Key);
    if (!object) throw new NoSuchKey({ message: 'The specified key does not exist.', ...notFound });
    if (input.IfNoneMatch !== undefined && input.IfNoneMatch === object.etag) throw notModified();
    return {
      Body: streamingBody(object.body),
      ContentLength: object.body.length,
      ContentType: 'text/plain',
      ETag: object.etag,
      LastModified: object.lastModified,
      $metadata: { httpStatusCode: 200 },
    };
  };
}

/** S3's error as the SDK raises it: the code as name, the HTTP status in its metadata. */
function s3Error(name: string, status: number, message: string): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message });
}

/** The body as bytes; the stand-in takes the forms the updater sends (text or bytes). */
function bodyBytes(body: PutObjectCommandInput['Body']): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string' || body instanceof Uint8Array) return Buffer.from(body);
  throw s3Error('NotImplemented', 501, 'The S3 stand-in takes a PutObject body of text or bytes only');
}

/** What SDK v3 raises for a 304 answer: it has no body, so no error code; only the status tells. */
function notModified(): S3ServiceException {
  return new S3ServiceException({ name: '304', $fault: 'client', $metadata: { httpStatusCode: 304 }, message: 'UnknownError' });
}
