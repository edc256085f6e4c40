import type { Anomaly } from '../../core/anomaly-message';
import type { DeliveryDelaySummary } from './delivery-delay';
import type { RepeatOffenderLine } from '../../functions/nacl-updater/repeat-offenders';

/** One summarizer run of the replay and what the updater made of it. */
export interface ReplayRun {
  /** Simulated time of the run (ISO-8601, UTC). */
  readonly at: string;
  /** Each with the listener (`443/tcp`) of its largest Z-score. */
  readonly anomalies: readonly Anomaly[];
  /** Deny rules in force after the run (CIDRs), in rule order; always [] in report mode. */
  readonly blocked: readonly string[];
  /** Of `blocked`: the networks on the deny list in force at the run (`--deny-list`). */
  readonly denyListed: readonly string[];
  /** Report mode only: the networks block mode would hold after the run, given the data as recorded. */
  readonly wouldBlock?: readonly string[];
  /** Repeat offenders on: each rule in place after the run with its k and, once set, its hold-until. */
  readonly repeatOffenders?: readonly RepeatOffenderLine[];
  /** Anomalous sources no deny rule covers after the run. */
  readonly unblocked: readonly string[];
  readonly baseline: {
    readonly mean: number | null;
    readonly standardDeviation: number | null;
    readonly anomalyThreshold: number | null;
    readonly binCount: number;
  };
  /** False when the run could not see complete data. */
  readonly complete: boolean;
}

/** Per minute of input traffic to the listener (what the dashboard's traffic and source widgets show). */
export interface TrafficMinute {
  readonly minute: string;
  readonly acceptedPackets: number;
  readonly rejectedPackets: number;
  /** Of the accepted packets: rejected by the simulated deny rules (the product's effect). */
  readonly deniedBySimulation: number;
  readonly uniqueSources: number;
}

export type TimelineKind = 'blocked' | 'unblocked' | 'expired' | 'original-acl' | 'note';

export interface TimelineEvent {
  readonly at: string;
  readonly kind: TimelineKind;
  readonly text: string;
}

/** A source or network that had a deny rule at some point. */
export interface BlockedEntry {
  readonly cidr: string;
  readonly firstBlocked: string;
  readonly lastBlocked: string;
  readonly maxZScore: number;
  readonly maxPackets: number;
  /** The listeners (`443/tcp`) its sources were anomalous on; none for a deny-list entry never anomalous. */
  readonly listeners: readonly string[];
  /** Present when the network was on the deny list while blocked. */
  readonly denyListed?: true;
  /** Repeat offenders on: k of its latest block (its earlier blocks within the window). */
  readonly k?: number;
  /** Repeat offenders on: the latest hold-until its rule had, if it was held past the reference rule. */
  readonly holdUntil?: string;
}

export interface ReplaySummary {
  /** `report`: nothing was blocked; the blocked-network figures and table are what block mode would have blocked. */
  readonly mode: 'block' | 'report';
  readonly input: {
    /** Files read (usable flow logs). */
    readonly files: number;
    /** Files skipped as not usable flow logs (each named in the warnings). */
    readonly skippedFiles: number;
    /** The skipped files and why each is not a usable flow log. */
    readonly skipped: readonly { readonly file: string; readonly reason: string }[];
    readonly records: number;
    readonly skippedNoData: number;
    readonly skippedSkipData: number;
    readonly malformedLines: number;
    readonly firstRecord: string | null;
    readonly lastRecord: string | null;
  };
  readonly runs: number;
  readonly firstRun: string | null;
  readonly lastRun: string | null;
  readonly anomalousSources: number;
  readonly blockedNetworks: number;
  /** Sources anomalous at some point but never covered by a deny rule. */
  readonly neverBlocked: readonly string[];
  readonly maxConcurrentRules: number;
  /** When the subnets last went back to their original network ACL, if they did. */
  readonly backOnOriginalAclAt: string | null;
  /** The flow-log delivery delay that applied (`--delivery-delay`, `--seed`) and the delays drawn; a replay always sets it. */
  readonly delivery?: DeliveryDelaySummary;
  readonly settings: Record<string, string | number | readonly string[]>;
}

/** One block notification the updater published: what an e-mail subscriber would read. */
export interface ReplayNotification {
  readonly at: string;
  readonly subject: string;
  /** The e-mail text (the message's `default`). */
  readonly text: string;
}

export interface ReplayResult {
  readonly runs: readonly ReplayRun[];
  /** Every block notification, oldest first: one per change of the blocked set. */
  readonly notifications: readonly ReplayNotification[];
  readonly summary: ReplaySummary;
  readonly traffic: readonly TrafficMinute[];
  readonly timeline: readonly TimelineEvent[];
  readonly blockedEntries: readonly BlockedEntry[];
  /** The first few input problems, each naming file and line. */
  readonly warnings: readonly string[];
}
