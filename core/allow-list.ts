import { cidrText, parseNetwork, type Network } from './addresses';

/** One allow-list line that was skipped, with its 1-based line number for the log. */
export interface InvalidAllowListLine {
  readonly line: number;
  readonly text: string;
  readonly reason: string;
}

export interface AllowList {
  /** Distinct networks (hosts are /32 or /128), in first-seen order. */
  readonly networks: readonly Network[];
  readonly invalidLines: readonly InvalidAllowListLine[];
}

/** Longest line kept in a log record; longer lines are cut so one bad line cannot flood the log. */
const MAX_LOGGED_LINE_LENGTH = 200;

/**
 * Parses the allow-list object: one IPv4/IPv6 address or CIDR per line. Blank lines and `#`
 * comments (whole-line or trailing) are ignored; CRLF, a UTF-8 byte-order mark and surrounding
 * spaces are tolerated. A CIDR with host bits set is widened to its network, because for an
 * allow list protecting more is the safe reading. Invalid lines are reported, never thrown.
 */
export function parseAllowList(text: string): AllowList {
  const networks = new Map<string, Network>();
  const invalidLines: InvalidAllowListLine[] = [];
  for (const { line, content } of contentLines(text)) {
    const network = parseNetwork(content, { allowHostBits: true });
    if (!network) {
      invalidLines.push(invalidLine(line, content, 'not an IPv4 or IPv6 address or CIDR'));
      continue;
    }
    networks.set(cidrText(network), network);
  }
  return { networks: [...networks.values()], invalidLines };
}

/** One line of a list object that holds something: its 1-based number, its text before any `#` (trimmed), and the comment. */
export interface ContentLine {
  readonly line: number;
  readonly content: string;
  readonly comment: string;
}

/** The lines of a list object (allow list, deny list) that hold something: BOM, CRLF, blanks and `#` comments handled once for both. */
export function contentLines(text: string): ContentLine[] {
  const out: ContentLine[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
    .forEach((raw, index) => {
      const hash = raw.indexOf('#');
      const content = (hash === -1 ? raw : raw.slice(0, hash)).trim();
      if (content !== '') out.push({ line: index + 1, content, comment: hash === -1 ? '' : raw.slice(hash + 1).trim() });
    });
  return out;
}

/** A skipped line as it is logged: its text cut so one bad line cannot flood the log. */
export function invalidLine(line: number, content: string, reason: string): InvalidAllowListLine {
  return { line, text: content.slice(0, MAX_LOGGED_LINE_LENGTH), reason };
}
