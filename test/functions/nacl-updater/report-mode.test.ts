import { describe, expect, it } from 'vitest';
import { WATERMARK_TAG } from '../../../functions/nacl-updater/contract';
import { anomalyMessage as message, flooders } from '../../support/builders';
import { logLines } from '../../support/output';
import { UpdaterWorld } from '../../support/updater-world';

const hosts = (count: number) =>
  flooders(count)
    .map((s) => `${s.sourceIp}/32`)
    .sort();

describe('NACL updater in report mode', () => {
  it('changes no ACL entry, association or tag, and reports the 18 it would block and the 2 without room', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ mode: 'report', ruleLimit: 20 });
    const before = world.ec2.snapshot();

    // Act
    await world.deliver(message(world.vpcId, flooders(20)));

    // Assess
    expect(world.ec2.mutatingCalls()).toEqual([]);
    expect(world.ec2.snapshot()).toBe(before);
    expect(world.activeAclId()).toBe(world.originalAclId);
    expect(world.telemetry.lastMetricValues()).toMatchObject({
      BlockedSourceIPs: 0,
      BlockedSourceNetworks: 0,
      WouldBlockSourceIPs: 18,
      WouldBlockSourceNetworks: 18,
      UnblockedSourceIPs: 2,
      UnblockedSourceNetworks: 2,
    });
    const applied = logLines(world.telemetry).find((l) => l.message === 'anomaly message applied');
    expect(applied).toMatchObject({ mode: 'report', changed: true, unblockedNetworks: ['198.51.100.19/32', '198.51.100.20/32'] });
    expect([...(applied?.wouldBlockNetworks as string[])].sort()).toEqual(hosts(18));
  });

  it('writes the audit lines block mode would write, marked "mode":"report"', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ mode: 'report', ipv4Mask: 24 });

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess
    expect(world.auditLines().map((a) => a.line)).toEqual([
      { ip: '198.51.100.1', network: '198.51.100.0/24', z_score: 50, packets: 50_000, mode: 'report' },
      { ip: '198.51.100.2', network: '198.51.100.0/24', z_score: 49, packets: 49_900, mode: 'report' },
    ]);
  });

  it('counts what it would hold against the caps, run after run, as block mode counts its rules', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ mode: 'report', maxNewBlocksPerRun: 3, maxBlockedNetworks: 5 });

    // Act
    await world.deliver(message(world.vpcId, flooders(8)));
    const first = world.telemetry.lastMetricValues();
    await world.deliver(message(world.vpcId, flooders(8)));
    const second = world.telemetry.lastMetricValues();

    // Assess: 3 new per run, at most 5 in all
    expect(first).toMatchObject({ WouldBlockSourceNetworks: 3 });
    expect(second).toMatchObject({ WouldBlockSourceNetworks: 5 });
    expect(world.ec2.mutatingCalls()).toEqual([]);
  });

  it('keeps what it would block through an incomplete run with no anomaly', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ mode: 'report' });
    await world.deliver(message(world.vpcId, flooders(2)));

    // Act
    await world.deliver(message(world.vpcId, [], { complete: false }));
    const afterIncomplete = world.telemetry.lastMetricValues();
    await world.deliver(message(world.vpcId, [], { complete: true }));

    // Assess
    expect(afterIncomplete).toMatchObject({ WouldBlockSourceNetworks: 2 });
    expect(world.telemetry.lastMetricValues()).toMatchObject({ WouldBlockSourceNetworks: 0 });
    expect(world.ec2.mutatingCalls()).toEqual([]);
  });

  it('ignores an older message than the last it applied, with no watermark tag written', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ mode: 'report' });
    const older = message(world.vpcId, flooders(1));
    const newer = message(world.vpcId, flooders(2));
    await world.deliver(newer);

    // Act
    await world.deliver(older);

    // Assess
    expect(world.telemetry.lastMetricValues()).toMatchObject({ MessagesIgnored: 1 });
    expect(world.ec2.tagsOf(world.blueAclId)[WATERMARK_TAG]).toBeUndefined();
    expect(world.ec2.mutatingCalls()).toEqual([]);
  });

  it('blocks with the next verdict once redeployed in block mode', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ mode: 'report' });
    await world.deliver(message(world.vpcId, flooders(3)));

    // Act: the redeploy gives the next container the block mode
    world.coldStart({ config: { ...world.config, mode: 'block' } });
    await world.deliver(message(world.vpcId, flooders(3)));

    // Assess
    expect([world.blueAclId, world.greenAclId]).toContain(world.activeAclId());
    expect(world.deniedCidrs()).toEqual(hosts(3));
    expect(world.telemetry.lastMetricValues()).toMatchObject({ BlockedSourceNetworks: 3 });
  });
});
