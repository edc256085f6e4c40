/**
 * The simulated deployment runs each function exactly as the stack deploys it: the environment,
 * timeout, memory and reserved concurrency of the synthesized template, for the same settings,
 * with either packet-bin store.
 */
import { listenerLabel } from '../../core/listeners';
import { GetQueryResultsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeNetworkAclsCommand } from '@aws-sdk/client-ec2';
import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { POST_QUERY_RESERVE_MS } from '../../functions/summarizer/run';
import { SUMMARIZER_DEPLOYMENT } from '../../functions/summarizer/contract';
import { REPEAT_OFFENDER_STATE_KEY } from '../../functions/nacl-updater/contract';
import { CONFIG_KEYS, parseConfig } from '../../lib/config';
import type { FloodGuardStack } from '../../lib/flood-guard-stack';
import type { FloodGuardFunction } from '../../lib/lambda-function';
import { SimulatedDeployment, type DeploymentSpec, type SimulatedDelivery, type SimulatedFunction } from '../../simulation/deployment';
import { onTheMinuteEvent, scheduleEvent } from '../../simulation/schedule';
import { anomalyMessage, flooders, sqsEvent } from '../support/builders';
import { logicalIdOf, resolveCfn, synthesize, type ResolvedIds, type Synthesized } from '../support/cdk';

const START = Date.UTC(2026, 2, 1, 8, 0, 0);
const NETWORK = { startMs: START, vpcCidrs: ['10.0.0.0/16', '2600:1f18:4a3:6900::/56'], listeners: [{ port: 443, protocol: 6 }] } as const;

/** Every setting that reaches a function, away from its default (and UDP:53 rather than TCP:443). */
const EVERY_SETTING_CHANGED: DeploymentSpec = {
  ...NETWORK,
  listeners: [{ port: 53, protocol: 17 }],
  minZScore: 2.5,
  minPacketsPerBin: 5_000,
  windowMinutes: 30,
  requeryMinutes: 7,
  maxAnomalies: 50,
  metricsNamespace: 'Edge/Floods',
  naclRuleLimit: 30,
  naclRuleNetworkMask: 24,
  naclRuleNetworkMaskIpv6: 64,
  maxNewBlocksPerRun: 10,
  maxBlockedNetworks: 25,
  naclMaxAggregatePrefix: 16,
  allowListKey: 'lists/allow.txt',
  repeatOffenderWindowHours: 24,
  subnetCount: 3,
};

/** The Lambda properties the simulation must reproduce, as the template has them. */
interface TemplateFunction {
  readonly Environment?: { readonly Variables?: Record<string, unknown> };
  readonly Timeout?: number;
  readonly MemorySize?: number;
  readonly ReservedConcurrentExecutions?: number;
}

/**
 * The context an operator gives the stack for what the spec chose: the required keys (the
 * simulated VPC and subnets are the ones deployed into) and every setting the spec sets, under the
 * same name (the contracts' settings are the stack's context keys), as the CLI passes them. Keys
 * the spec leaves out are left out here too: each side applies its own defaults.
 */
function contextOf(spec: DeploymentSpec, deployment: SimulatedDeployment): Record<string, string> {
  const { settings } = deployment;
  const chosen = Object.keys(spec).filter((key) => (CONFIG_KEYS as readonly string[]).includes(key)) as (keyof typeof settings)[];
  // The simulation counts in the contracts' namespace and names its stack; the stack's defaults are per deployment, so both are named here.
  const keys = [...new Set<keyof typeof settings>(['vpcId', 'subnetIds', 'listeners', 'metricsNamespace', 'stackName', ...chosen])];
  const text = (key: keyof typeof settings) =>
    (key === 'listeners' ? settings.listeners.map(listenerLabel) : [settings[key]].flat()).join(',');
  return Object.fromEntries(keys.map((key) => [key, text(key)]));
}

/**
 * What CloudFormation would put in place of each reference the functions' environments hold: the
 * stack names every resource it hands a function under the contract's resource names (e.g.
 * `flowLogGroupName`), and the simulation names its resources the same way, so each reference
 * resolves to the simulated resource of the same role. The network facts (VPC CIDRs, original
 * ACL) resolve to what the deploy-time function would find in the simulated network.
 */
function referencesOf(stack: FloodGuardStack, deployment: SimulatedDeployment): ResolvedIds {
  const handed = { ...stack.detection.summarizerResources, ...stack.mitigation.updaterResources };
  const ids: ResolvedIds = {};
  for (const [role, token] of Object.entries(handed)) {
    const simulated = deployment.resources[role as keyof typeof deployment.resources];
    if (simulated === undefined) throw new Error(`${role}: the stack hands the function a resource the simulation does not have`);
    const reference = stack.resolve(token) as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    const id = reference.Ref ?? reference['Fn::GetAtt']?.join('.');
    if (id === undefined) throw new Error(`${role}: the stack hands the function ${JSON.stringify(reference)}, not a resource reference`);
    if (ids[id] !== undefined && ids[id] !== simulated) throw new Error(`${id} stands for both ${ids[id]} and ${simulated}`);
    ids[id] = simulated;
  }
  return ids;
}

