import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/nacl-updater/contract';
import { anomalyMessage as message, flooders, updaterEnv } from '../../support/builders';
import { UpdaterWorld } from '../../support/updater-world';

describe('adaptive aggregation in the NACL updater', () => {
  it('is off unless NACL_MAX_AGGREGATE_PREFIX(_IPV6) is set; one set, the other defaults to /16 or /48', () => {
    expect(loadConfig(updaterEnv()).aggregation).toBeUndefined();
    expect(loadConfig({ ...updaterEnv(), NACL_MAX_AGGREGATE_PREFIX: '20' }).aggregation).toEqual({ ipv4: 20, ipv6: 48 });
    expect(loadConfig({ ...updaterEnv(), NACL_MAX_AGGREGATE_PREFIX_IPV6: '56' }).aggregation).toEqual({ ipv4: 16, ipv6: 56 });
    expect(() => loadConfig({ ...updaterEnv(), NACL_MAX_AGGREGATE_PREFIX: '33' })).toThrow(/NACL_MAX_AGGREGATE_PREFIX \("33"\)/);
  });

  it('on: 40 flooders in one /24 with room for 18 deny rules are all blocked, by merged prefixes', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ maxAggregatePrefix: 16 });

    // Act
    await world.deliver(message(world.vpcId, flooders(40)));

    // Assess: 198.51.100.1-40 in 18 prefixes, none wider than needed
    expect(world.deniedCidrs()).toEqual(
      [
        '198.51.100.1/32',
        '198.51.100.2/31',
        '198.51.100.4/30',
        '198.51.100.8/30',
        '198.51.100.12/30',
        ...[16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38].map((n) => `198.51.100.${n}/31`),
        '198.51.100.40/32',
      ].sort(),
    );
    expect(world.telemetry.lastMetricValues()).toMatchObject({ BlockedSourceIPs: 40, UnblockedSourceIPs: 0, BlockedSourceNetworks: 18 });
  });
});
