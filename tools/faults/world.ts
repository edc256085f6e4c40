/**
 * The fault campaign's world: a short hit-and-run story run on the in-process deployment (the
 * real summarizer and updater over the AWS stand-ins, simulated clock, two runs a minute), with
 * the invariants I1-I5 (docs/failure-handling.md) checked after every run and after every EC2 call that changes state.
 */
import { cidrText, networkContains, parseNetwork, type Network } from '../../core/addresses';
import { denyNetworksOf, type AclEntry } from '../../core/nacl-plan';
import { scenarioRecords, type ScenarioSpec } from '../../scenarios/generator';
import { SimulatedDeployment, type DeploymentSpec } from '../../simulation/deployment';
import type { UpdaterHandler } from '../../functions/nacl-updater/handler';
import { sqsEvent } from '../../simulation/event-source';
import type { PublishedMessage } from '../../simulation/sns';
import { deliverUntil, ReplayInput } from '../replay/engine';

export const PARTNER = '192.0.2.50';
const WAVE_A = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
const WAVE_B = ['203.0.113.1', '203.0.113.2'];

/**
 * Minutes of the story: A floods in minute 10 (with an allow-listed partner), B in minute 15; A's
 * rules expire at minute 19, B's at 24. One-minute waves keep the traffic the same whether a rule
 * came a run early or late, so a faulty run can be compared with the fault-free one.
 */
export const SCENARIO: ScenarioSpec = {
  name: 'fault-campaign',
  description: 'two short floods, one expiry, an allow-listed partner flooding',
  startEpoch: Date.UTC(2026, 2, 1, 8, 0, 0) / 1000,
  minutes: 24,
  seed: 11,
  steadySources: 30,
  steadyPackets: [200, 3000],
  steadyPresence: 0.9,
  waves: [
    { sources: [...WAVE_A, PARTNER], fromMinute: 10, minutes: 1, packets: 40_000, packetsStep: 2_000 },
    { sources: WAVE_B, fromMinute: 15, minutes: 1, packets: 40_000, packetsStep: 2_000 },
  ],
  listenerPort: 443,
  listenerProtocol: 6,
  vpcCidrs: ['10.0.0.0/16', '2600:1f18:4a3:6900::/56'],
  endpoint: '10.0.1.10',
};
export const ALLOW_LIST = '# partner\n192.0.2.0/24\n';
export const BASE_DEPLOYMENT: Partial<DeploymentSpec> = { windowMinutes: 8, requeryMinutes: 7, allowList: ALLOW_LIST, subnetCount: 3 };
/** The fault is active for the runs from FAULT_FROM up to (not including) FAULT_UNTIL, in scenario minutes. */
export const FAULT_FROM = 15;
export const FAULT_UNTIL = 21;
const LAST_RUN = SCENARIO.minutes;

export type Invariant = 'I1' | 'I2' | 'I3' | 'I4' | 'I5';

export interface Violation {
  readonly invariant: Invariant;
  readonly at: string;
  readonly detail: string;
}

/** What the platform (Lambda) records when a handler invocation fails: its log line and the Errors metric. */
export interface PlatformError {
  readonly at: number;
  readonly fn: 'summarizer' | 'nacl-updater';
  readonly message: string;
}

/** Per run: the deny rules each protected subnet is under, and whether all are on the original ACL. */
export interface RunState {
  readonly at: number;
  readonly deniedBySubnet: readonly (readonly string[])[];
  readonly onOriginal: boolean;
}

export interface FaultContext {
  readonly deployment: SimulatedDeployment;
  readonly platformErrors: PlatformError[];
  /**
   * Hands one published message to the updater container outside the queue's order (a redelivery,
   * as after an invocation that timed out before its message was deleted); a thrown error is recorded.
   */
  invokeUpdater(message: PublishedMessage, container?: UpdaterHandler): Promise<void>;
  /** The verdict queue's event source mapping delivers what the queue hands out now; failed invocations are recorded. */
  deliverQueued(): Promise<void>;
}

