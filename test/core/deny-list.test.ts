import { describe, expect, it } from 'vitest';
import { cidrText } from '../../core/addresses';
import { activeDenyList, parseDenyList } from '../../core/deny-list';
import { net } from '../support/builders';

const T = (iso: string) => Date.parse(iso);

describe('parseDenyList', () => {
  it('reads addresses and CIDRs of both families with an optional expiry and a comment', () => {
    // Prepare
    const text =
      '\uFEFF# scrapers\r\n203.0.113.7 until=2026-12-31T00:00:00Z # scraper\r\n\r\n  198.51.100.0/24  \r\n2001:DB8::/48 until=2026-06-01T12:30+02:00\n';

    // Act
    const list = parseDenyList(text);

    // Assess
    expect(list.entries.map((e) => [cidrText(e.network), e.until, e.comment, e.line])).toEqual([
      ['203.0.113.7/32', T('2026-12-31T00:00:00Z'), 'scraper', 2],
      ['198.51.100.0/24', undefined, '', 4],
      ['2001:db8::/48', T('2026-06-01T10:30:00Z'), '', 5],
    ]);
    expect(list.invalidLines).toEqual([]);
  });

  it('reports each invalid line with its number and reason, and keeps the valid ones', () => {
    // Prepare
    const lines = [
      '203.0.113.9',
      'example.com',
      '203.0.113.77/24',
      '127.0.0.1',
      '0.0.0.0/0',
      '203.0.113.8 until=2026-12-31',
      '203.0.113.8 until=2026-02-30T00:00:00Z',
      '203.0.113.8 until=2026-12-31T00:00:00Z extra',
      '203.0.113.8 forever',
    ];

    // Act
    const list = parseDenyList(lines.join('\n'));

    // Assess
    expect(list.entries.map((e) => cidrText(e.network))).toEqual(['203.0.113.9/32']);
    expect(list.invalidLines.map((l) => [l.line, l.reason])).toEqual([
      [2, 'not an IPv4 or IPv6 address or CIDR'],
      [3, 'host bits set: write the network itself (203.0.113.0/24)'],
      [4, 'not a network internet traffic comes from (this-network, loopback, link-local, multicast)'],
      [5, 'not a network internet traffic comes from (this-network, loopback, link-local, multicast)'],
      [6, 'expected until=YYYY-MM-DDThh:mm:ssZ (or an offset like +02:00)'],
      [7, 'expected until=YYYY-MM-DDThh:mm:ssZ (or an offset like +02:00)'],
      [8, 'expected an address or CIDR and at most one until=<date-time>'],
      [9, 'expected until=YYYY-MM-DDThh:mm:ssZ (or an offset like +02:00)'],
    ]);
  });

  it('keeps one entry per network, with its latest expiry (no expiry outlasts any)', () => {
    // Act
    const list = parseDenyList(
      [
        '203.0.113.7 until=2026-01-01T00:00:00Z',
        '203.0.113.7 until=2026-03-01T00:00:00Z # later',
        '203.0.113.7 until=2026-02-01T00:00:00Z',
        '198.51.100.1 until=2026-01-01T00:00:00Z',
        '198.51.100.1',
      ].join('\n'),
    );

    // Assess
    expect(list.entries.map((e) => [cidrText(e.network), e.until, e.line])).toEqual([
      ['203.0.113.7/32', T('2026-03-01T00:00:00Z'), 2],
      ['198.51.100.1/32', undefined, 5],
    ]);
  });
});

describe('activeDenyList', () => {
  const list = parseDenyList(
    [
      '203.0.113.7 until=2026-03-01T12:00:00Z',
      '198.51.100.0/24',
      '198.51.100.9',
      '192.0.2.0/24 # overlaps the allow list',
      '10.0.5.0/24 # inside the VPC',
      '10.0.0.0/8 # covers the VPC',
    ].join('\n'),
  );
  const protectedNetworks = [net('192.0.2.128/25'), net('10.0.0.0/16')];

  it('applies the entries in force that touch no protected network, without networks inside wider listed ones', () => {
    // Act
    const active = activeDenyList(list, T('2026-03-01T11:59:59Z'), protectedNetworks);

    // Assess
    expect(active.networks.map(cidrText)).toEqual(['203.0.113.7/32', '198.51.100.0/24']);
    expect(active.conflicting.map((e) => cidrText(e.network))).toEqual(['192.0.2.0/24', '10.0.5.0/24', '10.0.0.0/8']);
    expect(active.expired).toEqual([]);
  });

  it('ignores an entry from its expiry on, evaluated at each call', () => {
    // Act
    const atExpiry = activeDenyList(list, T('2026-03-01T12:00:00Z'), protectedNetworks);

    // Assess
    expect(atExpiry.networks.map(cidrText)).toEqual(['198.51.100.0/24']);
    expect(atExpiry.expired.map((e) => cidrText(e.network))).toEqual(['203.0.113.7/32']);
  });
});
