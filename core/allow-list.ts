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
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  lines.forEach((raw, index) => {
    const content = stripComment(raw).trim();
    if (content === '') return;
    const network = parseNetwork(content, { allowHostBits: true });
    if (!network) {
      invalidLines.push({ line: index + 1, text: content.slice(0, MAX_LOGGED_LINE_LENGTH), reason: 'not an IPv4 or IPv6 address or CIDR' });
      return;
    }
    networks.set(cidrText(network), network);
  });
  return { networks: [...networks.values()], invalidLines };
}

function stripComment(line: string): string {
  const hash = line.indexOf('#');
  return hash === -1 ? line : line.slice(0, hash);
}
