/**
 * The whole product deployed in-process: the REAL summarizer and NACL updater handlers, over
 * stand-ins for Logs Insights, the packet-bin store the settings choose (Timestream on DuckDB, or
 * DynamoDB on dynalite), SNS, S3, CloudWatch Logs streams and EC2 network ACLs, on a simulated clock. The replay CLI and the end-to-end tests both run on it.
 *
 * Each function gets what the stack gives it: its environment written by its contract's
 * toEnvironment from the same settings (the stack's context keys, with the contracts' defaults)
 * and read back by the contract's loadConfig, and its contract's timeout, enforced as Lambda
 * does: the remaining time the handler sees counts down from it, and an invocation still running
 * at the timeout is stopped there: it fails, nothing it does after the timeout reaches a service
 * (no wait ends, no call is served), and the next invocation starts in a new container.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseAnomalyMessage, type AnomalyMessage } from '../core/anomaly-message';
import type { AclEntry } from '../core/nacl-plan';
import * as updaterContract from '../functions/nacl-updater/contract';
import { createHandler as createUpdater, type UpdaterHandler } from '../functions/nacl-updater/handler';
import { sdkClientOptions } from '../functions/common/client-options';
import { NETWORK_FACTS_SERVICE_NAME } from '../functions/network-facts/contract';
import type { FunctionDeployment } from '../functions/common/contract';
import * as summarizerContract from '../functions/summarizer/contract';
import { createHandler as createSummarizer, type SummarizerHandler, type SummarizerResult } from '../functions/summarizer/handler';
import { BIN_NAMES, binStoreClients, binStoreStandIn, type BinStoreStandIn } from './bin-store-stand-in';
import { Ec2NetworkAclStandIn } from './ec2/stand-in';
import { FaultInjector } from './faults';
import { LogStreamsStandIn } from './log-streams';
import type { LogEvent } from './logs-insights/log-groups';
import { LogsInsightsStandIn } from './logs-insights/stand-in';
import { ClockSignals } from './clock-signals';
import { S3StandIn } from './s3';
import { onTheMinuteEvent } from './schedule';
import { routeCommands, type Route } from './sdk-routing';
import { SnsStandIn } from './sns';
import { VerdictDelivery, type SimulatedDelivery } from './verdict-delivery';
import { TelemetryCapture } from './telemetry-capture';
import { toAclEntry } from './acl-entry';
import { reportModeRestoreEvent, runDeployTimeFunction } from './deploy-time-events';
import { seededObjects, settingsOf, type DeployedResources, type DeploymentSpec, type FunctionSettings } from './deployment-settings';

export type { BinStoreStandIn, DeployedResources, DeploymentSpec, FunctionSettings, SimulatedDelivery };

/** How the simulation deploys one function: what its handler runs with. */
export interface SimulatedFunction {
  readonly environment: Readonly<Record<string, string>>;
  readonly deployment: FunctionDeployment;
}

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' };
const AT = { region: REGION, credentials };
/** The summarizer's clients as its cold start builds them (the contract's timeouts), in the simulated region. */
const SUMMARIZER_CLIENTS = { ...sdkClientOptions(summarizerContract.SUMMARIZER_CALLS), ...AT };

export class SimulatedDeployment {
  readonly insights: LogsInsightsStandIn;
  readonly sns: SnsStandIn;
  /** The FIFO verdict queue, its dead-letter queue and the updater's event source mapping. */
  readonly verdicts: VerdictDelivery;
  readonly s3 = new S3StandIn();
  readonly ec2: Ec2NetworkAclStandIn;
  readonly logStreams = new LogStreamsStandIn();
  /** What both handlers logged and counted, in order, as Powertools writes it, on the simulated clock. */
  readonly telemetry = new TelemetryCapture(() => this.now());
  /** Faults injected into (and observers of) every SDK call the handlers make. */
  readonly faults = new FaultInjector();
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly originalAclId: string;
  /** The operator's settings, defaults applied, as the stack would hold them after validation (changed by redeploy). */
  settings: FunctionSettings;
  /** Names of the simulated resources the functions' environments refer to. */
  readonly resources: DeployedResources;
  functions: { readonly summarizer: SimulatedFunction; readonly naclUpdater: SimulatedFunction };
  readonly summarizerEnv: Readonly<Record<string, string>>;
  updaterEnv: Readonly<Record<string, string>>;
  /** The summarizer's container: rebuilt after a timeout, as Lambda starts a new runtime then. */
  private summarizer: SummarizerHandler;
  /** The NACL updater, each invocation within its timeout; a new one after a redeploy. The verdict queue hands it one message at a time. */
  updater: UpdaterHandler;
  /** The most updater invocations that ever ran at once (the verdict queue keeps it at 1). */
  updatersInFlightAtMost = 0;
  private updatersInFlight = 0;
  /** Messages the updater has been handed, parsed. */
  readonly applied: AnomalyMessage[] = [];
  private clockMs: number;
  /** The functions' timers (AbortSignal.timeout) on the simulated clock. */
  private readonly signals = new ClockSignals(() => this.now());

