/**
 * Records as WriteRecords validates them: single BIGINT measures, integer timestamps in a known
 * unit, positive versions, non-empty dimensions with names other than the reserved columns. A
 * malformed record fails the whole request, as the API's input validation does.
 */
import { ValidationException, type _Record } from '@aws-sdk/client-timestream-write';

/** One stored record, as a test may inspect it. */
export interface StoredRecord {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly measureName: string;
  readonly timeMs: number;
  readonly value: bigint;
  readonly version: number;
}

const RESERVED_COLUMNS = new Set(['time', 'measure_name', 'measure_value']);
const TIME_UNIT_MS: Record<string, number> = { MILLISECONDS: 1, SECONDS: 1000, MICROSECONDS: 0.001, NANOSECONDS: 0.000001 };
const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;

/** A WriteRecords ValidationException: the whole request fails. */
export function invalid(message: string): ValidationException {
  return new ValidationException({ message, Message: message, $metadata: { httpStatusCode: 400 } });
}

/** What identifies a record: its dimensions, measure name and time. */
export function recordKey(dimensions: Record<string, string>, measureName: string, timeMs: number): string {
  const dims = Object.keys(dimensions)
    .sort()
    .map((name) => [name, dimensions[name]]);
  return JSON.stringify([dims, measureName, timeMs]);
}

/** Merges CommonAttributes into a record the way WriteRecords does: record fields win, dimensions add up. */
export function withCommonAttributes(record: _Record, common: _Record | undefined): _Record {
  if (!common) return record;
  return { ...common, ...record, Dimensions: [...(common.Dimensions ?? []), ...(record.Dimensions ?? [])] };
}

export interface CheckedRecord {
  readonly dimensions: Record<string, string>;
  readonly measureName: string;
  readonly timeMs: number;
  readonly value: bigint;
  readonly version: number;
}

/** Request-level validation: a malformed record fails the whole request, as the API's input validation does. */
export function checkRecord(record: _Record, index: number): CheckedRecord {
  const where = `Records[${index}]`;
  if (record.MeasureValues !== undefined || record.MeasureValueType === 'MULTI')
    throw invalid(`${where}: this stand-in stores single BIGINT measures only`);
  if ((record.MeasureValueType ?? 'DOUBLE') !== 'BIGINT')
    throw invalid(`${where}: MeasureValueType ${record.MeasureValueType ?? 'DOUBLE (default)'} is not BIGINT`);
  if (!record.MeasureName) throw invalid(`${where}: MeasureName is required`);
  if (record.MeasureValue === undefined || !/^-?\d+$/.test(record.MeasureValue))
    throw invalid(`${where}: MeasureValue ${JSON.stringify(record.MeasureValue)} is not a BIGINT`);
  const value = BigInt(record.MeasureValue);
  if (value < BIGINT_MIN || value > BIGINT_MAX) throw invalid(`${where}: MeasureValue is out of the BIGINT range`);
  if (record.Time === undefined || !/^\d+$/.test(record.Time))
    throw invalid(`${where}: Time ${JSON.stringify(record.Time)} is not an integer timestamp`);
  const unit = TIME_UNIT_MS[record.TimeUnit ?? 'MILLISECONDS'];
  if (unit === undefined) throw invalid(`${where}: TimeUnit ${record.TimeUnit} is not valid`);
  const timeMs = Math.floor(Number(record.Time) * unit);
  const version = record.Version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1) throw invalid(`${where}: Version must be a positive 64-bit integer`);
  const dimensions: Record<string, string> = {};
  for (const dimension of record.Dimensions ?? []) {
    if (!dimension.Name || RESERVED_COLUMNS.has(dimension.Name))
      throw invalid(`${where}: dimension name ${JSON.stringify(dimension.Name)} is not allowed`);
    if (!dimension.Value) throw invalid(`${where}: dimension ${dimension.Name} has an empty value`);
    if (dimension.Name in dimensions) throw invalid(`${where}: dimension ${dimension.Name} appears twice`);
    dimensions[dimension.Name] = dimension.Value;
  }
  return { dimensions, measureName: record.MeasureName, timeMs, value, version };
}
