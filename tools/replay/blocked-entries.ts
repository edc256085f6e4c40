/** The replay's record of each network that had a deny rule: when, how anomalous, on which listeners. */
import type { AnomalyMessage } from '../../core/anomaly-message';

export interface BlockedState {
  firstBlocked: string;
  lastBlocked: string;
  maxZScore: number;
  maxPackets: number;
  /** The listeners its sources were anomalous on, in text order. */
  listeners: string[];
  denyListed?: true;
  /** Repeat offenders on: the rule's k and hold-until, as the updater last logged them. */
  k?: number;
  holdUntil?: string;
}

/** The listeners the anomalies name, each once, in text order. */
export function listenersOf(anomalies: AnomalyMessage['anomalies']): string[] {
  return [...new Set(anomalies.flatMap((a) => (a.listener === undefined ? [] : [a.listener])))].sort();
}

/** Records a run that held a rule for `cidr` over these anomalies; returns their largest Z-score and bin. */
export function noteBlocked(blocked: Map<string, BlockedState>, cidr: string, at: string, anomalies: AnomalyMessage['anomalies']) {
  const z = Math.max(0, ...anomalies.map((a) => a.maxZScore));
  const packets = Math.max(0, ...anomalies.map((a) => a.maxPackets));
  const entry = blocked.get(cidr);
  if (entry === undefined)
    blocked.set(cidr, { firstBlocked: at, lastBlocked: at, maxZScore: z, maxPackets: packets, listeners: listenersOf(anomalies) });
  else
    Object.assign(entry, {
      lastBlocked: at,
      maxZScore: Math.max(entry.maxZScore, z),
      maxPackets: Math.max(entry.maxPackets, packets),
      listeners: [...new Set([...entry.listeners, ...listenersOf(anomalies)])].sort(),
    });
  return { z, packets };
}
