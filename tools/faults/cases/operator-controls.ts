/** Faults of the operator's controls: a deny list that cannot be read or holds what must not be applied; a block notification that cannot be sent. */
import { GetObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { InternalErrorException, PublishCommand, type PublishCommandInput } from '@aws-sdk/client-sns';
import type { UpdaterHandler } from '../../../functions/nacl-updater/handler';
import { logged, metric, type FaultCase } from '../evidence';
import type { FaultContext } from '../world';

const BUCKET = 'flood-guard-allow-list';
const DENY_LIST_KEY = 'deny-list.txt';
/** The deployment's deny list, as the fault-free story's: empty and commented, so every run can be compared with it. */
const DENY_LIST = '# nothing denied\n';

function s3Error(name: string, status: number): Error {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

/** Not UTF-8 text: a corrupted or binary upload. */
function garbageBytes(): Buffer {
  return Buffer.from(Array.from({ length: 2048 }, (_, i) => (i % 64 === 0 ? 0xc3 : (i * 131 + 7) & 0xff)));
}

const denyListStale = { log: logged(['warn'], 'deny list read failed'), metric: metric('DenyListReadFailures') };
const restoreDenyList = ({ deployment }: FaultContext) => deployment.s3.putObject(BUCKET, DENY_LIST_KEY, DENY_LIST);

export const operatorControlCases: FaultCase[] = [
  {
    name: 'deny list garbage bytes',
    handling: 'Not UTF-8 text: a failed read; the last good deny list stands in, so no listed network is lifted; counted and logged',
    deployment: { denyList: DENY_LIST },
    evidence: denyListStale,
    arm: ({ deployment }) => deployment.s3.putObject(BUCKET, DENY_LIST_KEY, garbageBytes()),
    disarm: restoreDenyList,
  },
  {
    name: 'deny list 404',
    handling: 'As garbage bytes: the last good deny list stands in; with none read yet, the run blocks detected sources and lifts nothing',
    deployment: { denyList: DENY_LIST },
    evidence: denyListStale,
    arm: ({ deployment }) => deployment.s3.deleteObject(BUCKET, DENY_LIST_KEY),
    disarm: restoreDenyList,
  },
  (() => {
    let container: UpdaterHandler | undefined;
    return {
      name: 'deny list 403 at a cold start',
      handling:
        'No list read in the new container: detected sources are still blocked, and every rule in place is kept until the list is readable',
      deployment: { denyList: DENY_LIST },
      evidence: { log: logged(['error'], 'deny list unavailable'), metric: metric('DenyListReadFailures') },
      arm: ({ deployment }) => {
        container = deployment.coldStartUpdater();
        deployment.faults.on(GetObjectCommand, async (input, next) => {
          if ((input as { Key?: string }).Key === DENY_LIST_KEY) throw s3Error('AccessDenied', 403);
          return next(input);
        });
      },
      deliver: async (ctx, messages) => {
        for (const message of messages) await ctx.invokeUpdater(message, container);
      },
    } satisfies FaultCase;
  })(),
  {
    name: 'deny list over the allow list, with invalid lines',
    handling:
      'An entry that overlaps an allow-listed or VPC network is not applied (the allow list wins); invalid lines are skipped; both logged and counted',
    deployment: { denyList: DENY_LIST },
    evidence: { log: logged(['warn'], 'deny-list entries not applied'), metric: metric('DenyListEntriesNotApplied') },
    arm: ({ deployment }) =>
      deployment.s3.putObject(BUCKET, DENY_LIST_KEY, '192.0.2.0/24 # the partner range\n10.0.0.0/8\nnot-an-address\n'),
    disarm: restoreDenyList,
  },
  {
    name: 'block notification publish fails',
    handling:
      'The verdict is applied first; the failed publish is logged and counted, not retried, and never undoes or delays a block or a lift',
    evidence: { log: logged(['error'], 'block notification not published'), metric: metric('NotificationPublishFailures') },
    arm: ({ deployment }) =>
      deployment.faults.on(PublishCommand, async (input, next) => {
        if ((input as PublishCommandInput).TopicArn !== deployment.resources.notificationsTopicArn) return next(input);
        throw new InternalErrorException({ message: 'internal error', $metadata: { httpStatusCode: 500 } });
      }),
  },
];