  private constructor(
    spec: DeploymentSpec,
    readonly binStore: BinStoreStandIn,
    clock: { ms: number },
  ) {
    this.clockMs = clock.ms;
    const now = () => this.clockMs;
    this.insights = new LogsInsightsStandIn({ now });
    this.sns = new SnsStandIn(now);
    this.verdicts = new VerdictDelivery(this.sns, `arn:aws:sns:${REGION}:${ACCOUNT}:flood-guard-anomalies.fifo`, now, {
      region: REGION,
      account: ACCOUNT,
    });
    const settings = settingsOf(spec);
    this.ec2 = new Ec2NetworkAclStandIn({
      ruleLimit: spec.accountRuleLimit ?? settings.naclRuleLimit,
      ownerId: ACCOUNT,
      ...(spec.ec2Consistency ? { consistency: { ...spec.ec2Consistency, now } } : {}),
    });
    this.vpcId = this.ec2.createVpc({ cidrs: spec.vpcCidrs });
    this.subnetIds = Array.from({ length: spec.subnetCount ?? 2 }, () => this.ec2.createSubnet(this.vpcId));
    this.originalAclId = this.ec2.defaultNetworkAclId(this.vpcId);
    this.settings = { ...settings, vpcId: this.vpcId, subnetIds: this.subnetIds };
    this.resources = {
      vpcCidrs: spec.vpcCidrs.join(','),
      flowLogGroupName: '/flood-guard/flow-logs',
      ...(binStore.kind === 'dynamodb'
        ? { dynamoDbTable: BIN_NAMES.dynamoDbTable }
        : { timestreamDatabase: BIN_NAMES.timestreamDatabase, timestreamTable: BIN_NAMES.timestreamTable }),
      anomaliesTopicArn: this.verdicts.topicArn,
      originalNaclId: this.originalAclId,
      blueNaclId: this.ec2.createNetworkAcl(this.vpcId, { Name: 'flood-guard-blue' }),
      greenNaclId: this.ec2.createNetworkAcl(this.vpcId, { Name: 'flood-guard-green' }),
      allowListBucket: 'flood-guard-allow-list',
      auditLogGroupName: '/flood-guard/audit',
      // E-mail and chat are outside the simulation: what the topic is sent is only recorded (sns.publishedTo).
      notificationsTopicArn: this.sns.createTopic(`arn:aws:sns:${REGION}:${ACCOUNT}:flood-guard-notifications`, { delivered: false }),
      verdictQueueUrl: this.verdicts.queueUrl,
    };
    const names = this.resources;
    this.insights.createLogGroup(names.flowLogGroupName);
    this.logStreams.createLogGroup(names.auditLogGroupName);
    this.s3.createBucket(names.allowListBucket);
    for (const [key, body] of seededObjects(spec, this.settings)) this.s3.putObject(names.allowListBucket, key, body);
    if (binStore.kind === 'timestream') binStore.timestream.createTable(BIN_NAMES.timestreamDatabase, BIN_NAMES.timestreamTable);
    this.functions = {
      summarizer: {
        environment: summarizerContract.toEnvironment(this.settings, this.resources),
        deployment: summarizerContract.SUMMARIZER_DEPLOYMENT,
      },
      naclUpdater: {
        environment: updaterContract.toEnvironment(this.settings, this.resources),
        deployment: updaterContract.UPDATER_DEPLOYMENT,
      },
    };
    this.summarizerEnv = this.functions.summarizer.environment;
    this.updaterEnv = this.functions.naclUpdater.environment;
    this.summarizer = this.buildSummarizer();
    this.updater = this.buildUpdater();
  }

  static async create(spec: DeploymentSpec): Promise<SimulatedDeployment> {
    const clock = { ms: spec.startMs };
    const built: { deployment?: SimulatedDeployment } = {};
    // The store's retention, throughput and TTL read the same simulated clock.
    const now = () => built.deployment?.now() ?? clock.ms;
    built.deployment = new SimulatedDeployment(spec, await binStoreStandIn(settingsOf(spec).binStore, now), clock);
    return built.deployment;
  }

  now(): number {
    return this.clockMs;
  }

  /** Moves the clock forward (never back) and fires the functions' timers that are due. */
  advanceTo(ms: number): void {
    this.clockMs = Math.max(this.clockMs, ms);
    this.signals.fire();
  }

