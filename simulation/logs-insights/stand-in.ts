/**
 * In-process stand-in for CloudWatch Logs Insights, as strict as the service where the
 * summarizer depends on it: StartQuery / GetQueryResults / StopQuery with query states
 * (Scheduled -> Running -> Complete, or Failed / Timeout / Cancelled on demand), the
 * account quota of 30 concurrent queries (LimitExceededException), the 10,000-row result cap,
 * statistics including bytesScanned, and events visible only once ingested.
 *
 * It executes the query TEXT, parsed strictly (query-language.ts): a query it does not
 * understand fails as AWS would fail a malformed one, never runs as something else.
 *
 * Plug it into a CloudWatchLogsClient with `routeCommands(client, standIn.routes())` (simulation/sdk-routing.ts).
 */
import {
  GetQueryResultsCommand,
  InvalidParameterException,
  LimitExceededException,
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
import type { Route } from '../sdk-routing';
import { LogGroups, type LogEvent } from './log-groups';
import { execute, formatValue, type Execution } from './query-execution';
import { INSIGHTS_ROW_CAP, parseInsightsQuery, type Command } from './query-language';

export interface LogsInsightsOptions {
  readonly now: () => number;
  /** Account quota of concurrent queries (StartQuery documents 30). @default 30 */
  readonly maxConcurrentQueries?: number;
  /** GetQueryResults calls that still answer Scheduled/Running before a query completes. @default 1 */
  readonly pollsBeforeComplete?: number;
}

const MAX_QUERY_LENGTH = 10_000;
/** Queries end after 60 minutes of runtime (StartQuery documentation). */
const QUERY_TIMEOUT_MS = 60 * 60_000;

const metadata = { $metadata: { httpStatusCode: 400 } };

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
  private readonly groups = new LogGroups();
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
    this.groups.create(name);
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
    this.groups.deliver(logGroupName, events);
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
    query.result = execute(query.commands, this.groups.visible(query.logGroups, query.startMs, query.endMs, this.options.now()));
    query.status = 'Complete';
  }
}
