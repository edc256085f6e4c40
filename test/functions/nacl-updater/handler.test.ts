import { CreateLogStreamCommand, PutLogEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeNetworkAclsCommand, EC2ServiceException, ReplaceNetworkAclAssociationCommand } from '@aws-sdk/client-ec2';
import { GetObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { AclEntry } from '../../../core/nacl-plan';
import { ACTIVE_ACL_TAG, WATERMARK_TAG } from '../../../functions/nacl-updater/contract';
import { ALLOW_LIST_BUCKET, ALLOW_LIST_KEY, anomalyMessage as message, AUDIT_LOG_GROUP, flooders, sqsEvent } from '../../support/builders';
import { AUDIT_STREAM, UpdaterWorld } from '../../support/updater-world';

describe('NACL updater: the reference scenario', () => {
  it('blocks the 18 highest Z-scores of 20 flooders with quota 20 and reports 2 unblocked', async () => {
    // Prepare: the VPC's default ACL (one IPv4 allow-all rule per direction) is the original.
    const world = await UpdaterWorld.create({ ruleLimit: 20 });
    const sources = flooders(20);

    // Act
    await world.deliver(message(world.vpcId, sources));

    // Assess
    const active = world.activeAclId();
    expect([world.blueAclId, world.greenAclId]).toContain(active);
    expect(world.deniedCidrs()).toEqual(
      sources
        .slice(0, 18)
        .map((s) => `${s.sourceIp}/32`)
        .sort(),
    );
    expect(world.telemetry.lastMetricValues()).toMatchObject({
      BlockedSourceIPs: 18,
      UnblockedSourceIPs: 2,
      BlockedSourceNetworks: 18,
      UnblockedSourceNetworks: 2,
      AclSwaps: 1,
    });
    // Minimum calls on a fresh ACL: 18 deny rules and the 2 mirrored rules, one call each, then one swap per subnet.
    expect(world.ec2.mutatingCalls().map((c) => c.action)).toEqual([
      ...Array(20).fill('CreateNetworkAclEntry'),
      'CreateTags',
      'ReplaceNetworkAclAssociation',
      'ReplaceNetworkAclAssociation',
      'CreateTags',
    ]);
    const inbound = world.ec2.entriesOf(active).filter((e) => !e.Egress);
    expect(inbound).toHaveLength(20);
    expect(inbound.at(-2)).toMatchObject({ RuleNumber: 1000, RuleAction: 'allow', CidrBlock: '0.0.0.0/0', Protocol: '-1' });
  });

  it('writes the other ACL with one Replace per changed deny rule when the blocked set changes', async () => {
    // Prepare: blue holds .1-.3 and is in use; green is written, then the set changes twice.
    const world = await UpdaterWorld.create();
    await world.deliver(message(world.vpcId, flooders(3)));
    await world.deliver(message(world.vpcId, flooders(2)));
    world.ec2.calls.length = 0;

    // Act: .1, .2, .4 : against the inactive ACL (.1-.3), only the .3 slot changes.
    await world.deliver(message(world.vpcId, [...flooders(2), { sourceIp: '198.51.100.4', maxZScore: 9, maxPackets: 20_000 }]));

    // Assess
    expect(world.ec2.mutatingCalls().map((c) => c.action)).toEqual([
      'ReplaceNetworkAclEntry',
      'CreateTags',
      'ReplaceNetworkAclAssociation',
      'ReplaceNetworkAclAssociation',
      'CreateTags',
    ]);
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '198.51.100.2/32', '198.51.100.4/32']);
  });

  it('changes nothing when a second wave arrives while the same rules are in place', async () => {
    // Prepare
    const world = await UpdaterWorld.create();
    await world.deliver(message(world.vpcId, flooders(5)));
    const before = world.ec2.snapshot();
    world.ec2.calls.length = 0;

    // Act: a newer verdict with the same sources (Z-scores moved).
    await world.deliver(message(world.vpcId, flooders(5, { topZ: 80 })));

    // Assess
    expect(world.ec2.mutatingCalls()).toEqual([]);
    expect(world.ec2.snapshot()).toBe(before);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ BlockedSourceIPs: 5 });
    expect(world.telemetry.lastMetricValues().AclSwaps).toBeUndefined();
  });

  it('moves the subnets back to the original ACL when the anomalies expire, writing no entry', async () => {
    // Prepare
    const world = await UpdaterWorld.create();
    await world.deliver(message(world.vpcId, flooders(3)));
    world.ec2.calls.length = 0;

    // Act
    await world.deliver(message(world.vpcId, []));

    // Assess: the ACL made active is recorded on both stack ACLs before the first subnet moves
    expect(world.activeAclId()).toBe(world.originalAclId);
    const record = world.ec2.mutatingCalls()[0]!.input;
    expect(record).toEqual({
      Resources: [world.blueAclId, world.greenAclId],
      Tags: [{ Key: ACTIVE_ACL_TAG, Value: `${new Date(world.clock).toISOString()} ${world.originalAclId}` }],
    });
    expect(world.ec2.mutatingCalls().map((c) => c.action)).toEqual([
      'CreateTags',
      'ReplaceNetworkAclAssociation',
      'ReplaceNetworkAclAssociation',
      'CreateTags',
    ]);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ BlockedSourceIPs: 0, BlockedSourceNetworks: 0, AclSwaps: 1 });
  });

  it('uses the NEW association id each swap returns', async () => {
    // Prepare
    const world = await UpdaterWorld.create();
    await world.deliver(message(world.vpcId, flooders(1)));
    const ids = world.subnetIds.map((s) => world.ec2.associationIdOf(s));

    // Act
    await world.deliver(message(world.vpcId, []));

    // Assess: the second swap named the ids the first swap returned.
    const named = world
      .inputsOf(ReplaceNetworkAclAssociationCommand)
      .slice(-2)
      .map((input) => (input as { AssociationId: string }).AssociationId);
    expect(named).toEqual(ids);
  });
});

