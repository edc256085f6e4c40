/** Faults of the verdict messages reaching the updater: overlapping, duplicated, reordered, huge, malformed, unroutable sources. */
import type { AnomalyMessage } from '../../../core/anomaly-message';
import type { UpdaterHandler } from '../../../functions/nacl-updater/handler';
import type { PublishedMessage } from '../../../simulation/sns';
import { logged, metric, type FaultCase } from '../evidence';
import { PARTNER, type FaultHooks } from '../world';

/** A message published by a run, parsed, with changes. */
function variant(message: PublishedMessage, change: (m: AnomalyMessage) => AnomalyMessage): PublishedMessage {
  return {
    ...message,
    messageId: `${message.messageId}-variant`,
    message: JSON.stringify(change(JSON.parse(message.message) as AnomalyMessage)),
  };
}

const newer = (m: AnomalyMessage) => new Date(Date.parse(m.generatedAt) + 1).toISOString();
const ignored = { log: logged(['info'], 'not newer than the one last applied'), metric: metric('MessagesIgnored') };

function withSource(sourceIp: string): (m: AnomalyMessage) => AnomalyMessage {
  return (m) => ({ ...m, generatedAt: newer(m), anomalies: [{ sourceIp, maxZScore: 1_000, maxPackets: 1_000_000 }, ...m.anomalies] });
}

function deliverAlsoVariant(change: (m: AnomalyMessage) => AnomalyMessage): FaultHooks['deliver'] {
  return async (ctx, messages) => {
    for (const message of messages) {
      await ctx.invokeUpdater(message);
      await ctx.invokeUpdater(variant(message, change));
    }
  };
}

let heldBack: PublishedMessage[] = [];
let secondContainer: UpdaterHandler | undefined;

export const messageCases: FaultCase[] = [
  {
    name: 'two updater invocations overlapping',
    handling:
      'The FIFO verdict queue hands out nothing while a message is in flight; a late redelivery (an invocation that applied its verdict but ended before its message was deleted) reaching a fresh container is dropped quietly by the watermark tag',
    evidence: ignored,
    arm: (ctx) => {
      heldBack = [];
      secondContainer = ctx.deployment.coldStartUpdater();
    },
    deliver: async (ctx, messages) => {
      for (const message of messages) await ctx.invokeUpdater(message);
      for (const late of heldBack) await ctx.invokeUpdater(late, secondContainer);
      heldBack = messages;
    },
  },
  {
    name: 'duplicated messages',
    handling:
      'SNS and SQS drop a repeated deduplication id within 5 minutes; a copy redelivered later is not newer than the one applied: dropped quietly without an EC2 call, never dead-lettered',
    evidence: ignored,
    arm: () => undefined,
    deliver: async (ctx, messages) => {
      for (const message of messages) {
        await ctx.invokeUpdater(message);
        await ctx.invokeUpdater(message);
      }
    },
  },
  {
    name: 'reordered messages',
    handling: 'A message older than the one applied is ignored (generatedAt watermark, kept in memory and as an ACL tag)',
    evidence: ignored,
    arm: () => {
      heldBack = [];
    },
    deliver: async (ctx, messages) => {
      for (const message of messages) await ctx.invokeUpdater(message);
      for (const late of heldBack) await ctx.invokeUpdater(late);
      heldBack = messages;
    },
  },
  {
    name: 'message with 10,000 anomalies',
    handling:
      'Highest Z-scores fill the quota within the caps; the rest reported unblocked; allow-listed and VPC sources skipped; the next verdict lifts the extras',
    evidence: { log: logged(['info'], 'anomaly message applied'), metric: metric('UnblockedSourceNetworks') },
    protectedAddresses: ['10.0.3.3', `${PARTNER}`],
    arm: () => undefined,
    deliver: deliverAlsoVariant((m) => ({
      ...m,
      generatedAt: newer(m),
      anomalies: [
        ...m.anomalies,
        { sourceIp: '10.0.3.3', maxZScore: 9_000, maxPackets: 900_000 },
        { sourceIp: PARTNER, maxZScore: 8_000, maxPackets: 800_000 },
        // A storm of sources just above the threshold (the real flooders score higher).
        ...Array.from({ length: 10_000 - m.anomalies.length - 2 }, (_, i) => ({
          sourceIp: `45.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          maxZScore: 3.5 - i / 100_000,
          maxPackets: 20_000,
        })),
      ],
    })),
  },
  {
    name: 'malformed source address',
    handling: 'The whole message is rejected by the schema (counted, logged); the ACL stays as it is',
    evidence: { log: logged(['warn'], 'anomaly message rejected'), metric: metric('MessagesRejected') },
    arm: () => undefined,
    deliver: deliverAlsoVariant(withSource('203.0.113.999')),
  },
  ...(
    [
      ['0.0.0.0', '0.0.0.0'],
      ['broadcast', '255.255.255.255'],
      ['multicast', '224.0.0.251'],
      ['link-local', '169.254.169.254'],
      ['IPv6 link-local', 'fe80::1'],
    ] as const
  ).map(([kind, address]): FaultCase => ({
    name: `${kind} source address (${address})`,
    handling: 'Not a routable source: never blocked (it would waste a rule), skipped as not-routable, counted and logged',
    evidence: {
      log: {
        describe: 'info "not blocked" with reason not-routable',
        matches: (l) => l.message.includes('not blocked') && JSON.stringify(l.fields).includes('not-routable'),
      },
      metric: metric('AllowListedSourcesSkipped'),
    },
    protectedAddresses: [address],
    arm: () => undefined,
    deliver: deliverAlsoVariant(withSource(address)),
  })),
];
