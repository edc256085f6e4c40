import { FLOW_LOG_FIELDS, type FlowLogFieldName } from '../core/flow-log-format';
import type { FlowRecord } from '../tools/replay/flow-log-parser';
import type { LogEvent } from './logs-insights';

/**
 * A flow record as the stack's flow log delivers it to CloudWatch Logs: the message in the
 * product's LogFormat (core/flow-log-format.ts), the event timestamp at the record's start, and
 * ingestion once the aggregation interval has ended plus a delivery lag.
 */
export function flowLogEvent(record: FlowRecord, deliveryLagMs = 0): LogEvent {
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
  return {
    message: FLOW_LOG_FIELDS.map((field) => values[field.awsName]).join(' '),
    timestamp: record.start * 1000,
    ingestionTime: record.end * 1000 + deliveryLagMs,
  };
}
