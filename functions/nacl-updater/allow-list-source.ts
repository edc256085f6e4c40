import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseAllowList, type AllowList } from '../../core/allow-list';
import { parseDenyList, type DenyList } from '../../core/deny-list';

/** Larger objects are refused: an allow list is a few hundred lines, and the Lambda's memory is small. */
export const MAX_ALLOW_LIST_BYTES = 1024 * 1024;

export type ListRead<L> =
  /** Read now (new content): invalid lines are reported once, here. */
  | { readonly status: 'fresh'; readonly list: L }
  /** The object's ETag is unchanged: the cached list is current. */
  | { readonly status: 'unchanged'; readonly list: L }
  /** The read failed; the last list read successfully in this container stands in. */
  | { readonly status: 'stale'; readonly list: L; readonly failure: string }
  /** The read failed and there is no earlier list. */
  | { readonly status: 'unavailable'; readonly failure: string };

export type AllowListRead = ListRead<AllowList>;
export type DenyListRead = ListRead<DenyList>;

/**
 * A list object in S3 (the allow list, the deny list), cached per container with its ETag: an
 * unchanged object answers 304 Not Modified to the conditional GET and is not transferred or
 * parsed again.
 */
export class ListObjectSource<L> {
  private cached?: { etag: string | undefined; list: L };

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly parse: (text: string) => L,
    /** What the list is, for failure messages: "allow list", "deny list". */
    private readonly what: string,
  ) {}

  async read(): Promise<ListRead<L>> {
    try {
      const output = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key, IfNoneMatch: this.cached?.etag }));
      if (output.ContentLength !== undefined && output.ContentLength > MAX_ALLOW_LIST_BYTES) {
        return this.failed(`object is ${output.ContentLength} bytes, more than the ${MAX_ALLOW_LIST_BYTES} accepted`);
      }
      const bytes = output.Body ? await output.Body.transformToByteArray() : new Uint8Array();
      if (bytes.byteLength > MAX_ALLOW_LIST_BYTES) return this.failed(`object is more than the ${MAX_ALLOW_LIST_BYTES} bytes accepted`);
      // Bytes that are not UTF-8 text are a corrupted upload: a failed read (the last good list
      // stands in), never an empty list that would leave every partner unprotected.
      const list = this.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      this.cached = { etag: output.ETag, list };
      return { status: 'fresh', list };
    } catch (error) {
      // The SDK reports 304 as an error whose name varies between versions; the status does not.
      if (this.cached && httpStatus(error) === 304) return { status: 'unchanged', list: this.cached.list };
      return this.failed(describe(error));
    }
  }

  private failed(failure: string): ListRead<L> {
    const reason = `cannot read ${this.what} s3://${this.bucket}/${this.key}: ${failure}`;
    return this.cached ? { status: 'stale', list: this.cached.list, failure: reason } : { status: 'unavailable', failure: reason };
  }
}

/** The allow list: sources never blocked. */
export class AllowListSource extends ListObjectSource<AllowList> {
  constructor(s3: S3Client, bucket: string, key: string) {
    super(s3, bucket, key, parseAllowList, 'allow list');
  }
}

/** The deny list: networks always blocked (core/deny-list.ts). */
export class DenyListSource extends ListObjectSource<DenyList> {
  constructor(s3: S3Client, bucket: string, key: string) {
    super(s3, bucket, key, parseDenyList, 'deny list');
  }
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string } | null;
  const status = httpStatus(error);
  return `${e?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(error)}`;
}
