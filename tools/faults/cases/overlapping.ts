/**
 * Faults that try to make two updater invocations overlap through the verdict queue itself: the
 * event source mapping polls again while an invocation is in flight, with a newer message waiting.
 * The world checks after every run that no two invocations ever ran at once (I5: one writer).
 */
import { DescribeNetworkAclsCommand } from '@aws-sdk/client-ec2';
import { publishVerdict } from '../../../functions/summarizer/run';
import { logged, metric, type FaultCase } from '../evidence';
import type { FaultContext } from '../world';

/** Once per invocation: publish a copy of the verdict in flight (another deduplication id), then poll the queue again. */
function pollDuringInvocation(ctx: FaultContext): void {
  const { deployment } = ctx;
  let busy = false;
  const copied = new Set<string>();
  deployment.faults.on(DescribeNetworkAclsCommand, async (input, next) => {
    const inFlight = deployment.applied.at(-1);
    if (!busy && inFlight && !copied.has(inFlight.generatedAt)) {
      busy = true;
      copied.add(inFlight.generatedAt);
      const copy = publishVerdict(deployment.resources.anomaliesTopicArn, JSON.stringify(inFlight)).input;
      await deployment.sns.publish({ ...copy, MessageDeduplicationId: `copy-${copy.MessageDeduplicationId ?? ''}` });
      await ctx.deliverQueued();
      busy = false;
    }
    return next(input);
  });
}

export const overlappingCases: FaultCase[] = [
  {
    name: 'verdict queue polled again during an updater invocation',
    handling:
      'The FIFO queue hands out nothing of the message group in flight: no second invocation starts; the copy published meanwhile waits its turn and is dropped quietly as not newer',
    evidence: { log: logged(['info'], 'not newer than the one last applied'), metric: metric('MessagesIgnored') },
    arm: (ctx) => pollDuringInvocation(ctx),
  },
];
