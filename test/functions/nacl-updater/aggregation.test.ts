import { describe, expect, it } from 'vitest';
import { loadConfig, type UpdaterConfig } from '../../../functions/nacl-updater/config';
import { flooders, message, World } from './fixture';

const ENV = {
  VPC_ID: 'vpc-0123456789abcdef0',
  VPC_CIDRS: '10.0.0.0/16',
  SUBNET_IDS: 'subnet-0123456789abcdef0',
  ORIGINAL_NACL_ID: 'acl-0123456789abcdef0',
  BLUE_NACL_ID: 'acl-0123456789abcdef1',
  GREEN_NACL_ID: 'acl-0123456789abcdef2',
  ALLOW_LIST_BUCKET: 'flood-guard-allow-list',
  AUDIT_LOG_GROUP_NAME: '/nacl-flood-guard/audit',
};

describe('adaptive aggregation in the NACL updater', () => {
  it('is off unless NACL_MAX_AGGREGATE_PREFIX(_IPV6) is set; one set, the other defaults to /16 or /48', () => {
    expect(loadConfig(ENV).aggregation).toBeUndefined();
    expect(loadConfig({ ...ENV, NACL_MAX_AGGREGATE_PREFIX: '20' }).aggregation).toEqual({ ipv4: 20, ipv6: 48 });
    expect(loadConfig({ ...ENV, NACL_MAX_AGGREGATE_PREFIX_IPV6: '56' }).aggregation).toEqual({ ipv4: 16, ipv6: 56 });
    expect(() => loadConfig({ ...ENV, NACL_MAX_AGGREGATE_PREFIX: '33' })).toThrow(/NACL_MAX_AGGREGATE_PREFIX \("33"\)/);
  });

  it('on: 40 flooders in one /24 with room for 18 deny rules are all blocked, by merged prefixes', async () => {
    // Prepare
    const world = new World();
    (world as { config: UpdaterConfig }).config = { ...world.config, aggregation: { ipv4: 16, ipv6: 48 } };
    world.coldStart();

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
