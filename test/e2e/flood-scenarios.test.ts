import { beforeAll, describe, expect, it } from 'vitest';
import { BLOG_FLOODERS, BLOG_STORY } from '../../scenarios/blog-story';
import type { ScenarioSpec } from '../../scenarios/generator';
import { runScenario, synthesizedMachine, type ScenarioRun, type SynthesizedMachine } from '../support/scenario';
import { planRun } from '../../core/run-window';

let machine: SynthesizedMachine;

beforeAll(() => {
  machine = synthesizedMachine();
});

/** A small world for the shorter stories: 80 steady sources, a 20-minute window. */
function smallSpec(overrides: Partial<ScenarioSpec>): ScenarioSpec {
  return {
    name: 'small',
    description: 'test',
    startEpoch: Date.UTC(2026, 2, 1, 8, 0, 0) / 1000,
    minutes: 40,
    seed: 7,
    steadySources: 80,
    steadyPackets: [200, 3000],
    steadyPresence: 0.9,
    waves: [],
    listenerPort: 443,
    listenerProtocol: 6,
    vpcCidrs: ['10.0.0.0/16', '2600:1f18:4a3:6900::/56'],
    endpoint: '10.0.1.10',
    ...overrides,
  };
}
const SMALL_WINDOW = { windowMinutes: 20, requeryMinutes: 5 };

/** Every deny rule ever in force, and when it first was. */
function firstBlocked(run: ScenarioRun): Map<string, number> {
  const first = new Map<string, number>();
  for (const o of run.observations) for (const cidr of o.denied) if (!first.has(cidr)) first.set(cidr, o.minute);
  return first;
}

function anomalousEver(run: ScenarioRun): Set<string> {
  return new Set(run.observations.flatMap((o) => o.message?.anomalies.map((a) => a.sourceIp) ?? []));
}