  /** Time passes while a handler waits; a wait past the running invocation's timeout ends it there. */
  private readonly sleep = async (ms: number): Promise<void> => {
    const deadlineMs = this.invocation?.deadlineMs;
    const untilMs = this.clockMs + Math.max(0, ms);
    this.advanceTo(deadlineMs === undefined ? untilMs : Math.min(untilMs, deadlineMs));
    if (deadlineMs !== undefined && untilMs >= deadlineMs) throw timedOut(this.invocation?.timeoutSeconds ?? 0);
  };

  /** The invocation running now, if any: Lambda stops it at its deadline. */
  private invocation?: { readonly deadlineMs: number; readonly timeoutSeconds: number };

  /**
   * Runs one invocation as Lambda does: the remaining time counts down from the function's
   * timeout, and an invocation that has not returned by then fails with Lambda's timeout error.
   */
  private async invoke<T>(fn: SimulatedFunction, run: (context: { getRemainingTimeInMillis(): number }) => Promise<T>): Promise<T> {
    const { timeoutSeconds } = fn.deployment;
    const deadlineMs = this.now() + timeoutSeconds * 1000;
    const outer = this.invocation;
    this.invocation = { deadlineMs, timeoutSeconds };
    const stopped = () => this.now() >= deadlineMs;
    try {
      const result = await run({ getRemainingTimeInMillis: () => Math.max(0, deadlineMs - this.now()) });
      // Time a fault hook made pass (a slow call) counts too.
      if (stopped()) throw timedOut(timeoutSeconds);
      return result;
    } catch (error) {
      // Whatever the handler made of it, an invocation past its timeout ends as a timeout.
      throw stopped() ? timedOut(timeoutSeconds) : error;
    } finally {
      this.invocation = outer;
    }
  }

  deliver(events: readonly LogEvent[]): void {
    this.insights.deliver(this.resources.flowLogGroupName, events);
  }

  /**
   * One summarizer invocation as Lambda would run it (with its timeout budget), with the event the
   * state machine sends (default: executions on each minute's start, simulation/schedule.ts).
   */
  async invokeSummarizer(event: unknown = onTheMinuteEvent(this.now())): Promise<SummarizerResult> {
    try {
      return await this.invoke(this.functions.summarizer, (context) => this.summarizer(event, context));
    } catch (error) {
      if (isTimeout(error)) this.summarizer = this.buildSummarizer();
      throw error;
    }
  }

  /**
   * Lets the updater's event source mapping hand it every verdict the queue gives out now, one
   * invocation at a time (simulation/event-source.ts). A failed invocation goes to `onError`;
   * without one, the first error is thrown once the queue gives out nothing more.
   */
  async deliverNotifications(onError?: (error: unknown) => void): Promise<void> {
    this.sns.drain();
    const errors: unknown[] = [];
    await this.verdicts.deliver(
      (event) => {
        for (const record of event.Records) {
          const parsed = parseAnomalyMessage(record.body);
          if (parsed.ok) this.applied.push(parsed.message);
        }
        return this.updater(event);
      },
      onError ?? ((error) => errors.push(error)),
    );
    if (errors.length > 0) throw errors[0];
  }

  /** One scheduled run: summarizer, then the updater for what it published. */
  async tick(): Promise<{ message?: AnomalyMessage; error?: string }> {
    const before = this.applied.length;
    let error: string | undefined;
    try {
      await this.invokeSummarizer();
    } catch (e) {
      error = (e as Error).message;
    }
    try {
      await this.deliverNotifications();
    } catch (e) {
      error = `${error ? `${error}; ` : ''}updater: ${(e as Error).message}`;
    }
    return { message: this.applied.length > before ? this.applied.at(-1) : undefined, error };
  }

  /** The network ACL the protected subnets are on (they always share one). */
  activeAclId(): string {
    return this.ec2.aclOf(this.subnetIds[0] as string);
  }

  activeAclEntries(): AclEntry[] {
    return this.ec2.entriesOf(this.activeAclId()).map(toAclEntry);
  }

  onOriginalAcl(): boolean {
    return this.subnetIds.every((id) => this.ec2.aclOf(id) === this.originalAclId);
  }

  /** The next `times` calls of `command` never answer: each ends at its client's timeouts, on the simulated clock (simulation/hung-calls.ts). */
  hangCalls(command: Route[0], times = Infinity): void {
    this.faults.hang(command, { now: () => this.now(), sleep: this.sleep }, times);
  }

  close(): void {
    (this.binStore.kind === 'dynamodb' ? this.binStore.dynamodb : this.binStore.timestream).close();
  }

