import type { AuditLine } from '../core/audit-line';

/**
 * The audit log the NACL updater writes: one JSON line per blocked source, whose @timestamp is
 * the block time; `mode` is `report` for a source report mode would have blocked (none was). Logs Insights discovers the fields of JSON events by itself.
 */
export const AUDIT_FIELDS = {
  ip: 'ip',
  network: 'network',
  zScore: 'z_score',
  packets: 'packets',
  mode: 'mode',
} as const satisfies Record<string, keyof AuditLine>;

/**
 * Logs Insights query of the Blocked IPs table: per hour and source, the highest Z-score, the
 * largest packet bin, the deny rule's network, when the source was last blocked, and the mode.
 */
export function blockedIpsQueryLines(): string[] {
  const f = AUDIT_FIELDS;
  return [
    `fields @timestamp, ${f.ip}, ${f.network}, ${f.zScore}, ${f.packets}, ${f.mode}`,
    // Other lines in the group (if any) must not appear as an empty source.
    `filter ispresent(${f.ip})`,
    `stats max(${f.zScore}) as maxZScore, max(${f.packets}) as maxPacketsPerMinute, ` +
      `latest(${f.network}) as denyRuleNetwork, latest(@timestamp) as lastBlocked, latest(${f.mode}) as mode by bin(1h), ${f.ip}`,
    'sort lastBlocked desc',
    'limit 1000',
  ];
}
