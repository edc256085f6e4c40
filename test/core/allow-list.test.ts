import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrText } from '../../core/addresses';
import { parseAllowList } from '../../core/allow-list';

describe('parseAllowList', () => {
  it('reads addresses and CIDRs of both families with comments, blank lines, CRLF, a BOM and spaces', () => {
    // Prepare
    const text = '\uFEFF# office\r\n  203.0.113.7  \r\n\r\n198.51.100.0/24 # partner\r\n2001:DB8::1\r\n2001:db8:1::/48\r\n';

    // Act
    const list = parseAllowList(text);

    // Assess
    expect(list.networks.map(cidrText)).toEqual(['203.0.113.7/32', '198.51.100.0/24', '2001:db8::1/128', '2001:db8:1::/48']);
    expect(list.invalidLines).toEqual([]);
  });

  it('reports invalid lines with their 1-based line number and skips them', () => {
    // Prepare
    const text = '10.1.1.1\nexample.com\n10.1.1.300\n10.0.0.0/33\n010.1.1.1\n::1/129\n';

    // Act
    const list = parseAllowList(text);

    // Assess
    expect(list.networks.map(cidrText)).toEqual(['10.1.1.1/32']);
    expect(list.invalidLines.map((l) => [l.line, l.text])).toEqual([
      [2, 'example.com'],
      [3, '10.1.1.300'],
      [4, '10.0.0.0/33'],
      [5, '010.1.1.1'],
      [6, '::1/129'],
    ]);
  });

  it('widens a CIDR with host bits to its network and merges duplicates', () => {
    // Act
    const list = parseAllowList('192.0.2.77/24\n192.0.2.0/24\n');

    // Assess
    expect(list.networks.map(cidrText)).toEqual(['192.0.2.0/24']);
  });

  it('never throws and accounts for every non-blank, non-comment line', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.ipV4().map(String), fc.ipV6().map(String)), { maxLength: 30 }), (lines) => {
        // Act
        const list = parseAllowList(lines.join('\n'));

        // Assess
        const meaningful = lines.flatMap((l) => l.split(/\r\n|\n|\r/)).filter((l) => l.replace(/#.*/, '').trim() !== '').length;
        expect(list.invalidLines.length).toBeLessThanOrEqual(meaningful);
        expect(list.networks.length + list.invalidLines.length).toBeLessThanOrEqual(meaningful);
      }),
    );
  });

  it('accepts every IPv4 and IPv6 address fast-check can generate', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (address) => {
        // Act
        const list = parseAllowList(`${address}\n`);

        // Assess
        expect(list.invalidLines).toEqual([]);
        expect(list.networks).toHaveLength(1);
      }),
    );
  });
});
