import { beforeAll, describe, expect, it } from 'vitest';
import { BLOG_FLOODERS, BLOG_STORY } from '../../scenarios/blog-story';
import type { ScenarioSpec } from '../../scenarios/generator';
import type { AnomalyMessage } from '../../core/anomaly-message';
import type { SimulatedDeployment } from '../../simulation/deployment';
import { storySpec } from '../support/builders';
import { runScenario, synthesizedMachine, type ScenarioRun, type SynthesizedMachine } from '../support/scenario';
import { planRun } from '../../core/run-window';
import { BIN_STORES, readScheduleEvent, type BinStoreKind } from '../../functions/summarizer/contract';

const machines = new Map<BinStoreKind, SynthesizedMachine>();

beforeAll(() => {
  for (const store of BIN_STORES) machines.set(store, synthesizedMachine({ binStore: store }));
});
const machineOf = (store: BinStoreKind) => machines.get(store) as SynthesizedMachine;

/** A small world for the shorter stories: 80 steady sources, a 20-minute window. */
function smallSpec(overrides: Partial<ScenarioSpec>): ScenarioSpec {
  return storySpec({
    name: 'small',
    startEpoch: Date.UTC(2026, 2, 1, 8, 0, 0) / 1000,
    minutes: 40,
    seed: 7,
    steadySources: 80,
    steadyPackets: [200, 3000],
    steadyPresence: 0.9,
    waves: [],
    vpcCidrs: ['10.0.0.0/16', '2600:1f18:4a3:6900::/56'],
    ...overrides,
  });
}
const SMALL_WINDOW = { windowMinutes: 20, requeryMinutes: 5 };

/** Every deny rule ever in force, and when it first was. */
function firstBlocked(run: ScenarioRun): Map<string, number> {
  const first = new Map<string, number>();
  for (const o of run.observations) for (const cidr of o.denied) if (!first.has(cidr)) first.set(cidr, o.minute);
  return first;
}

/** Records every ACL entry write made to an ACL a protected subnet is on (an entry write leaves associations as they were). */
function watchWritesInUse(deployment: SimulatedDeployment, writes: string[]): void {
  deployment.faults.observe((command, input) => {
    const aclId = (input as { NetworkAclId?: string }).NetworkAclId;
    if (command.endsWith('NetworkAclEntryCommand') && deployment.subnetIds.some((s) => deployment.ec2.aclOf(s) === aclId))
      writes.push(`${command} on ${aclId} at ${deployment.now()}`);
  });
}

function sameNetworks(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((cidr) => b.includes(cidr));
}

function anomalousEver(run: ScenarioRun): Set<string> {
  return new Set(run.observations.flatMap((o) => o.message?.anomalies.map((a) => a.sourceIp) ?? []));
}

