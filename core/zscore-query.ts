/**
 * The packet-bin store's queries (docs/architecture.md, Detection): the baseline (mean, population standard
 * deviation and count of every bin in the window) and the anomalous sources. The SQL text is
 * what production sends to Timestream and what the tests run in DuckDB; the parsers read the
 * Timestream Query result shape by column name and check it.
 */

/**
 * How bins are stored. Per minute: three statistics records (dimension source_ip = `*`, measures
 * bin_count, packet_sum, packet_square_sum over ALL of the minute's bins), and one `packets` record
 * per candidate bin (above MinPacketsPerBin; dimension source_ip; time = bin start). All BIGINT,
 * all versioned by the run that wrote them. The window's baseline comes from the statistics, so
 * it is exact however many sources there were; only candidates can be anomalous, so the Z-scores
 * are exact too.
 */
export const BIN_STORE_SCHEMA = {
  measureName: 'packets',
  measureValueType: 'BIGINT',
  sourceDimension: 'source_ip',
  /** source_ip value of the statistics records. */
  allSources: '*',
  statistics: { binCount: 'bin_count', packetSum: 'packet_sum', packetSquareSum: 'packet_square_sum' },
} as const;

export const BASELINE_COLUMNS = { binCount: 'bin_count', mean: 'mean', standardDeviation: 'standard_deviation' } as const;
export const ANOMALY_COLUMNS = { sourceIp: 'source_ip', maxZScore: 'max_z_score', maxPackets: 'max_packets' } as const;
/**
 * With several listeners every record also has this dimension (the listener's label, `443/tcp`),
 * and the baseline and anomaly rows carry it as a column of the same name. With one listener the
 * records and queries are exactly the one-listener layout, so its stored window stays readable.
 */
export const LISTENER_DIMENSION = 'listener';

export interface BinTable {
  readonly database: string;
  readonly table: string;
}

/** The window, and the listeners' labels when there are several (each then has its own baseline). */
export interface WindowOptions extends BinTable {
  readonly windowStartMs: number;
  readonly listeners?: readonly string[];
}

export interface ZScoreQueryOptions extends WindowOptions {
  readonly minZScore: number;
  readonly minPacketsPerBin: number;
  readonly maxAnomalies: number;
}

/** Timestream names may hold letters, digits, `_`, `.` and `-`; anything else could break out of the quotes. */
const NAME = /^[A-Za-z0-9_.-]{3,256}$/;

function quotedTable({ database, table }: BinTable): string {
  for (const [what, name] of [
    ['database', database],
    ['table', table],
  ] as const) {
    if (!NAME.test(name)) throw new RangeError(`Timestream ${what} name ${JSON.stringify(name)} must be 3-256 of A-Z a-z 0-9 _ . -`);
  }
  return `"${database}"."${table}"`;
}

function integerLiteral(name: string, value: number, min: number): string {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  return String(value);
}

/** A DOUBLE literal in exponent form (`3E+0`), which both Timestream and DuckDB read as a double. */
function doubleLiteral(name: string, value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
  return value.toExponential().toUpperCase();
}

const LISTENER_LABEL = /^\d{1,5}\/(tcp|udp)$/;

/** The listeners' labels when the queries are per listener (several listeners), else undefined. */
function listenerLabels(options: WindowOptions): readonly string[] | undefined {
  const { listeners } = options;
  if (listeners === undefined || listeners.length < 2) return undefined;
  for (const label of listeners)
    if (!LISTENER_LABEL.test(label)) throw new RangeError(`listener ${JSON.stringify(label)} is not <port>/<tcp|udp>`);
  return listeners;
}

/** `AND listener IN (...)`, or nothing with one listener. */
function listenerFilter(options: WindowOptions): string[] {
  const labels = listenerLabels(options);
  return labels === undefined ? [] : [`    AND ${LISTENER_DIMENSION} IN (${labels.map((l) => `'${l}'`).join(', ')})`];
}

