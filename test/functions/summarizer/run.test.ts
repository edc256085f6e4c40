import { LimitExceededException, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, describe, expect, it } from 'vitest';
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
      listenerPort: 443,
      listenerProtocol: 6,
      windowMinutes: 20,
      requeryMinutes: 10,
    });
    const queried: number[] = [];
    deployment.faults.observe((_command, input) => queried.push((input as { startTime: number }).startTime * 1000), StartQueryCommand);
    deployment.faults.fail(StartQueryCommand, () => new LimitExceededException({ message: 'limit', $metadata: {} }));
    deployment.advanceTo(start + 60_000);
    await deployment.invokeSummarizer();
    deployment.faults.clear();

    // Act: a second-half run (08:02:30) schedules ages 1 and 10 only; 08:00 is age 2
    deployment.advanceTo(start + 150_000);
    await deployment.invokeSummarizer();

    // Assess
    expect(queried).toContain(start);
    expect(queried).toContain(start + 60_000);
  });
});
