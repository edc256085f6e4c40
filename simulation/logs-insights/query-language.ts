/**
 * The part of the Logs Insights query language the stand-in runs, parsed strictly: the commands
 * and functions the product's query builder uses (parse with `*` globs, filter with =, and, or,
 * parentheses, not isIpInSubnet, fields with toMillis arithmetic, stats sum/max/min/count by fields and
 * sum(a * b), up to two chained stats with the documented rules, sort, limit). Anything else is
 * a MalformedQueryException naming what it did not understand, so a query change cannot pass
 * here unnoticed while meaning something else on AWS.
 */
import { MalformedQueryException } from '@aws-sdk/client-cloudwatch-logs';
import { parseNetwork, type Network } from '../../core/addresses';

/** Most rows a query returns, and the largest `limit`. */
export const INSIGHTS_ROW_CAP = 10_000;

export type Condition =
  | { kind: 'equals'; field: string; value: string | number }
  | { kind: 'inSubnet'; field: string; network: Network; negated: boolean }
  /** `(a and b) or (c and d)`: true when every condition of one alternative holds. */
  | { kind: 'anyOf'; alternatives: Condition[][] };

export type Projection = { name: string; expr: { kind: 'field'; field: string } | { kind: 'millisDiff'; left: string; right: string } };
/** `times` makes `sum(a * b)`: an aggregate over a product of two fields (used as a sum of squares). */
export type Aggregate = { fn: 'sum' | 'max' | 'min' | 'count'; field: string | undefined; times?: string; as: string };

export type Command =
  | { kind: 'parse'; source: string; pattern: RegExp; names: string[] }
  | { kind: 'filter'; conditions: Condition[] }
  | { kind: 'fields'; projections: Projection[] }
  | { kind: 'stats'; aggregates: Aggregate[]; by: string[] }
  | { kind: 'sort'; field: string; descending: boolean }
  | { kind: 'limit'; count: number };

function malformed(message: string): MalformedQueryException {
  return new MalformedQueryException({ message: `stand-in cannot run the query: ${message}`, $metadata: { httpStatusCode: 400 } });
}

const IDENT = '[A-Za-z_@][A-Za-z0-9_.@]*';
const STRING = '"((?:[^"\\\\]|\\\\.)*)"';

function parseCommand(text: string): Command {
  const [, verb = '', rest = ''] = /^(\w+)\s+([\s\S]*)$/.exec(text.trim()) ?? [];
  switch (verb) {
    case 'parse':
      return parseParse(rest);
    case 'filter':
      return { kind: 'filter', conditions: parseDisjunction(rest) };
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

/** Splits at the Boolean keyword outside parentheses and string literals. */
function splitTop(text: string, keyword: 'and' | 'or'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"' && text[i - 1] !== '\\') inString = !inString;
    if (inString) continue;
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) throw malformed(`unbalanced ")" in "${text.trim()}"`);
    else if (depth === 0) {
      const match = new RegExp(`^\\s+${keyword}\\s+`).exec(text.slice(i));
      if (match && /\s/.test(c)) {
        parts.push(text.slice(start, i));
        i += match[0].length - 1;
        start = i + 1;
      }
    }
  }
  if (depth !== 0 || inString) throw malformed(`unbalanced "(" or quote in "${text.trim()}"`);
  parts.push(text.slice(start));
  return parts;
}

/** `a or b or ...`, each a conjunction: one condition list (ANDed). */
function parseDisjunction(text: string): Condition[] {
  const alternatives = splitTop(text, 'or');
  if (alternatives.length === 1) return parseConjunction(text);
  return [{ kind: 'anyOf', alternatives: alternatives.map(parseConjunction) }];
}

/** `a and b and ...`, where a part in parentheses is a disjunction of its own. */
function parseConjunction(text: string): Condition[] {
  return splitTop(text, 'and').flatMap((part) => {
    const t = part.trim();
    if (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) return parseDisjunction(t.slice(1, -1));
    return [parseCondition(t)];
  });
}

/** Whether the text's parentheses balance on their own (so the outer pair encloses it all). */
function balanced(text: string): boolean {
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
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
      return command.conditions.flatMap(conditionFields);
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

function conditionFields(condition: Condition): string[] {
  return condition.kind === 'anyOf' ? condition.alternatives.flat().flatMap(conditionFields) : [condition.field];
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