/** The leading listener column of each CTE, or nothing with one listener. */
function listenerColumn(options: WindowOptions, prefix = ''): string {
  return listenerLabels(options) === undefined ? '' : `${prefix}${LISTENER_DIMENSION}, `;
}

/** The candidate bins in the window; `measure_value::bigint` is a column name in Timestream, a cast in DuckDB. */
function binsCte(options: WindowOptions): string {
  const { measureName, sourceDimension } = BIN_STORE_SCHEMA;
  const listener = listenerLabels(options) === undefined ? '' : `, ${LISTENER_DIMENSION} AS ${LISTENER_DIMENSION}`;
  return [
    'bins AS (',
    `  SELECT ${sourceDimension} AS source_ip${listener}, measure_value::bigint AS packets`,
    `  FROM ${quotedTable(options)}`,
    `  WHERE measure_name = '${measureName}'`,
    `    AND time >= from_milliseconds(${integerLiteral('windowStartMs', options.windowStartMs, 0)})`,
    ...listenerFilter(options),
    ')',
  ].join('\n');
}

/**
 * The window's count n, sum s and sum of squares q of ALL bins, from the minute statistics, then
 * mean and population standard deviation computed so that rounding cannot hurt:
 *
 * - n, s, q are BIGINT sums: exact (an overflow past 9.2e18 is a query error, never a wrong value).
 * - k = round(s / n) is an integer pivot near the mean. With d = s - n*k (|d| <= n/2 + 1) and
 *   e = q - 2ks + nk^2 = sum((x - k)^2), evaluated as (q - k*s) - k*d so no intermediate exceeds
 *   q, both are exact BIGINTs; then mean = k + d/n and variance = (e - d*d/n) / n. Since
 *   e = n*variance + d^2/n and d^2/n < n/4 + 1, there is no catastrophic cancellation: mean and
 *   variance carry a few ulps of relative error (about 1e-15) whenever the variance is at least 1,
 *   instead of the textbook formula's error growing with mean^2 / variance.
 * - Bound: the window's sum of squares q must stay below 2^63 (9.2e18), e.g. 60 minutes of one
 *   million sources at 390,000 packets each per minute.
 *
 * No statistics in the window (or n = 0) gives no row, which the parser reads as "no baseline".
 */
function baselineCtes(options: WindowOptions): string {
  const { statistics, sourceDimension, allSources } = BIN_STORE_SCHEMA;
  const sumOf = (measure: string) => `CAST(SUM(CASE WHEN measure_name = '${measure}' THEN measure_value::bigint ELSE 0 END) AS BIGINT)`;
  const l = listenerColumn(options);
  return [
    'totals AS (',
    `  SELECT ${l}${sumOf(statistics.binCount)} AS n, ${sumOf(statistics.packetSum)} AS s, ${sumOf(statistics.packetSquareSum)} AS q`,
    `  FROM ${quotedTable(options)}`,
    `  WHERE measure_name IN ('${statistics.binCount}', '${statistics.packetSum}', '${statistics.packetSquareSum}')`,
    `    AND ${sourceDimension} = '${allSources}'`,
    `    AND time >= from_milliseconds(${integerLiteral('windowStartMs', options.windowStartMs, 0)})`,
    ...listenerFilter(options),
    ...(l === '' ? [] : [`  GROUP BY ${LISTENER_DIMENSION}`]),
    '),',
    'pivoted AS (',
    `  SELECT ${l}n, s, q, CAST(ROUND(CAST(s AS DOUBLE) / n) AS BIGINT) AS k FROM totals WHERE n > 0`,
    '),',
    'centred AS (',
    `  SELECT ${l}n, k, s - n * k AS d, (q - k * s) - k * (s - n * k) AS e FROM pivoted`,
    '),',
    'baseline AS (',
    `  SELECT ${l}n, k + CAST(d AS DOUBLE) / n AS mean,`,
    '    SQRT(GREATEST(0E0, (CAST(e AS DOUBLE) - CAST(d AS DOUBLE) * CAST(d AS DOUBLE) / n) / n)) AS sd',
    '  FROM centred',
    ')',
  ].join('\n');
}

