/**
 * Faults of the repeat-offender state (docs/operator-controls.md, Repeat offenders): the object
 * missing, corrupt, unreadable or unwritable. None may lift a block earlier than the fault-free story.
 */
import { GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { REPEAT_OFFENDER_STATE_KEY } from '../../../functions/nacl-updater/contract';
import type { DeploymentSpec } from '../../../simulation/deployment';
import { logged, metric, type FaultCase } from '../evidence';

const BUCKET = 'flood-guard-allow-list';
/** Repeat offenders on: every source of the story floods once, so the fault-free outcome is the reference rule's. */
const REPEAT: Partial<DeploymentSpec> = { repeatOffenderWindowHours: 24 };

function s3Error(name: string, status: number): Error {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

const stateLost = { log: logged(['warn'], 'repeat-offender state lost or corrupt'), metric: metric('RepeatOffenderStateReadFailures') };

export const repeatOffenderCases: FaultCase[] = [
  {
    name: 'repeat-offender state 404',
    handling:
      'A lost state: counted and logged; the container goes on with the state it knows (k = 0 without one: the reference rule) and writes it again',
    deployment: REPEAT,
    evidence: stateLost,
    arm: ({ deployment }) => deployment.s3.deleteObject(BUCKET, REPEAT_OFFENDER_STATE_KEY),
  },
  {
    name: 'repeat-offender state garbage bytes',
    handling: 'Not the state (not UTF-8, not its JSON): as a lost state, never a shorter block; the object is written again',
    deployment: REPEAT,
    evidence: stateLost,
    arm: ({ deployment }) => deployment.s3.putObject(BUCKET, REPEAT_OFFENDER_STATE_KEY, Buffer.from([0xc3, 0x28, 0x7b, 0xff, 0x00])),
  },
  {
    name: 'repeat-offender state 403',
    handling:
      'A failed read: counted and logged; the state the container knows stands in (knowing none, every rule in place is kept); nothing is written over the object',
    deployment: REPEAT,
    evidence: { log: logged(['warn'], 'repeat-offender state read failed'), metric: metric('RepeatOffenderStateReadFailures') },
    arm: ({ deployment }) =>
      deployment.faults.on(GetObjectCommand, async (input, next) => {
        if ((input as { Key?: string }).Key === REPEAT_OFFENDER_STATE_KEY) throw s3Error('AccessDenied', 403);
        return next(input);
      }),
  },
  {
    name: 'repeat-offender state write failing',
    handling: 'The blocks are in place; the container keeps the state, uses it and writes it again on its next run; counted and logged',
    deployment: REPEAT,
    evidence: { log: logged(['error'], 'repeat-offender state write failed'), metric: metric('RepeatOffenderStateWriteFailures') },
    arm: ({ deployment }) => deployment.faults.fail(PutObjectCommand, () => s3Error('InternalError', 500)),
  },
];
