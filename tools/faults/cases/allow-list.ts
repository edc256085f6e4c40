/** Faults of the allow list the updater reads from S3: refused, missing, slow, corrupted, too large. */
import { GetObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { logged, metric, type FaultCase } from '../evidence';
import { UPDATER_CALLS } from '../../../functions/nacl-updater/contract';
import { ALLOW_LIST, type FaultContext } from '../world';

const BUCKET = 'flood-guard-allow-list';
/** Slower than usual but a second inside the updater's request timeout: waited for, not a hung call. */
const SLOW_READ_MS = UPDATER_CALLS.requestTimeoutMs - 1_000;
const KEY = 'allow-list.txt';

function s3Error(name: string, status: number): () => Error {
  return () => new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

/** Garbage that is not UTF-8 text: a stand-in for a corrupted or binary upload. */
function garbageBytes(): Buffer {
  let state = 7;
  return Buffer.from(
    Array.from({ length: 4096 }, () => ((state = (state * 1103515245 + 12345) >>> 0) >>> 16) & 0xff).map((b, i) =>
      i % 64 === 0 ? 0xc3 : b,
    ),
  );
}

const allowListStale = { log: logged(['warn', 'error'], 'allow list'), metric: metric('AllowListReadFailures') };
const restoreAllowList = ({ deployment }: FaultContext) => deployment.s3.putObject(BUCKET, KEY, ALLOW_LIST);

export const allowListCases: FaultCase[] = [
  {
    name: 'allow list 403',
    handling: 'The last list read successfully stands in (none yet: the run changes nothing); counted and logged',
    evidence: allowListStale,
    arm: ({ deployment }) => deployment.faults.fail(GetObjectCommand, s3Error('AccessDenied', 403)),
  },
  {
    name: 'allow list 404',
    handling: 'As 403: last good list, or no change at all without one',
    evidence: allowListStale,
    arm: ({ deployment }) => deployment.s3.deleteObject(BUCKET, KEY),
    disarm: restoreAllowList,
  },
  {
    name: `allow list slow (${SLOW_READ_MS / 1000} s a read)`,
    handling: `Slower than usual but inside the ${UPDATER_CALLS.requestTimeoutMs / 1000}-s request timeout: waited for, the verdict is applied seconds late but correctly (latency shows as Lambda Duration); a slower read is a hung call`,
    evidence: { log: logged(['info'], 'anomaly message applied'), metric: metric('BlockedSourceNetworks') },
    arm: ({ deployment }) =>
      deployment.faults.on(GetObjectCommand, async (input, next) => {
        deployment.advanceTo(deployment.now() + SLOW_READ_MS);
        return next(input);
      }),
  },
  {
    name: 'allow list garbage bytes',
    handling: 'Not UTF-8 text: treated as a failed read, the last good list stands in (a corrupted upload never unprotects a partner)',
    evidence: allowListStale,
    arm: ({ deployment }) => deployment.s3.putObject(BUCKET, KEY, garbageBytes()),
    disarm: restoreAllowList,
  },
  {
    name: 'allow list of 10 MB',
    handling: 'Refused above 1 MiB (memory, time): the last good list stands in; counted and logged',
    evidence: allowListStale,
    arm: ({ deployment }) => deployment.s3.putObject(BUCKET, KEY, '203.0.113.200/32\n'.repeat((10 * 1024 * 1024) / 17)),
    disarm: restoreAllowList,
  },
];
