import { Readable } from 'node:stream';
import {
  GetObjectCommand,
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
 * S3 stand-in for GetObject: buckets and objects set up by the simulation; NoSuchBucket / NoSuchKey
 * as S3 answers, and 304 Not Modified to a conditional GET whose If-None-Match is the object's ETag.
 */
export class S3StandIn {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();
  private version = 0;

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
  etagOf(bucket: string, key: string): string | undefined {
    return this.buckets.get(bucket)?.get(key)?.etag;
  }

  routes(): Route[] {
    return [[GetObjectCommand, this.getObject]];
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

/** What SDK v3 raises for a 304 answer: it has no body, so no error code; only the status tells. */
function notModified(): S3ServiceException {
  return new S3ServiceException({ name: '304', $fault: 'client', $metadata: { httpStatusCode: 304 }, message: 'UnknownError' });
}
