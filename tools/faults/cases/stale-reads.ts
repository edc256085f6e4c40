/**
 * Stale reads: EC2 is eventually consistent, so right after a swap or an entry change a Describe
 * may still answer with the associations or entries from before it, and a call naming an id just
 * created may answer NotFound (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html).
 * Each case holds one part of EC2's answers back by a fixed lag while armed (simulation/ec2/stand-in.ts, lagReads).
 */
import type { AnomalyMessage } from '../../../core/anomaly-message';
import type { LaggedPart } from '../../../simulation/ec2/consistency';
import type { PublishedMessage } from '../../../simulation/sns';
import { logged, metric, type FaultCase } from '../evidence';
import type { FaultContext, FaultHooks } from '../world';

/** A source outside every protected network, blocked for a moment by the extra verdict of each run. */
const EXTRA_SOURCE = '198.18.0.7';

/** While armed, one part of EC2's answers lags `lagMs` behind. */
const lagging = (part: LaggedPart, lagMs: number) => ({
  arm: ({ deployment }: FaultContext) => deployment.ec2.lagReads({ part, lagMs, now: () => deployment.now() }),
  disarm: ({ deployment }: FaultContext) => deployment.ec2.lagReads(undefined),
});

/**
 * Each run's verdict is preceded by one a millisecond older that also blocks EXTRA_SOURCE: two swaps
 * a run, so the ACLs are written, used and read again within the lag.
 */
const verdictsChangingTwiceARun: FaultHooks['deliver'] = async (ctx, messages) => {
  for (const message of messages) {
    await ctx.invokeUpdater(withExtraSource(message));
    await ctx.invokeUpdater(message);
  }
};

function withExtraSource(published: PublishedMessage): PublishedMessage {
  const m = JSON.parse(published.message) as AnomalyMessage;
  const extra: AnomalyMessage = {
    ...m,
    generatedAt: new Date(Date.parse(m.generatedAt) - 1).toISOString(),
    anomalies: [{ sourceIp: EXTRA_SOURCE, maxZScore: 1_000, maxPackets: 1_000_000 }, ...m.anomalies],
  };
  return { ...published, messageId: `${published.messageId}-extra`, message: JSON.stringify(extra) };
}

export const staleReadCases: FaultCase[] = [
  {
    name: 'stale associations after a swap (reads 45 s behind, verdicts changing twice a run)',
    handling:
      'The associations read disagree with the ACL recorded active before the last swap: no ACL is written on them; read again after 2, 4, 8 and 16 s until they agree, then the verdict is applied',
    evidence: { log: logged(['warn'], 'associations read differ from the ACL last made active'), metric: metric('AclStaleReads') },
    ...lagging('associations', 45_000),
    deliver: verdictsChangingTwiceARun,
  },
  {
    name: 'stale associations past the re-reads (reads 75 s behind)',
    handling:
      'Still disagreeing after the re-reads: the subnets read elsewhere are moved onto the ACL recorded active with the ids read, which EC2 answers NotFound (they were replaced): no ACL written, the run ends, the next verdict retries',
    evidence: { log: logged(['error'], 'network ACL in use unknown'), metric: metric('AclStateUnknown') },
    ...lagging('associations', 75_000),
  },
  {
    name: 'stale entries after an entry change (reads 90 s behind, verdicts changing twice a run)',
    handling:
      'The entries read of an ACL not in use differ from those the updater wrote to it minutes ago: it plans from those it wrote, so an ACL never looks written when it is not, nor gets a rewrite against rules it no longer holds',
    evidence: { log: logged(['warn'], 'entries read differ from those written'), metric: metric('AclStaleReads') },
    ...lagging('entries', 90_000),
    deliver: verdictsChangingTwiceARun,
  },
  {
    name: 'NotFound right after create (new association ids unknown for 10 s, verdicts changing twice a run)',
    handling:
      'An association id the last swap returned answers NotFound: retried with backoff (1, 2, 4, 8 s) as EC2 asks; an id read from a Describe that answers NotFound is never retried nor guessed at (the ACL in use is then unknown)',
    evidence: { log: logged(['warn'], 'EC2 answered NotFound'), metric: metric('Ec2ApiRetries') },
    ...lagging('ids', 10_000),
    deliver: verdictsChangingTwiceARun,
  },
];
