import { flowLogMessage, type FlowRecord } from '../core/flow-log-format';
import type { LogEvent } from './logs-insights/log-groups';

/**
 * A flow record as the stack's flow log delivers it to CloudWatch Logs: the message in the
 * product's LogFormat (core/flow-log-format.ts), the event timestamp at the record's start, and
 * ingestion once the aggregation interval has ended plus a delivery lag.
 */
export function flowLogEvent(record: FlowRecord, deliveryLagMs = 0): LogEvent {
  return {
    message: flowLogMessage(record),
    timestamp: record.start * 1000,
    ingestionTime: record.end * 1000 + deliveryLagMs,
  };
}