/** A fault: how to turn it on and off, and how it changes the delivery of the verdicts. */
export interface FaultHooks {
  readonly deployment?: Partial<DeploymentSpec>;
  arm(ctx: FaultContext): void | Promise<void>;
  disarm?(ctx: FaultContext): void | Promise<void>;
  /** Replaces the normal delivery of a run's messages (the verdict queue's event source mapping) while the fault is armed. */
  deliver?(ctx: FaultContext, messages: PublishedMessage[]): Promise<void>;
}

export interface WorldRun {
  readonly states: RunState[];
  readonly violations: Violation[];
  readonly deployment: SimulatedDeployment;
  readonly platformErrors: PlatformError[];
  readonly armedAt: number;
  readonly disarmedAt: number;
}

const minuteMs = (minute: number) => (SCENARIO.startEpoch + minute * 60) * 1000;
export const label = (ms: number) => {
  const seconds = ms / 1000 - SCENARIO.startEpoch;
  return `minute ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
};

/** Runs the story, with the fault armed for the runs in [FAULT_FROM, FAULT_UNTIL); `reference` is the fault-free run to compare with. */
export async function runWorld(
  hooks: FaultHooks | undefined,
  reference?: readonly RunState[],
  extraProtected: readonly string[] = [],
): Promise<WorldRun> {
  const deployment = await SimulatedDeployment.create({
    startMs: SCENARIO.startEpoch * 1000,
    vpcCidrs: SCENARIO.vpcCidrs,
    listeners: [{ port: SCENARIO.listenerPort, protocol: SCENARIO.listenerProtocol }],
    ...BASE_DEPLOYMENT,
    ...hooks?.deployment,
  });
  const input = new ReplayInput({ listeners: [{ port: SCENARIO.listenerPort, protocol: SCENARIO.listenerProtocol }] });
  input.add([...scenarioRecords(SCENARIO)]);
  input.sort();
  const platformErrors: PlatformError[] = [];
  const ctx = faultContext(deployment, platformErrors);
  const checker = new InvariantChecker(deployment, reference, extraProtected);
  deployment.faults.observe((command, input) => checker.afterCall(command, input));
  const states: RunState[] = [];
  let next = 0;
  let armed = false;
  // The deployment's DuckDB database is closed however the story ends.
  try {
    for (let at = minuteMs(1); at <= minuteMs(LAST_RUN); at += 30_000) {
      armed = await armForRun(hooks, ctx, armed, at);
      next = deliverUntil(input, deployment, deployment.activeAclEntries(), next, at);
      deployment.advanceTo(at);
      checker.beginRun(states.length, at);
      try {
        await deployment.invokeSummarizer();
      } catch (error) {
        platformErrors.push({ at, fn: 'summarizer', message: String((error as Error).message) });
      }
      const messages = deployment.sns.drain();
      if (armed && hooks?.deliver) {
        // The hook delivers the run's messages instead: they are taken off the queue (received and deleted).
        deployment.verdicts.takeAll();
        await hooks.deliver(ctx, messages);
      } else await ctx.deliverQueued();
      checker.checkSingleWriter(at);
      states.push(checker.endRun(at));
    }
  } finally {
    deployment.close();
  }
  return {
    states,
    violations: checker.violations,
    deployment,
    platformErrors,
    armedAt: minuteMs(FAULT_FROM),
    disarmedAt: minuteMs(FAULT_UNTIL),
  };
}

/** What a fault's hooks act through; the updater's errors are recorded as Lambda would report them, not thrown. */
function faultContext(deployment: SimulatedDeployment, platformErrors: PlatformError[]): FaultContext {
  return {
    deployment,
    platformErrors,
    invokeUpdater: async (message, container = deployment.updater) => {
      const redelivered = { messageId: message.messageId, receiptHandle: `redelivered-${message.messageId}`, body: message.message };
      const at = { receiveCount: 2, sentAt: message.publishedAt, firstReceivedAt: message.publishedAt };
      try {
        await container(sqsEvent([{ ...redelivered, ...at }], 'arn:aws:sqs:us-east-1:123456789012:redelivered.fifo'));
      } catch (error) {
        recordError(error);
      }
    },
    deliverQueued: () => deployment.deliverNotifications(recordError),
  };
  function recordError(error: unknown): void {
    platformErrors.push({ at: deployment.now(), fn: 'nacl-updater', message: String((error as Error).message) });
  }
}

/** Arms the fault at the first run in [FAULT_FROM, FAULT_UNTIL) and disarms it at the first run after; returns whether it is armed. */
async function armForRun(hooks: FaultHooks | undefined, ctx: FaultContext, armed: boolean, at: number): Promise<boolean> {
  if (!armed && hooks && at >= minuteMs(FAULT_FROM) && at < minuteMs(FAULT_UNTIL)) {
    await hooks.arm(ctx);
    return true;
  }
  if (armed && at >= minuteMs(FAULT_UNTIL)) {
    ctx.deployment.faults.clear();
    await hooks?.disarm?.(ctx);
    return false;
  }
  return armed;
}

/** Checks I1, I2 and I5 after every state-changing EC2 call and every run, and I3 after every run. */
class InvariantChecker {
  readonly violations: Violation[] = [];
  private readonly protectedNetworks: Network[];
  private run = 0;
  private runAt = 0;
  private last: string[][];

  constructor(
    private readonly deployment: SimulatedDeployment,
    private readonly reference: readonly RunState[] | undefined,
    extraProtected: readonly string[],
  ) {
    const allowList = ALLOW_LIST.split('\n').filter((l) => l && !l.startsWith('#'));
    this.protectedNetworks = [...SCENARIO.vpcCidrs, ...allowList, ...extraProtected].map((c) => parseNetwork(c, { allowHostBits: true })!);
    this.last = this.deniedBySubnet();
  }

  beginRun(index: number, at: number): void {
    this.run = index;
    this.runAt = at;
  }

  /** I5 needs one writer: the verdict queue never runs two updater invocations at once. */
  checkSingleWriter(at: number): void {
    const most = this.deployment.updatersInFlightAtMost;
    if (most > 1) this.violate('I5', label(at), `${most} updater invocations ran at once: two writers of the ACLs`);
  }

  afterCall(command: string, input: unknown): void {
    if (command === 'DescribeNetworkAclsCommand' || command === 'CreateTagsCommand') return;
    const at = `${label(this.runAt)} after ${command.replace(/Command$/, '')}`;
    // I5: an ACL a protected subnet is on is never written (an entry write leaves associations as they were).
    const aclId = command.endsWith('NetworkAclEntryCommand') ? (input as { NetworkAclId?: string }).NetworkAclId : undefined;
    const onIt = this.deployment.subnetIds.find((subnet) => this.deployment.ec2.aclOf(subnet) === aclId);
    if (onIt) this.violate('I5', at, `${command.replace(/Command$/, '')} wrote ${aclId}, which ${onIt} is on`);
    this.checkState(at);
  }

  endRun(at: number): RunState {
    this.checkState(`${label(at)} end of run`);
    const state = { at, deniedBySubnet: this.deniedBySubnet(), onOriginal: this.deployment.onOriginalAcl() };
    this.checkConvergence(state);
    return state;
  }

  private deniedBySubnet(): string[][] {
    return this.deployment.subnetIds.map((id) =>
      denyNetworksOf(this.entriesOf(this.deployment.ec2.aclOf(id)))
        .map(cidrText)
        .sort(),
    );
  }

  private entriesOf(aclId: string): AclEntry[] {
    return this.deployment.ec2.entriesOf(aclId).map((e) => ({
      ruleNumber: e.RuleNumber ?? 0,
      egress: e.Egress ?? false,
      protocol: e.Protocol ?? '-1',
      ruleAction: e.RuleAction === 'deny' ? 'deny' : 'allow',
      ...(e.CidrBlock !== undefined ? { cidrBlock: e.CidrBlock } : {}),
      ...(e.Ipv6CidrBlock !== undefined ? { ipv6CidrBlock: e.Ipv6CidrBlock } : {}),
    }));
  }

  private readonly seen = new Set<string>();

  /** Records a violation once per invariant and detail (the first time it is seen). */
  private violate(invariant: Invariant, at: string, detail: string): void {
    const key = `${invariant} ${detail}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.violations.push({ invariant, at, detail });
  }

  private checkState(at: string): void {
    const denied = this.deniedBySubnet();
    this.deployment.subnetIds.forEach((subnet, i) => {
      const aclId = this.deployment.ec2.aclOf(subnet);
      this.checkFullyWritten(at, subnet, aclId);
      // I1: no deny rule on a subnet's ACL covers a protected address.
      for (const cidr of denied[i] ?? []) {
        const rule = parseNetwork(cidr)!;
        const hit = this.protectedNetworks.find((p) => networkContains(rule, p.address) || networkContains(p, rule.address));
        if (hit) this.violate('I1', at, `${subnet} denies ${cidr}, which covers protected ${cidrText(hit)}`);
      }
      // I2: a network denied before is lifted only where the fault-free run lifts it too: a lift is
      // early when the fault-free run still keeps the block at the same run and at the same moment.
      // Both, because a fault that slows the functions (a slow S3 read) runs each run later than the
      // fault-free run, so the run with the same index may already have lifted what the data lifts.
      const sameRun = this.reference?.[this.run]?.deniedBySubnet[i];
      const sameTime = this.referenceAt(this.deployment.now())?.deniedBySubnet[i];
      for (const cidr of this.last[i] ?? []) {
        const keptByReference = sameRun?.includes(cidr) === true && sameTime?.includes(cidr) !== false;
        if (keptByReference && !(denied[i] ?? []).includes(cidr)) {
          this.violate('I2', at, `${subnet} lost the block on ${cidr}, which the fault-free run keeps`);
        }
      }
    });
    this.last = denied;
  }

  /** The fault-free run's state in force at `at`: that of its last run ended by then. */
  private referenceAt(at: number): RunState | undefined {
    return this.reference?.filter((state) => state.at <= at).at(-1);
  }

  /** I5: original, blue or green, and a stack ACL in use mirrors the original's rules, in order, after its deny rules (and is never written, afterCall). */
  private checkFullyWritten(at: string, subnet: string, aclId: string): void {
    const { deployment } = this;
    const stackAcls = [deployment.updaterEnv.BLUE_NACL_ID, deployment.updaterEnv.GREEN_NACL_ID];
    if (aclId === deployment.originalAclId) return;
    if (!stackAcls.includes(aclId)) {
      this.violate('I5', at, `${subnet} is on ${aclId}, neither the original nor a stack ACL`);
      return;
    }
    const rules = (id: string, egress: boolean) => this.entriesOf(id).filter((e) => e.egress === egress && e.ruleNumber < 32767);
    const shape = (e: AclEntry) => `${e.ruleAction} ${e.protocol} ${e.cidrBlock ?? e.ipv6CidrBlock}`;
    for (const egress of [false, true]) {
      const original = rules(deployment.originalAclId, egress).map(shape);
      const actual = rules(aclId, egress);
      const prefix = actual.slice(0, actual.length - original.length);
      const suffix = actual.slice(actual.length - original.length).map(shape);
      const complete =
        actual.length >= original.length &&
        JSON.stringify(suffix) === JSON.stringify(original) &&
        prefix.every((e) => e.ruleAction === 'deny' && e.protocol === '-1');
      if (!complete)
        this.violate(
          'I5',
          at,
          `${subnet} is on ${aclId}, whose ${egress ? 'outbound' : 'inbound'} rules are not the original's after deny rules: ${actual.map(shape).join(', ')}`,
        );
    }
  }

  /** I3: from the second run after the fault cleared, the same deny rules as the fault-free run. */
  private checkConvergence(state: RunState): void {
    const expected = this.reference?.[this.run];
    if (!expected || state.at < minuteMs(FAULT_UNTIL) + 30_000) return;
    const same =
      JSON.stringify(state.deniedBySubnet) === JSON.stringify(expected.deniedBySubnet) && state.onOriginal === expected.onOriginal;
    if (!same)
      this.violate(
        'I3',
        label(state.at),
        `deny rules ${JSON.stringify(state.deniedBySubnet[0])} (on original: ${state.onOriginal}); fault-free run: ${JSON.stringify(expected.deniedBySubnet[0])} (on original: ${expected.onOriginal})`,
      );
  }
}
