/**
 * End-to-end driver: the SYNTHESIZED detection state machine, executed by aws-local-stepfunctions
 * once per simulated minute, its two summarizer tasks overridden to invoke the real summarizer
 * handler of a SimulatedDeployment (real updater, in-process AWS stand-ins, simulated clock).
 * SNS's asynchronous delivery to the updater happens right after each summarizer run.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { onTestFinished, vi } from 'vitest';
import { cidrText } from '../../core/addresses';
import type { AnomalyMessage } from '../../core/anomaly-message';
import { denyNetworksOf } from '../../core/nacl-plan';
import { scenarioRecords, type ScenarioSpec } from '../../scenarios/generator';
import { STACK_CONTEXT } from './builders';
import type { ScheduleEvent } from '../../functions/summarizer/contract';
import { SECOND_RUN_DELAY_SECONDS } from '../../functions/summarizer/contract';
import { SimulatedDeployment, type DeploymentSpec } from '../../simulation/deployment';
import { deliverUntil, ReplayInput } from '../../tools/replay/engine';
import { logicalIdOf, resolveCfn, synthesize } from './cdk';

export type Definition = ConstructorParameters<typeof StateMachine>[0];
type Overrides = NonNullable<NonNullable<Parameters<StateMachine['run']>[1]>['overrides']>;

export interface Observation {
  /** Simulated time of the summarizer run, epoch ms. */
  readonly at: number;
  /** Minute of the scenario (0 = spec.startEpoch). */
  readonly minute: number;
  readonly task: string;
  /** The message this run published, if it published one. */
  readonly message?: AnomalyMessage;
  readonly error?: string;
  /** Deny rules on the protected subnets' ACL after the updater ran. */
  readonly denied: readonly string[];
  readonly onOriginalAcl: boolean;
  /** Inbound entries of the active ACL (for IPv6 / order assertions). */
  readonly activeEntries: ReturnType<SimulatedDeployment['activeAclEntries']>;
}

export interface SynthesizedMachine {
  readonly definition: Definition;
  /** Environment variable NAMES the stack gives each function. */
  readonly summarizerVariables: readonly string[];
  readonly updaterVariables: readonly string[];
  readonly taskStates: readonly string[];
  readonly waitStates: readonly string[];
}

const SUMMARIZER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:summarizer';

/** Synthesizes the real app once (with extra context, e.g. the bin store) and extracts the state machine with its task ARNs resolved. */
export function synthesizedMachine(context: Record<string, unknown> = {}): SynthesizedMachine {
  const { template, dispose } = synthesize({ ...STACK_CONTEXT, ...context });
  dispose();
  const summarizer = logicalIdOf(template, 'AWS::Lambda::Function', 'DetectionSummarizerFunction');
  const updater = logicalIdOf(template, 'AWS::Lambda::Function', 'MitigationNaclUpdater');
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as {
    Properties: { DefinitionString: unknown };
  };
  const ids = { [`${summarizer}.Arn`]: SUMMARIZER_ARN };
  const definition = JSON.parse(resolveCfn(machine.Properties.DefinitionString, ids) as string) as Definition;
  const functions = template.findResources('AWS::Lambda::Function') as Record<
    string,
    { Properties: { Environment?: { Variables?: Record<string, unknown> } } }
  >;
  // Node.js runtime settings (source maps, connection reuse) are not product configuration.
  const runtime = new Set(['NODE_OPTIONS', 'AWS_NODEJS_CONNECTION_REUSE_ENABLED']);
  const variables = (id: string) =>
    Object.keys(functions[id]?.Properties.Environment?.Variables ?? {})
      .filter((v) => !runtime.has(v))
      .sort();
  const states = definition.States as unknown as Record<string, { Type: string }>;
  return {
    definition,
    summarizerVariables: variables(summarizer),
    updaterVariables: variables(updater),
    taskStates: Object.keys(states).filter((s) => states[s]?.Type === 'Task'),
    waitStates: Object.keys(states).filter((s) => states[s]?.Type === 'Wait'),
  };
}

export interface ScenarioRun {
  readonly observations: Observation[];
  readonly deployment: SimulatedDeployment;
  readonly spec: ScenarioSpec;
  /** Scenario minute of an epoch-ms time. */
  minuteOf(ms: number): number;
}

export interface RunOptions {
  readonly deployment?: Partial<DeploymentSpec>;
  /** Stop once past the data and back on the original ACL with nothing anomalous. @default true */
  readonly stopWhenSettled?: boolean;
  /** Called before every summarizer run with the event the state machine sends it, e.g. to inject faults into the stand-ins. */
  readonly beforeRun?: (deployment: SimulatedDeployment, minute: number, event: ScheduleEvent) => void;
  /** How far into each minute EventBridge starts the execution, ms (it fires anywhere in the minute). @default 0 */
  readonly executionStartOffsetMs?: number;
  /** How long each first run takes, ms: the second starts 30 s after it ends. @default 0 */
  readonly firstRunMs?: number;
}

