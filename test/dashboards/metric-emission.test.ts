import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  PutLogEventsCommand,
  ResourceNotFoundException,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { InternalErrorException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { QueryCommand, TimestreamQueryClient, type QueryCommandOutput } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_NAMESPACE, Metrics, type MetricDefinition, type MetricSource } from '../../core/metrics';
import { BIN_QUERY_COLUMNS } from '../../core/insights-query';
import { ANOMALY_COLUMNS, BASELINE_COLUMNS } from '../../core/zscore-query';
import { loadConfig, SUMMARIZER_DEPLOYMENT } from '../../functions/summarizer/contract';
import { createHandler as createSummarizerHandler } from '../../functions/summarizer/handler';
import { ClockSignals } from '../../simulation/clock-signals';
import { dataPoints, TelemetryCapture, type CapturedMetric } from '../../simulation/telemetry-capture';
import { scheduleEvent } from '../../simulation/schedule';
import { anomalyMessage as message, flooders, summarizerEnv } from '../support/builders';
import { mockSummarizerSdk } from '../support/summarizer';
import { UpdaterWorld } from '../support/updater-world';

const definitions = Object.values(Metrics) as MetricDefinition[];
const namesOf = (source: MetricSource) =>
  definitions
    .filter((d) => d.source === source)
    .map((d) => d.name)
    .sort();

/** Checks every emitted metric against core/metrics.ts: name, source, unit, namespace and the VpcId dimension alone. */
function expectProductMetrics(emitted: readonly CapturedMetric[], source: MetricSource, vpcId: string): void {
  expect(emitted.length).toBeGreaterThan(0);
  for (const metric of emitted) {
    const definition = definitions.find((d) => d.name === metric.name);
    expect(definition, `${metric.name} is emitted but not in core/metrics.ts`).toBeDefined();
    expect(definition!.source, metric.name).toBe(source);
    expect(metric.unit, metric.name).toBe(definition!.unit);
    expect(metric.namespace, metric.name).toBe(DEFAULT_METRICS_NAMESPACE);
    expect(metric.dimensionSets, metric.name).toEqual([['VpcId']]);
    expect(metric.dimensions, metric.name).toEqual({ VpcId: vpcId });
    expect(Number.isFinite(metric.value), metric.name).toBe(true);
  }
}

