import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/nacl-updater/config';
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

    // Assess
    const denies = world.ec2.entriesOf(world.activeAclId()).filter((e) => !e.Egress && e.RuleAction === 'deny' && e.RuleNumber !== 32767);
    expect(denies.length).toBeGreaterThan(0);
    expect(denies.length).toBeLessThanOrEqual(18);
    expect(denies.every((e) => Number(e.CidrBlock?.split('/')[1]) >= 24 && e.CidrBlock?.startsWith('198.51.100.'))).toBe(true);
    expect(world.metrics.flushes.at(-1)).toMatchObject({ BlockedSourceIPs: 40, UnblockedSourceIPs: 0 });
  });
});