function templateFunction(synthesized: Synthesized, fn: FloodGuardFunction): TemplateFunction {
  const logicalId = Stack.of(fn).getLogicalId(fn.function.node.defaultChild as CfnElement);
  const resources = synthesized.template.toJSON().Resources as Record<string, { Properties: TemplateFunction }>;
  const found = resources[logicalId];
  if (!found) throw new Error(`no resource ${logicalId} in the template`);
  return found.Properties;
}

/** The function as the template deploys it, with its references resolved, in the simulation's terms. */
function asDeployed(properties: TemplateFunction, ids: ResolvedIds): SimulatedFunction & { runtimeOptions: unknown } {
  const { NODE_OPTIONS: runtimeOptions, ...variables } = properties.Environment?.Variables ?? {};
  return {
    // Node's own flags (source maps for stack traces) are no setting of the product.
    runtimeOptions,
    environment: resolveCfn(variables, ids) as Record<string, string>,
    deployment: {
      timeoutSeconds: properties.Timeout as number,
      memoryMiB: properties.MemorySize as number,
      ...(properties.ReservedConcurrentExecutions === undefined ? {} : { reservedConcurrency: properties.ReservedConcurrentExecutions }),
    },
  };
}

describe.each([
  ['every default', NETWORK],
  ['every setting changed', EVERY_SETTING_CHANGED],
  ['the DynamoDB bin store', { ...NETWORK, binStore: 'dynamodb' }],
  ['every setting changed, DynamoDB', { ...EVERY_SETTING_CHANGED, binStore: 'dynamodb' }],
] as const)('simulated deployment and synthesized stack, %s', (_name, spec: DeploymentSpec) => {
  const opened: { deployment?: SimulatedDeployment; synthesized?: Synthesized } = {};
  const setUp = async () => {
    opened.deployment ??= await SimulatedDeployment.create(spec);
    opened.synthesized ??= synthesize(contextOf(spec, opened.deployment));
    return { deployment: opened.deployment, synthesized: opened.synthesized, stack: opened.synthesized.stack };
  };
  afterAll(() => {
    opened.deployment?.close();
    opened.synthesized?.dispose();
  });

  it("holds in the allow-list bucket the objects the template's seed resources put there, and no repeat-offender state without one", async () => {
    // Prepare
    const { deployment, synthesized } = await setUp();
    const resources = Object.values(
      synthesized.template.toJSON().Resources as Record<string, { Type: string; Properties: { Key?: string } }>,
    );

    // Act
    const seeded = resources.filter((r) => r.Type === 'Custom::AllowListSeed').map((r) => r.Properties.Key as string);
    const held = (key: string) => deployment.s3.bodyOf(deployment.resources.allowListBucket, key) !== undefined;

    // Assess
    expect(seeded.filter(held)).toEqual(seeded);
    expect(held(REPEAT_OFFENDER_STATE_KEY)).toBe(seeded.includes(REPEAT_OFFENDER_STATE_KEY));
    expect(seeded.includes(REPEAT_OFFENDER_STATE_KEY)).toBe((spec.repeatOffenderWindowHours ?? 0) > 0);
  });

  it('starts from the settings the stack validates the same context into', async () => {
    // Prepare
    const { deployment } = await setUp();
    const context = contextOf(spec, deployment);

    // Act
    const config = parseConfig((key) => context[key]);

    // Assess
    const settingKeys = Object.keys(deployment.settings) as (keyof typeof deployment.settings)[];
    expect(Object.fromEntries(settingKeys.map((key) => [key, config[key]]))).toEqual(deployment.settings);
  });

  it.each([
    ['summarizer', (stack: FloodGuardStack) => stack.detection.summarizer, 'summarizer'],
    ['NACL updater', (stack: FloodGuardStack) => stack.mitigation.updater, 'naclUpdater'],
  ] as const)(
    'runs the %s with exactly the template environment, timeout, memory and reserved concurrency',
    async (_fn, functionOf, simulated) => {
      // Prepare
      const { deployment, synthesized, stack } = await setUp();

      // Act
      const deployed = asDeployed(templateFunction(synthesized, functionOf(stack)), referencesOf(stack, deployment));

      // Assess
      const { runtimeOptions, ...product } = deployed;
      expect(runtimeOptions).toBe('--enable-source-maps');
      expect(deployment.functions[simulated]).toEqual(product);
    },
  );

  it("starts each execution's second run when the template's state machine does: after its Wait state", async () => {
    // Prepare
    const { synthesized } = await setUp();
    const { template } = synthesized;
    const summarizer = logicalIdOf(template, 'AWS::Lambda::Function', 'DetectionSummarizerFunction');
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as {
      Properties: { DefinitionString: unknown };
    };
    const ids = { [`${summarizer}.Arn`]: 'arn:aws:lambda:eu-west-1:111122223333:function:summarizer' };
    const definition = JSON.parse(resolveCfn(machine.Properties.DefinitionString, ids) as string) as {
      States: Record<string, { Type: string; Seconds?: number }>;
    };
    const waits = Object.values(definition.States).filter((state) => state.Type === 'Wait');
    const executionStart = START + 5 * 60_000;

    // Act
    const waitMs = (waits[0]?.Seconds ?? 0) * 1000;

    // Assess
    expect(waits).toHaveLength(1);
    expect(onTheMinuteEvent(executionStart + waitMs - 1)).toEqual(scheduleEvent(1, executionStart + waitMs - 1));
    expect(onTheMinuteEvent(executionStart + waitMs)).toEqual(scheduleEvent(2, executionStart));
  });

  it('delivers verdicts through a FIFO topic and queue with exactly the template queue, dead-letter queue and event source mapping', async () => {
    // Prepare
    const { deployment, synthesized, stack } = await setUp();

    // Act
    const { fifoTopic, ...delivery } = templateDelivery(synthesized, stack);

    // Assess
    expect(fifoTopic).toBe(true);
    expect(deployment.verdicts.settings).toEqual(delivery);
    expect(deployment.resources.anomaliesTopicArn).toMatch(/\.fifo$/);
  });
});

