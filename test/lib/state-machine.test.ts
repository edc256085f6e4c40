import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SNSClient } from '@aws-sdk/client-sns';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { StateMachine } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { parseAnomalyMessage } from '../../core/anomaly-message';
import { loadConfig, SECOND_RUN_DELAY_SECONDS } from '../../functions/summarizer/contract';
import { createHandler } from '../../functions/summarizer/handler';
import { LAMBDA_SERVICE_ERRORS, SUMMARIZER_TIMEOUT } from '../../lib/detection';
import { flowLogEvent } from '../../simulation/flow-log-events';
import { LogsInsightsStandIn } from '../../simulation/logs-insights/stand-in';
import { SnsStandIn } from '../../simulation/sns';
import { TelemetryCapture } from '../../simulation/telemetry-capture';
import { ClockSignals } from '../../simulation/clock-signals';
import { TimestreamStandIn } from '../../simulation/timestream/stand-in';
import { flowRecord, TEST_CREDENTIALS as credentials } from '../support/builders';
import { logicalIdOf, resolveCfn, synthesize, type ResolvedIds, type Synthesized } from '../support/cdk';
import { startExecution } from '../support/scenario';
import { standInClient } from '../support/sdk';

type Definition = ConstructorParameters<typeof StateMachine>[0];

const NOW = Date.parse('2026-11-25T12:00:07Z');
const SUMMARIZER_ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:summarizer';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:anomalies.fifo';

let synthesized: Synthesized;
let definition: Definition;
let summarizerEnv: Record<string, string>;
let memoryStoreHours: number;

beforeAll(() => {
  synthesized = synthesize();
  const { template } = synthesized;
  const fn = logicalIdOf(template, 'AWS::Lambda::Function', 'DetectionSummarizerFunction');
  const ids: ResolvedIds = {
    [`${fn}.Arn`]: SUMMARIZER_ARN,
    [`${logicalIdOf(template, 'Custom::NetworkFacts', 'NetworkAclsFacts')}.VpcCidrs`]: '10.0.0.0/16,2001:db8::/56',
    [logicalIdOf(template, 'AWS::Logs::LogGroup', 'FlowLogsLogGroup')]: 'NaclFloodGuard-FlowLogsLogGroup',
    [logicalIdOf(template, 'AWS::Timestream::Database', 'DetectionDatabase')]: 'NaclFloodGuard-packets',
    [`${logicalIdOf(template, 'AWS::Timestream::Table', 'DetectionPacketBins')}.Name`]: 'packet-bins',
    [logicalIdOf(template, 'AWS::SNS::Topic', 'DetectionAnomaliesTopic')]: TOPIC_ARN,
  };
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as {
    Properties: { DefinitionString: unknown };
  };
  definition = JSON.parse(resolveCfn(machine.Properties.DefinitionString, ids) as string) as Definition;
  const fnResource = template.findResources('AWS::Lambda::Function')[fn] as { Properties: { Environment: { Variables: unknown } } };
  summarizerEnv = resolveCfn(fnResource.Properties.Environment.Variables, ids) as Record<string, string>;
  const table = Object.values(template.findResources('AWS::Timestream::Table'))[0] as {
    Properties: { RetentionProperties: { MemoryStoreRetentionPeriodInHours: string } };
  };
  memoryStoreHours = Number(table.Properties.RetentionProperties.MemoryStoreRetentionPeriodInHours);
});

afterAll(() => synthesized?.dispose());

/** The real summarizer handler, built from the environment the stack sets, over in-process stand-ins (closed when the test ends). */
async function realSummarizer() {
  const clock = { ms: NOW };
  const now = () => clock.ms;
  const config = loadConfig(summarizerEnv);
  const insights = new LogsInsightsStandIn({ now });
  insights.createLogGroup(config.flowLogGroupName);
  // A little ordinary traffic in the re-queried minutes, so the first run has bins to write.
  const nowSeconds = Math.floor(NOW / 1000);
  insights.deliver(
    config.flowLogGroupName,
    [1, 2, 3, 4, 5].map((minutesAgo) => {
      const minuteStart = nowSeconds - (nowSeconds % 60) - minutesAgo * 60;
      return flowLogEvent(flowRecord(minuteStart, { srcAddr: '198.51.100.7', packets: 120, start: minuteStart, end: minuteStart + 59 }));
    }),
  );
  const timestream = await TimestreamStandIn.create({ now, pageSize: 100, memoryStoreRetentionHours: memoryStoreHours });
  onTestFinished(() => timestream.close());
  timestream.createTable(config.timestreamDatabase ?? '', config.timestreamTable ?? '');
  const sns = new SnsStandIn(now);
  sns.createTopic(config.anomaliesTopicArn, { fifo: true });
  const handler = createHandler({
    config,
    telemetry: new TelemetryCapture().telemetry(config),
    logs: standInClient(new CloudWatchLogsClient({ region: 'eu-west-1', credentials }), insights.routes()),
    timestreamWrite: standInClient(new TimestreamWriteClient({ region: 'eu-west-1', credentials }), timestream.routes()),
    timestreamQuery: standInClient(new TimestreamQueryClient({ region: 'eu-west-1', credentials }), timestream.routes()),
    sns: standInClient(new SNSClient({ region: 'eu-west-1', credentials }), sns.routes()),
    now,
    sleep: async () => undefined,
    signalAt: new ClockSignals(now).signalAt,
  });
  return { handler, sns, clock };
}

function run(overrides: NonNullable<Parameters<StateMachine['run']>[1]>['overrides']) {
  const machine = new StateMachine(definition);
  // The execution starts when the summarizer's clock reads NOW.
  return startExecution(machine, NOW, overrides ?? {});
}

