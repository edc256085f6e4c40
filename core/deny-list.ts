import { cidrText, isRoutableSource, networksOverlap, parseNetwork, type Network } from './addresses';
import { contentLines, invalidLine, type InvalidAllowListLine } from './allow-list';

/** One network the operator blocks by hand. */
export interface DenyEntry {
  readonly network: Network;
  /** Epoch ms after which the entry no longer applies; absent: no expiry. */
  readonly until?: number;
  /** The line's comment, for the log (at most 200 characters). */
  readonly comment: string;
  /** 1-based line number of the entry that stands (the latest expiry of a repeated network). */
  readonly line: number;
}

export interface DenyList {
  /** Distinct networks, in first-seen order. */
  readonly entries: readonly DenyEntry[];
  readonly invalidLines: readonly InvalidAllowListLine[];
}

/** `until=` takes a full UTC or offset date-time: a bare date would leave the hour to guesswork. */
const UNTIL = /^until=(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses the deny-list object: one IPv4/IPv6 address or CIDR per line, optionally followed by
 * `until=<ISO-8601 date-time>` (e.g. `203.0.113.7 until=2026-12-31T00:00:00Z # scraper`). Blank
 * lines, `#` comments, CRLF and a byte-order mark are handled as in the allow list. Unlike the
 * allow list, a CIDR with host bits set is invalid: widening it would block more than was written.
 * A network that never sources internet traffic (0.0.0.0/8, loopback, multicast...) is invalid
 * too: a rule for it would spend the quota for nothing, and 0.0.0.0/0 would cut the endpoint off.
 * Invalid lines are reported, never thrown; a network listed twice keeps its latest expiry.
 */
export function parseDenyList(text: string): DenyList {
  const entries = new Map<string, DenyEntry>();
  const invalidLines: InvalidAllowListLine[] = [];
  for (const { line, content, comment } of contentLines(text)) {
    const parsed = parseEntry(content);
    if (typeof parsed === 'string') {
      invalidLines.push(invalidLine(line, content, parsed));
      continue;
    }
    const key = cidrText(parsed.network);
    const entry: DenyEntry = { ...parsed, comment: comment.slice(0, 200), line };
    const earlier = entries.get(key);
    entries.set(key, earlier && outlasts(earlier, entry) ? earlier : entry);
  }
  return { entries: [...entries.values()], invalidLines };
}

/** An entry, or the reason the line is invalid. */
function parseEntry(content: string): Pick<DenyEntry, 'network' | 'until'> | string {
  const [address = '', ...options] = content.split(/\s+/);
  const network = parseNetwork(address);
  if (!network) {
    const widened = parseNetwork(address, { allowHostBits: true });
    return widened ? `host bits set: write the network itself (${cidrText(widened)})` : 'not an IPv4 or IPv6 address or CIDR';
  }
  if (!isRoutableSource(network.address))
    return 'not a network internet traffic comes from (this-network, loopback, link-local, multicast)';
  if (options.length > 1) return 'expected an address or CIDR and at most one until=<date-time>';
  if (options.length === 0) return { network };
  const until = parseUntil(options[0]!);
  return until === undefined ? 'expected until=YYYY-MM-DDThh:mm:ssZ (or an offset like +02:00)' : { network, until };
}

function parseUntil(option: string): number | undefined {
  const match = UNTIL.exec(option);
  if (!match) return undefined;
  const [, year, month, day, hour, minute] = match.map(Number) as number[];
  const ms = Date.parse(option.slice('until='.length));
  // Date.parse rolls 2026-02-30 over to March: a date that does not exist is a typo, not an expiry.
  const check = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!));
  const valid = check.getUTCMonth() === month! - 1 && check.getUTCDate() === day! && hour! < 24 && minute! < 60;
  return valid && Number.isFinite(ms) ? ms : undefined;
}

function outlasts(a: Pick<DenyEntry, 'until'>, b: Pick<DenyEntry, 'until'>): boolean {
  return a.until === undefined || (b.until !== undefined && a.until >= b.until);
}

/** What the deny list asks for at one moment. */
export interface ActiveDenyList {
  /** Networks to block: in force, clear of every protected network, none inside another. */
  readonly networks: readonly Network[];
  /** In force but overlapping an allow-listed or VPC network: not applied (the allow list wins). */
  readonly conflicting: readonly DenyEntry[];
  /** Past their expiry: ignored. */
  readonly expired: readonly DenyEntry[];
}

/**
 * The deny list at `nowMs` (evaluated on every run, so an entry lapses without an edit). An entry
 * that shares any address with a protected network is left out whole: narrowing it around the
 * protected addresses would block something other than what the operator wrote.
 */
export function activeDenyList(list: DenyList, nowMs: number, protectedNetworks: readonly Network[]): ActiveDenyList {
  const expired = list.entries.filter((e) => e.until !== undefined && e.until <= nowMs);
  const inForce = list.entries.filter((e) => !expired.includes(e));
  const conflicting = inForce.filter((e) => protectedNetworks.some((p) => networksOverlap(p, e.network)));
  const applied = inForce.filter((e) => !conflicting.includes(e)).map((e) => e.network);
  // A network inside a wider listed one would only spend a rule on addresses already blocked.
  const networks = applied.filter((n) => !applied.some((w) => w !== n && w.prefixLength < n.prefixLength && networksOverlap(w, n)));
  return { networks, conflicting, expired };
}
