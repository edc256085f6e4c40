/** The log groups of the stand-in and their events, kept sorted by time for the queries' range scans. */

/** One log event as CloudWatch Logs stores it. */
export interface LogEvent {
  readonly message: string;
  /** Event time, epoch ms (for flow logs: the record's start). */
  readonly timestamp: number;
  /** When CloudWatch Logs received it, epoch ms: the event is invisible to queries before. */
  readonly ingestionTime: number;
}

export class LogGroups {
  private readonly groups = new Map<string, LogEvent[]>();
  /** Groups whose events are in timestamp order. */
  private readonly sorted = new Set<string>();

  create(name: string): void {
    if (!this.groups.has(name)) this.groups.set(name, []);
  }

  has(name: string): boolean {
    return this.groups.has(name);
  }

  /** Adds events to a group; they become visible at their ingestionTime. */
  deliver(logGroupName: string, events: readonly LogEvent[]): void {
    const group = this.groups.get(logGroupName);
    if (!group) throw new Error(`log group ${logGroupName} does not exist`);
    // Deliveries in time order (the usual case) keep the group sorted without re-sorting.
    let inOrder = this.sorted.has(logGroupName);
    for (const event of events) {
      if (group.length > 0 && event.timestamp < (group[group.length - 1] as LogEvent).timestamp) inOrder = false;
      group.push(event);
    }
    if (!inOrder) this.sorted.delete(logGroupName);
  }

  /** Events of `names` with a timestamp in [startMs, endMs], ingested by `now`. */
  visible(names: readonly string[], startMs: number, endMs: number, now: number): LogEvent[] {
    const out: LogEvent[] = [];
    for (const name of names) {
      const events = this.sortedEvents(name);
      for (let i = lowerBound(events, startMs); i < events.length; i++) {
        const event = events[i] as LogEvent;
        if (event.timestamp > endMs) break;
        if (event.ingestionTime <= now) out.push(event);
      }
    }
    return out;
  }

  private sortedEvents(name: string): LogEvent[] {
    const events = this.groups.get(name) as LogEvent[];
    if (!this.sorted.has(name)) {
      events.sort((a, b) => a.timestamp - b.timestamp);
      this.sorted.add(name);
    }
    return events;
  }
}

function lowerBound(events: readonly LogEvent[], timestamp: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as LogEvent).timestamp < timestamp) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
