/**
 * The repeat-offender state object (core/repeat-offenders.ts) in the allow-list bucket: read at the
 * start of a run that needs it, written after a run that changed it. A fault never shortens a
 * block below the reference rule: the caller (repeat-offenders.ts) falls back as documented in
 * docs/operator-controls.md, Repeat offenders.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseRepeatOffenderState, serializeRepeatOffenderState, type RepeatOffenderState } from '../../core/repeat-offenders';

/** Larger objects are refused as corrupt: 10,000 networks of history fit in well under this. */
export const MAX_STATE_BYTES = 4 * 1024 * 1024;

export type StateRead =
  | { readonly status: 'read'; readonly state: RepeatOffenderState }
  /** The object holds nothing usable (missing, not UTF-8, not the state's JSON, too large): writing it again repairs it. */
  | { readonly status: 'lost'; readonly failure: string }
  /** The read itself failed (refused, throttled, hung): the object may hold a history this run cannot see. */
  | { readonly status: 'failed'; readonly failure: string };

export class RepeatOffenderStateObject {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    readonly key: string,
  ) {}

  async read(): Promise<StateRead> {
    let bytes: Uint8Array;
    try {
      const output = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      if (output.ContentLength !== undefined && output.ContentLength > MAX_STATE_BYTES)
        return this.lost(`${output.ContentLength} bytes, more than ${MAX_STATE_BYTES}`);
      bytes = output.Body ? await output.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      const failure = `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`;
      return e.name === 'NoSuchKey' ? this.lost(failure) : { status: 'failed', failure: this.where(failure) };
    }
    if (bytes.byteLength > MAX_STATE_BYTES) return this.lost(`more than ${MAX_STATE_BYTES} bytes`);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return this.lost('not UTF-8 text');
    }
    const parsed = parseRepeatOffenderState(text);
    return parsed.ok ? { status: 'read', state: parsed.state } : this.lost(parsed.reason);
  }

  /** Throws what S3 answered when the write fails. */
  async write(state: RepeatOffenderState): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key,
        Body: serializeRepeatOffenderState(state),
        ContentType: 'application/json',
      }),
    );
  }

  private lost(failure: string): StateRead {
    return { status: 'lost', failure: this.where(failure) };
  }

  private where(failure: string): string {
    return `s3://${this.bucket}/${this.key}: ${failure}`;
  }
}
