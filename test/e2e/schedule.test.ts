/**
 * The late-record reach through the synthesized state machine: wherever in the minute EventBridge
 * starts the execution and however long the first run takes, a record delivered R - 1/2 minutes
 * after its minute ended is counted (docs/architecture.md, Re-query of late minutes).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { flowLogMessage } from '../../core/flow-log-format';
import { flowRecord, storySpec } from '../support/builders';
import { runScenario, synthesizedMachine, type SynthesizedMachine } from '../support/scenario';

let machine: SynthesizedMachine;

beforeAll(() => {
  machine = synthesizedMachine();
});

const REQUERY_MINUTES = 5;
/** The scenario minute whose late record is delivered R - 1/2 minutes after the minute ended. */
const LATE_MINUTE = 3;
const LATE_SOURCE = '203.0.113.77';
const LATE_PACKETS = 50_000;

const SPEC = storySpec({
  name: 'late-record',
  description: 'steady traffic and one late record',
  startEpoch: Date.UTC(2026, 2, 1, 8, 0, 0) / 1000,
  minutes: LATE_MINUTE + REQUERY_MINUTES + 2,
  seed: 5,
  steadySources: 6,
  steadyPackets: [200, 3000],
  waves: [],
});

describe('late-record reach through the synthesized state machine', () => {
  it.each([0, 25, 29, 59].flatMap((seconds) => [0, 20_000].map((firstRunMs) => [seconds, firstRunMs] as const)))(
    'rule firing %i s into the minute, first run taking %i ms: a record delivered R - 1/2 minutes after its minute is counted',
    async (seconds, firstRunMs) => {
      // Prepare: one record of minute 3 that reaches CloudWatch Logs 4.5 minutes after the minute ended
      const minuteStartS = SPEC.startEpoch + LATE_MINUTE * 60;
      const record = flowRecord(minuteStartS, { srcAddr: LATE_SOURCE, packets: LATE_PACKETS, dstPort: 443 });
      const deliveredAtMs = (minuteStartS + 60) * 1000 + (REQUERY_MINUTES - 0.5) * 60_000;
      let delivered = false;

      // Act
      const run = await runScenario(machine, SPEC, {
        deployment: { requeryMinutes: REQUERY_MINUTES, windowMinutes: 10 },
        executionStartOffsetMs: seconds * 1000,
        firstRunMs,
        beforeRun: (deployment) => {
          if (!delivered)
            deployment.deliver([{ message: flowLogMessage(record), timestamp: record.start * 1000, ingestionTime: deliveredAtMs }]);
          delivered = true;
        },
      });

      // Assess: the late packets reached minute 3's bin (Logs Insights shows an event from its ingestion time on)
      const naming = run.observations.filter((o) => o.message?.anomalies.some((a) => a.sourceIp === LATE_SOURCE));
      expect(naming.length).toBeGreaterThan(0);
      expect(naming[0]?.message?.anomalies.find((a) => a.sourceIp === LATE_SOURCE)?.maxPackets).toBe(LATE_PACKETS);
      // Every run of the story published a verdict: none failed on its event.
      expect(run.observations.filter((o) => o.error !== undefined)).toEqual([]);
    },
  );
});
