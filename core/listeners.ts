/**
 * The listeners of one endpoint (docs/architecture.md, Listeners): each is a port and a protocol,
 * written `443/tcp` by the operator, numbered as flow logs and network ACL rules number them. Every
 * listener has its own baseline; a source anomalous on any of them is blocked once.
 */

/** The listener's protocol as the operator names it, and as flow logs and NACL rules number it (IANA). */
export type ListenerProtocol = 'TCP' | 'UDP';
export type ListenerProtocolNumber = 6 | 17;
export const PROTOCOL_NUMBERS: Readonly<Record<ListenerProtocol, ListenerProtocolNumber>> = { TCP: 6, UDP: 17 };

export interface Listener {
  readonly port: number;
  readonly protocol: ListenerProtocolNumber;
}

export const LISTENER_PORT_BOUNDS = { min: 1, max: 65_535 } as const;

/**
 * Most listeners one deployment watches: each adds a clause to every Insights query and four metric
 * filters (of the 100 a log group may have), and its own baseline to every Z-score query.
 */
export const MAX_LISTENERS = 10;

/** `443/tcp`: how the operator writes a listener, and how stores and messages name it. */
export function listenerLabel({ port, protocol }: Listener): string {
  return `${port}/${protocol === 6 ? 'tcp' : 'udp'}`;
}

/** The listener's protocol name, e.g. for the dashboard. */
export function protocolName(protocol: ListenerProtocolNumber): ListenerProtocol {
  return protocol === 6 ? 'TCP' : 'UDP';
}

export function sameListener(a: Listener, b: Listener): boolean {
  return a.port === b.port && a.protocol === b.protocol;
}

/** The listener a label names; undefined for anything else than `<port>/<tcp|udp>` (any case) with a port 1-65535. */
export function parseListener(text: string): Listener | undefined {
  const match = /^\s*(\d{1,5})\s*\/\s*([A-Za-z]+)\s*$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[1]);
  const protocol = PROTOCOL_NUMBERS[(match[2] ?? '').toUpperCase() as ListenerProtocol];
  if (protocol === undefined || port < LISTENER_PORT_BOUNDS.min || port > LISTENER_PORT_BOUNDS.max) return undefined;
  return { port, protocol };
}

export type ListenerListParse = { readonly ok: true; readonly listeners: Listener[] } | { readonly ok: false; readonly problem: string };

/**
 * A list of listeners (`443/tcp,80/tcp,53/udp` or its parts): each valid, none twice, at least one and
 * at most MAX_LISTENERS. The problem names the offending values; the caller adds how to fix them.
 */
export function parseListenerList(items: readonly string[]): ListenerListParse {
  const parts = items.map((item) => item.trim());
  if (parts.length === 0 || parts.every((part) => part === '')) return { ok: false, problem: 'lists no listener' };
  const bad = parts.filter((part) => parseListener(part) === undefined);
  if (bad.length > 0)
    return {
      ok: false,
      problem: `has ${bad.map((part) => JSON.stringify(part)).join(', ')}, not a listener <port>/<protocol> with a port 1-65535 and tcp or udp`,
    };
  const listeners = parts.map((part) => parseListener(part) as Listener);
  const labels = listeners.map(listenerLabel);
  const twice = labels.filter((label, i) => labels.indexOf(label) !== i);
  if (twice.length > 0) return { ok: false, problem: `lists ${[...new Set(twice)].join(', ')} more than once` };
  if (listeners.length > MAX_LISTENERS) return { ok: false, problem: `lists ${listeners.length} listeners, more than ${MAX_LISTENERS}` };
  return { ok: true, listeners };
}