/**
 * Mean, population standard deviation and number of all bins in the window (no row when there are
 * none); with several listeners one row per listener that has bins, with its label.
 */
export function buildBaselineQuery(options: WindowOptions): string {
  const c = BASELINE_COLUMNS;
  const l = listenerColumn(options);
  return [
    'WITH ' + baselineCtes(options),
    `SELECT ${l === '' ? '' : `${LISTENER_DIMENSION} AS ${LISTENER_DIMENSION}, `}n AS ${c.binCount}, mean AS ${c.mean}, sd AS ${c.standardDeviation}`,
    'FROM baseline',
    ...(l === '' ? [] : [`ORDER BY ${LISTENER_DIMENSION}`]),
  ].join('\n');
}

/**
 * Sources with some bin whose Z-score exceeds minZScore AND whose packets exceed the floor;
 * per source the largest Z-score and bin, highest Z-score first (ties by address), capped.
 * A zero standard deviation yields no rows.
 */
export function buildAnomalyQuery(options: ZScoreQueryOptions): string {
  if (listenerLabels(options) !== undefined) return buildListenerAnomalyQuery(options);
  const c = ANOMALY_COLUMNS;
  const z = '(bins.packets - baseline.mean) / baseline.sd';
  return [
    'WITH ' + baselineCtes(options) + ',',
    binsCte(options),
    `SELECT bins.source_ip AS ${c.sourceIp}, MAX(${z}) AS ${c.maxZScore}, MAX(bins.packets) AS ${c.maxPackets}`,
    'FROM bins CROSS JOIN baseline',
    'WHERE baseline.sd > 0',
    `  AND ${z} > ${doubleLiteral('minZScore', options.minZScore)}`,
    `  AND bins.packets > ${integerLiteral('minPacketsPerBin', options.minPacketsPerBin, 0)}`,
    'GROUP BY bins.source_ip',
    `ORDER BY ${c.maxZScore} DESC, ${c.sourceIp} ASC`,
    `LIMIT ${integerLiteral('maxAnomalies', options.maxAnomalies, 1)}`,
  ].join('\n');
}

/**
 * The anomaly query with several listeners: each bin is judged against its own listener's
 * baseline; per source the largest Z-score on any listener, the listener of that Z-score (ties:
 * the first label in text order) and its largest anomalous bin on any listener; then ordered and
 * capped as with one listener. One row per source: a source is blocked once, whatever listener.
 */
function buildListenerAnomalyQuery(options: ZScoreQueryOptions): string {
  const c = ANOMALY_COLUMNS;
  const L = LISTENER_DIMENSION;
  const z = '(bins.packets - baseline.mean) / baseline.sd';
  return [
    'WITH ' + baselineCtes(options) + ',',
    binsCte(options) + ',',
    'scored AS (',
    `  SELECT bins.source_ip AS source_ip, bins.${L} AS ${L}, ${z} AS z, bins.packets AS packets`,
    `  FROM bins JOIN baseline ON bins.${L} = baseline.${L}`,
    '  WHERE baseline.sd > 0',
    `    AND ${z} > ${doubleLiteral('minZScore', options.minZScore)}`,
    `    AND bins.packets > ${integerLiteral('minPacketsPerBin', options.minPacketsPerBin, 0)}`,
    '),',
    'ranked AS (',
    `  SELECT source_ip, ${L}, z, MAX(packets) OVER (PARTITION BY source_ip) AS top_packets,`,
    `    ROW_NUMBER() OVER (PARTITION BY source_ip ORDER BY z DESC, ${L} ASC) AS position`,
    '  FROM scored',
    ')',
    `SELECT source_ip AS ${c.sourceIp}, ${L} AS ${L}, z AS ${c.maxZScore}, top_packets AS ${c.maxPackets}`,
    'FROM ranked',
    'WHERE position = 1',
    `ORDER BY ${c.maxZScore} DESC, ${c.sourceIp} ASC`,
    `LIMIT ${integerLiteral('maxAnomalies', options.maxAnomalies, 1)}`,
  ].join('\n');
}

