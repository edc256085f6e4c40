import { describe, expect, it } from 'vitest';
import { anomalyMessage as message, flooders } from '../../support/builders';
import { UpdaterWorld } from '../../support/updater-world';

const entryWrites = (world: UpdaterWorld) => world.ec2.mutatingCalls().filter((c) => c.action.endsWith('NetworkAclEntry'));

/** A world where one part of EC2's answers lags by `lagMs`, and one verdict swapped the subnets onto a stack ACL. */
async function afterSwap(part: 'associations' | 'entries' | 'ids', lagMs: number) {
  const world = await UpdaterWorld.create();
  world.ec2.lagReads({ part, lagMs, now: () => world.clock });
  await world.deliver(message(world.vpcId, flooders(1)));
  const active = world.activeAclId();
  world.ec2.calls.length = 0;
  world.sleeps.length = 0;
  return { world, active };
}

describe('NACL updater on stale reads (EC2 eventual consistency)', () => {
  it('reads the associations again until they show the ACL it made active, writing no ACL meanwhile, then applies the verdict', async () => {
    // Prepare: the subnets are read on their original ACL for 20 s after the swap onto `active`
    const { world, active } = await afterSwap('associations', 20_000);

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess: re-read after 2, 4, 8 and 16 s; only then was the free ACL written (the old read showed `active` free)
    expect(world.sleeps).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(entryWrites(world).every((c) => (c.input as { NetworkAclId: string }).NetworkAclId !== active)).toBe(true);
    expect(world.writesToAclsInUse).toEqual([]);
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '198.51.100.2/32']);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ AclStaleReads: 4, BlockedSourceIPs: 2 });
  });

  it('ends the run without writing when the reads still disagree after the re-reads: the stale association ids move nothing', async () => {
    // Prepare: reads 10 minutes behind
    const { world, active } = await afterSwap('associations', 600_000);
    const before = world.ec2.snapshot();

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess: one attempt to complete the move with a stale id, answered NotFound and not retried; nothing changed
    expect(world.ec2.mutatingCalls().map((c) => c.action)).toEqual(['ReplaceNetworkAclAssociation']);
    expect(world.ec2.snapshot()).toBe(before);
    expect(world.activeAclId()).toBe(active);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ AclStaleReads: 5, AclStateUnknown: 1 });
    expect(world.telemetry.lastMetricValues().BlockedSourceIPs).toBeUndefined();
    expect(world.telemetry.logs.find((l) => l.level === 'ERROR')?.message).toBe(
      'network ACL in use unknown: no ACL written this run, the next verdict retries',
    );
  });

  it('cross-checks with the record tag in a new container, which remembers nothing', async () => {
    // Prepare
    const { world } = await afterSwap('associations', 20_000);
    world.coldStart();

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess
    expect(world.sleeps).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(world.writesToAclsInUse).toEqual([]);
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '198.51.100.2/32']);
  });

  it('takes the associations read as the truth once the record is older than the window', async () => {
    // Prepare: someone moved the subnets back to their original ACL, 6 minutes after the last swap
    const world = await UpdaterWorld.create();
    await world.deliver(message(world.vpcId, flooders(1)));
    world.sleeps.length = 0;
    world.clock += 6 * 60_000;
    for (const subnet of world.subnetIds)
      await world.ec2.replaceNetworkAclAssociation({ AssociationId: world.ec2.associationIdOf(subnet), NetworkAclId: world.originalAclId });

    // Act
    await world.deliver(message(world.vpcId, flooders(1)));

    // Assess: no re-read; the stack ACL already holding the rule is used again
    expect(world.sleeps).toEqual([]);
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32']);
    expect(world.telemetry.lastMetricValues().AclStaleReads).toBeUndefined();
  });

  it('plans from the entries it wrote when a read of an ACL not in use does not show them yet', async () => {
    // Prepare: entries read 5 minutes behind; one ACL written with .1 and used, then the other with .1-.2 and used
    const world = await UpdaterWorld.create();
    world.ec2.lagReads({ part: 'entries', lagMs: 300_000, now: () => world.clock });
    await world.deliver(message(world.vpcId, flooders(1)));
    const first = world.activeAclId();
    await world.deliver(message(world.vpcId, flooders(2)));
    world.ec2.calls.length = 0;

    // Act: back to .1 alone, which `first` holds, though a read shows it as it was before it was written
    await world.deliver(message(world.vpcId, flooders(1)));

    // Assess: moved back without a write
    expect(world.activeAclId()).toBe(first);
    expect(entryWrites(world)).toEqual([]);
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32']);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ AclStaleReads: 1 });
  });

  it('retries NotFound on the association id its own swap returned, which EC2 may not know yet', async () => {
    // Prepare: new association ids unknown for 5 s; the next verdict comes 1 s after the swap
    const { world } = await afterSwap('ids', 5_000);

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess
    expect(world.sleeps).toEqual([1_000, 2_000, 4_000]);
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '198.51.100.2/32']);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ Ec2ApiRetries: 3 });
  });

  it('never retries nor guesses at an association id read from a Describe that EC2 answers NotFound: the run ends unknown', async () => {
    // Prepare: a new container (no memory of its swaps) while new association ids are unknown for 5 s
    const { world } = await afterSwap('ids', 5_000);
    world.coldStart();

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess: the free ACL was written, but no subnet moved and nothing failed the invocation
    expect(world.sleeps).toEqual([]);
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32']);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ AclStateUnknown: 1 });
  });
});
