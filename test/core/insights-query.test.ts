import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrText, networkOf, parseNetwork, type Network } from '../../core/addresses';
import { FLOW_LOG_FIELDS, insightsParseCommand } from '../../core/flow-log-format';
import { BIN_QUERY_COLUMNS, buildBinQuery, INSIGHTS_RESULT_LIMIT } from '../../core/insights-query';

const VPC: Network[] = [parseNetwork('10.0.0.0/16') as Network, parseNetwork('2001:db8:1234:1a00::/56') as Network];

describe('buildBinQuery', () => {
  it('builds the per-minute bin query from the shared field list', () => {
    // Act
    const query = buildBinQuery({ listenerPort: 443, listenerProtocol: 6, vpcNetworks: VPC });

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
    const query = buildBinQuery({ listenerPort: 53, listenerProtocol: 17, vpcNetworks: VPC });
    const parsed = new Set(FLOW_LOG_FIELDS.map((f) => f.queryName));
    const referenced = [...query.matchAll(/\b(srcAddr|dstPort|protocol|packets|action|flowDirection|logStatus|start|end)\b/g)].map(
      (m) => m[1],
    );
    for (const name of referenced) expect(parsed.has(name as never)).toBe(true);
    expect(BIN_QUERY_COLUMNS.sourceIp).toBe('srcAddr');
    expect(query).toContain(`limit ${INSIGHTS_RESULT_LIMIT}`);
  });

  it('rejects values that would make a wrong or broken query', () => {
    expect(() => buildBinQuery({ listenerPort: 0, listenerProtocol: 6, vpcNetworks: VPC })).toThrow(/listener port/);
    expect(() => buildBinQuery({ listenerPort: 70_000, listenerProtocol: 6, vpcNetworks: VPC })).toThrow(/listener port/);
    expect(() => buildBinQuery({ listenerPort: 443, listenerProtocol: 1 as 6, vpcNetworks: VPC })).toThrow(/protocol/);
    expect(() => buildBinQuery({ listenerPort: 443, listenerProtocol: 6, vpcNetworks: [] })).toThrow(/VPC CIDR/);
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
          const query = buildBinQuery({ listenerPort: port, listenerProtocol: protocol, vpcNetworks: networks });
          const excluded = [...query.matchAll(/not isIpInSubnet\(srcAddr, "([^"]+)"\)/g)].map((m) => m[1]);
          expect(excluded).toEqual(networks.map(cidrText));
          expect(query).toContain(`dstPort = ${port} and protocol = ${protocol} and`);
          expect(query.split('\n')[0]).toBe(insightsParseCommand());
        },
      ),
    );
  });
});
