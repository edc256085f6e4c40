/**
 * One line of the audit log per blocked source (or, in report mode, per source block mode would block): the NACL updater writes it as JSON, the
 * dashboard's Blocked IPs table queries its fields by name. The one definition both sides use.
 */
export interface AuditLine {
  readonly ip: string;
  readonly network: string;
  readonly z_score: number;
  readonly packets: number;
  /** `report`: the source was not blocked, report mode would have blocked it (docs/report-mode.md). */
  readonly mode: 'block' | 'report';
}
