/** The operator's deny list in the block selection: ahead of detected sources, within the capacity and the caps. */
import { describe, expect, it } from 'vitest';
import { cidrText } from '../../core/addresses';
import type { Anomaly } from '../../core/anomaly-message';
import { selectBlocks, type SelectionInput } from '../../core/block-selection';
import { flooders, net } from '../support/builders';

function input(anomalies: readonly Anomaly[], extra: Partial<SelectionInput> = {}): SelectionInput {
  return {
    anomalies,
    allowList: [net('192.0.2.0/24')],
    vpcCidrs: [net('10.0.0.0/16')],
    ipv4Mask: 32,
    ipv6Mask: 128,
    capacity: { ipv4: 4, ipv6: 4 },
    ...extra,
  };
}

describe('deny-listed networks in the selection', () => {
  it('blocks them ahead of every detected source, taking the room first', () => {
    // Act
    const selection = selectBlocks(input(flooders(4), { denyListed: [net('203.0.113.0/24'), net('2001:db8::/48')] }));

    // Assess
    expect(selection.blocked.map((r) => [r.cidr, r.denyListed, r.sources.length])).toEqual([
      ['2001:db8::/48', true, 0],
      ['203.0.113.0/24', true, 0],
      ['198.51.100.1/32', false, 1],
      ['198.51.100.2/32', false, 1],
      ['198.51.100.3/32', false, 1],
    ]);
    expect(selection.unblocked.map((r) => r.cidr)).toEqual(['198.51.100.4/32']);
  });

  it('puts an anomalous source inside a listed network under that rule, not a rule of its own', () => {
    // Act
    const selection = selectBlocks(input(flooders(2), { denyListed: [net('198.51.100.0/30')] }));

    // Assess
    expect(selection.blocked.map((r) => [r.cidr, r.denyListed, r.sources.map((a) => a.sourceIp)])).toEqual([
      ['198.51.100.0/30', true, ['198.51.100.1', '198.51.100.2']],
    ]);
  });

  it('counts new listed networks against the per-run cap and the total like any new rule', () => {
    // Act
    const denyListed = ['203.0.113.1', '203.0.113.2', '203.0.113.3'].map((ip) => net(`${ip}/32`));
    const selection = selectBlocks(input(flooders(2), { denyListed, capacity: { ipv4: 10, ipv6: 10 }, caps: { newPerRun: 2, total: 40 } }));

    // Assess
    expect(selection.blocked.map((r) => r.cidr)).toEqual(['203.0.113.1/32', '203.0.113.2/32']);
    expect(selection.capped.map((r) => r.cidr)).toEqual(['203.0.113.3/32', '198.51.100.1/32', '198.51.100.2/32']);
  });

  it('never lets a listed network cover a protected address: it is released, not narrowed', () => {
    // Act
    const selection = selectBlocks(input([], { denyListed: [net('192.0.0.0/16'), net('10.0.0.0/8'), net('203.0.113.7/32')] }));

    // Assess
    expect(selection.blocked.map((r) => r.cidr)).toEqual(['203.0.113.7/32']);
    expect(selection.releasedForProtection.map(cidrText)).toEqual(['192.0.0.0/16', '10.0.0.0/8']);
  });

  it('keeps retained rules first, the deny-listed among them ahead, and marks a retained rule the list names', () => {
    // Act
    const retained = [net('203.0.113.7/32'), net('198.51.100.50/32')];
    const selection = selectBlocks(input([], { retained, inPlace: retained, denyListed: [net('203.0.113.7/32')] }));

    // Assess
    expect(selection.blocked.map((r) => [r.cidr, r.retained, r.denyListed])).toEqual([
      ['203.0.113.7/32', true, true],
      ['198.51.100.50/32', true, false],
    ]);
  });

  it('is never merged by adaptive aggregation', () => {
    // Act: 5 host rules for 3 places; the listed host takes one and stays a host rule, the 4 flooders share the other 2
    const selection = selectBlocks(
      input(flooders(4, { prefix: '198.51.100.' }), {
        denyListed: [net('198.51.100.200/32')],
        capacity: { ipv4: 3, ipv6: 3 },
        aggregation: { ipv4: 24, ipv6: 48 },
      }),
    );

    // Assess
    expect(selection.blocked.map((r) => [r.cidr, r.denyListed])).toEqual([
      ['198.51.100.200/32', true],
      ['198.51.100.0/30', false],
      ['198.51.100.4/32', false],
    ]);
  });
});

describe('networks held for repeat offenders in the selection', () => {
  it('keeps them after every detected and deny-listed network, in the room left', () => {
    // Act
    const selection = selectBlocks(
      input(flooders(2), {
        denyListed: [net('203.0.113.0/24')],
        held: [net('198.18.0.1/32'), net('198.18.0.2/32')],
        inPlace: [net('198.18.0.1/32'), net('198.18.0.2/32')],
      }),
    );

    // Assess
    expect(selection.blocked.map((r) => [r.cidr, r.denyListed, r.sources.length])).toEqual([
      ['203.0.113.0/24', true, 0],
      ['198.51.100.1/32', false, 1],
      ['198.51.100.2/32', false, 1],
      ['198.18.0.1/32', false, 0],
    ]);
    expect(selection.unblocked.map((r) => r.cidr)).toEqual(['198.18.0.2/32']);
  });

  it('merges a held network with a source of its own that floods again, and never holds one over a protected address', () => {
    // Act
    const selection = selectBlocks(input(flooders(1), { held: [net('198.51.100.1/32'), net('192.0.2.0/24')] }));

    // Assess
    expect(selection.blocked.map((r) => [r.cidr, r.sources.length])).toEqual([['198.51.100.1/32', 1]]);
    expect(selection.releasedForProtection.map(cidrText)).toEqual(['192.0.2.0/24']);
  });
});
