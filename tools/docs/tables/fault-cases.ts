import { FAULT_CASES } from '../../faults/cases';
import type { Evidence } from '../../faults/evidence';
import type { Table } from '../markdown';

/** Every case of the fault campaign (tools/faults/cases/): how it is handled and how it shows. */
export function faultCasesTable(): Table {
  return {
    header: ['Fault', 'How it is handled', 'Visible as (log; metric)'],
    rows: FAULT_CASES.map((fault) => [fault.name, fault.handling, `${logText(fault.evidence)}; ${metricText(fault.evidence)}`]),
  };
}

function logText(evidence: Evidence): string {
  return evidence.log === 'invocation error' ? 'Lambda error log' : evidence.log.describe;
}

function metricText(evidence: Evidence): string {
  if (evidence.metric === 'Lambda Errors') return 'Lambda `Errors`';
  return evidence.metric.positive ? `\`${evidence.metric.name}\`` : `\`${evidence.metric.name}\` = 0`;
}
