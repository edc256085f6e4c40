import { InvalidParameterException, LimitExceededException, MalformedQueryException } from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from 'vitest';
import { buildBinQuery } from '../../../core/insights-query';
import { flowLogEvent } from '../../../simulation/flow-log-events';
import { LogsInsightsStandIn } from '../../../simulation/logs-insights/stand-in';
import type { FlowRecord } from '../../../core/flow-log-format';
import { flowRecord, net } from '../../support/builders';

const GROUP = '/flood-guard/flow-logs';
const MINUTE = 1_768_467_600; // 2026-01-15T09:00:00Z
const VPC = ['10.0.0.0/16', '2600:1f18:4a3:6900::/56'].map(net);
const QUERY = buildBinQuery({ listeners: [{ port: 443, protocol: 6 }], vpcNetworks: VPC });

const record = (overrides: Partial<FlowRecord>): FlowRecord => flowRecord(MINUTE, overrides);

function standIn(now: { ms: number }) {
  const insights = new LogsInsightsStandIn({ now: () => now.ms });
  insights.createLogGroup(GROUP);
  return insights;
}

async function runToEnd(insights: LogsInsightsStandIn, queryId: string) {
  for (;;) {
    const result = await insights.getQueryResults({ queryId });
    if (result.status !== 'Running' && result.status !== 'Scheduled') return result;
  }
}