describe.each(BIN_STORES)('end to end, %s bin store: synthesized state machine, real handlers, simulated AWS', (binStore) => {
  it('gives both functions exactly the environment variables the stack sets', async () => {
    // Prepare
    const run = await runScenario(machineOf(binStore), smallSpec({ minutes: 1 }), {
      deployment: { ...SMALL_WINDOW, binStore },
      stopWhenSettled: true,
    });

    // Assess
    expect(Object.keys(run.deployment.summarizerEnv).sort()).toEqual(machineOf(binStore).summarizerVariables);
    expect(Object.keys(run.deployment.updaterEnv).sort()).toEqual(machineOf(binStore).updaterVariables);
  });

  // On DynamoDB, EC2 is eventually consistent (each call lags up to 20 s): the same story, and no ACL a subnet is on is ever written.
  const consistency = binStore === 'dynamodb' ? { ec2Consistency: { maxLagMs: 20_000, seed: 3 } } : {};
  const onEc2 = binStore === 'dynamodb' ? ' (EC2 eventually consistent)' : '';
  it(`tells the blog story${onEc2}: 18 of 20 flooders blocked, a second wave rejected at once, rules expire an hour later`, async () => {
    // Act: records here are complete a minute after they start, so the shortest re-query reach a
    // deployment may have (5 minutes, not the default 10) sees every one, with less Insights work.
    const writesInUse: string[] = [];
    const watched = new Set<SimulatedDeployment>();
    const callsBeforeRun: number[] = [];
    const run = await runScenario(machineOf(binStore), BLOG_STORY, {
      deployment: { requeryMinutes: 5, binStore, ...consistency },
      beforeRun: (deployment) => {
        if (!watched.has(deployment)) watchWritesInUse(deployment, writesInUse);
        watched.add(deployment);
        callsBeforeRun.push(deployment.ec2.mutatingCalls().length);
      },
    });

    // Assess: the 18 strongest blocked by the first run of minute 71, the first after the flood minute 70;
    // the 20 flooders, and only they, anomalous; never more than 18 rules (quota 20)
    const first = firstBlocked(run);
    const strongest = BLOG_FLOODERS.slice(2).map((ip) => `${ip}/32`);
    expect([...first].sort()).toEqual(strongest.map((cidr) => [cidr, 71]).sort());
    expect([...anomalousEver(run)].sort()).toEqual([...BLOG_FLOODERS].sort());
    expect(Math.max(...run.observations.map((o) => o.denied.length))).toBe(18);
    // Second wave (minutes 100-104) while the rules hold: the same 18 rules, and nothing newly anomalous:
    // every verdict of minutes 100-110 lists the sources and peak bins of the verdict before the wave
    const before = run.observations.filter((o) => o.minute === 99).at(-1)?.message;
    const peaks = (message: AnomalyMessage | undefined) => message?.anomalies.map((a) => [a.sourceIp, a.maxPackets]).sort();
    expect(peaks(before)).toEqual(BLOG_FLOODERS.map((ip, i) => [ip, 24_000 + 1_500 * i]).sort());
    const wave2 = run.observations.filter((o) => o.minute >= 100 && o.minute <= 110);
    expect(wave2).toHaveLength(22);
    for (const o of wave2) {
      expect([...o.denied].sort(), `minute ${o.minute}`).toEqual([...strongest].sort());
      expect(peaks(o.message), `minute ${o.minute}`).toEqual(peaks(before));
    }
    // Expiry: the last anomalous minute is 72; the first run of minute 132 sees it out of the window and lifts every rule
    const lifted = run.observations.find((o) => o.minute > 80 && o.denied.length === 0);
    expect(lifted).toMatchObject({ minute: 132, task: 'FirstRun', onOriginalAcl: true });
    expect(run.observations.filter((o) => o.minute > (lifted?.minute ?? 0)).every((o) => o.onOriginalAcl && o.denied.length === 0)).toBe(
      true,
    );
    // Every run of the story completed and published a verdict; no entry write ever hit an ACL a subnet was on
    expect(run.observations.filter((o) => o.error !== undefined)).toEqual([]);
    expect(writesInUse).toEqual([]);
    // EC2 is written only by the runs that change the denied networks: the block at minute 71, and
    // the lifts as the flood minutes leave the window (minute 70 at 131: all but two fall back under the threshold)
    const callsOfRun = callsBeforeRun.map((before, i) => (callsBeforeRun[i + 1] ?? run.deployment.ec2.mutatingCalls().length) - before);
    const changing = run.observations.flatMap((o, i) => (sameNetworks(o.denied, run.observations[i - 1]?.denied ?? []) ? [] : [i]));
    expect(changing.map((i) => run.observations[i]?.minute)).toEqual([71, 131, 132]);
    expect(callsOfRun.flatMap((calls, i) => (calls > 0 ? [i] : []))).toEqual(changing);
    // About 270 summarizer runs over a 60-minute baseline of 300 sources.
  }, 600_000);

  it('blocks hit-and-run bursts from rotating sources, each within two minutes of its burst', async () => {
    // Prepare: four 2-minute bursts, three new sources each, every 5 minutes
    const bursts = [0, 1, 2, 3].map((k) => ({
      sources: [1, 2, 3].map((i) => `198.51.100.${k * 10 + i}`),
      fromMinute: 22 + k * 5,
      minutes: 2,
      packets: 30_000,
      packetsStep: 1_000,
    }));
    const spec = smallSpec({ minutes: 45, waves: bursts });

    // Act
    const run = await runScenario(machineOf(binStore), spec, { deployment: { ...SMALL_WINDOW, binStore } });

    // Assess: each burst's sources blocked in the minute after it starts, and no other source anomalous
    expect([...firstBlocked(run)].sort()).toEqual(bursts.flatMap((b) => b.sources.map((ip) => [`${ip}/32`, b.fromMinute + 1])).sort());
    expect([...anomalousEver(run)].sort()).toEqual(bursts.flatMap((b) => b.sources).sort());
    expect(run.observations.at(-1)).toMatchObject({ onOriginalAcl: true, denied: [] });
  });

  it('changes nothing in a quiet period', async () => {
    // Act
    const run = await runScenario(machineOf(binStore), smallSpec({ minutes: 30 }), { deployment: { ...SMALL_WINDOW, binStore } });

    // Assess: two runs a minute, minutes 1-31 (the run stops once past the data and settled)
    expect(run.observations).toHaveLength(62);
    expect(run.observations.every((o) => o.message !== undefined && o.message.anomalies.length === 0)).toBe(true);
    expect(run.observations.every((o) => o.onOriginalAcl && o.denied.length === 0)).toBe(true);
    const aclChanges = run.deployment.ec2.mutatingCalls().filter((c) => c.action !== 'CreateTags');
    expect(aclChanges).toEqual([]);
  });

  it('never blocks an allow-listed flooder, and still blocks the other one', async () => {
    // Prepare
    const spec = smallSpec({
      waves: [{ sources: ['192.0.2.50', '198.51.100.99'], fromMinute: 22, minutes: 3, packets: 40_000, packetsStep: 5_000 }],
    });

    // Act
    const run = await runScenario(machineOf(binStore), spec, {
      deployment: { ...SMALL_WINDOW, binStore, allowList: '# partners\n192.0.2.0/24\n' },
    });

    // Assess: both anomalous, only the other one ever blocked
    expect([...anomalousEver(run)].sort()).toEqual(['192.0.2.50', '198.51.100.99']);
    expect([...firstBlocked(run)]).toEqual([['198.51.100.99/32', 23]]);
  });

  it('blocks an IPv6 flooder with an IPv6 deny rule ahead of the mirrored IPv6 allow rule', async () => {
    // Prepare
    const spec = smallSpec({ waves: [{ sources: ['2001:db8:ffff::1'], fromMinute: 22, minutes: 3, packets: 40_000 }] });

    // Act
    const run = await runScenario(machineOf(binStore), spec, { deployment: { ...SMALL_WINDOW, binStore } });

    // Assess: blocked by the first run after the flood's first minute, the deny rule evaluated before the mirrored allow-all
    const blocking = run.observations.find((o) => o.denied.length > 0);
    expect(blocking).toMatchObject({ minute: 23, task: 'FirstRun', denied: ['2001:db8:ffff::1/128'] });
    expect(blocking?.activeEntries.filter((e) => e.ipv6CidrBlock !== undefined)).toEqual([
      { ruleNumber: 1, egress: false, protocol: '-1', ruleAction: 'deny', ipv6CidrBlock: '2001:db8:ffff::1/128' },
      { ruleNumber: 1001, egress: false, protocol: '-1', ruleAction: 'allow', ipv6CidrBlock: '::/0' },
      { ruleNumber: 32768, egress: false, protocol: '-1', ruleAction: 'deny', ipv6CidrBlock: '::/0' },
    ]);
    expect(run.observations.at(-1)).toMatchObject({ onOriginalAcl: true, denied: [] });
  });

  it('keeps the rules while Logs Insights queries fail, and lifts them once a run sees complete data', async () => {
    // Prepare: rules would expire around minute 45; every query fails in minutes 40-55
    const spec = smallSpec({ waves: [{ sources: ['198.51.100.77'], fromMinute: 22, minutes: 3, packets: 40_000 }] });
    const failing = (minute: number) => minute >= 40 && minute <= 55;

    // Act
    const run = await runScenario(machineOf(binStore), spec, {
      deployment: { ...SMALL_WINDOW, binStore },
      beforeRun: (deployment, minute, event) => {
        // As many failures as this run starts queries (the schedule by age varies it per run).
        const queries = planRun(deployment.now(), SMALL_WINDOW, readScheduleEvent(event, deployment.now())).minuteStartsMs.length;
        if (failing(minute)) deployment.insights.endNextQueriesWith(...Array.from({ length: queries }, () => 'Failed' as const));
      },
    });

    // Assess
    const during = run.observations.filter((o) => failing(o.minute));
    expect(during.length).toBe(32);
    expect(during.every((o) => o.message?.complete === false)).toBe(true);
    expect(during.every((o) => o.denied.includes('198.51.100.77/32'))).toBe(true);
    // Lifted by the first run after the failures, which saw complete data
    const lifted = run.observations.find((o) => o.minute > 25 && o.denied.length === 0);
    expect(lifted).toMatchObject({ minute: 56, task: 'FirstRun', message: { complete: true, anomalies: [] }, onOriginalAcl: true });
    const withRule = run.observations.filter((o) => o.denied.length > 0);
    expect(withRule.every((o) => o.message === undefined || o.message.complete === false || o.message.anomalies.length > 0)).toBe(true);
  });
});

