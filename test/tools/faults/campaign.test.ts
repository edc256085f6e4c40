/**
 * The fault campaign as a test group: each fault its own case on the in-process
 * deployment, invariants I1-I5 checked after every run (and I1, I2, I5 after every EC2 change).
 * `npm run faults` prints the same cases as a table. This file runs the first half of the cases,
 * campaign-second-half.test.ts the other.
 */
import { describe, expect, it } from 'vitest';
import { campaignHalf, describeCampaignHalf } from '../../support/fault-campaign';
import { casesFor } from '../../../tools/faults/campaign';
import { FAULT_CASES } from '../../../tools/faults/cases';
import { dynamoDbCases } from '../../../tools/faults/cases/dynamodb';
import { summarizerCases } from '../../../tools/faults/cases/summarizer';
import { parseFaultArgs } from '../../../tools/faults/cli';

const campaign = describeCampaignHalf(0);

describe('fault campaign: the cases', () => {
  it('are 69, each named once, and its two halves take each exactly once', () => {
    expect(FAULT_CASES).toHaveLength(69);
    expect(new Set(FAULT_CASES.map((c) => c.name)).size).toBe(FAULT_CASES.length);
    const halves = [...campaignHalf(0), ...campaignHalf(1)].map((c) => c.name);
    expect(halves.sort()).toEqual(FAULT_CASES.map((c) => c.name).sort());
    expect(campaignHalf(0).length - campaignHalf(1).length).toBeLessThanOrEqual(1);
  });
});

describe('fault campaign on the DynamoDB bin store', () => {
  it("leaves out Timestream's own faults and keeps DynamoDB's, and the reverse", () => {
    const names = (cases: readonly { name: string }[]) => cases.map((c) => c.name);
    expect(names(FAULT_CASES).filter((n) => !names(casesFor('dynamodb')).includes(n))).toEqual([
      'WriteRecords throttled',
      'WriteRecords RejectedRecords',
      'WriteRecords validation error',
      'Z-score query throttled',
      'Z-score query failing',
      'Timestream WriteRecords hung',
      'Timestream Query hung',
    ]);
    expect(names(FAULT_CASES).filter((n) => !names(casesFor('timestream')).includes(n))).toEqual(names(dynamoDbCases));
    expect(casesFor(undefined)).toEqual(FAULT_CASES);
  });

  it('reads --bin-store and --ec2-lag anywhere on the command line, the other words being the filter', () => {
    expect(parseFaultArgs(['insights', '--bin-store', 'dynamodb', 'query'])).toEqual({ binStore: 'dynamodb', filter: 'insights query' });
    expect(parseFaultArgs(['SNS'])).toEqual({ filter: 'sns' });
    expect(() => parseFaultArgs(['--bin-store', 'redis'])).toThrow('--bin-store must be timestream or dynamodb, got "redis"');
    expect(parseFaultArgs(['EC2', '--ec2-lag', '20000', '--bin-store', 'dynamodb'])).toEqual({
      binStore: 'dynamodb',
      ec2LagMs: 20_000,
      filter: 'ec2',
    });
    expect(() => parseFaultArgs(['--ec2-lag', '2s'])).toThrow(
      '--ec2-lag must be a whole number of milliseconds from 1 to 300000, got "2s"',
    );
  });

  // The summarizer's other faults (Logs Insights, SNS) on a DynamoDB deployment; `npm run faults -- --bin-store dynamodb` runs them all.
  it.each(casesFor('dynamodb', summarizerCases).map((fault) => [fault.name, fault] as const))('%s', async (_name, fault) => {
    // Act
    const result = await campaign.run(fault, 'dynamodb');

    // Assess
    expect(result.violations).toEqual([]);
  });
});

describe('fault campaign: the checks catch what they are meant to', () => {
  it('flags a "fault" that blocks a partner, unblocks, half-writes the active ACL and never clears (I1, I2, I3, I5; I4: it leaves no trace)', async () => {
    // Prepare: sabotage, not a fault the product handles
    const sabotage = {
      ...FAULT_CASES[0]!,
      name: 'sabotage',
      arm: ({ deployment }: Parameters<(typeof FAULT_CASES)[number]['arm']>[0]) => {
        deployment.s3.putObject('flood-guard-allow-list', 'allow-list.txt', '');
        const active = deployment.activeAclId();
        const inbound = deployment.ec2.entriesOf(active).filter((e) => !e.Egress && (e.RuleNumber ?? 0) < 32767);
        for (const entry of [inbound[0]!, inbound.at(-1)!])
          void deployment.ec2.deleteNetworkAclEntry({ NetworkAclId: active, RuleNumber: entry.RuleNumber, Egress: false });
        deployment.ec2.setRuleLimit(3);
      },
    };

    // Act
    const result = await campaign.run(sabotage);

    // Assess
    expect([...new Set(result.violations.map((v) => v.invariant))].sort()).toEqual(['I1', 'I2', 'I3', 'I4', 'I5']);
  });

  it('flags a fault that leaves no trace (I4)', async () => {
    // Act: a StartQuery fault that never fires
    const result = await campaign.run({ ...FAULT_CASES[0]!, name: 'silent', arm: () => undefined });

    // Assess
    expect(result.violations.map((v) => v.invariant)).toEqual(['I4']);
  });
});