// ---- Result parsing -------------------------------------------------------------------------

/** The parts of a Timestream Query response page the parsers read (structurally typed: no SDK here). */
export interface QueryResultPage {
  readonly ColumnInfo?: readonly { readonly Name?: string; readonly Type?: { readonly ScalarType?: string } }[];
  readonly Rows?: readonly { readonly Data?: readonly { readonly ScalarValue?: string; readonly NullValue?: boolean }[] }[];
}

export interface Baseline {
  readonly binCount: number;
  /** Null when the window holds no bins. */
  readonly mean: number | null;
  readonly standardDeviation: number | null;
}

export interface ZScoreAnomaly {
  readonly sourceIp: string;
  readonly maxZScore: number;
  readonly maxPackets: number;
  /** With several listeners, the label of the listener of the largest Z-score. */
  readonly listener?: string;
}

/** A result that does not have the expected columns, types or values. */
export class QueryResultError extends Error {
  override readonly name = 'QueryResultError';
}

type ScalarKind = 'integer' | 'double' | 'string';
const SCALAR_TYPES: Record<ScalarKind, readonly string[]> = {
  integer: ['BIGINT', 'INTEGER'],
  double: ['DOUBLE'],
  string: ['VARCHAR'],
};

type Cell = string | null;

/** Rows of all pages as objects keyed by the requested column names, after checking names and types. */
function readRows(pages: readonly QueryResultPage[], columns: Record<string, ScalarKind>): Record<string, Cell>[] {
  const rows: Record<string, Cell>[] = [];
  for (const page of pages) {
    const info = page.ColumnInfo ?? [];
    const index = new Map<string, number>();
    info.forEach((column, i) => column.Name !== undefined && index.set(column.Name, i));
    const pageRows = page.Rows ?? [];
    if (pageRows.length === 0) continue; // empty pages (still running, or no rows) may lack column info
    for (const [name, kind] of Object.entries(columns)) {
      const i = index.get(name);
      if (i === undefined) throw new QueryResultError(`result has no column ${name} (columns: ${[...index.keys()].join(', ') || 'none'})`);
      const type = info[i]?.Type?.ScalarType;
      if (!type || !SCALAR_TYPES[kind].includes(type))
        throw new QueryResultError(`column ${name} has type ${type ?? 'unknown'}, expected ${SCALAR_TYPES[kind].join(' or ')}`);
    }
    for (const row of pageRows) {
      const data = row.Data ?? [];
      const out: Record<string, Cell> = {};
      for (const name of Object.keys(columns)) {
        const datum = data[index.get(name) as number];
        if (datum === undefined) throw new QueryResultError(`row lacks a value for column ${name}`);
        out[name] = datum.NullValue === true || datum.ScalarValue === undefined ? null : datum.ScalarValue;
      }
      rows.push(out);
    }
  }
  return rows;
}

function finiteOrNull(name: string, cell: Cell): number | null {
  if (cell === null) return null;
  const value = Number(cell);
  if (cell.trim() === '' || Number.isNaN(value)) throw new QueryResultError(`column ${name} holds ${JSON.stringify(cell)}, not a number`);
  // A non-finite statistic cannot be judged against: treat it like "no baseline".
  return Number.isFinite(value) ? value : null;
}

function wholeNumber(name: string, cell: Cell): number {
  const value = cell === null ? Number.NaN : Number(cell);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new QueryResultError(`column ${name} holds ${JSON.stringify(cell)}, not a whole number`);
  return value;
}