/** Runs the scenario minute by minute through the synthesized state machine; the deployment is closed when the test ends. */
export async function runScenario(machine: SynthesizedMachine, spec: ScenarioSpec, options: RunOptions = {}): Promise<ScenarioRun> {
  const windowMinutes = options.deployment?.windowMinutes ?? 60;
  const deployment = await SimulatedDeployment.create({
    startMs: spec.startEpoch * 1000,
    vpcCidrs: spec.vpcCidrs,
    listeners: [{ port: spec.listenerPort, protocol: spec.listenerProtocol }],
    ...options.deployment,
  });
  onTestFinished(() => deployment.close());
  const input = new ReplayInput({ listeners: [{ port: spec.listenerPort, protocol: spec.listenerProtocol }] });
  input.add([...scenarioRecords(spec)]);
  input.sort();
  const observations: Observation[] = [];
  const minuteOf = (ms: number) => Math.floor((ms / 1000 - spec.startEpoch) / 60);
  let next = 0;
  const [firstTask, secondTask] = machine.taskStates;
  const waitMs = SECOND_RUN_DELAY_SECONDS * 1000;
  // The state machine's input to the task (its payload: run number, execution start) is the summarizer's event.
  const runTask = (task: string, runAt: () => number, after?: (at: number) => void) => async (event: unknown) => {
    const at = runAt();
    next = deliverUntil(input, deployment, deployment.activeAclEntries(), next, at);
    deployment.advanceTo(at);
    options.beforeRun?.(deployment, minuteOf(at), event as ScheduleEvent);
    const before = deployment.applied.length;
    let error: string | undefined;
    let result: unknown = null;
    try {
      result = await deployment.invokeSummarizer(event);
    } catch (e) {
      error = (e as Error).message;
    }
    after?.(at);
    await deployment.deliverNotifications();
    const entries = deployment.activeAclEntries();
    observations.push({
      at,
      minute: minuteOf(at),
      task,
      error,
      message: deployment.applied.length > before ? deployment.applied.at(-1) : undefined,
      denied: denyNetworksOf(entries).map(cidrText),
      onOriginalAcl: deployment.onOriginalAcl(),
      activeEntries: entries.filter((e) => !e.egress),
    });
    if (error) throw Object.assign(new Error(error), { name: 'SummarizerError' });
    return JSON.parse(JSON.stringify(result)) as never;
  };
  const lastMinute = spec.minutes + windowMinutes + 12;
  // Validated once here; every minute runs a new execution of it, as the schedule starts one.
  const stateMachine = new StateMachine(machine.definition);
  for (let minute = 1; minute <= lastMinute; minute++) {
    const startMs = (spec.startEpoch + minute * 60) * 1000 + (options.executionStartOffsetMs ?? 0);
    let firstRunEndMs = startMs;
    // A slow first run: the clock has moved on when it returns, and the wait starts from there.
    const slowFirstRun = (at: number) => deployment.advanceTo((firstRunEndMs = Math.max(deployment.now(), at + (options.firstRunMs ?? 0))));
    const execution = startExecution(stateMachine, startMs, {
      taskResourceLocalHandlers: {
        [firstTask as string]: runTask(firstTask as string, () => startMs, slowFirstRun),
        [secondTask as string]: runTask(secondTask as string, () => firstRunEndMs + waitMs),
      },
      // The simulated clock moves in the task handlers; no real waiting.
      waitTimeOverrides: Object.fromEntries(machine.waitStates.map((w) => [w, 0])),
    });
    // A failed execution (both runs failed) is logged by Step Functions; the next minute runs anyway.
    await execution.result.catch(() => undefined);
    const last = observations.at(-1);
    const settled = last !== undefined && last.onOriginalAcl && last.denied.length === 0 && (last.message?.anomalies.length ?? 0) === 0;
    if ((options.stopWhenSettled ?? true) && minute > spec.minutes && settled) break;
  }
  return { observations, deployment, spec, minuteOf };
}

/**
 * Starts an execution as EventBridge would at `startMs` of the simulated clock. aws-local-stepfunctions
 * stamps `$$.Execution.StartTime` from the host's Date when the execution starts (its context option
 * cannot set it), synchronously within run(); the host's Date reads `startMs` for that call only.
 */
export function startExecution(stateMachine: StateMachine, startMs: number, overrides: Overrides) {
  const start = () => stateMachine.run({ 'detail-type': 'Scheduled Event', time: new Date(startMs).toISOString() }, { overrides });
  // A test that fakes the timers itself keeps them, on its own clock set to the start.
  if (vi.isFakeTimers()) {
    vi.setSystemTime(startMs);
    return start();
  }
  vi.useFakeTimers({ toFake: ['Date'], now: startMs });
  try {
    return start();
  } finally {
    vi.useRealTimers();
  }
}
