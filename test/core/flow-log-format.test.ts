import { describe, expect, it } from 'vitest';
import { FLOW_LOG_FIELDS, flowLogFormat, insightsParseCommand, queryField } from '../../core/flow-log-format';

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
