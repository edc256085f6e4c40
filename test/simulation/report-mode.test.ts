/**
 * Switching modes by redeploy, on the simulated deployment: block -> report moves the subnets
 * back to their original ACL during the deploy and nothing writes to EC2 afterwards; report ->
 * block blocks with the next verdict.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { publishVerdict } from '../../functions/summarizer/run';
import { SimulatedDeployment } from '../../simulation/deployment';
import { anomalyMessage, flooders, START } from '../support/builders';

let deployment: SimulatedDeployment | undefined;

afterEach(() => deployment?.close());

async function deploy(mode: 'block' | 'report'): Promise<SimulatedDeployment> {
  deployment = await SimulatedDeployment.create({
    startMs: START,
    vpcCidrs: ['10.0.0.0/16'],
    listeners: [{ port: 443, protocol: 6 }],
    mode,
  });
  return deployment;
}

/** One verdict published as the summarizer does, handed to the updater by the verdict queue. */
async function verdict(d: SimulatedDeployment, count: number): Promise<void> {
  d.advanceTo(d.now() + 30_000);
  const body = JSON.stringify(anomalyMessage(d.vpcId, flooders(count)));
  await d.sns.publish(publishVerdict(d.resources.anomaliesTopicArn, body).input);
  await d.deliverNotifications();
}

describe('switching modes by redeploy (simulation)', () => {
  it('block -> report: the deploy moves the subnets back to their original ACL, and later verdicts write nothing', async () => {
    // Prepare
    const d = await deploy('block');
    await verdict(d, 3);
    expect(d.onOriginalAcl()).toBe(false);

    // Act
    await d.redeploy({ mode: 'report' });
    const afterDeploy = d.onOriginalAcl();
    d.ec2.calls.length = 0;
    await verdict(d, 5);

    // Assess
    expect(afterDeploy).toBe(true);
    expect(d.ec2.mutatingCalls()).toEqual([]);
    expect(d.onOriginalAcl()).toBe(true);
    expect(d.telemetry.lastMetricValues()).toMatchObject({ WouldBlockSourceNetworks: 5, BlockedSourceNetworks: 0 });
  });

  it('report -> block: the next verdict blocks', async () => {
    // Prepare
    const d = await deploy('report');
    await verdict(d, 3);
    expect(d.ec2.mutatingCalls()).toEqual([]);

    // Act
    await d.redeploy({ mode: 'block' });
    const afterDeploy = d.onOriginalAcl();
    await verdict(d, 3);

    // Assess
    expect(afterDeploy).toBe(true);
    expect(d.onOriginalAcl()).toBe(false);
    expect(d.activeAclEntries().filter((e) => e.ruleAction === 'deny' && e.ruleNumber < 1000)).toHaveLength(3);
  });

  it('a redeploy that stays in block mode leaves the blocks in place', async () => {
    // Prepare
    const d = await deploy('block');
    await verdict(d, 2);
    const acl = d.activeAclId();

    // Act
    await d.redeploy({ mode: 'block' });

    // Assess
    expect(d.activeAclId()).toBe(acl);
  });
});
