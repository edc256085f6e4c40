/**
 * The flow-log fields this product reads: the single source of truth for the FlowLog
 * `LogFormat` (stack), the Logs Insights `parse` of `@message` and the field names the
 * detection query uses (summarizer), the metric filters (stack), the replay's header check and
 * the records the simulation and the scenarios deliver.
 *
 * Only what detection needs is logged: a smaller format is cheaper to ingest and to scan.
 */
export interface FlowLogField {
  /** Field name as AWS spells it in a flow-log format string (`${name}`) and in file headers. */
  readonly awsName: string;
  /** Name the Insights query gives the parsed value. */
  readonly queryName: string;
  /** Minimum flow-log version that defines the field. */
  readonly sinceVersion: 2 | 3 | 4 | 5;
}

export const FLOW_LOG_FIELDS = [
  { awsName: 'srcaddr', queryName: 'srcAddr', sinceVersion: 2 },
  { awsName: 'dstport', queryName: 'dstPort', sinceVersion: 2 },
  { awsName: 'protocol', queryName: 'protocol', sinceVersion: 2 },
  { awsName: 'packets', queryName: 'packets', sinceVersion: 2 },
  { awsName: 'start', queryName: 'start', sinceVersion: 2 },
  { awsName: 'end', queryName: 'end', sinceVersion: 2 },
  { awsName: 'action', queryName: 'action', sinceVersion: 2 },
  { awsName: 'log-status', queryName: 'logStatus', sinceVersion: 2 },
  { awsName: 'flow-direction', queryName: 'flowDirection', sinceVersion: 5 },
] as const satisfies readonly FlowLogField[];

/** One flow record reduced to what detection reads: what replays parse, scenarios generate and the simulation delivers. */
export interface FlowRecord {
  /** Canonical source address. */
  readonly srcAddr: string;
  readonly dstPort: number;
  readonly protocol: number;
  readonly packets: number;
  /** Unix seconds. */
  readonly start: number;
  readonly end: number;
  readonly action: 'ACCEPT' | 'REJECT';
  readonly flowDirection: 'ingress' | 'egress';
}

export type FlowLogFieldName = (typeof FLOW_LOG_FIELDS)[number]['awsName'];
export type FlowLogQueryName = (typeof FLOW_LOG_FIELDS)[number]['queryName'];

/** The `LogFormat` of the stack's flow logs, e.g. `${srcaddr} ${dstport} ...`. */
export function flowLogFormat(): string {
  return FLOW_LOG_FIELDS.map((f) => '${' + f.awsName + '}').join(' ');
}

/** Query name of a field, looked up by its AWS name so callers cannot misspell it silently. */
export function queryField(awsName: FlowLogFieldName): FlowLogQueryName {
  const field = FLOW_LOG_FIELDS.find((f) => f.awsName === awsName);
  if (!field) throw new Error(`unknown flow-log field ${awsName}`);
  return field.queryName;
}

/**
 * The Insights `parse` command that splits a record of this format into named fields.
 * Custom formats are not auto-discovered by Logs Insights, so every query must parse explicitly.
 */
export function insightsParseCommand(): string {
  const globs = FLOW_LOG_FIELDS.map(() => '*').join(' ');
  const names = FLOW_LOG_FIELDS.map((f) => f.queryName).join(', ');
  return `parse @message "${globs}" as ${names}`;
}

/**
 * A record as the stack's flow log writes it: the fields of `flowLogFormat()` in order, separated by
 * spaces. Records exist only for data the interface logged, so the log status is always `OK`.
 */
export function flowLogMessage(record: FlowRecord): string {
  const values: Record<FlowLogFieldName, string> = {
    srcaddr: record.srcAddr,
    dstport: String(record.dstPort),
    protocol: String(record.protocol),
    packets: String(record.packets),
    start: String(record.start),
    end: String(record.end),
    action: record.action,
    'log-status': 'OK',
    'flow-direction': record.flowDirection,
  };
  return FLOW_LOG_FIELDS.map((field) => values[field.awsName]).join(' ');
}
