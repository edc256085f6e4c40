/** The operator's deny list through the real updater, over the S3 and EC2 stand-ins. */
import { GetObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ALLOW_LIST_BUCKET, anomalyMessage as message, DENY_LIST_KEY, flooders } from '../../support/builders';
import { UpdaterWorld } from '../../support/updater-world';

const accessDenied = () =>
  new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' });

describe('NACL updater: deny list', () => {
  it('blocks listed networks ahead of detected sources, within the quota, even with no anomaly', async () => {
    // Prepare: quota 5 less the default and the mirrored allow-all rule leaves 3 IPv4 deny rules; IPv6 has its own room
    const world = await UpdaterWorld.create({ ruleLimit: 5, denyList: '203.0.113.0/24 # scrapers\n2001:db8::/48\n203.0.113.9\n' });

    // Act
    await world.deliver(message(world.vpcId, []));
    const alone = world.deniedCidrs();
    await world.deliver(message(world.vpcId, flooders(4)));

    // Assess: 203.0.113.9 lies inside the /24, which takes one of the 3 IPv4 places ahead of the flooders
    expect(alone).toEqual(['2001:db8::/48', '203.0.113.0/24']);
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '198.51.100.2/32', '2001:db8::/48', '203.0.113.0/24']);
    expect(world.telemetry.lastMetricValues()).toMatchObject({
      DenyListedNetworks: 2,
      UnblockedSourceNetworks: 2,
      DenyListInvalidLines: 0,
    });
  });

  it('lifts an entry at its expiry, like a detected source whose minute left the window', async () => {
    // Prepare: the world clock starts at 2026-03-01T12:00:00Z and each delivery advances it by 1 s
    const world = await UpdaterWorld.create({ denyList: '203.0.113.7 until=2026-03-01T12:00:01.500Z # scraper\n' });
    await world.deliver(message(world.vpcId, []));
    expect(world.deniedCidrs()).toEqual(['203.0.113.7/32']);

    // Act
    await world.deliver(message(world.vpcId, []));

    // Assess
    expect(world.activeAclId()).toBe(world.originalAclId);
    expect(world.telemetry.lines().filter((l) => l.message === 'deny-list entries past their expiry: ignored')).toEqual([
      {
        level: 'INFO',
        message: 'deny-list entries past their expiry: ignored',
        fields: { entries: [{ network: '203.0.113.7/32', line: 1, comment: 'scraper' }] },
      },
    ]);
  });

  it('lifts an entry removed from the list on the next complete verdict', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ denyList: '203.0.113.7\n' });
    await world.deliver(message(world.vpcId, flooders(1)));

    // Act
    world.s3.putObject(ALLOW_LIST_BUCKET, DENY_LIST_KEY, '# emptied\n');
    await world.deliver(message(world.vpcId, flooders(1)));

    // Assess
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32']);
  });

  it('does not apply an entry over an allow-listed or VPC network: logged once, counted every run', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ allowList: '192.0.2.0/24\n', denyList: '192.0.2.77 # partner?\n10.0.0.0/8\n203.0.113.7\n' });

    // Act
    await world.deliver(message(world.vpcId, []));
    await world.deliver(message(world.vpcId, []));

    // Assess
    expect(world.deniedCidrs()).toEqual(['203.0.113.7/32']);
    expect(world.telemetry.metricValues().map((m) => m.DenyListEntriesNotApplied)).toEqual([2, 2]);
    expect(world.telemetry.lines().filter((l) => l.level === 'WARN')).toEqual([
      {
        level: 'WARN',
        message: 'deny-list entries not applied: they overlap allow-listed or VPC networks (the allow list wins)',
        fields: {
          entries: [
            { network: '192.0.2.77/32', line: 1, comment: 'partner?' },
            { network: '10.0.0.0/8', line: 2, comment: '' },
          ],
        },
      },
    ]);
  });

  it('logs invalid lines once and counts them every run', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ denyList: '203.0.113.7\nnot-an-ip\n203.0.113.8 until=tomorrow\n' });

    // Act
    await world.deliver(message(world.vpcId, []));
    await world.deliver(message(world.vpcId, []));

    // Assess
    expect(
      world.telemetry
        .lines()
        .filter((l) => l.message === 'deny-list line skipped')
        .map((l) => l.fields.line),
    ).toEqual([2, 3]);
    expect(world.telemetry.metricValues().map((m) => m.DenyListInvalidLines)).toEqual([2, 2]);
    expect(world.deniedCidrs()).toEqual(['203.0.113.7/32']);
  });

  it('keeps using the last good list when a read fails: the listed network stays blocked', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ denyList: '203.0.113.7\n' });
    await world.deliver(message(world.vpcId, []));
    world.faults.fail(GetObjectCommand, accessDenied);

    // Act
    await world.deliver(message(world.vpcId, flooders(1)));

    // Assess
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '203.0.113.7/32']);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ DenyListReadFailures: 1, AllowListReadFailures: 1 });
  });

  it('with no list ever read, still blocks detected sources but lifts nothing', async () => {
    // Prepare: a rule is in place; then a cold start finds the deny list gone
    const world = await UpdaterWorld.create({ denyList: '203.0.113.7\n' });
    await world.deliver(message(world.vpcId, flooders(1)));
    world.s3.deleteObject(ALLOW_LIST_BUCKET, DENY_LIST_KEY);
    world.coldStart();

    // Act: .1 is no longer anomalous, .2 is
    await world.deliver(message(world.vpcId, flooders(2).slice(1)));

    // Assess
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '198.51.100.2/32', '203.0.113.7/32']);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ DenyListReadFailures: 1 });
    expect(
      world.telemetry
        .lines()
        .filter((l) => l.level === 'ERROR')
        .map((l) => l.message),
    ).toEqual(['deny list unavailable and none read before: keeping every block in place this run']);
  });
});
