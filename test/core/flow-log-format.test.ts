import { describe, expect, it } from 'vitest';
import {
  FLOW_LOG_FIELDS,
  flowLogFormat,
  flowLogMessage,
  insightsParseCommand,
  queryField,
  type FlowRecord,
} from '../../core/flow-log-format';

describe('flow-log field list', () => {
  it('gives the LogFormat and the Insights parse the same fields in the same order', () => {
    // Prepare
    const formatNames = [...flowLogFormat().matchAll(/\$\{([a-z-]+)\}/g)].map((m) => m[1]);
    const parse = insightsParseCommand();
    const [globs, names] = parse.replace(/^parse @message /, '').split(' as ');

    // Assess
    expect(formatNames).toEqual(FLOW_LOG_FIELDS.map((f) => f.awsName));
    expect(globs).toBe(`"${formatNames.map(() => '*').join(' ')}"`);
    expect(names.split(', ')).toEqual(FLOW_LOG_FIELDS.map((f) => f.queryName));
  });

  it('includes the version 5 flow-direction field', () => {
    expect(flowLogFormat()).toContain('${flow-direction}');
    expect(queryField('flow-direction')).toBe('flowDirection');
  });
});

describe('flow-log message of a record', () => {
  it('writes every field of the LogFormat in its order, with log status OK', () => {
    // Prepare
    const record: FlowRecord = {
      srcAddr: '2001:db8::7',
      dstPort: 443,
      protocol: 6,
      packets: 1200,
      start: 1_700_000_040,
      end: 1_700_000_095,
      action: 'REJECT',
      flowDirection: 'egress',
    };

    // Act
    const tokens = flowLogMessage(record).split(' ');

    // Assess
    const byField = Object.fromEntries(FLOW_LOG_FIELDS.map((f, i) => [f.awsName, tokens[i]]));
    expect(tokens).toHaveLength(FLOW_LOG_FIELDS.length);
    expect(byField).toEqual({
      srcaddr: '2001:db8::7',
      dstport: '443',
      protocol: '6',
      packets: '1200',
      start: '1700000040',
      end: '1700000095',
      action: 'REJECT',
      'log-status': 'OK',
      'flow-direction': 'egress',
    });
  });
});
