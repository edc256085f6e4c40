import { Readable } from 'node:stream';
import { NoSuchBucket, NoSuchKey, type GetObjectCommandInput, type GetObjectCommandOutput } from '@aws-sdk/client-s3';

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

/** S3 stand-in for GetObject: buckets and objects set up by the simulation; NoSuchBucket / NoSuchKey as S3 answers. */
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

  readonly getObject = async (input: GetObjectCommandInput): Promise<GetObjectCommandOutput> => {
    const objects = input.Bucket === undefined ? undefined : this.buckets.get(input.Bucket);
    if (!objects) throw new NoSuchBucket({ message: 'The specified bucket does not exist', ...notFound });
    const object = input.Key === undefined ? undefined : objects.get(input.Key);
    if (!object) throw new NoSuchKey({ message: 'The specified key does not exist.', ...notFound });
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