  /** A client served by the stand-ins, through the injected faults; no call is served after the invocation's timeout. */
  private client<C extends object>(client: C, routes: readonly Route[]): C {
    const guarded = routes.map(([command, serve]): Route => [
      command,
      (input: never) => {
        const invocation = this.invocation;
        if (invocation && this.now() >= invocation.deadlineMs) throw timedOut(invocation.timeoutSeconds);
        return (serve as (input: never) => unknown)(input);
      },
    ]);
    return routeCommands(client, this.faults.wrap(guarded));
  }

  /**
   * A redeploy with other settings, in CloudFormation's order: the updater gets its new
   * environment (new containers); then, when the deploy switches to report mode, the deploy-time
   * function, which the stack makes wait for the updater, moves the subnets back to their
   * original ACL (Custom::ReportModeRestore). Throws what CloudFormation would show when it fails.
   */
  async redeploy(changes: Partial<Pick<FunctionSettings, 'mode'>>): Promise<void> {
    const toReport = changes.mode === 'report' && this.settings.mode !== 'report';
    this.settings = { ...this.settings, ...changes };
    this.updaterEnv = updaterContract.toEnvironment(this.settings, this.resources);
    this.functions = { ...this.functions, naclUpdater: { ...this.functions.naclUpdater, environment: this.updaterEnv } };
    this.updater = this.buildUpdater();
    if (toReport) await runDeployTimeFunction(this.deployTimeDeps(), reportModeRestoreEvent(this.resources));
  }

  private deployTimeDeps() {
    const [ec2, s3] = [
      this.client(new EC2Client({ region: REGION, credentials }), this.ec2.routes()),
      this.client(new S3Client({ region: REGION, credentials }), this.s3.routes()),
    ];
    return { ec2, s3, telemetry: this.telemetry.telemetry({ serviceName: NETWORK_FACTS_SERVICE_NAME, metricsNamespace: 'AutoNACL' }) };
  }

  /** A second NACL updater container (a cold start): same configuration, no in-memory state. */
  coldStartUpdater(): UpdaterHandler {
    return this.buildUpdater();
  }

  private buildSummarizer(): SummarizerHandler {
    const config = summarizerContract.loadConfig(this.functions.summarizer.environment);
    return createSummarizer({
      config,
      telemetry: this.telemetry.telemetry(config),
      logs: this.client(new CloudWatchLogsClient(SUMMARIZER_CLIENTS), this.insights.routes()),
      ...binStoreClients(this.binStore, SUMMARIZER_CLIENTS, (client, routes) => this.client(client, routes)),
      sns: this.client(new SNSClient(SUMMARIZER_CLIENTS), this.sns.routes()),
      now: () => this.now(),
      sleep: this.sleep,
      signalAt: this.signals.signalAt,
    });
  }

  /** An updater as Lambda runs it: each invocation within the updater's timeout, a new container after a timeout. */
  private buildUpdater(): UpdaterHandler {
    let container = this.buildUpdaterContainer();
    return async (event) => {
      this.updatersInFlightAtMost = Math.max(this.updatersInFlightAtMost, ++this.updatersInFlight);
      try {
        return await this.invoke(this.functions.naclUpdater, (context) => container(event, context));
      } catch (error) {
        if (isTimeout(error)) container = this.buildUpdaterContainer();
        throw error;
      } finally {
        this.updatersInFlight--;
      }
    };
  }

  private buildUpdaterContainer(): UpdaterHandler {
    const config = updaterContract.loadConfig(this.functions.naclUpdater.environment);
    return createUpdater({
      config,
      telemetry: this.telemetry.telemetry(config),
      ec2: this.client(new EC2Client({ ...sdkClientOptions(updaterContract.UPDATER_EC2_CALLS), ...AT }), this.ec2.routes()),
      s3: this.client(new S3Client({ ...sdkClientOptions(updaterContract.UPDATER_CALLS), ...AT }), this.s3.routes()),
      logs: this.client(new CloudWatchLogsClient({ ...sdkClientOptions(updaterContract.UPDATER_CALLS), ...AT }), this.logStreams.routes()),
      sns: this.client(new SNSClient({ ...sdkClientOptions(updaterContract.UPDATER_CALLS), ...AT }), this.sns.routes()),
      sqs: this.client(new SQSClient({ ...sdkClientOptions(updaterContract.UPDATER_EC2_CALLS), ...AT }), this.verdicts.sqs.routes()),
      now: () => this.now(),
      sleep: this.sleep,
      auditStreamName: 'nacl-updater/simulated',
    });
  }
}

/** What Lambda reports for an invocation stopped at its timeout (Step Functions sees the error Sandbox.Timedout). */
function timedOut(timeoutSeconds: number): Error {
  return Object.assign(new Error(`Task timed out after ${timeoutSeconds.toFixed(2)} seconds`), { name: 'Sandbox.Timedout' });
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'Sandbox.Timedout';
}