describe('the NACL updater emits its metrics as EMF', () => {
  /** The data points of the EMF documents the updater wrote while `act` ran, as Powertools serialized them. */
  async function emitted(world: UpdaterWorld, act: () => Promise<unknown>): Promise<CapturedMetric[]> {
    const before = world.telemetry.flushes.length;
    await act();
    return world.telemetry.flushes.slice(before).flatMap(dataPoints);
  }

  // Each scenario is one the updater's own tests prove counted; here the EMF line is checked.
  const scenarios: Array<[string, () => Promise<[UpdaterWorld, CapturedMetric[]]>]> = [
    [
      'blocking 20 flooders with quota 20, one allow-listed and one invalid allow-list line',
      async () => {
        const world = await UpdaterWorld.create({ ruleLimit: 20, allowList: '198.51.100.20\nnot-an-address\n' });
        return [world, await emitted(world, () => world.deliver(message(world.vpcId, flooders(20))))];
      },
    ],
    [
      'a malformed message and an older one',
      async () => {
        const world = await UpdaterWorld.create();
        const older = message(world.vpcId, flooders(1));
        await emitted(world, () => world.deliver(message(world.vpcId, flooders(2))));
        return [world, await emitted(world, () => world.deliver('not json', older))];
      },
    ],
    [
      'an allow list that cannot be read',
      async () => {
        const world = await UpdaterWorld.create();
        await emitted(world, () => world.deliver(message(world.vpcId, flooders(1))));
        world.faults.fail(
          GetObjectCommand,
          () =>
            new S3ServiceException({
              name: 'AccessDenied',
              $fault: 'client',
              $metadata: { httpStatusCode: 403 },
              message: 'Access Denied',
            }),
        );
        return [world, await emitted(world, () => world.deliver(message(world.vpcId, flooders(2))))];
      },
    ],
    [
      'an account quota below the configured one',
      async () => {
        const world = await UpdaterWorld.create({ ruleLimit: 20, accountRuleLimit: 8 });
        return [world, await emitted(world, () => world.deliver(message(world.vpcId, flooders(10))))];
      },
    ],
    [
      'an audit log that cannot be written',
      async () => {
        const world = await UpdaterWorld.create();
        world.faults.fail(
          PutLogEventsCommand,
          () => new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: { httpStatusCode: 400 } }),
        );
        return [world, await emitted(world, () => world.deliver(message(world.vpcId, flooders(1))))];
      },
    ],
    [
      'associations read stale past the re-reads after a swap',
      async () => {
        const world = await UpdaterWorld.create();
        world.ec2.lagReads({ part: 'associations', lagMs: 600_000, now: () => world.clock });
        await emitted(world, () => world.deliver(message(world.vpcId, flooders(1))));
        return [world, await emitted(world, () => world.deliver(message(world.vpcId, flooders(2))))];
      },
    ],
    [
      'repeat offenders: no state yet (a failed read), a state write refused, one rule held',
      async () => {
        const world = await UpdaterWorld.create({ repeatOffenderWindowHours: 24 });
        world.faults.fail(
          PutObjectCommand,
          () => new S3ServiceException({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'x' }),
        );
        const t0 = Date.parse('2026-03-01T12:00:00Z');
        const at = (minutes: number) => ({ generatedAt: t0 + minutes * 60_000 });
        const points: CapturedMetric[] = [];
        for (const [anomalies, minute] of [
          [1, 0],
          [0, 1],
          [1, 2],
          [0, 3],
        ] as const)
          points.push(...(await emitted(world, () => world.deliver(message(world.vpcId, flooders(anomalies), at(minute))))));
        return [world, points];
      },
    ],
    [
      'a block notification published, then one that cannot be',
      async () => {
        const world = await UpdaterWorld.create({ notifications: true });
        const first = await emitted(world, () => world.deliver(message(world.vpcId, flooders(1))));
        world.faults.fail(
          PublishCommand,
          () => new InternalErrorException({ message: 'internal error', $metadata: { httpStatusCode: 500 } }),
        );
        return [world, [...first, ...(await emitted(world, () => world.deliver(message(world.vpcId, flooders(2)))))]];
      },
    ],
    [
      'report mode',
      async () => {
        const world = await UpdaterWorld.create({ mode: 'report' });
        return [world, await emitted(world, () => world.deliver(message(world.vpcId, flooders(2))))];
      },
    ],
  ];

  it('emits every nacl-updater metric of core/metrics.ts over its scenarios, each with the namespace and VpcId dimension', async () => {
    // Prepare / Act
    const all: CapturedMetric[] = [];
    for (const [name, run] of scenarios) {
      const [world, metrics] = await run();
      expect(metrics.length, name).toBeGreaterThan(0);
      expectProductMetrics(metrics, 'nacl-updater', world.vpcId);
      all.push(...metrics);
    }

    // Assess
    expect([...new Set(all.map((m) => m.name))].sort()).toEqual(namesOf('nacl-updater'));
  });

  it('reports the blocked and unblocked counts of the reference scenario in the EMF line', async () => {
    const [, run] = scenarios[0]!;

    const [, points] = await run();

    const value = (name: string) => points.find((m) => m.name === name)?.value;
    expect([
      value('BlockedSourceIPs'),
      value('UnblockedSourceIPs'),
      value('AllowListedSourcesSkipped'),
      value('AllowListInvalidLines'),
    ]).toEqual([18, 1, 1, 1]);
  });
});

