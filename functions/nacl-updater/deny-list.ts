import { cidrText, type Network } from '../../core/addresses';
import { activeDenyList, type DenyEntry, type DenyList } from '../../core/deny-list';
import type { TelemetryLogger, TelemetryMetrics } from '../common/telemetry';
import type { ListObjectSource } from './allow-list-source';

export interface DenyListDeps {
  readonly source: Pick<ListObjectSource<DenyList>, 'read'>;
  readonly logger: TelemetryLogger;
  readonly metrics: TelemetryMetrics;
  /** Wall clock, ms: expiries are evaluated against it on every run. */
  readonly now: () => number;
}

/**
 * The operator's deny list as one run sees it: read as robustly as the allow list (last good copy,
 * size cap, UTF-8), each problem logged and counted. Entries that expired, or that overlap an
 * allow-listed or VPC network (the allow list wins), are left out; both are logged when they
 * change, so an edit shows once in the log rather than twice a minute.
 */
export class DenyListReader {
  private loggedConflicts = '';
  private loggedExpired = '';
  /** The comments of the entries the last read applied, by CIDR: a block notification gives them as the reason. */
  comments: ReadonlyMap<string, string> = new Map();

  constructor(private readonly deps: DenyListDeps) {}

  /** The networks to block now; undefined when no list was ever read (the run must then lift nothing). */
  async networks(protectedNetworks: readonly Network[]): Promise<readonly Network[] | undefined> {
    const { logger, metrics } = this.deps;
    const read = await this.deps.source.read();
    if (read.status === 'fresh') for (const line of read.list.invalidLines) logger.warn('deny-list line skipped', { ...line });
    if (read.status !== 'unavailable') metrics.add('DenyListInvalidLines', read.list.invalidLines.length);
    if (read.status === 'stale' || read.status === 'unavailable') {
      metrics.add('DenyListReadFailures', 1);
      if (read.status === 'unavailable') {
        logger.error('deny list unavailable and none read before: keeping every block in place this run', { reason: read.failure });
        return undefined;
      }
      logger.warn('deny list read failed: using the last list read successfully', { reason: read.failure });
    }
    const active = activeDenyList(read.list, this.deps.now(), protectedNetworks);
    this.comments = new Map(read.list.entries.map((e) => [cidrText(e.network), e.comment]));
    metrics.add('DenyListEntriesNotApplied', active.conflicting.length);
    this.logChanges(active.conflicting, active.expired);
    return active.networks;
  }

  private logChanges(conflicting: readonly DenyEntry[], expired: readonly DenyEntry[]): void {
    const describe = (entries: readonly DenyEntry[]) =>
      entries.map((e) => ({ network: cidrText(e.network), line: e.line, comment: e.comment }));
    const conflicts = JSON.stringify(describe(conflicting));
    if (conflicts !== this.loggedConflicts && conflicting.length > 0) {
      this.deps.logger.warn('deny-list entries not applied: they overlap allow-listed or VPC networks (the allow list wins)', {
        entries: describe(conflicting),
      });
    }
    this.loggedConflicts = conflicts;
    const lapsed = JSON.stringify(describe(expired));
    if (lapsed !== this.loggedExpired && expired.length > 0) {
      this.deps.logger.info('deny-list entries past their expiry: ignored', { entries: describe(expired) });
    }
    this.loggedExpired = lapsed;
  }
}