describe('end to end, both bin stores', () => {
  it('gives identical verdicts and identical blocks run by run with Timestream and with DynamoDB', async () => {
    // Prepare: two floods and an allow-listed partner, with expiry, on a small window
    const spec = smallSpec({
      minutes: 45,
      waves: [
        { sources: ['198.51.100.1', '198.51.100.2', '192.0.2.50'], fromMinute: 22, minutes: 2, packets: 30_000, packetsStep: 2_000 },
        { sources: ['2001:db8:ffff::7', '203.0.113.9'], fromMinute: 30, minutes: 3, packets: 25_000, packetsStep: 5_000 },
      ],
    });
    const deployment = { ...SMALL_WINDOW, allowList: '192.0.2.0/24\n' };

    // Act
    const runs = [];
    for (const binStore of BIN_STORES) {
      runs.push(await runScenario(machineOf(binStore), spec, { deployment: { ...deployment, binStore } }));
    }

    // Assess: every run's verdict (baseline to the last bit, anomalies in order) and rules are the same
    const [timestream, dynamodb] = runs.map((run) =>
      run.observations.map(({ minute, task, message, denied, error }) => ({ minute, task, message, denied, error })),
    );
    expect(dynamodb).toEqual(timestream);
    expect(timestream?.filter((o) => (o.message?.anomalies.length ?? 0) > 0).length).toBeGreaterThan(10);
    expect(new Set(timestream?.flatMap((o) => o.denied))).toEqual(
      new Set(['198.51.100.1/32', '198.51.100.2/32', '2001:db8:ffff::7/128', '203.0.113.9/32']),
    );
  });
});
