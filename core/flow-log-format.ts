/**
 * The flow-log fields this product reads: the single source of truth for the FlowLog
 * `LogFormat` (stack), the Logs Insights `parse` of `@message` and the field names the
 * detection query uses (summarizer), the metric filters (stack) and the replay's header check.
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