describe('NACL updater: families, masks and the allow list', () => {
  it('blocks IPv4 and IPv6 sources on a dual-stack VPC, each within its own family capacity', async () => {
    // Prepare: default ACL of a dual-stack VPC: allow-all rules 100 (IPv4) and 101 (IPv6).
    const world = await UpdaterWorld.create({ dualStack: true, ruleLimit: 5 });
    const v4 = flooders(4, { topZ: 40 });
    const v6 = Array.from({ length: 4 }, (_, i) => ({ sourceIp: `2001:db8::${i + 1}`, maxZScore: 30 - i, maxPackets: 20_000 }));

    // Act
    await world.deliver(message(world.vpcId, [...v4, ...v6]));

    // Assess: 5 - default - mirrored = 3 per family.
    const entries = world.ec2.entriesOf(world.activeAclId());
    expect(entries.filter((e) => !e.Egress && e.RuleNumber === 32768)).toEqual([
      { RuleNumber: 32768, Egress: false, Protocol: '-1', RuleAction: 'deny', Ipv6CidrBlock: '::/0' },
    ]);
    expect(world.deniedCidrs()).toEqual([
      '198.51.100.1/32',
      '198.51.100.2/32',
      '198.51.100.3/32',
      '2001:db8::1/128',
      '2001:db8::2/128',
      '2001:db8::3/128',
    ]);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ BlockedSourceIPs: 6, UnblockedSourceIPs: 2 });
    const mirrored = entries.filter((e) => (e.RuleNumber ?? 0) >= 1000 && (e.RuleNumber ?? 0) < 32767);
    expect(mirrored.map((e) => [e.Egress, e.RuleNumber, e.CidrBlock ?? e.Ipv6CidrBlock])).toEqual([
      [false, 1000, '0.0.0.0/0'],
      [false, 1001, '::/0'],
      [true, 1000, '0.0.0.0/0'],
      [true, 1001, '::/0'],
    ]);
  });

  it('masks to /24 but never covers an allow-listed host inside the network', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ ipv4Mask: 24, allowList: '\uFEFF# partners\r\n203.0.113.77  # monitoring probe\r\n\r\n' });

    // Act
    await world.deliver(
      message(world.vpcId, [
        { sourceIp: '203.0.113.5', maxZScore: 9, maxPackets: 30_000 },
        { sourceIp: '203.0.113.200', maxZScore: 8, maxPackets: 25_000 },
        { sourceIp: '198.51.100.9', maxZScore: 7, maxPackets: 20_000 },
        { sourceIp: '198.51.100.10', maxZScore: 6, maxPackets: 20_000 },
        { sourceIp: '203.0.113.77', maxZScore: 12, maxPackets: 40_000 },
      ]),
    );

    // Assess: 203.0.113.0/24 would cover .77: narrowed to the widest networks around each source that do not.
    expect(world.deniedCidrs()).toEqual(['198.51.100.0/24', '203.0.113.0/26', '203.0.113.128/25']);
    expect(world.telemetry.lastMetricValues()).toMatchObject({
      BlockedSourceIPs: 4,
      BlockedSourceNetworks: 3,
      AllowListedSourcesSkipped: 1,
    });
  });

  it('never blocks VPC-internal sources', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ ipv4Mask: 8 });

    // Act
    await world.deliver(
      message(world.vpcId, [
        { sourceIp: '10.0.3.4', maxZScore: 9, maxPackets: 30_000 },
        { sourceIp: '10.9.0.1', maxZScore: 8, maxPackets: 30_000 },
      ]),
    );

    // Assess: 10.0.0.0/8 would cover the VPC: the rule is narrowed to 10.8.0.0/13.
    expect(world.deniedCidrs()).toEqual(['10.8.0.0/13']);
  });

  it('skips invalid allow-list lines, logs them with their line number and counts them', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ allowList: '198.51.100.1\nnot-an-ip\n\n300.1.2.3/8\n2001:db8::/32\n' });

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess: logged once, counted every run while the list stays as it is.
    expect(
      world.telemetry
        .lines()
        .filter((l) => l.message === 'allow-list line skipped')
        .map((l) => l.fields.line),
    ).toEqual([2, 4]);
    expect(world.telemetry.metricValues().map((f) => f.AllowListInvalidLines)).toEqual([2, 2]);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ AllowListedSourcesSkipped: 1 });
    expect(world.deniedCidrs()).toEqual(['198.51.100.2/32']);
  });

  it('re-reads the allow list conditionally and keeps the cached list on 304', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ allowList: '198.51.100.1\n' });
    await world.deliver(message(world.vpcId, flooders(2)));

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess
    expect(world.inputsOf(GetObjectCommand).filter((input) => (input as { Key: string }).Key === ALLOW_LIST_KEY)).toEqual([
      { Bucket: ALLOW_LIST_BUCKET, Key: ALLOW_LIST_KEY, IfNoneMatch: undefined },
      { Bucket: ALLOW_LIST_BUCKET, Key: ALLOW_LIST_KEY, IfNoneMatch: world.s3.etagOf(ALLOW_LIST_BUCKET, ALLOW_LIST_KEY) },
    ]);
    expect(world.deniedCidrs()).toEqual(['198.51.100.2/32']);
    expect(world.telemetry.lastMetricValues().AllowListReadFailures).toBeUndefined();
  });

  it('uses the last good allow list when the object cannot be read', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ allowList: '198.51.100.1\n' });
    await world.deliver(message(world.vpcId, flooders(1)));
    world.faults.fail(
      GetObjectCommand,
      () =>
        new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' }),
    );

    // Act
    await world.deliver(message(world.vpcId, flooders(3)));

    // Assess: .1 is still allow-listed.
    expect(world.deniedCidrs()).toEqual(['198.51.100.2/32', '198.51.100.3/32']);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ AllowListReadFailures: 1 });
  });

  it('changes nothing when no allow list was ever read', async () => {
    // Prepare: the allow-list object does not exist
    const world = await UpdaterWorld.create({ allowList: null });

    // Act
    await world.deliver(message(world.vpcId, flooders(3)));

    // Assess
    expect(world.ec2.calls).toEqual([]);
    expect(world.activeAclId()).toBe(world.originalAclId);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ AllowListReadFailures: 1 });
    expect(world.telemetry.lines().filter((l) => l.level === 'ERROR')).toEqual([
      {
        level: 'ERROR',
        message: 'allow list unavailable and none read before: changing nothing this run',
        fields: {
          reason: expect.stringMatching(/^cannot read allow list s3:\/\/flood-guard-allow-list\/allow-list\.txt: NoSuchKey \(HTTP 404\)/),
        },
      },
    ]);
  });

  it('refuses an allow list larger than 1 MiB with a counted reason', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ allowList: '# padding\n'.repeat(110_000) });

    // Act
    await world.deliver(message(world.vpcId, flooders(1)));

    // Assess
    expect(world.ec2.calls).toEqual([]);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ AllowListReadFailures: 1 });
  });
});