describe('synthesized detection state machine', () => {
  it('is summarizer, wait 30 s, summarizer, with Lambda service retries on both runs', () => {
    // Assess
    expect(definition.StartAt).toBe('FirstRun');
    const states = definition.States as unknown as Record<string, Record<string, unknown>>;
    expect(states.FirstRun).toMatchObject({ Type: 'Task', Resource: SUMMARIZER_ARN, Next: 'WaitBeforeSecondRun' });
    expect(states.WaitBeforeSecondRun).toMatchObject({ Type: 'Wait', Seconds: SECOND_RUN_DELAY_SECONDS, Next: 'SecondRun' });
    expect(SECOND_RUN_DELAY_SECONDS).toBe(30);
    expect(states.SecondRun).toMatchObject({ Type: 'Task', Resource: SUMMARIZER_ARN, End: true });
    for (const name of ['FirstRun', 'SecondRun']) {
      expect(states[name]?.Retry).toEqual([
        { ErrorEquals: LAMBDA_SERVICE_ERRORS, IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2, JitterStrategy: 'FULL' },
      ]);
      // The task gives up only 5 s after the function's own timeout.
      expect(states[name]?.TimeoutSeconds).toBe(SUMMARIZER_TIMEOUT.toSeconds() + 5);
    }
    // Both runs, the wait and retries end well inside the Express 5-minute cap.
    expect(definition.TimeoutSeconds).toBe(180);
  });

  it('invokes the real summarizer twice with the payload it accepts, each run publishing a verdict', async () => {
    // Prepare
    const summarizer = await realSummarizer();
    const inputs: unknown[] = [];
    const invoke = async (input: unknown) => {
      inputs.push(input);
      const result = await summarizer.handler(input, { getRemainingTimeInMillis: () => SUMMARIZER_TIMEOUT.toMilliseconds() });
      // The wait is overridden below; the clock still moves on 30 s, so the second verdict is not the first one again
      // (the FIFO topic would drop a repeated body as a duplicate).
      summarizer.clock.ms += SECOND_RUN_DELAY_SECONDS * 1000;
      return JSON.parse(JSON.stringify(result)) as never;
    };

    // Act
    const execution = run({
      taskResourceLocalHandlers: { FirstRun: invoke, SecondRun: invoke },
      waitTimeOverrides: { WaitBeforeSecondRun: 0 },
    });
    await execution.result;

    // Assess
    expect(inputs).toEqual([
      { source: 'nacl-flood-guard.schedule', run: 1, executionStartTime: '2026-11-25T12:00:07.000Z' },
      { source: 'nacl-flood-guard.schedule', run: 2, executionStartTime: '2026-11-25T12:00:07.000Z' },
    ]);
    const verdicts = summarizer.sns.published.map((m) => parseAnomalyMessage(m.message));
    expect(verdicts).toHaveLength(2);
    for (const verdict of verdicts) {
      expect(verdict).toMatchObject({ ok: true, message: { vpcId: 'vpc-0123456789abcdef0', complete: true, anomalies: [] } });
    }
  });

  it('invokes the summarizer twice, 30 s apart on the clock, when the wait is not overridden', async () => {
    // Prepare: the library waits with setTimeout, so fake timers stand in for the 30 seconds
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: NOW });
    const invokedAt: number[] = [];
    const invoke = async () => {
      invokedAt.push(Date.now());
      return {};
    };

    try {
      // Act
      const execution = run({ taskResourceLocalHandlers: { FirstRun: invoke, SecondRun: invoke } });
      await vi.advanceTimersByTimeAsync(SECOND_RUN_DELAY_SECONDS * 1000);
      await execution.result;
    } finally {
      vi.useRealTimers();
    }

    // Assess
    expect(invokedAt).toEqual([NOW, NOW + 30_000]);
  });

  it('still runs the second summarizer when the first one fails', async () => {
    // Prepare
    const calls: number[] = [];
    const failing = async () => {
      calls.push(1);
      throw Object.assign(new Error('query failed'), { name: 'Error' });
    };
    const succeeding = async () => {
      calls.push(2);
      return { generatedAt: new Date(NOW).toISOString(), complete: true, anomalies: 0 };
    };

    // Act
    const execution = run({
      taskResourceLocalHandlers: { FirstRun: failing, SecondRun: succeeding },
      waitTimeOverrides: { WaitBeforeSecondRun: 0 },
    });
    await execution.result;

    // Assess
    expect(calls).toEqual([1, 2]);
  });

  it('retries a throttled invocation once, and not a function error', async () => {
    // Prepare
    const events: { type: string }[] = [];
    let firstAttempts = 0;
    let secondAttempts = 0;
    const throttledOnce = async () => {
      firstAttempts++;
      if (firstAttempts === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });
      return {};
    };
    const broken = async () => {
      secondAttempts++;
      throw Object.assign(new Error('bad environment'), { name: 'ConfigError' });
    };

    // Act
    const execution = run({
      taskResourceLocalHandlers: { FirstRun: throttledOnce, SecondRun: broken },
      waitTimeOverrides: { WaitBeforeSecondRun: 0 },
      retryIntervalOverrides: { FirstRun: 0, SecondRun: 0 },
    });
    const outcome = await execution.result.then(
      () => 'succeeded',
      (error: Error) => (error.cause as Error).name,
    );
    for await (const event of execution.eventLogs) events.push(event);

    // Assess
    expect(firstAttempts).toBe(2);
    expect(secondAttempts).toBe(1);
    expect(outcome).toBe('ConfigError');
    expect(events.filter((e) => e.type === 'StateRetried')).toHaveLength(1);
  });
});
