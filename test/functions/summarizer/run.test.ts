import { LimitExceededException, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { planRun } from '../../../core/run-window';
import { SimulatedDeployment } from '../../../simulation/deployment';

describe('summarizer re-queries the minutes an outage made it miss', () => {
  let deployment: SimulatedDeployment | undefined;
  afterEach(() => deployment?.close());

  it('queries a minute whose query failed in the next run, although the by-age schedule would skip it', async () => {
    // Prepare: a deployment whose first run (08:01:00) cannot start queries
    const start = Date.UTC(2026, 2, 1, 8, 0, 0);
    deployment = await SimulatedDeployment.create({
      startMs: start,
      vpcCidrs: ['10.0.0.0/16'],
      listeners: [{ port: 443, protocol: 6 }],
      windowMinutes: 20,
      requeryMinutes: 10,
    });
    const queried: number[] = [];
    deployment.faults.observe((_command, input) => queried.push((input as { startTime: number }).startTime * 1000), StartQueryCommand);
    deployment.faults.fail(StartQueryCommand, () => new LimitExceededException({ message: 'limit', $metadata: {} }));
    const failedRun = planRun(
      start + 60_000,
      { windowMinutes: 20, requeryMinutes: 10 },
      { run: 1, executionStartMs: start + 60_000 },
    ).minuteStartsMs;
    deployment.advanceTo(start + 60_000);
    await deployment.invokeSummarizer();
    deployment.faults.clear();

    // Act: the second run of the 08:02 execution (08:02:30), whose schedule by age skips 08:00 (age 2)
    const at = start + 150_000;
    const byAge = planRun(at, { windowMinutes: 20, requeryMinutes: 10 }, { run: 2, executionStartMs: at - 30_000 }).minuteStartsMs;
    deployment.advanceTo(at);
    await deployment.invokeSummarizer();

    // Assess: the first run started nothing; the second queried its schedule by age and every minute the
    // first missed that is still within the 10 re-queried minutes (08:02 back to 07:52)
    const missed = failedRun.filter((m) => m >= start + 120_000 - 10 * 60_000);
    expect(missed).toContain(start);
    expect(byAge).not.toContain(start);
    expect([...queried].sort((x, y) => x - y)).toEqual([...new Set([...byAge, ...missed])].sort((x, y) => x - y));
  });
});
