/**
 * The fault campaign as test groups. The campaign is the suite's longest work, so it runs as two
 * test files, each half of the cases on its own worker; `campaignHalf` says which half is whose.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Campaign, INVARIANTS, summaryLine, type CaseResult } from '../../tools/faults/campaign';
import { FAULT_CASES } from '../../tools/faults/cases';
import type { FaultCase } from '../../tools/faults/evidence';

/** The cases of one half: the first half takes every even position, the second every odd one. */
export function campaignHalf(half: 0 | 1, cases: readonly FaultCase[] = FAULT_CASES): FaultCase[] {
  return cases.filter((_, i) => i % 2 === half);
}

/**
 * Each fault of the half its own case, invariants I1-I5 checked, and the half's one-line summary.
 * Returns the campaign, whose fault-free references the file's other tests can share.
 */
export function describeCampaignHalf(half: 0 | 1): Campaign {
  const cases = campaignHalf(half);
  const campaign = new Campaign();
  const results: CaseResult[] = [];

  beforeAll(async () => {
    // The fault-free story every case is compared with (its own invariants are checked too).
    await campaign.reference({});
  });

  describe(`fault campaign, half ${half + 1} of 2: every fault leaves I1-I5 intact`, () => {
    it.each(cases.map((fault) => [fault.name, fault] as const))('%s', async (_name, fault) => {
      // Act
      const result = await campaign.run(fault);
      results.push(result);

      // Assess
      expect(result.invariants).toEqual(INVARIANTS);
      expect(result.violations).toEqual([]);
    });

    it('runs every case of its half once and reports them in one line', () => {
      expect(results.map((r) => r.name)).toEqual(cases.map((c) => c.name));
      expect(summaryLine(results)).toBe(`faults: ${cases.length} injected, 0 invariant violations`);
    });
  });
  return campaign;
}
