import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrText, networkOf, parseNetwork, type Network } from '../../core/addresses';
import { FLOW_LOG_FIELDS, insightsParseCommand } from '../../core/flow-log-format';
import { BIN_QUERY_COLUMNS, buildBinQuery, buildMinuteStatisticsQuery, INSIGHTS_RESULT_LIMIT } from '../../core/insights-query';

const VPC: Network[] = [parseNetwork('10.0.0.0/16') as Network, parseNetwork('2001:db8:1234:1a00::/56') as Network];

describe('buildBinQuery', () => {
  it('builds the per-minute bin query from the shared field list', () => {
    // Act
    const query = buildBinQuery({ listeners: [{ port: 443, protocol: 6 }], vpcNetworks: VPC });

    // Assess
    expect(query).toBe(
      [
        insightsParseCommand(),
        '| filter dstPort = 443 and protocol = 6 and action = "ACCEPT" and flowDirection = "ingress"',
        '| filter not isIpInSubnet(srcAddr, "10.0.0.0/16") and not isIpInSubnet(srcAddr, "2001:db8:1234:1a00::/56")',
        '| fields srcAddr, packets, toMillis(@ingestionTime) - toMillis(@timestamp) as lagMs',
        '| stats sum(packets) as binPackets, max(lagMs) as maxLagMs by srcAddr',
        '| sort binPackets desc',
        '| limit 10000',
      ].join('\n'),
    );
  });

  it('uses only field names the parse command defines', () => {
    const query = buildBinQuery({ listeners: [{ port: 53, protocol: 17 }], vpcNetworks: VPC });
    const parsed = new Set(FLOW_LOG_FIELDS.map((f) => f.queryName));
    const referenced = [...query.matchAll(/\b(srcAddr|dstPort|protocol|packets|action|flowDirection|logStatus|start|end)\b/g)].map(
      (m) => m[1],
    );
    for (const name of referenced) expect(parsed.has(name as never)).toBe(true);
    expect(BIN_QUERY_COLUMNS.sourceIp).toBe('srcAddr');
    expect(query).toContain(`limit ${INSIGHTS_RESULT_LIMIT}`);
  });

  it('rejects values that would make a wrong or broken query', () => {
    expect(() => buildBinQuery({ listeners: [{ port: 0, protocol: 6 }], vpcNetworks: VPC })).toThrow(/listener port/);
    expect(() => buildBinQuery({ listeners: [{ port: 70_000, protocol: 6 }], vpcNetworks: VPC })).toThrow(/listener port/);
    expect(() => buildBinQuery({ listeners: [{ port: 443, protocol: 1 as 6 }], vpcNetworks: VPC })).toThrow(/protocol/);
    expect(() => buildBinQuery({ listeners: [{ port: 443, protocol: 6 }], vpcNetworks: [] })).toThrow(/VPC CIDR/);
  });

  it('property: every VPC CIDR is excluded exactly once and the listener values appear verbatim', () => {
    const network = fc.oneof(
      fc.tuple(fc.ipV4(), fc.integer({ min: 8, max: 32 })).map(([a, p]) => networkOf(a, p)),
      fc.tuple(fc.ipV6(), fc.integer({ min: 16, max: 128 })).map(([a, p]) => networkOf(a, p)),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 65_535 }),
        fc.constantFrom(6 as const, 17 as const),
        fc.uniqueArray(network, { minLength: 1, maxLength: 6, selector: cidrText }),
        (port, protocol, networks) => {
          const query = buildBinQuery({ listeners: [{ port, protocol }], vpcNetworks: networks });
          const excluded = [...query.matchAll(/not isIpInSubnet\(srcAddr, "([^"]+)"\)/g)].map((m) => m[1]);
          expect(excluded).toEqual(networks.map(cidrText));
          expect(query).toContain(`dstPort = ${port} and protocol = ${protocol} and`);
          expect(query.split('\n')[0]).toBe(insightsParseCommand());
        },
      ),
    );
  });
});

describe('several listeners', () => {
  const LISTENERS = [
    { port: 443, protocol: 6 as const },
    { port: 53, protocol: 17 as const },
  ];

  it('one bin query covers every listener; its rows carry the listener', () => {
    expect(buildBinQuery({ listeners: LISTENERS, vpcNetworks: VPC })).toBe(
      [
        insightsParseCommand(),
        '| filter ((dstPort = 443 and protocol = 6) or (dstPort = 53 and protocol = 17)) and action = "ACCEPT" and flowDirection = "ingress"',
        '| filter not isIpInSubnet(srcAddr, "10.0.0.0/16") and not isIpInSubnet(srcAddr, "2001:db8:1234:1a00::/56")',
        '| fields srcAddr, dstPort, protocol, packets, toMillis(@ingestionTime) - toMillis(@timestamp) as lagMs',
        '| stats sum(packets) as binPackets, max(lagMs) as maxLagMs by srcAddr, dstPort, protocol',
        '| sort binPackets desc',
        '| limit 10000',
      ].join('\n'),
    );
  });

  it('the statistics query gives one row per listener', () => {
    expect(buildMinuteStatisticsQuery({ listeners: LISTENERS, vpcNetworks: VPC }).split('\n').slice(-2)).toEqual([
      '| stats sum(packets) as binPackets by srcAddr, dstPort, protocol',
      '| stats count(*) as binCount, sum(binPackets) as packetSum, sum(binPackets * binPackets) as packetSquareSum by dstPort, protocol',
    ]);
  });

  it('rejects a listener twice and more listeners than a deployment may watch', () => {
    expect(() => buildBinQuery({ listeners: [LISTENERS[0]!, { port: 443, protocol: 6 }], vpcNetworks: VPC })).toThrow(/distinct/);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ port: i + 1, protocol: 6 as const }));
    expect(() => buildBinQuery({ listeners: eleven, vpcNetworks: VPC })).toThrow(/1-10 listeners/);
    expect(() => buildBinQuery({ listeners: [], vpcNetworks: VPC })).toThrow(/1-10 listeners/);
  });
});
