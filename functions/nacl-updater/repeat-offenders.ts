import type { AnomalyMessage } from '../../core/anomaly-message';
import type { BlockRule, Selection } from '../../core/block-selection';
import {
  decideHolds,
  pruneState,
  recordBlocks,
  serializeRepeatOffenderState,
  type Hold,
  type HoldDecision,
  type RepeatOffenderState,
  type RepeatPolicy,
} from '../../core/repeat-offenders';
import type { TelemetryLogger, TelemetryMetrics } from '../common/telemetry';
import type { RepeatOffenderStateObject } from './repeat-offender-state';

export interface RepeatOffendersDeps {
  readonly policy: RepeatPolicy;
  readonly object: Pick<RepeatOffenderStateObject, 'read' | 'write'>;
  readonly logger: TelemetryLogger;
  readonly metrics: TelemetryMetrics;
}

/** One run's view of the state. */
export interface RepeatRun {
  readonly state: RepeatOffenderState;
  /** Networks denied before the run. */
  readonly inPlace: readonly string[];
  /** No state could be read and this container knows none: the run lifts nothing. */
  readonly keepAll: boolean;
  /** The run may write the state (false after a failed read: the object may hold a history it could not see). */
  readonly writable: boolean;
  /** The object held nothing usable: the run writes its state even unchanged, which repairs it. */
  readonly repair: boolean;
  decision?: HoldDecision;
}

/** What a rule in place carries of its repeat-offender history, for the log and the replay. */
export interface RepeatOffenderLine {
  readonly network: string;
  readonly k: number;
  readonly holdUntil?: string;
}

/**
 * Repeat offenders in the updater (docs/operator-controls.md, Repeat offenders). Keeps the state
 * it last read or wrote for the container's life: it stands in when a read fails, and when a write
 * failed it is newer than the object, so the next run uses it and writes it again.
 */
export class RepeatOffenders {
  private known: RepeatOffenderState | undefined;
  private unsaved = false;

  constructor(private readonly deps: RepeatOffendersDeps) {}

  async begin(inPlace: readonly string[]): Promise<RepeatRun> {
    const { logger, metrics } = this.deps;
    if (this.unsaved && this.known) return { state: this.known, inPlace, keepAll: false, writable: true, repair: true };
    const read = await this.deps.object.read();
    if (read.status === 'read') {
      this.known = read.state;
      return { state: read.state, inPlace, keepAll: false, writable: true, repair: false };
    }
    metrics.add('RepeatOffenderStateReadFailures', 1);
    const fallback = this.known ? 'the state this container last knew' : 'k = 0 for every block (the reference rule)';
    if (read.status === 'lost') {
      logger.warn('repeat-offender state lost or corrupt: falling back, and writing it again', { reason: read.failure, fallback });
      return { state: this.known ?? {}, inPlace, keepAll: false, writable: true, repair: true };
    }
    logger.warn('repeat-offender state read failed: falling back, every hold it cannot see is kept', {
      reason: read.failure,
      fallback: this.known ? fallback : 'every rule in place is kept this run',
    });
    return { state: this.known ?? {}, inPlace, keepAll: !this.known, writable: false, repair: false };
  }

  /**
   * The networks a hold keeps, given the selection without holds (`base`); none when the run already
   * keeps every rule in place (`mayLift` false: incomplete data, no deny list).
   */
  holds(run: RepeatRun, message: AnomalyMessage, base: Selection, mayLift: boolean): readonly Hold[] {
    run.decision = undefined;
    if (!mayLift || run.keepAll) return [];
    run.decision = decideHolds({
      state: run.state,
      inPlace: run.inPlace,
      keptAnyway: new Set([...base.blocked, ...base.unblocked].map((r) => r.cidr)),
      windowStartMs: Date.parse(message.window.start),
      windowMinutes: message.window.minutes,
      nowMs: Date.parse(message.generatedAt),
      policy: this.deps.policy,
    });
    return run.decision.held;
  }

  /** Records the blocks the run started, forgets what can no longer count, and writes the state if it changed. */
  async finish(run: RepeatRun, placed: readonly BlockRule[], nowMs: number): Promise<RepeatOffenderLine[]> {
    const { logger, metrics, policy } = this.deps;
    const cidrs = placed.map((r) => r.cidr);
    const before = new Set(run.inPlace);
    const started = cidrs.filter((cidr) => !before.has(cidr));
    const next = pruneState(recordBlocks(run.decision?.state ?? run.state, started, nowMs, policy), cidrs, nowMs, policy);
    this.known = next;
    const held = (run.decision?.held ?? []).filter((h) => cidrs.includes(h.cidr));
    metrics.add('RepeatOffenderHolds', held.length);
    if (held.length > 0) logger.info('rules kept for repeat offenders', { holds: held.map(line) });
    const changed = run.repair || serializeRepeatOffenderState(next) !== serializeRepeatOffenderState(run.state);
    if (run.writable && changed) await this.write(next);
    return cidrs.map((cidr) => line({ cidr, k: next[cidr]?.k ?? 0, holdUntil: next[cidr]?.holdUntil }));
  }

  private async write(state: RepeatOffenderState): Promise<void> {
    try {
      await this.deps.object.write(state);
      this.unsaved = false;
    } catch (error) {
      // The blocks are in place; this container keeps the state and writes it again on its next run.
      this.unsaved = true;
      this.deps.metrics.add('RepeatOffenderStateWriteFailures', 1);
      this.deps.logger.error('repeat-offender state write failed: kept in this container, written again next run', {
        error: String(error),
      });
    }
  }
}

function line(hold: { cidr: string; k: number; holdUntil?: number | undefined }): RepeatOffenderLine {
  return {
    network: hold.cidr,
    k: hold.k,
    ...(hold.holdUntil === undefined ? {} : { holdUntil: new Date(hold.holdUntil).toISOString() }),
  };
}
