/**
 * In-process stand-in for CloudWatch Logs Insights, as strict as the service where the
 * summarizer depends on it: StartQuery / GetQueryResults / StopQuery with query states
 * (Scheduled -> Running -> Complete, or Failed / Timeout / Cancelled on demand), the
 * account quota of 30 concurrent queries (LimitExceededException), the 10,000-row result cap,
 * statistics including bytesScanned, and events visible only once ingested.
 *
 * It executes the query TEXT, parsed strictly: the commands and functions the product's query
 * builder uses (parse with `*` globs, filter with =, and, not, isIpInSubnet, fields with
 * toMillis arithmetic, stats sum/max/min/count by fields and sum(a * b), up to two chained stats
 * with the documented rules, sort, limit). Anything else is a
 * MalformedQueryException naming what it did not understand, so a query change cannot pass
 * here unnoticed while meaning something else on AWS.
 *
 * Plug it into a CloudWatchLogsClient with `routeCommands(client, standIn.routes())` (simulation/sdk-routing.ts).
 */
import {
  GetQueryResultsCommand,
  InvalidParameterException,
  LimitExceededException,
  MalformedQueryException,
  ResourceNotFoundException,
  StartQueryCommand,
  StopQueryCommand,
  type GetQueryResultsCommandInput,
  type GetQueryResultsCommandOutput,
  type QueryStatus,
  type ResultField,
  type StartQueryCommandInput,
  type StartQueryCommandOutput,
  type StopQueryCommandInput,
  type StopQueryCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { networkContains, parseAddress, parseNetwork, type Network } from '../core/addresses';
import type { Route } from './sdk-routing';

/** One log event as CloudWatch Logs stores it. */
export interface LogEvent {
  readonly message: string;
  /** Event time, epoch ms (for flow logs: the record's start). */
  readonly timestamp: number;
  /** When CloudWatch Logs received it, epoch ms: the event is invisible to queries before. */
  readonly ingestionTime: number;
}

export interface LogsInsightsOptions {
  readonly now: () => number;
  /** Account quota of concurrent queries (StartQuery documents 30). @default 30 */
  readonly maxConcurrentQueries?: number;
  /** GetQueryResults calls that still answer Scheduled/Running before a query completes. @default 1 */
  readonly pollsBeforeComplete?: number;
}

export const INSIGHTS_ROW_CAP = 10_000;
const MAX_QUERY_LENGTH = 10_000;
/** Queries end after 60 minutes of runtime (StartQuery documentation). */
const QUERY_TIMEOUT_MS = 60 * 60_000;

const metadata = { $metadata: { httpStatusCode: 400 } };

// ---- Query language subset ------------------------------------------------------------------

type Value = string | number | undefined;
type Row = Map<string, Value>;

type Condition =
  { kind: 'equals'; field: string; value: string | number } | { kind: 'inSubnet'; field: string; network: Network; negated: boolean };

type Projection = { name: string; expr: { kind: 'field'; field: string } | { kind: 'millisDiff'; left: string; right: string } };
/** `times` makes `sum(a * b)`: an aggregate over a product of two fields (used as a sum of squares). */
type Aggregate = { fn: 'sum' | 'max' | 'min' | 'count'; field: string | undefined; times?: string; as: string };

type Command =
  | { kind: 'parse'; source: string; pattern: RegExp; names: string[] }
  | { kind: 'filter'; conditions: Condition[] }
  | { kind: 'fields'; projections: Projection[] }
  | { kind: 'stats'; aggregates: Aggregate[]; by: string[] }
  | { kind: 'sort'; field: string; descending: boolean }
  | { kind: 'limit'; count: number };

function malformed(message: string): MalformedQueryException {
  return new MalformedQueryException({ message: `stand-in cannot run the query: ${message}`, ...metadata });
}

const IDENT = '[A-Za-z_@][A-Za-z0-9_.@]*';
const STRING = '"((?:[^"\\\\]|\\\\.)*)"';

function parseCommand(text: string): Command {
  const [, verb = '', rest = ''] = /^(\w+)\s+([\s\S]*)$/.exec(text.trim()) ?? [];
  switch (verb) {
    case 'parse':
      return parseParse(rest);
    case 'filter':
      return { kind: 'filter', conditions: rest.split(/\s+and\s+/).map(parseCondition) };
    case 'fields':
      return { kind: 'fields', projections: splitList(rest).map(parseProjection) };
    case 'stats':
      return parseStats(rest);
    case 'sort':
      return parseSort(rest);
    case 'limit':
      return parseLimit(rest);
    default:
      throw malformed(`unknown command "${text.trim().split(/\s/)[0]}"`);
  }
}

function splitList(text: string): string[] {
  return text.split(',').map((part) => part.trim());
}

/** `parse @message "* * *" as a, b, c`: globs split by single spaces, one name per glob. */
function parseParse(rest: string): Command {
  const match = new RegExp(`^(${IDENT})\\s+${STRING}\\s+as\\s+(.+)$`).exec(rest.trim());
  if (!match) throw malformed(`parse "${rest}" is not: parse <field> "<glob pattern>" as <names>`);
  const [, source = '', glob = '', namesText = ''] = match;
  const names = splitList(namesText);
  if (!names.every((n) => new RegExp(`^${IDENT}$`).test(n))) throw malformed(`parse names "${namesText}"`);
  const pieces = glob.split('*');
  if (pieces.length - 1 !== names.length) throw malformed(`parse pattern has ${pieces.length - 1} globs for ${names.length} names`);
  // Each glob matches lazily up to the next literal; the last one takes the rest of the line.
  const escaped = pieces.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(
    `^${escaped.map((p, i) => p + (i < names.length ? (i === names.length - 1 ? '(.*)' : '(.*?)') : '')).join('')}$`,
  );
  return { kind: 'parse', source, pattern, names };
}

function parseCondition(text: string): Condition {
  const t = text.trim();
  const subnet = new RegExp(`^(not\\s+)?isIpInSubnet\\(\\s*(${IDENT})\\s*,\\s*${STRING}\\s*\\)$`).exec(t);
  if (subnet) {
    const network = parseNetwork(subnet[3] ?? '');
    if (!network) throw malformed(`isIpInSubnet subnet "${subnet[3]}" is not a CIDR`);
    return { kind: 'inSubnet', field: subnet[2] ?? '', network, negated: subnet[1] !== undefined };
  }
  const equals = new RegExp(`^(${IDENT})\\s*=\\s*(?:${STRING}|(-?\\d+(?:\\.\\d+)?))$`).exec(t);
  if (equals) {
    const value = equals[2] !== undefined ? equals[2] : Number(equals[3]);
    return { kind: 'equals', field: equals[1] ?? '', value };
  }
  throw malformed(`filter condition "${t}"`);
}

function parseProjection(text: string): Projection {
  if (new RegExp(`^${IDENT}$`).test(text)) return { name: text, expr: { kind: 'field', field: text } };
  const diff = new RegExp(`^toMillis\\((${IDENT})\\)\\s*-\\s*toMillis\\((${IDENT})\\)\\s+as\\s+(${IDENT})$`).exec(text);
  if (diff) return { name: diff[3] ?? '', expr: { kind: 'millisDiff', left: diff[1] ?? '', right: diff[2] ?? '' } };
  throw malformed(`fields expression "${text}"`);
}

function parseStats(rest: string): Command {
  const [aggText = '', byText] = rest.split(/\s+by\s+/);
  const aggregates = splitList(aggText).map((part): Aggregate => {
    const product = new RegExp(`^sum\\(\\s*(${IDENT})\\s*\\*\\s*(${IDENT})\\s*\\)\\s+as\\s+(${IDENT})$`).exec(part);
    if (product) return { fn: 'sum', field: product[1], times: product[2], as: product[3] ?? '' };
    const m = new RegExp(`^(sum|max|min|count)\\(\\s*(\\*|${IDENT})?\\s*\\)\\s+as\\s+(${IDENT})$`).exec(part);
    if (!m) throw malformed(`stats aggregate "${part}"`);
    const field = m[2] === '*' ? undefined : m[2];
    if (field === undefined && m[1] !== 'count') throw malformed(`${m[1]}() needs a field`);
    return { fn: m[1] as Aggregate['fn'], field, as: m[3] ?? '' };
  });
  const by = byText === undefined ? [] : splitList(byText);
  if (!by.every((f) => new RegExp(`^${IDENT}$`).test(f))) throw malformed(`stats by "${byText}"`);
  return { kind: 'stats', aggregates, by };
}

function parseSort(rest: string): Command {
  const m = new RegExp(`^(${IDENT})(?:\\s+(asc|desc))?$`).exec(rest.trim());
  if (!m) throw malformed(`sort "${rest}"`);
  return { kind: 'sort', field: m[1] ?? '', descending: m[2] !== 'asc' };
}

function parseLimit(rest: string): Command {
  const count = /^\d+$/.test(rest.trim()) ? Number(rest.trim()) : NaN;
  if (!(count >= 1 && count <= INSIGHTS_ROW_CAP)) throw malformed(`limit "${rest.trim()}" must be 1-${INSIGHTS_ROW_CAP}`);
  return { kind: 'limit', count };
}

/** Splits a query into its commands (pipes outside string literals). */
export function parseInsightsQuery(query: string): Command[] {
  const parts: string[] = [];
  let current = '';
  let inString = false;
  for (let i = 0; i < query.length; i++) {
    const c = query[i] as string;
    if (c === '"' && query[i - 1] !== '\\') inString = !inString;
    if (c === '|' && !inString) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  const commands = parts
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map(parseCommand);
  if (commands.length === 0) throw malformed('empty query');
  checkStatsRules(commands);
  return commands;
}

/** Fields a command reads (for the two-stats rule). */
function fieldsRead(command: Command): string[] {
  switch (command.kind) {
    case 'parse':
      return [command.source];
    case 'filter':
      return command.conditions.map((c) => c.field);
    case 'fields':
      return command.projections.flatMap((p) => (p.expr.kind === 'field' ? [p.expr.field] : [p.expr.left, p.expr.right]));
    case 'stats':
      return [...command.by, ...command.aggregates.flatMap((a) => [a.field, a.times].filter((f): f is string => f !== undefined))];
    case 'sort':
      return [command.field];
    case 'limit':
      return [];
  }
}

/**
 * The documented rules of chained stats ("Use multiple stats commands in a single query"): at
 * most two `stats`; after the first, only the fields it defined can be referenced; `sort` and
 * `limit` must come after the second.
 */
function checkStatsRules(commands: readonly Command[]): void {
  const statsAt = commands.flatMap((c, i) => (c.kind === 'stats' ? [i] : []));
  if (statsAt.length > 2) throw malformed(`a query can have at most two stats commands, got ${statsAt.length}`);
  const [first, second] = statsAt;
  if (first === undefined) return;
  const first_ = commands[first] as Extract<Command, { kind: 'stats' }>;
  const defined = new Set([...first_.by, ...first_.aggregates.map((a) => a.as)]);
  for (const command of commands.slice(first + 1)) {
    const unknown = fieldsRead(command).find((f) => !defined.has(f));
    if (unknown !== undefined) throw malformed(`field ${unknown} is not defined by the first stats command`);
  }
  if (second === undefined) return;
  const misplaced = commands.slice(0, second).find((c) => c.kind === 'sort' || c.kind === 'limit');
  if (misplaced) throw malformed(`${misplaced.kind} must come after the second stats command`);
}

// ---- Evaluation -----------------------------------------------------------------------------

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

interface Execution {
  readonly rows: Row[];
  readonly recordsScanned: number;
  readonly recordsMatched: number;
  readonly bytesScanned: number;
  /** Columns of the output, in order. */
  readonly columns: string[];
}

function execute(commands: readonly Command[], events: readonly LogEvent[]): Execution {
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

function formatValue(value: Value): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  return value;
}

// ---- The service ----------------------------------------------------------------------------

interface QueryState {
  readonly id: string;
  readonly logGroups: readonly string[];
  readonly startMs: number;
  readonly endMs: number;
  readonly commands: readonly Command[];
  readonly startedAt: number;
  status: QueryStatus;
  polls: number;
  forcedEnd?: QueryStatus;
  result?: Execution;
}

export class LogsInsightsStandIn {
  private readonly groups = new Map<string, LogEvent[]>();
  private readonly sorted = new Set<string>();
  private readonly queries = new Map<string, QueryState>();
  private readonly maxConcurrent: number;
  private readonly pollsBeforeComplete: number;
  private readonly forcedEnds: QueryStatus[] = [];
  private counter = 0;
  /** Every query text started, for assertions. */
  readonly startedQueries: string[] = [];

  constructor(private readonly options: LogsInsightsOptions) {
    this.maxConcurrent = options.maxConcurrentQueries ?? 30;
    this.pollsBeforeComplete = options.pollsBeforeComplete ?? 1;
  }

  createLogGroup(name: string): void {
    if (!this.groups.has(name)) this.groups.set(name, []);
  }

  routes(): Route[] {
    return [
      [StartQueryCommand, this.startQuery],
      [GetQueryResultsCommand, this.getQueryResults],
      [StopQueryCommand, this.stopQuery],
    ];
  }

  /** Delivers events (as flow logs do, not through PutLogEvents); they become visible at their ingestionTime. */
  deliver(logGroupName: string, events: readonly LogEvent[]): void {
    const group = this.groups.get(logGroupName);
    if (!group) throw new Error(`log group ${logGroupName} does not exist`);
    // Deliveries in time order (the usual case) keep the group sorted without re-sorting.
    let inOrder = this.sorted.has(logGroupName);
    for (const event of events) {
      if (group.length > 0 && event.timestamp < (group[group.length - 1] as LogEvent).timestamp) inOrder = false;
      group.push(event);
    }
    if (!inOrder) this.sorted.delete(logGroupName);
  }

  /** The next queries to end end with these states instead of Complete (Failed, Timeout, Cancelled, Unknown). */
  endNextQueriesWith(...statuses: QueryStatus[]): void {
    this.forcedEnds.push(...statuses);
  }

  /** Queries not yet ended. */
  runningQueries(): number {
    return [...this.queries.values()].filter((q) => q.status === 'Scheduled' || q.status === 'Running').length;
  }

  readonly startQuery = async (input: StartQueryCommandInput): Promise<StartQueryCommandOutput> => {
    const logGroups = this.logGroupsOf(input);
    const { startTime, endTime, queryString } = input;
    if (startTime === undefined || endTime === undefined || queryString === undefined) {
      throw new InvalidParameterException({ message: 'startTime, endTime and queryString are required', ...metadata });
    }
    if (!Number.isInteger(startTime) || !Number.isInteger(endTime) || startTime < 0 || endTime < startTime) {
      throw new InvalidParameterException({
        message: `invalid time range ${startTime}..${endTime} (epoch seconds, start <= end)`,
        ...metadata,
      });
    }
    if (queryString.length === 0 || queryString.length > MAX_QUERY_LENGTH) {
      throw new InvalidParameterException({ message: `queryString length must be 1-${MAX_QUERY_LENGTH}`, ...metadata });
    }
    if (input.limit !== undefined && !(input.limit >= 1 && input.limit <= INSIGHTS_ROW_CAP)) {
      throw new InvalidParameterException({ message: `limit must be 1-${INSIGHTS_ROW_CAP}`, ...metadata });
    }
    const commands = parseInsightsQuery(queryString);
    if (input.limit !== undefined) commands.push({ kind: 'limit', count: input.limit });
    if (this.runningQueries() >= this.maxConcurrent) {
      throw new LimitExceededException({
        message: `you already have ${this.maxConcurrent} concurrent CloudWatch Logs Insights queries`,
        ...metadata,
      });
    }
    const id = `${(++this.counter).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
    this.queries.set(id, {
      id,
      logGroups,
      startMs: startTime * 1000,
      endMs: endTime * 1000 + 999,
      commands,
      startedAt: this.options.now(),
      status: 'Scheduled',
      polls: 0,
    });
    this.startedQueries.push(queryString);
    return { queryId: id, $metadata: { httpStatusCode: 200 } };
  };

  readonly getQueryResults = async (input: GetQueryResultsCommandInput): Promise<GetQueryResultsCommandOutput> => {
    const query = this.requireQuery(input.queryId);
    this.advance(query);
    const result = query.status === 'Complete' ? query.result : undefined;
    const rows: ResultField[][] = (result?.rows ?? []).map((row) =>
      (result?.columns ?? []).flatMap((field) => {
        const value = formatValue(row.get(field));
        return value === undefined ? [] : [{ field, value }];
      }),
    );
    return {
      status: query.status,
      results: rows,
      statistics: {
        recordsMatched: result?.recordsMatched ?? 0,
        recordsScanned: result?.recordsScanned ?? 0,
        bytesScanned: result?.bytesScanned ?? 0,
      },
      $metadata: { httpStatusCode: 200 },
    };
  };

  readonly stopQuery = async (input: StopQueryCommandInput): Promise<StopQueryCommandOutput> => {
    const query = this.requireQuery(input.queryId);
    if (query.status !== 'Scheduled' && query.status !== 'Running') {
      throw new InvalidParameterException({ message: `query ${query.id} is not running (${query.status})`, ...metadata });
    }
    query.status = 'Cancelled';
    return { success: true, $metadata: { httpStatusCode: 200 } };
  };

  private logGroupsOf(input: StartQueryCommandInput): string[] {
    const given = [input.logGroupName !== undefined, input.logGroupNames !== undefined, input.logGroupIdentifiers !== undefined].filter(
      Boolean,
    ).length;
    if (given !== 1)
      throw new InvalidParameterException({
        message: 'exactly one of logGroupName, logGroupNames, logGroupIdentifiers is required',
        ...metadata,
      });
    const names = input.logGroupName !== undefined ? [input.logGroupName] : [...(input.logGroupNames ?? input.logGroupIdentifiers ?? [])];
    for (const name of names) {
      if (!this.groups.has(name)) throw new ResourceNotFoundException({ message: `Log group '${name}' does not exist`, ...metadata });
    }
    return names;
  }

  private requireQuery(queryId: string | undefined): QueryState {
    const query = queryId === undefined ? undefined : this.queries.get(queryId);
    if (!query) throw new ResourceNotFoundException({ message: `query ${queryId} does not exist`, ...metadata });
    return query;
  }

  /** Moves a query along its states: each poll is one step; the result is computed when it completes. */
  private advance(query: QueryState): void {
    if (query.status !== 'Scheduled' && query.status !== 'Running') return;
    query.polls++;
    if (query.polls <= this.pollsBeforeComplete) {
      query.status = 'Running';
      return;
    }
    const forced = this.forcedEnds.shift();
    if (forced) {
      query.status = forced;
      return;
    }
    if (this.options.now() - query.startedAt > QUERY_TIMEOUT_MS) {
      query.status = 'Timeout';
      return;
    }
    query.result = execute(query.commands, this.visibleEvents(query));
    query.status = 'Complete';
  }

  private visibleEvents(query: QueryState): LogEvent[] {
    const now = this.options.now();
    const out: LogEvent[] = [];
    for (const name of query.logGroups) {
      const events = this.sortedEvents(name);
      for (let i = lowerBound(events, query.startMs); i < events.length; i++) {
        const event = events[i] as LogEvent;
        if (event.timestamp > query.endMs) break;
        if (event.ingestionTime <= now) out.push(event);
      }
    }
    return out;
  }

  private sortedEvents(name: string): LogEvent[] {
    const events = this.groups.get(name) as LogEvent[];
    if (!this.sorted.has(name)) {
      events.sort((a, b) => a.timestamp - b.timestamp);
      this.sorted.add(name);
    }
    return events;
  }
}

function lowerBound(events: readonly LogEvent[], timestamp: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as LogEvent).timestamp < timestamp) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
