/** DuckDB's query results in the shape of Timestream's Query API: column types, and rows of scalar text or nulls. */
import type { ColumnInfo, Datum, Row, ScalarType } from '@aws-sdk/client-timestream-query';
import { ValidationException as QueryValidationException } from '@aws-sdk/client-timestream-query';
import type { DuckDBResultReader } from '@duckdb/node-api';

export function queryInvalid(message: string): QueryValidationException {
  return new QueryValidationException({ message, Message: message, $metadata: { httpStatusCode: 400 } });
}

function scalarTypeOf(duckType: string): ScalarType {
  if (/^(BIGINT|HUGEINT|UBIGINT)$/.test(duckType)) return 'BIGINT';
  if (/^(INTEGER|SMALLINT|TINYINT|UINTEGER|USMALLINT|UTINYINT)$/.test(duckType)) return 'INTEGER';
  if (/^(DOUBLE|FLOAT|DECIMAL.*)$/.test(duckType)) return 'DOUBLE';
  if (duckType === 'BOOLEAN') return 'BOOLEAN';
  if (duckType === 'TIMESTAMP') return 'TIMESTAMP';
  if (duckType === 'DATE') return 'DATE';
  if (duckType === 'VARCHAR') return 'VARCHAR';
  throw queryInvalid(`unsupported result type ${duckType}`);
}

export function columnInfoOf(reader: DuckDBResultReader): ColumnInfo[] {
  return reader.columnNames().map((name, i) => ({ Name: name, Type: { ScalarType: scalarTypeOf(reader.columnType(i).toString()) } }));
}

/** Timestream prints doubles with a decimal point (`3.0`) and timestamps with nanoseconds. */
function scalarText(value: unknown, type: ScalarType | undefined): string {
  if (type === 'DOUBLE') {
    const n = Number(value);
    return Number.isInteger(n) ? n.toFixed(1) : String(n);
  }
  if (type === 'TIMESTAMP')
    return `${String(value).replace('T', ' ').slice(0, 19)}.${String(value).split('.')[1]?.padEnd(9, '0') ?? '000000000'}`;
  return String(value);
}

export function rowsOf(reader: DuckDBResultReader): Row[] {
  const types = columnInfoOf(reader).map((column) => column.Type?.ScalarType);
  return reader.getRows().map((values) => ({
    Data: values.map((value, i): Datum => (value === null ? { NullValue: true } : { ScalarValue: scalarText(value, types[i]) })),
  }));
}
