import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseAllowList, type AllowList } from '../../core/allow-list';

/** Larger objects are refused: an allow list is a few hundred lines, and the Lambda's memory is small. */
export const MAX_ALLOW_LIST_BYTES = 1024 * 1024;

export type AllowListRead =
  /** Read now (new content): invalid lines are reported once, here. */
  | { readonly status: 'fresh'; readonly list: AllowList }
  /** The object's ETag is unchanged: the cached list is current. */
  | { readonly status: 'unchanged'; readonly list: AllowList }
  /** The read failed; the last list read successfully in this container stands in. */
  | { readonly status: 'stale'; readonly list: AllowList; readonly failure: string }
  /** The read failed and there is no earlier list: the run must change nothing. */
  | { readonly status: 'unavailable'; readonly failure: string };

/**
 * The S3 allow list, cached per container with its ETag: an unchanged object answers
 * 304 Not Modified to the conditional GET and is not transferred or parsed again.
 */
export class AllowListSource {
  private cached?: { etag: string | undefined; list: AllowList };

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
  ) {}

  async read(): Promise<AllowListRead> {
    try {
      const output = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key, IfNoneMatch: this.cached?.etag }));
      if (output.ContentLength !== undefined && output.ContentLength > MAX_ALLOW_LIST_BYTES) {
        return this.failed(`object is ${output.ContentLength} bytes, more than the ${MAX_ALLOW_LIST_BYTES} accepted`);
      }
      const bytes = output.Body ? await output.Body.transformToByteArray() : new Uint8Array();
      if (bytes.byteLength > MAX_ALLOW_LIST_BYTES) return this.failed(`object is more than the ${MAX_ALLOW_LIST_BYTES} bytes accepted`);
      // Bytes that are not UTF-8 text are a corrupted upload: a failed read (the last good list
      // stands in), never an empty list that would leave every partner unprotected.
      const list = parseAllowList(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      this.cached = { etag: output.ETag, list };
      return { status: 'fresh', list };
    } catch (error) {
      // The SDK reports 304 as an error whose name varies between versions; the status does not.
      if (this.cached && httpStatus(error) === 304) return { status: 'unchanged', list: this.cached.list };
      return this.failed(describe(error));
    }
  }

  private failed(failure: string): AllowListRead {
    const reason = `cannot read allow list s3://${this.bucket}/${this.key}: ${failure}`;
    return this.cached ? { status: 'stale', list: this.cached.list, failure: reason } : { status: 'unavailable', failure: reason };
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