describe('end to end: synthesized state machine, real handlers, simulated AWS', () => {
  it('gives both functions exactly the environment variables the stack sets', async () => {
    // Prepare
    const run = await runScenario(machine, smallSpec({ minutes: 1 }), { deployment: SMALL_WINDOW, stopWhenSettled: true });

    // Assess
    expect(Object.keys(run.deployment.summarizerEnv).sort()).toEqual(machine.summarizerVariables);
    expect(Object.keys(run.deployment.updaterEnv).sort()).toEqual(machine.updaterVariables);
  });

  it('tells the blog story: 18 of 20 flooders blocked, a second wave rejected at once, rules expire an hour later', async () => {
    // Act: records here are complete a minute after they start, so re-querying 3 minutes (not the
    // default 10) sees every one, at a third of the Insights and Timestream work.
    const run = await runScenario(machine, BLOG_STORY, { deployment: { requeryMinutes: 3 } });

    // Assess: detection within minutes of the first flood minute (70), capacity 18 of quota 20
    const first = firstBlocked(run);
    const strongest = BLOG_FLOODERS.slice(2).map((ip) => `${ip}/32`);
    expect([...first.keys()].sort()).toEqual([...strongest].sort());
    for (const cidr of strongest) expect(first.get(cidr)).toBeLessThanOrEqual(73);
    expect(Math.max(...run.observations.map((o) => o.denied.length))).toBe(18);
    // The two weakest were anomalous, reported, never blocked
    const weakest = BLOG_FLOODERS.slice(0, 2);
    for (const ip of weakest) expect(anomalousEver(run).has(ip)).toBe(true);
    expect(run.observations.some((o) => o.denied.some((c) => weakest.some((ip) => c.startsWith(`${ip}/`))))).toBe(false);
    // Second wave (minutes 100-104) while the rules hold: no new rule, nothing newly anomalous
    const wave2 = run.observations.filter((o) => o.minute >= 100 && o.minute <= 110);
    expect(wave2.every((o) => o.denied.length === 18)).toBe(true);
    expect(wave2.every((o) => (o.message?.anomalies.length ?? 0) <= 20)).toBe(true);
    // Expiry: the last anomalous minute is 72 at the latest; rules go one window later, subnets back on the original ACL
    const lifted = run.observations.find((o) => o.minute > 80 && o.denied.length === 0);
    expect(lifted?.minute).toBeGreaterThanOrEqual(130);
    expect(lifted?.minute).toBeLessThanOrEqual(134);
    expect(lifted?.onOriginalAcl).toBe(true);
    expect(run.observations.filter((o) => o.minute > (lifted?.minute ?? 0)).every((o) => o.onOriginalAcl && o.denied.length === 0)).toBe(
      true,
    );
    // Every run of the story completed and published a verdict
    expect(run.observations.filter((o) => o.error !== undefined)).toEqual([]);
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
    const run = await runScenario(machine, spec, { deployment: SMALL_WINDOW });

    // Assess
    const first = firstBlocked(run);
    for (const burst of bursts) {
      for (const ip of burst.sources) expect(first.get(`${ip}/32`), ip).toBeLessThanOrEqual(burst.fromMinute + 2);
    }
    expect(first.size).toBe(12);
    expect(run.observations.at(-1)?.onOriginalAcl).toBe(true);
  });

  it('changes nothing in a quiet period', async () => {
    // Act
    const run = await runScenario(machine, smallSpec({ minutes: 30 }), { deployment: SMALL_WINDOW });

    // Assess
    expect(run.observations.length).toBeGreaterThanOrEqual(58);
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
    const run = await runScenario(machine, spec, { deployment: { ...SMALL_WINDOW, allowList: '# partners\n192.0.2.0/24\n' } });

    // Assess
    expect(anomalousEver(run).has('192.0.2.50')).toBe(true);
    expect(run.observations.some((o) => o.denied.some((c) => c.startsWith('192.0.2.')))).toBe(false);
    expect(firstBlocked(run).has('198.51.100.99/32')).toBe(true);
  });

  it('blocks an IPv6 flooder with an IPv6 deny rule ahead of the mirrored IPv6 allow rule', async () => {
    // Prepare
    const spec = smallSpec({ waves: [{ sources: ['2001:db8:ffff::1'], fromMinute: 22, minutes: 3, packets: 40_000 }] });

    // Act
    const run = await runScenario(machine, spec, { deployment: SMALL_WINDOW });

    // Assess
    const blocking = run.observations.find((o) => o.denied.length > 0);
    expect(blocking?.denied).toEqual(['2001:db8:ffff::1/128']);
    expect(blocking?.minute).toBeLessThanOrEqual(24);
    const v6 = blocking?.activeEntries.filter((e) => e.ipv6CidrBlock !== undefined) ?? [];
    expect(v6[0]).toMatchObject({ ipv6CidrBlock: '2001:db8:ffff::1/128', ruleAction: 'deny', protocol: '-1' });
    expect(v6.find((e) => e.ruleAction === 'allow')).toMatchObject({ ipv6CidrBlock: '::/0' });
    expect(v6.findIndex((e) => e.ruleAction === 'allow')).toBeGreaterThan(0);
    expect(run.observations.at(-1)?.onOriginalAcl).toBe(true);
  });

  it('keeps the rules while Logs Insights queries fail, and lifts them once a run sees complete data', async () => {
    // Prepare: rules would expire around minute 45; every query fails in minutes 40-55
    const spec = smallSpec({ waves: [{ sources: ['198.51.100.77'], fromMinute: 22, minutes: 3, packets: 40_000 }] });
    const failing = (minute: number) => minute >= 40 && minute <= 55;

    // Act
    const run = await runScenario(machine, spec, {
      deployment: SMALL_WINDOW,
      beforeRun: (deployment, minute) => {
        // As many failures as this run starts queries (the schedule by age varies it per run).
        const queries = planRun(deployment.now(), SMALL_WINDOW).minuteStartsMs.length;
        if (failing(minute)) deployment.insights.endNextQueriesWith(...Array.from({ length: queries }, () => 'Failed' as const));
      },
    });

    // Assess
    const during = run.observations.filter((o) => failing(o.minute));
    expect(during.length).toBe(32);
    expect(during.every((o) => o.message?.complete === false)).toBe(true);
    expect(during.every((o) => o.denied.includes('198.51.100.77/32'))).toBe(true);
    // Lifted only after the failures, by a run that saw complete data
    const lifted = run.observations.find((o) => o.minute > 25 && o.denied.length === 0);
    expect(lifted?.minute).toBeGreaterThan(55);
    expect(lifted?.message?.complete).toBe(true);
    expect(lifted?.onOriginalAcl).toBe(true);
    const withRule = run.observations.filter((o) => o.denied.length > 0);
    expect(withRule.every((o) => o.message === undefined || o.message.complete === false || o.message.anomalies.length > 0)).toBe(true);
  });
});
