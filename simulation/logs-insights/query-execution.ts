/**
 * Runs parsed Insights commands over log events, as the service evaluates them: parsed strings
 * compare with numbers numerically, stats group by the `by` fields, rows past the limit are cut
 * after counting what matched.
 */
import { networkContains, parseAddress, type Network } from '../../core/addresses';
import type { LogEvent } from './log-groups';
import { INSIGHTS_ROW_CAP, type Aggregate, type Command, type Condition } from './query-language';

export type Value = string | number | undefined;
export type Row = Map<string, Value>;

/** Insights compares a parsed string with a number numerically. */
function numeric(value: Value): number | undefined {
  if (typeof value === 'number') return value;
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Subnet verdicts repeat for every re-queried minute: memoised, bounded. */
const subnetMemo = new Map<string, boolean>();

function inSubnet(value: Value, network: Network): boolean {
  if (typeof value !== 'string') return false;
  const key = `${network.address}/${network.prefixLength} ${value}`;
  let inside = subnetMemo.get(key);
  if (inside === undefined) {
    const address = parseAddress(value);
    inside = address !== undefined && networkContains(network, address.address);
    if (subnetMemo.size > 1_000_000) subnetMemo.clear();
    subnetMemo.set(key, inside);
  }
  return inside;
}

function matches(row: Row, condition: Condition): boolean {
  if (condition.kind === 'anyOf') return condition.alternatives.some((all) => all.every((c) => matches(row, c)));
  const value = row.get(condition.field);
  if (condition.kind === 'equals') {
    if (typeof condition.value === 'number') return numeric(value) === condition.value;
    return value === condition.value;
  }
  const inside = inSubnet(value, condition.network);
  return condition.negated ? !inside : inside;
}

/** Parsed fields per event and pattern: events are re-queried run after run. */
const parseMemo = new Map<string, WeakMap<LogEvent, readonly (string | undefined)[]>>();

function parsedFields(event: LogEvent, command: Extract<Command, { kind: 'parse' }>, text: string): readonly (string | undefined)[] {
  let perEvent = parseMemo.get(command.pattern.source);
  if (!perEvent) {
    perEvent = new WeakMap();
    parseMemo.set(command.pattern.source, perEvent);
  }
  let fields = perEvent.get(event);
  if (!fields) {
    const match = command.pattern.exec(text);
    fields = command.names.map((_, i) => (match ? match[i + 1] : undefined));
    perEvent.set(event, fields);
  }
  return fields;
}

function aggregate(rows: readonly Row[], commands: Extract<Command, { kind: 'stats' }>): Row[] {
  const groups = new Map<string, { key: Row; rows: Row[] }>();
  for (const row of rows) {
    const key = commands.by.map((f) => String(row.get(f) ?? ''));
    const id = JSON.stringify(key);
    let group = groups.get(id);
    if (!group) {
      group = { key: new Map(commands.by.map((f) => [f, row.get(f)])), rows: [] };
      groups.set(id, group);
    }
    group.rows.push(row);
  }
  return [...groups.values()].map(({ key, rows: members }) => {
    const out: Row = new Map(key);
    for (const agg of commands.aggregates) out.set(agg.as, applyAggregate(agg, members));
    return out;
  });
}

function applyAggregate(agg: Aggregate, rows: readonly Row[]): number | undefined {
  if (agg.fn === 'count')
    return agg.field === undefined ? rows.length : rows.filter((r) => r.get(agg.field as string) !== undefined).length;
  const values = rows
    .map((r) => {
      const value = numeric(r.get(agg.field as string));
      if (agg.times === undefined || value === undefined) return value;
      const other = numeric(r.get(agg.times));
      return other === undefined ? undefined : value * other;
    })
    .filter((v): v is number => v !== undefined);
  if (values.length === 0) return undefined;
  if (agg.fn === 'sum') return values.reduce((a, b) => a + b, 0);
  return agg.fn === 'max' ? Math.max(...values) : Math.min(...values);
}

function compareValues(a: Value, b: Value): number {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  return String(a ?? '').localeCompare(String(b ?? ''));
}

export interface Execution {
  readonly rows: Row[];
  readonly recordsScanned: number;
  readonly recordsMatched: number;
  readonly bytesScanned: number;
  /** Columns of the output, in order. */
  readonly columns: string[];
}

export function execute(commands: readonly Command[], events: readonly LogEvent[]): Execution {
  const eventOf = new Map<Row, LogEvent>();
  let rows: Row[] = events.map((e) => {
    const row = new Map<string, Value>([
      ['@message', e.message],
      ['@timestamp', e.timestamp],
      ['@ingestionTime', e.ingestionTime],
    ]);
    eventOf.set(row, e);
    return row;
  });
  let columns = ['@timestamp', '@message'];
  let limit = INSIGHTS_ROW_CAP;
  const bytesScanned = events.reduce((sum, e) => sum + e.message.length, 0);
  for (const command of commands) {
    switch (command.kind) {
      case 'parse':
        for (const row of rows) {
          const event = eventOf.get(row);
          const text = String(row.get(command.source) ?? '');
          // Only the raw message is memoised per event; a parse of a derived field is computed.
          const fields =
            event && command.source === '@message'
              ? parsedFields(event, command, text)
              : command.names.map((_, i) => command.pattern.exec(text)?.[i + 1]);
          command.names.forEach((name, i) => row.set(name, fields[i]));
        }
        break;
      case 'filter':
        rows = rows.filter((row) => command.conditions.every((c) => matches(row, c)));
        break;
      case 'fields':
        for (const row of rows) {
          for (const { name, expr } of command.projections) {
            if (expr.kind === 'field') continue;
            const left = numeric(row.get(expr.left));
            const right = numeric(row.get(expr.right));
            row.set(name, left === undefined || right === undefined ? undefined : left - right);
          }
        }
        columns = command.projections.map((p) => p.name);
        break;
      case 'stats':
        rows = aggregate(rows, command);
        columns = [...command.by, ...command.aggregates.map((a) => a.as)];
        break;
      case 'sort':
        rows.sort((a, b) => (command.descending ? -1 : 1) * compareValues(a.get(command.field), b.get(command.field)));
        break;
      case 'limit':
        limit = Math.min(limit, command.count);
        break;
    }
  }
  const recordsMatched = rows.length;
  return { rows: rows.slice(0, limit), recordsScanned: events.length, recordsMatched, bytesScanned, columns };
}

export function formatValue(value: Value): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  return value;
}
