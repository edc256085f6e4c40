/**
 * Custom resources "AllowListSeed", "DenyListSeed" and "RepeatOffenderStateSeed": put a commented,
 * empty list (or an empty repeat-offender state) in place at deploy time, so the updater always finds one. The write is conditional (If-None-Match: *): a list the
 * operator already edited is never overwritten, on create, update or a re-created stack that
 * kept its bucket. The updater treats a list it cannot read as a failure (fail safe: nothing is
 * unblocked or newly exposed), which is why the object must exist from the start.
 */
import { PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { serializeRepeatOffenderState } from '../../core/repeat-offenders';
import type { AllowListSeedProperties, SeededObject } from './contract';

export const ALLOW_LIST_TEMPLATE = [
  '# nacl-flood-guard allow list: sources that are never blocked.',
  '# One IPv4 or IPv6 address or CIDR per line, e.g. 203.0.113.7, 198.51.100.0/24, 2001:db8::/48.',
  '# Lines starting with # and blank lines are ignored. Edit with `aws s3 cp`; the bucket is versioned.',
  '',
].join('\n');

export const DENY_LIST_TEMPLATE = [
  '# nacl-flood-guard deny list: networks always blocked, ahead of detected sources, within the rule quota.',
  '# One IPv4 or IPv6 address or CIDR per line, optionally until=<date-time> and a comment, e.g.',
  '#   203.0.113.7 until=2026-12-31T00:00:00Z # scraper',
  '# An entry that overlaps an allow-listed or VPC network is not applied. Edit with `aws s3 cp`; the bucket is versioned.',
  '',
].join('\n');

/** What each seed puts in place: the lists as commented text, the repeat-offender state as its JSON with no network. */
export const SEED_OBJECTS: Readonly<Record<SeededObject, { readonly body: string; readonly contentType: string }>> = {
  allow: { body: ALLOW_LIST_TEMPLATE, contentType: 'text/plain; charset=utf-8' },
  deny: { body: DENY_LIST_TEMPLATE, contentType: 'text/plain; charset=utf-8' },
  'repeat-offenders': { body: serializeRepeatOffenderState({}), contentType: 'application/json' },
};

export type SeedOutcome = 'created' | 'kept existing';

export async function seedAllowList(s3: S3Client, props: AllowListSeedProperties): Promise<SeedOutcome> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: props.Bucket,
        Key: props.Key,
        Body: SEED_OBJECTS[props.List ?? 'allow'].body,
        ContentType: SEED_OBJECTS[props.List ?? 'allow'].contentType,
        IfNoneMatch: '*',
      }),
    );
    return 'created';
  } catch (error) {
    // 412: the object exists. 409: a concurrent write of the same key won; either way one exists.
    const status = error instanceof S3ServiceException ? error.$metadata?.httpStatusCode : undefined;
    if (status === 412 || status === 409) return 'kept existing';
    throw error;
  }
}
