/**
 * DuckDB with Timestream's functions, for tests that run the product's SQL over tables they lay
 * out themselves: results come back in the Query API's shape, typed and printed as the Timestream
 * stand-in prints them (simulation/timestream/results.ts).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { QueryResultPage } from '../../core/zscore-query';
import { columnInfoOf, rowsOf } from '../../simulation/timestream/results';
import { TIMESTREAM_FUNCTIONS_SQL } from '../../simulation/timestream/stand-in';

export interface TimestreamSql {
  readonly connection: DuckDBConnection;
  /** Runs SQL; its result as one page of the Query API. */
  run(sql: string): Promise<QueryResultPage[]>;
  close(): void;
}

/** An in-memory database with the schema `database` and Timestream's functions. */
export async function openTimestreamSql(database: string): Promise<TimestreamSql> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`CREATE SCHEMA "${database}"; ${TIMESTREAM_FUNCTIONS_SQL}`);
  return {
    connection,
    run: async (sql) => {
      const reader = await connection.runAndReadAll(sql);
      return [{ ColumnInfo: columnInfoOf(reader), Rows: rowsOf(reader) }];
    },
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
