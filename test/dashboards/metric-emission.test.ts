import { PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_METRICS_NAMESPACE, Metrics, type MetricDefinition, type MetricSource } from '../../core/metrics';
import { createHandler as createUpdaterHandler } from '../../functions/nacl-updater/handler';
import { AUDIT_STREAM, World, flooders, message } from '../nacl-updater/fixture';
import { captureEmf, type EmittedMetric } from './emf';

const definitions = Object.values(Metrics) as MetricDefinition[];
const namesOf = (source: MetricSource) => definitions.filter((d) => d.source === source).map((d) => d.name).sort();

/** Checks every emitted metric against core/metrics.ts: name, source, unit, namespace and the VpcId dimension alone. */
function expectProductMetrics(emitted: readonly EmittedMetric[], source: MetricSource, vpcId: string): void {
  expect(emitted.length).toBeGreaterThan(0);
  for (const metric of emitted) {
    const definition = definitions.find((d) => d.name === metric.name);
    expect(definition, `${metric.name} is emitted but not in core/metrics.ts`).toBeDefined();
    expect(definition!.source, metric.name).toBe(source);
    expect(metric.unit, metric.name).toBe(definition!.unit);
    expect(metric.namespace, metric.name).toBe(DEFAULT_METRICS_NAMESPACE);
    expect(metric.dimensionSets, metric.name).toEqual([['VpcId']]);
    expect(metric.dimensions, metric.name).toEqual({ VpcId: vpcId });
    expect(typeof metric.value === 'number' || Array.isArray(metric.value), metric.name).toBe(true);
  }
}

beforeEach(() => {
  // Powertools stays silent in dev mode; these tests need the real EMF output.
  vi.stubEnv('POWERTOOLS_DEV', 'false');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  return () => vi.unstubAllEnvs();
});

describe('the NACL updater emits its metrics as EMF', () => {
  /** The updater of a World, with the production Powertools metrics instead of the recorder. */
  function withEmf(world: World): World {
    world.handler = createUpdaterHandler({
      config: world.config,
      ec2: world.ec2Client,
      s3: world.s3Client,
      logs: world.logsClient,
      now: () => world.clock,
      sleep: async (ms) => {
        world.clock += ms;
      },
      logger: world.logger,
      auditStreamName: AUDIT_STREAM,
    });
    return world;
  }

  // Each scenario is one the updater's own tests prove counted; here the EMF line is checked.
  const scenarios: Array<[string, () => Promise<[World, EmittedMetric[]]>]> = [
    [
      'blocking 20 flooders with quota 20, one allow-listed and one invalid allow-list line',
      async () => {
        const world = withEmf(new World({ ruleLimit: 20, allowList: '198.51.100.20\nnot-an-address\n' }));
        return [world, await captureEmf(() => world.deliver(message(world.vpcId, flooders(20))))];
      },
    ],
    [
      'a malformed message and an older one',
      async () => {
        const world = withEmf(new World());
        const older = message(world.vpcId, flooders(1));
        await captureEmf(() => world.deliver(message(world.vpcId, flooders(2))));
        return [world, await captureEmf(() => world.deliver('not json', older))];
      },
    ],
    [
      'an allow list that cannot be read',
      async () => {
        const world = withEmf(new World());
        await captureEmf(() => world.deliver(message(world.vpcId, flooders(1))));
        world.s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
        return [world, await captureEmf(() => world.deliver(message(world.vpcId, flooders(2))))];
      },
    ],
    [
      'an account quota below the configured one',
      async () => {
        const world = withEmf(new World({ ruleLimit: 20, accountRuleLimit: 8 }));
        return [world, await captureEmf(() => world.deliver(message(world.vpcId, flooders(10))))];
      },
    ],
    [
      'an audit log that cannot be written',
      async () => {
        const world = withEmf(new World());
        world.logsMock.on(PutLogEventsCommand).rejects(Object.assign(new Error('The specified log group does not exist.'), { name: 'ResourceNotFoundException' }));
        return [world, await captureEmf(() => world.deliver(message(world.vpcId, flooders(1))))];
      },
    ],
  ];

  it('emits every nacl-updater metric of core/metrics.ts over its scenarios, each with the namespace and VpcId dimension', async () => {
    // Prepare / Act
    const emitted: EmittedMetric[] = [];
    for (const [name, run] of scenarios) {
      const [world, metrics] = await run();
      expect(metrics.length, name).toBeGreaterThan(0);
      expectProductMetrics(metrics, 'nacl-updater', world.vpcId);
      emitted.push(...metrics);
    }

    // Assess
    expect([...new Set(emitted.map((m) => m.name))].sort()).toEqual(namesOf('nacl-updater'));
  });

  it('reports the blocked and unblocked counts of the reference scenario in the EMF line', async () => {
    const [, run] = scenarios[0]!;

    const [, emitted] = await run();

    const value = (name: string) => emitted.find((m) => m.name === name)?.value;
    expect([value('BlockedSourceIPs'), value('UnblockedSourceIPs'), value('AllowListedSourcesSkipped'), value('AllowListInvalidLines')]).toEqual([18, 1, 1, 1]);
  });
});