describe('NACL updater: messages', () => {
  it('rejects malformed, unknown-version and foreign-VPC messages without any call', async () => {
    // Prepare
    const world = await UpdaterWorld.create();
    const foreign = message('vpc-0aaaaaaaaaaaaaaaa', flooders(1));

    // Act
    await world.deliver('not json', JSON.stringify({ ...message(world.vpcId, []), version: 2 }), foreign);

    // Assess
    expect(world.ec2.calls).toEqual([]);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ MessagesRejected: 3 });
  });

  it('ignores an older message and a duplicate, also after a cold start', async () => {
    // Prepare
    const world = await UpdaterWorld.create();
    const older = message(world.vpcId, flooders(1));
    const newer = message(world.vpcId, flooders(2));
    await world.deliver(newer);
    world.ec2.calls.length = 0;

    // Act
    await world.deliver(older);
    await world.deliver(newer);
    world.coldStart();
    await world.deliver(older);

    // Assess
    expect(world.ec2.mutatingCalls()).toEqual([]);
    expect(
      world.telemetry
        .metricValues()
        .slice(-3)
        .map((f) => f.MessagesIgnored),
    ).toEqual([1, 1, 1]);
    expect(world.ec2.tagsOf(world.activeAclId())[WATERMARK_TAG]).toBe(newer.generatedAt);
  });

  it('applies only the newest message of a batch', async () => {
    // Prepare
    const world = await UpdaterWorld.create();
    const older = message(world.vpcId, flooders(4));
    const newer = message(world.vpcId, flooders(1));

    // Act
    await world.deliver(newer, older);

    // Assess
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32']);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ MessagesIgnored: 1 });
  });

  it('lets an incomplete message add blocks but never remove one', async () => {
    // Prepare
    const world = await UpdaterWorld.create();
    await world.deliver(message(world.vpcId, flooders(2)));

    // Act
    await world.deliver(message(world.vpcId, [{ sourceIp: '192.0.2.1', maxZScore: 4, maxPackets: 13_000 }], { complete: false }));
    const afterIncomplete = world.deniedCidrs();
    await world.deliver(message(world.vpcId, [], { complete: false }));
    const afterEmptyIncomplete = world.deniedCidrs();

    // Assess
    expect(afterIncomplete).toEqual(['192.0.2.1/32', '198.51.100.1/32', '198.51.100.2/32']);
    expect(afterEmptyIncomplete).toEqual(afterIncomplete);
  });

  it('writes one audit line per blocked source to a log stream of its own', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ ipv4Mask: 24 });

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess: one stream, created once, and one write holding both lines
    expect(world.inputsOf(CreateLogStreamCommand)).toEqual([{ logGroupName: AUDIT_LOG_GROUP, logStreamName: AUDIT_STREAM }]);
    expect(world.inputsOf(PutLogEventsCommand)).toHaveLength(1);
    expect(world.auditLines()).toEqual([
      {
        timestamp: world.clock,
        logStreamName: AUDIT_STREAM,
        line: { ip: '198.51.100.1', network: '198.51.100.0/24', z_score: 50, packets: 50_000, mode: 'block' },
      },
      {
        timestamp: world.clock,
        logStreamName: AUDIT_STREAM,
        line: { ip: '198.51.100.2', network: '198.51.100.0/24', z_score: 49, packets: 49_900, mode: 'block' },
      },
    ]);
  });

  it('keeps the blocks when the audit log cannot be written, and counts the failure', async () => {
    // Prepare
    const world = await UpdaterWorld.create();
    world.faults.fail(
      PutLogEventsCommand,
      () => new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: { httpStatusCode: 400 } }),
    );

    // Act
    await world.deliver(message(world.vpcId, flooders(1)));

    // Assess
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32']);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ AuditLogWriteFailures: 1, BlockedSourceIPs: 1 });
  });

  it("describes the subnets' ACLs with the association filter, paginated", async () => {
    // Prepare
    const world = await UpdaterWorld.create();

    // Act
    await world.deliver(message(world.vpcId, flooders(1)));

    // Assess
    expect(world.inputsOf(DescribeNetworkAclsCommand)[0]).toEqual({
      Filters: [{ Name: 'association.subnet-id', Values: world.subnetIds }],
      MaxResults: 100,
      NextToken: undefined,
    });
  });
});