describe('the summarizer emits its metrics as EMF', () => {
  const { logs, write, query, sns } = mockSummarizerSdk();
  const VPC = 'vpc-0fedcba9876543210';
  const NOW = Date.UTC(2026, 10, 25, 12, 34, 56, 789);

  /** A Timestream Query page with typed columns, as the API returns it. */
  function page(columns: Array<[string, string]>, rows: string[][]): QueryCommandOutput {
    return {
      $metadata: {},
      QueryId: 'q',
      ColumnInfo: columns.map(([Name, ScalarType]) => ({ Name, Type: { ScalarType } })),
      Rows: rows.map((row) => ({ Data: row.map((ScalarValue) => ({ ScalarValue })) })),
    } as QueryCommandOutput;
  }

  /** One run of the real handler against client mocks: every minute Complete, one flooder judged anomalous. */
  async function representativeRun() {
    logs.on(StartQueryCommand).callsFake((input: { startTime: number }) => ({ queryId: `q-${input.startTime}` }));
    logs.on(GetQueryResultsCommand).resolves({
      status: 'Complete',
      results: [
        [
          { field: BIN_QUERY_COLUMNS.sourceIp, value: '198.51.100.7' },
          { field: BIN_QUERY_COLUMNS.packets, value: '90000' },
          { field: BIN_QUERY_COLUMNS.maxLagMs, value: '310000' },
        ],
        [
          { field: BIN_QUERY_COLUMNS.sourceIp, value: '203.0.113.9' },
          { field: BIN_QUERY_COLUMNS.packets, value: '120' },
          { field: BIN_QUERY_COLUMNS.maxLagMs, value: '290000' },
        ],
      ],
      statistics: { bytesScanned: 4096, recordsMatched: 2, recordsScanned: 50 },
    });
    write.on(WriteRecordsCommand).resolves({ RecordsIngested: { Total: 2, MemoryStore: 2, MagneticStore: 0 } });
    query.on(QueryCommand).callsFake((input: { QueryString: string }) =>
      input.QueryString.includes(BASELINE_COLUMNS.standardDeviation)
        ? page(
            [
              [BASELINE_COLUMNS.binCount, 'BIGINT'],
              [BASELINE_COLUMNS.mean, 'DOUBLE'],
              [BASELINE_COLUMNS.standardDeviation, 'DOUBLE'],
            ],
            [['120', '1500.5', '8000.25']],
          )
        : page(
            [
              [ANOMALY_COLUMNS.sourceIp, 'VARCHAR'],
              [ANOMALY_COLUMNS.maxZScore, 'DOUBLE'],
              [ANOMALY_COLUMNS.maxPackets, 'BIGINT'],
            ],
            [['198.51.100.7', '11.06', '90000']],
          ),
    );
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const clock = { now: NOW };
    const capture = new TelemetryCapture(() => clock.now);
    const signals = new ClockSignals(() => clock.now);
    const config = loadConfig(summarizerEnv({ VPC_ID: VPC, VPC_CIDRS: '10.0.0.0/16', REQUERY_MINUTES: '5' }));
    const handler = createSummarizerHandler({
      config,
      telemetry: capture.telemetry(config),
      logs: new CloudWatchLogsClient({ region: 'eu-west-1' }),
      timestreamWrite: new TimestreamWriteClient({ region: 'eu-west-1' }),
      timestreamQuery: new TimestreamQueryClient({ region: 'eu-west-1' }),
      sns: new SNSClient({ region: 'eu-west-1' }),
      now: () => clock.now,
      sleep: async (ms) => {
        clock.now += ms;
        signals.fire();
      },
      signalAt: signals.signalAt,
    });
    await handler(scheduleEvent(1, clock.now), { getRemainingTimeInMillis: () => SUMMARIZER_DEPLOYMENT.timeoutSeconds * 1000 });
    return { emitted: capture.metrics, published: sns.commandCalls(PublishCommand).length };
  }

  it('emits every summarizer metric of core/metrics.ts in one run, each with the namespace and VpcId dimension', async () => {
    // Act
    const { emitted, published } = await representativeRun();

    // Assess
    expect(published).toBe(1);
    expectProductMetrics(emitted, 'summarizer', VPC);
    expect([...new Set(emitted.map((m) => m.name))].sort()).toEqual(namesOf('summarizer'));
  });

  it('reports what the run saw in the EMF line', async () => {
    const { emitted } = await representativeRun();

    const value = (name: string) => emitted.find((m) => m.name === name)?.value;
    expect({
      SummarizerRuns: value('SummarizerRuns'),
      IncompleteRuns: value('IncompleteRuns'),
      UniqueSourceIPs: value('UniqueSourceIPs'),
      OutlierSourceIPs: value('OutlierSourceIPs'),
      FlowLogDeliveryLag: value('FlowLogDeliveryLag'),
      PacketBinAverage: value('PacketBinAverage'),
    }).toEqual({
      SummarizerRuns: 1,
      IncompleteRuns: 0,
      UniqueSourceIPs: 2,
      OutlierSourceIPs: 1,
      FlowLogDeliveryLag: 310,
      PacketBinAverage: 1500.5,
    });
  });
});
