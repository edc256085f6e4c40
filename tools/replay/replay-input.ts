/** The replay's input: the records to the listeners, sorted, and the traffic the dashboard's traffic widgets would show. */
import type { FlowRecord } from '../../core/flow-log-format';
import type { ReplaySettings } from './engine';
import type { RecordColumns } from './record-columns';

const MINUTE_MS = 60_000;

export interface MinuteTraffic {
  accepted: number;
  rejected: number;
  denied: number;
  sources: Set<string>;
}

/** Records sorted by start, and the per-minute traffic the dashboard's traffic widgets would show. */
export class ReplayInput {
  readonly records: FlowRecord[] = [];
  readonly minutes = new Map<number, MinuteTraffic>();
  /** Sources whose traffic the simulated deny rules dropped since the last run. */
  readonly deniedSources = new Set<string>();
  deniedPackets = 0;

  /** The listeners as numbers protocol x 65536 + port: one Set lookup per record. */
  private readonly listenerKeys: ReadonlySet<number>;

  constructor(settings: Pick<ReplaySettings, 'listeners'>) {
    this.listenerKeys = new Set(settings.listeners.map(({ port, protocol }) => protocol * 65_536 + port));
  }

  /** Keeps traffic to the listeners: nothing else can reach a bin, and a day of logs must fit in memory. */
  add(batch: readonly FlowRecord[]): void {
    for (const record of batch) {
      if (this.listenerKeys.has(record.protocol * 65_536 + record.dstPort)) this.records.push(record);
    }
  }

  /** As add, from the reader's columns: only the records kept become objects. */
  addColumns(columns: RecordColumns): void {
    const keys = this.listenerKeys;
    for (let i = 0; i < columns.length; i++) {
      if (keys.has(columns.protocol[i]! * 65_536 + columns.dstPort[i]!)) this.records.push(columns.record(i));
    }
  }

  sort(): void {
    this.records.sort((a, b) => a.start - b.start || a.end - b.end);
  }

  trafficMinute(startSeconds: number): MinuteTraffic {
    const minute = Math.floor(startSeconds / 60) * MINUTE_MS;
    let traffic = this.minutes.get(minute);
    if (!traffic) {
      traffic = { accepted: 0, rejected: 0, denied: 0, sources: new Set() };
      this.minutes.set(minute, traffic);
    }
    return traffic;
  }
}