/** The verdict delivery as the template builds it, in the simulation's terms. */
function templateDelivery(synthesized: Synthesized, stack: FloodGuardStack): SimulatedDelivery & { readonly fifoTopic: unknown } {
  const resources = synthesized.template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const ofId = (construct: CfnElement) => resources[Stack.of(construct).getLogicalId(construct)]?.Properties ?? {};
  const queue = ofId(stack.mitigation.verdicts.queue.node.defaultChild as CfnElement);
  const deadLetters = ofId(stack.mitigation.verdicts.deadLetterQueue.node.defaultChild as CfnElement);
  const mappings = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
  const mapping = mappings.length === 1 ? (mappings[0]?.Properties ?? {}) : {};
  return {
    queue: {
      fifo: queue.FifoQueue === true,
      visibilityTimeoutSeconds: queue.VisibilityTimeout as number,
      retentionSeconds: queue.MessageRetentionPeriod as number,
    },
    deadLetterQueue: { fifo: deadLetters.FifoQueue === true, retentionSeconds: deadLetters.MessageRetentionPeriod as number },
    maxReceiveCount: (queue.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount,
    batchSize: mapping.BatchSize as number,
    reportBatchItemFailures: JSON.stringify(mapping.FunctionResponseTypes) === '["ReportBatchItemFailures"]',
    fifoTopic: ofId(stack.detection.topic.node.defaultChild as CfnElement).FifoTopic,
  };
}

describe("simulated Lambda timeouts: the contracts' own", () => {
  const summarizerTimeoutMs = SUMMARIZER_DEPLOYMENT.timeoutSeconds * 1000;

  it('gives the summarizer its timeout: its Insights queries are stopped at the timeout less the reserve for writing and publishing', async () => {
    // Prepare: every query keeps running
    const deployment = await SimulatedDeployment.create(NETWORK);
    try {
      deployment.faults.on(GetQueryResultsCommand, async () => ({ status: 'Running', results: [], $metadata: {} }));
      deployment.advanceTo(START + 60_000);
      const started = deployment.now();

      // Act
      await deployment.invokeSummarizer().catch(() => undefined);

      // Assess
      const stopped = deployment.telemetry.logs.filter((line) => line.message === 'Insights query stopped at the deadline');
      expect(stopped.length).toBeGreaterThan(0);
      for (const line of stopped) expect(line.at - started).toBe(summarizerTimeoutMs - POST_QUERY_RESERVE_MS);
    } finally {
      deployment.close();
    }
  });

  it('stops a summarizer run still busy at its timeout (25 s), as Lambda stops the deployed one', async () => {
    // Prepare: the Z-score query hangs for 30 s, after the Insights phase
    const deployment = await SimulatedDeployment.create(NETWORK);
    try {
      deployment.faults.on(QueryCommand, async (input, next) => {
        deployment.advanceTo(deployment.now() + 30_000);
        return next(input);
      });
      deployment.advanceTo(START + 60_000);

      // Act / Assess
      await expect(deployment.invokeSummarizer()).rejects.toThrow('Task timed out after 25.00 seconds');
      expect(deployment.sns.drain()).toEqual([]);
    } finally {
      deployment.close();
    }
  });

  it('stops an updater invocation still busy at its timeout (120 s), and one that waits past it at the timeout', async () => {
    // Prepare: describing the ACLs hangs for 130 s; a verdict with two flooders
    const deployment = await SimulatedDeployment.create(NETWORK);
    try {
      const message = anomalyMessage(deployment.vpcId, flooders(2), { generatedAt: START });
      const event = sqsEvent([JSON.stringify(message)]);
      deployment.faults.on(
        DescribeNetworkAclsCommand,
        async (input, next) => {
          deployment.advanceTo(deployment.now() + 130_000);
          return next(input);
        },
        1,
      );

      // Act / Assess
      await expect(deployment.updater(event)).rejects.toThrow('Task timed out after 120.00 seconds');
      expect(deployment.onOriginalAcl()).toBe(true);
      // Without the fault the same verdict is applied.
      await deployment.updater(event);
      expect(deployment.onOriginalAcl()).toBe(false);
    } finally {
      deployment.close();
    }
  });
});
