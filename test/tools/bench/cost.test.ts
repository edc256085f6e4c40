import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../../tools/bench/bench';
import {
  flowLogBytesPerRecord,
  HOURS_PER_MONTH,
  MINUTES_PER_MONTH,
  monthlyCost,
  platformCost,
  RUNS_PER_MONTH,
  timestreamQueryCost,
  type CostInputs,
} from '../../../tools/bench/cost';
import { costMeasures } from '../../../tools/bench/cost-measures';
import { PRICES } from '../../../tools/bench/prices';
import { dynamoItemBytes, measureStoreCalls, tallyCall } from '../../../tools/bench/store-calls';

const empty = () => ({ writeUnits: 0, readUnits: 0, requests: 0, queries: 0, writtenBytes: 0 });

describe('store usage in billing units', () => {
  it('sizes a DynamoDB item as its attribute names plus values, numbers at about a byte per two digits', () => {
    // pk (2) + "m#1" (3), sk (2) + "x" (1), n (1) + 12345 (5 digits: 3 + 1)
    expect(dynamoItemBytes({ pk: { S: 'm#1' }, sk: { S: 'x' }, n: { N: '12345' } })).toBe(2 + 3 + 2 + 1 + 1 + 4);
  });

  it('counts a DynamoDB write per started KB per item, and a strongly consistent Query page per started 4 KB', () => {
    const tally = empty();
    const big = { pk: { S: 'p' }, blob: { S: 'x'.repeat(1500) } };
    tallyCall(tally, 'PutItemCommand', { Item: big }, {});
    tallyCall(
      tally,
      'BatchWriteItemCommand',
      { RequestItems: { t: [{ PutRequest: { Item: { pk: { S: 'a' } } } }, { PutRequest: { Item: big } }] } },
      {},
    );
    tallyCall(tally, 'QueryCommand', {}, { Items: [big, big, big] });
    tallyCall(tally, 'QueryCommand', {}, { Items: [] });
    // 1,507 bytes: 2 units, twice; a 3-byte item: 1 unit. Pages of 4,521 bytes (2 units) and of nothing (1 unit, the minimum).
    expect(tally).toMatchObject({ writeUnits: 2 + 1 + 2, readUnits: 2 + 1, requests: 4, queries: 0 });
  });

  it('counts Timestream records per started KB with their common attributes, and its queries', () => {
    const tally = empty();
    tallyCall(
      tally,
      'WriteRecordsCommand',
      { CommonAttributes: {}, Records: [{ MeasureName: 'm' }, { MeasureValue: 'v'.repeat(1100) }] },
      {},
    );
    tallyCall(tally, 'QueryCommand', { QueryString: 'SELECT 1' }, { Rows: [] });
    expect(tally).toMatchObject({ writeUnits: 1 + 2, queries: 1, requests: 2 });
  });
});

describe('store usage per run, measured', () => {
  it('does not depend on the sources below the packet floor, on either store', async () => {
    for (const store of ['timestream', 'dynamodb'] as const) {
      const few = await measureStoreCalls(store, 8 + 20, 8, 14);
      const many = await measureStoreCalls(store, 8 + 200, 8, 14);
      expect(many).toEqual(few);
      expect(few.writeUnits).toBeGreaterThan(0);
    }
  }, 300_000);

  it('grows by the same write units for every source above the floor (2.5 a run on Timestream)', async () => {
    const base = await measureStoreCalls('timestream', 4, 4, 14);
    const more = await measureStoreCalls('timestream', 14, 14, 14);
    expect(more.writeUnits - base.writeUnits).toBe(10 * 2.5);
    expect(base.queries).toBe(2);
  }, 300_000);
});

describe('monthly cost', () => {
  const inputs: CostInputs = {
    bytesPerRecord: 64,
    scanAmplification: { ours: 3, reference: 2 },
    timestream: { writeUnits: 100, readUnits: 0, requests: 3, queries: 2 },
    dynamodb: { writeUnits: 100, readUnits: 40, requests: 20, queries: 0 },
  };

  it('prices flow-log ingestion and scanning per GB, and doubles the scan from 10,000 sources (the statistics query)', () => {
    const gb = (sources: number) => (sources * 64 * MINUTES_PER_MONTH) / 1e9;
    expect(monthlyCost('dynamodb', 9_999, inputs)).toMatchObject({
      flowLogs: gb(9_999) * PRICES.vendedLogsIngestionPerGb,
      insights: gb(9_999) * 3 * PRICES.insightsScannedPerGb,
    });
    expect(monthlyCost('dynamodb', 10_000, inputs).insights).toBe(gb(10_000) * 6 * PRICES.insightsScannedPerGb);
  });

  it('prices each store from its usage per run', () => {
    expect(monthlyCost('dynamodb', 1, inputs).store).toBeCloseTo(
      (100 * RUNS_PER_MONTH * PRICES.dynamoWriteRequestUnitsPerMillion + 40 * RUNS_PER_MONTH * PRICES.dynamoReadRequestUnitsPerMillion) /
        1e6,
      9,
    );
    const tcu = 4 * HOURS_PER_MONTH * PRICES.timestreamTcuHour;
    expect(timestreamQueryCost(2)).toBe(tcu);
    expect(timestreamQueryCost(0)).toBe(0);
    expect(monthlyCost('timestream', 1, inputs).store).toBeCloseTo(
      (100 * RUNS_PER_MONTH * PRICES.timestreamWritesPerMillion) / 1e6 + tcu,
      9,
    );
  });

  it('adds up its items, the platform the same for every store', () => {
    for (const option of ['timestream', 'dynamodb'] as const) {
      const cost = monthlyCost(option, 100_000, inputs);
      expect(cost.platform).toBe(platformCost());
      expect(cost.total).toBeCloseTo(cost.flowLogs + cost.insights + cost.store + cost.platform, 9);
    }
  });

  it("measures the flow-log line of the stack's format, not a constant", () => {
    const bytes = flowLogBytesPerRecord(10);
    expect(bytes).toBeGreaterThan(40);
    expect(bytes).toBeLessThan(90);
  });
});

describe('cost section', () => {
  it('is a section --only accepts, and prices every store at each number of sources', async () => {
    expect(parseBenchArgs(['--only', 'cost'])).toMatchObject({ only: ['cost'] });
    const cost = await costMeasures([100, 20_000], 3, () => {});
    expect(Object.keys(cost.monthlyUsd.timestream)).toEqual(['100', '20000']);
    expect(Object.keys(cost.monthlyUsd.dynamodb)).toEqual(['100', '20000']);
    expect(cost.storePerRun.timestream!.queries).toBe(2);
    expect(cost.storePerRun.dynamodb!.queries).toBe(0);
    expect(cost.storePerRun.dynamodb!.readUnits).toBeGreaterThan(0);
  }, 300_000);
});