describe('Logs Insights stand-in running the summarizer query text', () => {
  it('bins ingress ACCEPT packets to the listener from outside the VPC, per source, largest first', async () => {
    // Prepare
    const now = { ms: (MINUTE + 120) * 1000 };
    const insights = standIn(now);
    const inRange = [
      record({ srcAddr: '198.51.100.1', packets: 100 }),
      record({ srcAddr: '198.51.100.1', packets: 50, start: MINUTE + 59, end: MINUTE + 100 }),
      record({ srcAddr: '198.51.100.2', packets: 700 }),
      record({ srcAddr: '2001:db8::7', packets: 300 }),
      record({ srcAddr: '198.51.100.3', action: 'REJECT' }),
      record({ srcAddr: '198.51.100.4', dstPort: 22 }),
      record({ srcAddr: '198.51.100.5', protocol: 17 }),
      record({ srcAddr: '198.51.100.6', flowDirection: 'egress' }),
      record({ srcAddr: '10.0.3.3' }),
      record({ srcAddr: '2600:1f18:4a3:6901::5' }),
    ].map((r) => flowLogEvent(r, 3_000));
    const outOfRange = [
      record({ srcAddr: '198.51.100.8', start: MINUTE + 60 }), // next minute
      record({ srcAddr: '198.51.100.9', end: MINUTE + 200 }), // not ingested yet
    ].map((r) => flowLogEvent(r, 3_000));
    insights.deliver(GROUP, [...inRange, ...outOfRange]);

    // Act
    const { queryId } = await insights.startQuery({ logGroupName: GROUP, startTime: MINUTE, endTime: MINUTE + 59, queryString: QUERY });
    const first = await insights.getQueryResults({ queryId });
    const result = await runToEnd(insights, queryId as string);

    // Assess
    expect(first.status).toBe('Running');
    expect(result.status).toBe('Complete');
    expect(result.results).toEqual([
      [
        { field: 'srcAddr', value: '198.51.100.2' },
        { field: 'binPackets', value: '700' },
        { field: 'maxLagMs', value: '48000' },
      ],
      [
        { field: 'srcAddr', value: '2001:db8::7' },
        { field: 'binPackets', value: '300' },
        { field: 'maxLagMs', value: '48000' },
      ],
      [
        { field: 'srcAddr', value: '198.51.100.1' },
        { field: 'binPackets', value: '150' },
        { field: 'maxLagMs', value: '48000' },
      ],
    ]);
    expect(result.statistics?.recordsScanned).toBe(10);
    expect(result.statistics?.bytesScanned).toBe(inRange.reduce((bytes, e) => bytes + e.message.length, 0));
  });

  it('caps results at 10,000 rows, keeping the largest bins', async () => {
    // Prepare
    const now = { ms: (MINUTE + 120) * 1000 };
    const insights = standIn(now);
    insights.deliver(
      GROUP,
      Array.from({ length: 10_050 }, (_, i) =>
        flowLogEvent(record({ srcAddr: `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, packets: i + 1 })),
      ),
    );

    // Act
    const { queryId } = await insights.startQuery({ logGroupName: GROUP, startTime: MINUTE, endTime: MINUTE + 59, queryString: QUERY });
    const result = await runToEnd(insights, queryId as string);

    // Assess
    expect(result.results).toHaveLength(10_000);
    expect(result.results?.[0]?.[1]).toEqual({ field: 'binPackets', value: '10050' });
    expect(result.results?.at(-1)?.[1]).toEqual({ field: 'binPackets', value: '51' });
    expect(result.statistics?.recordsMatched).toBe(10_050);
  });

  it('enforces the quota of 30 concurrent queries and frees it when queries end', async () => {
    // Prepare
    const insights = standIn({ ms: MINUTE * 1000 });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++)
      ids.push(
        (await insights.startQuery({ logGroupName: GROUP, startTime: MINUTE, endTime: MINUTE + 59, queryString: QUERY })).queryId as string,
      );

    // Act
    const refused = insights.startQuery({ logGroupName: GROUP, startTime: MINUTE, endTime: MINUTE + 59, queryString: QUERY });
    await insights.stopQuery({ queryId: ids[0] });
    const accepted = await insights.startQuery({ logGroupName: GROUP, startTime: MINUTE, endTime: MINUTE + 59, queryString: QUERY });

    // Assess: refused at 30, accepted again once one ended, and it runs to completion
    await expect(refused).rejects.toBeInstanceOf(LimitExceededException);
    expect(insights.runningQueries()).toBe(30);
    expect((await runToEnd(insights, accepted.queryId as string)).status).toBe('Complete');
  });

  it('cancels a running query with StopQuery and refuses to stop one that ended', async () => {
    // Prepare
    const insights = standIn({ ms: MINUTE * 1000 });
    const { queryId: running } = await insights.startQuery({
      logGroupName: GROUP,
      startTime: MINUTE,
      endTime: MINUTE + 59,
      queryString: QUERY,
    });
    const { queryId: ended } = await insights.startQuery({
      logGroupName: GROUP,
      startTime: MINUTE,
      endTime: MINUTE + 59,
      queryString: QUERY,
    });
    await runToEnd(insights, ended as string);

    // Act
    const stopped = await insights.stopQuery({ queryId: running });
    const afterStop = await insights.getQueryResults({ queryId: running });
    const stopEnded = insights.stopQuery({ queryId: ended });

    // Assess
    expect(stopped.success).toBe(true);
    expect(afterStop).toMatchObject({ status: 'Cancelled', results: [] });
    await expect(stopEnded).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('ends queries Failed or Timeout on demand, with no results', async () => {
    // Prepare
    const insights = standIn({ ms: MINUTE * 1000 });
    insights.endNextQueriesWith('Failed', 'Timeout');
    const start = () => insights.startQuery({ logGroupName: GROUP, startTime: MINUTE, endTime: MINUTE + 59, queryString: QUERY });

    // Act
    const failed = await runToEnd(insights, (await start()).queryId as string);
    const timedOut = await runToEnd(insights, (await start()).queryId as string);
    const complete = await runToEnd(insights, (await start()).queryId as string);

    // Assess
    expect([failed.status, timedOut.status, complete.status]).toEqual(['Failed', 'Timeout', 'Complete']);
    expect(failed.results).toEqual([]);
  });

  it('rejects queries it does not understand and bad parameters, as the service would', async () => {
    // Prepare
    const insights = standIn({ ms: MINUTE * 1000 });
    const start = (queryString: string, extra: object = {}) =>
      insights.startQuery({ logGroupName: GROUP, startTime: MINUTE, endTime: MINUTE + 59, queryString, ...extra });

    // Act / Assess
    await expect(start(`${QUERY}\n| dedup srcAddr`)).rejects.toBeInstanceOf(MalformedQueryException);
    await expect(start(QUERY.replace('= 443', '> 443'))).rejects.toThrow(/filter condition "dstPort > 443"/);
    await expect(start(QUERY.replace('limit 10000', 'limit 10001'))).rejects.toBeInstanceOf(MalformedQueryException);
    await expect(start(QUERY, { endTime: MINUTE - 1 })).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(insights.startQuery({ logGroupName: '/nope', startTime: MINUTE, endTime: MINUTE, queryString: QUERY })).rejects.toThrow(
      /does not exist/,
    );
  });
});
