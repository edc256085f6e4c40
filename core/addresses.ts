import ipaddr from 'ipaddr.js';

/** An IPv4 or IPv6 network in canonical form: the address has no host bits set. */
export interface Network {
  readonly family: 'ipv4' | 'ipv6';
  /** Canonical text of the network address (IPv6 compressed, lower case). */
  readonly address: string;
  readonly prefixLength: number;
}

export type AddressFamily = Network['family'];

/**
 * Remembers the last results of a pure function of a string. The updater, the allow list and the
 * simulation's checks parse the same few hundred addresses over and over; ipaddr.js parses with
 * regular expressions each time. The cache is emptied when full, so it never grows without bound.
 */
function remembered<T>(compute: (text: string) => T, capacity = 20_000): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    let found = cache.get(text);
    if (found === undefined && !cache.has(text)) {
      if (cache.size >= capacity) cache.clear();
      found = compute(text);
      cache.set(text, found);
    }
    return found as T;
  };
}

/** A valid address parsed by ipaddr.js: shared, so never to be changed by the caller. */
const parsedAddress = remembered((address: string) => ipaddr.parse(address));

function familyOf(addr: ipaddr.IPv4 | ipaddr.IPv6): AddressFamily {
  return addr.kind() === 'ipv4' ? 'ipv4' : 'ipv6';
}

/**
 * Parses one host address, strictly: dotted-quad IPv4 (no octal or short forms) or IPv6.
 * IPv4-mapped IPv6 addresses stay IPv6, as flow logs and NACL rules treat them.
 * Returns the canonical text, or undefined when the text is not an address.
 */
export function parseAddress(text: string): { family: AddressFamily; address: string } | undefined {
  const trimmed = text.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(trimmed)) {
    return { family: 'ipv4', address: ipaddr.IPv4.parse(trimmed).toString() };
  }
  if (trimmed.includes(':') && ipaddr.IPv6.isValid(trimmed) && !trimmed.includes('%')) {
    return { family: 'ipv6', address: ipaddr.IPv6.parse(trimmed).toString() };
  }
  return undefined;
}

/**
 * Parses `address/prefix` or a bare address (a host network: /32 or /128).
 * Host bits set below the prefix are an error, unless `allowHostBits`, when they are cleared.
 */
export function parseNetwork(text: string, options: { allowHostBits?: boolean } = {}): Network | undefined {
  return options.allowHostBits ? parseNetworkClearingHostBits(text) : parseExactNetwork(text);
}

const parseExactNetwork = remembered((text: string) => parseNetworkText(text, false));
const parseNetworkClearingHostBits = remembered((text: string) => parseNetworkText(text, true));

function parseNetworkText(text: string, allowHostBits: boolean): Network | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const host = parseAddress(slash === -1 ? trimmed : trimmed.slice(0, slash));
  if (!host) return undefined;
  const maxPrefix = host.family === 'ipv4' ? 32 : 128;
  let prefixLength = maxPrefix;
  if (slash !== -1) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefixLength = Number(prefixText);
    if (prefixLength > maxPrefix) return undefined;
  }
  const network = networkOf(host.address, prefixLength);
  if (!allowHostBits && network.address !== host.address) return undefined;
  return Object.freeze(network);
}

/** The network of `prefixLength` bits that encloses `address` (a valid address). */
export function networkOf(address: string, prefixLength: number): Network {
  const addr = parsedAddress(address);
  const family = familyOf(addr);
  const bytes = addr.toByteArray();
  for (let bit = prefixLength; bit < bytes.length * 8; bit++) {
    bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  }
  const masked = ipaddr.fromByteArray(bytes);
  return { family, address: masked.toString(), prefixLength };
}

/** Address ranges that never carry a real internet source: this-network, broadcast, multicast, link-local, loopback. */
const NON_SOURCE_RANGES = new Set(['unspecified', 'broadcast', 'multicast', 'linkLocal', 'loopback']);

/**
 * False for an address that cannot be the source of traffic arriving from the internet (0.0.0.0/8,
 * 255.255.255.255, multicast, link-local, loopback; ::, ff00::/8, fe80::/10, ::1). Blocking one
 * would only spend a rule of the quota. `address` must be a valid address.
 */
export function isRoutableSource(address: string): boolean {
  return !NON_SOURCE_RANGES.has(parsedAddress(address).range());
}

/** CIDR text of a network, e.g. `203.0.113.0/24` or `2001:db8::/48`. */
export function cidrText(network: Network): string {
  return `${network.address}/${network.prefixLength}`;
}

/** True when `address` lies inside `network`. Addresses of the other family never do. */
export function networkContains(network: Network, address: string): boolean {
  const addr = parsedAddress(address);
  if (familyOf(addr) !== network.family) return false;
  return addr.match(parsedAddress(network.address), network.prefixLength);
}

/** True when the two networks share any address (one contains the other). */
export function networksOverlap(a: Network, b: Network): boolean {
  if (a.family !== b.family) return false;
  const shorter = a.prefixLength <= b.prefixLength ? a : b;
  const longer = shorter === a ? b : a;
  return networkContains(shorter, longer.address);
}