export function parseBaselineResult(pages: readonly QueryResultPage[]): Baseline {
  const c = BASELINE_COLUMNS;
  const rows = readRows(pages, { [c.binCount]: 'integer', [c.mean]: 'double', [c.standardDeviation]: 'double' });
  if (rows.length === 0) return { binCount: 0, mean: null, standardDeviation: null };
  if (rows.length > 1) throw new QueryResultError(`baseline query returned ${rows.length} rows, expected one`);
  return baselineOfRow(rows[0] as Record<string, Cell>);
}

/** The per-listener baseline rows: every listener of `labels` gets one, "no baseline" when it has no row. */
export function parseListenerBaselineResult(pages: readonly QueryResultPage[], labels: readonly string[]): Map<string, Baseline> {
  const c = BASELINE_COLUMNS;
  const rows = readRows(pages, {
    [LISTENER_DIMENSION]: 'string',
    [c.binCount]: 'integer',
    [c.mean]: 'double',
    [c.standardDeviation]: 'double',
  });
  const baselines = new Map<string, Baseline>(labels.map((label) => [label, { binCount: 0, mean: null, standardDeviation: null }]));
  const seen = new Set<string>();
  for (const row of rows) {
    const label = row[LISTENER_DIMENSION];
    if (label === null || label === undefined || !baselines.has(label) || seen.has(label))
      throw new QueryResultError(`baseline row for listener ${JSON.stringify(label)}: not one of ${labels.join(', ')} once`);
    seen.add(label);
    baselines.set(label, baselineOfRow(row));
  }
  return baselines;
}

function baselineOfRow(row: Record<string, Cell>): Baseline {
  const c = BASELINE_COLUMNS;
  const binCount = row[c.binCount] === null ? 0 : wholeNumber(c.binCount, row[c.binCount] as Cell);
  const mean = finiteOrNull(c.mean, row[c.mean] as Cell);
  const standardDeviation = finiteOrNull(c.standardDeviation, row[c.standardDeviation] as Cell);
  if (binCount === 0 || mean === null || standardDeviation === null) return { binCount, mean: null, standardDeviation: null };
  return { binCount, mean, standardDeviation };
}

/** The anomaly rows; `perListener` (several listeners): each row also names its listener. */
export function parseAnomalyResult(pages: readonly QueryResultPage[], perListener = false): ZScoreAnomaly[] {
  const c = ANOMALY_COLUMNS;
  const columns: Record<string, ScalarKind> = { [c.sourceIp]: 'string', [c.maxZScore]: 'double', [c.maxPackets]: 'integer' };
  const rows = readRows(pages, perListener ? { ...columns, [LISTENER_DIMENSION]: 'string' } : columns);
  return rows.map((row) => {
    const sourceIp = row[c.sourceIp];
    const maxZScore = finiteOrNull(c.maxZScore, row[c.maxZScore] as Cell);
    if (sourceIp === null || sourceIp === undefined || maxZScore === null)
      throw new QueryResultError(`anomaly row lacks ${sourceIp ? c.maxZScore : c.sourceIp}`);
    const anomaly = { sourceIp, maxZScore, maxPackets: wholeNumber(c.maxPackets, row[c.maxPackets] as Cell) };
    if (!perListener) return anomaly;
    const listener = row[LISTENER_DIMENSION];
    if (listener === null || listener === undefined) throw new QueryResultError(`anomaly row lacks ${LISTENER_DIMENSION}`);
    return { ...anomaly, listener };
  });
}

/** mean + minZScore x sd: a bin above it (and above the floor) is anomalous; null without a baseline. */
export function anomalyThreshold(baseline: Baseline, minZScore: number): number | null {
  if (baseline.mean === null || baseline.standardDeviation === null) return null;
  return baseline.mean + minZScore * baseline.standardDeviation;
}