describe('NACL updater: the account quota and failures', () => {
  it('reports the sources the real quota refused as unblocked, then learns the quota', async () => {
    // Prepare: configured 20, the account really allows 8 per family and direction.
    const world = await UpdaterWorld.create({ ruleLimit: 20, accountRuleLimit: 8 });
    const sources = flooders(10);

    // Act
    await world.deliver(message(world.vpcId, sources));
    const first = world.telemetry.lastMetricValues();
    world.ec2.calls.length = 0;
    await world.deliver(message(world.vpcId, sources));

    // Assess: 8 - default - mirrored = 6 in place; what the metrics claim is what the ACL holds.
    expect(world.deniedCidrs()).toEqual(
      sources
        .slice(0, 6)
        .map((s) => `${s.sourceIp}/32`)
        .sort(),
    );
    expect(first).toMatchObject({
      BlockedSourceIPs: 6,
      UnblockedSourceIPs: 4,
      BlockedSourceNetworks: 6,
      UnblockedSourceNetworks: 4,
      AclEntryLimitExceeded: 1,
    });
    expect(world.ec2.mutatingCalls()).toEqual([]);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ BlockedSourceIPs: 6, UnblockedSourceIPs: 4 });
    expect(world.telemetry.lastMetricValues().AclEntryLimitExceeded).toBeUndefined();
  });

  it('learns the real quota from the entries it wrote, not from a Describe that may not show them yet', async () => {
    // Prepare: EC2 eventually consistent, every read lagging up to a minute: within the run, a Describe shows the ACL as it was
    const world = await UpdaterWorld.create({ ruleLimit: 20, accountRuleLimit: 8, consistency: { maxLagMs: 60_000, seed: 5 } });
    world.clock += 600_000;
    const sources = flooders(10);

    // Act
    await world.deliver(message(world.vpcId, sources));

    // Assess: the same 6 rules as with a consistent EC2, and no Describe once the writing began
    expect(world.deniedCidrs()).toEqual(
      sources
        .slice(0, 6)
        .map((s) => `${s.sourceIp}/32`)
        .sort(),
    );
    expect(world.telemetry.lastMetricValues()).toMatchObject({ BlockedSourceIPs: 6, UnblockedSourceIPs: 4, AclEntryLimitExceeded: 1 });
    const actions = world.ec2.calls.map((c) => c.action);
    expect(actions.slice(actions.indexOf('CreateNetworkAclEntry'))).not.toContain('DescribeNetworkAcls');
    expect(world.writesToAclsInUse).toEqual([]);
  });

  it('keeps the subnets on the original ACL when the real quota refuses every deny rule', async () => {
    // Prepare: the default ACL's mirrored rule and the default rule fill a quota of 2.
    const world = await UpdaterWorld.create({ ruleLimit: 20, accountRuleLimit: 2 });

    // Act
    await world.deliver(message(world.vpcId, flooders(3)));
    const first = world.telemetry.lastMetricValues();
    world.ec2.calls.length = 0;
    await world.deliver(message(world.vpcId, flooders(3)));

    // Assess
    expect(world.activeAclId()).toBe(world.originalAclId);
    expect(first).toMatchObject({ BlockedSourceIPs: 0, UnblockedSourceIPs: 3, AclEntryLimitExceeded: 1 });
    expect(world.ec2.mutatingCalls()).toEqual([]);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ BlockedSourceIPs: 0, UnblockedSourceIPs: 3 });
  });

  it('fails without swapping when the quota cannot even hold the original rules', async () => {
    // Prepare
    const original: AclEntry[] = [
      { ruleNumber: 100, egress: false, protocol: '6', ruleAction: 'allow', cidrBlock: '0.0.0.0/0', portRange: { from: 443, to: 443 } },
      { ruleNumber: 110, egress: false, protocol: '6', ruleAction: 'allow', cidrBlock: '0.0.0.0/0', portRange: { from: 1024, to: 65535 } },
      { ruleNumber: 100, egress: true, protocol: '-1', ruleAction: 'allow', cidrBlock: '0.0.0.0/0' },
    ];
    const world = await UpdaterWorld.create({ originalEntries: original, accountRuleLimit: 2 });

    // Act
    const run = world.deliver(message(world.vpcId, flooders(1)));

    // Assess
    await expect(run).rejects.toThrow(/cannot hold the original ACL's rules/);
    expect(world.activeAclId()).toBe(world.originalAclId);
  });

  it('retries throttled calls with backoff and counts the retries', async () => {
    // Prepare
    const world = await UpdaterWorld.create();
    world.ec2.failNext('CreateNetworkAclEntry', 'RequestLimitExceeded', 2);

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '198.51.100.2/32']);
    expect(world.sleeps).toEqual([250, 500]);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ Ec2ApiRetries: 2 });
  });

  it('retries a NotFound answer after a second, says why, and counts the retry', async () => {
    // Prepare: EC2 does not show a stack ACL yet (eventual consistency) on the first Describe
    const world = await UpdaterWorld.create();
    world.ec2.failNext('DescribeNetworkAcls', 'InvalidNetworkAclID.NotFound', 1);

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '198.51.100.2/32']);
    expect(world.sleeps).toEqual([1_000]);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ Ec2ApiRetries: 1 });
    expect(world.telemetry.logs.filter((l) => l.level === 'WARN').map((l) => [l.message, l.fields])).toEqual([
      [
        'EC2 answered NotFound, possibly for a resource it does not show yet (eventual consistency): retrying',
        { code: 'InvalidNetworkAclID.NotFound', delayMs: 1_000 },
      ],
    ]);
  });

  it('stops retrying NotFound before the time budget ends, failing the run before any subnet moves', async () => {
    // Prepare: 20 s left: 5 s for retries after the 15 s reserve, so the waits of 1 s and 2 s fit and not the one of 4 s
    const world = await UpdaterWorld.create();
    world.ec2.failNext('DescribeNetworkAcls', 'InvalidNetworkAclID.NotFound', 100);
    const event = sqsEvent([JSON.stringify(message(world.vpcId, flooders(2)))]);

    // Act
    const run = world.handler(event, { getRemainingTimeInMillis: () => 20_000 });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'InvalidNetworkAclID.NotFound' });
    expect(world.sleeps).toEqual([1_000, 2_000]);
    expect(world.activeAclId()).toBe(world.originalAclId);
  });

  it('fails the run and leaves the subnets where they were when writing stays throttled', async () => {
    // Prepare
    const world = await UpdaterWorld.create();
    await world.deliver(message(world.vpcId, flooders(1)));
    const active = world.activeAclId();
    const activeEntries = world.ec2.entriesOf(active);
    world.ec2.failNext('CreateNetworkAclEntry', 'RequestLimitExceeded', 100);

    // Act
    const run = world.deliver(message(world.vpcId, flooders(3)));

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    expect(world.activeAclId()).toBe(active);
    expect(world.ec2.entriesOf(active)).toEqual(activeEntries);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ Ec2ApiRetries: 5 });
  });

  it('converges on the next message after a swap failed half-way', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ subnets: 3 });
    await world.deliver(message(world.vpcId, flooders(1)));
    let swaps = 0;
    world.faults.on(ReplaceNetworkAclAssociationCommand, async (input, next) => {
      if (++swaps === 2)
        throw new EC2ServiceException({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'internal' });
      return next(input);
    });

    // Act
    await expect(world.deliver(message(world.vpcId, flooders(2)))).rejects.toMatchObject({ name: 'InternalError' });
    const split = new Set(world.subnetIds.map((s) => world.ec2.aclOf(s)));
    await world.deliver(message(world.vpcId, flooders(3)));

    // Assess
    expect(split.size).toBe(2);
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '198.51.100.2/32', '198.51.100.3/32']);
  });
});
