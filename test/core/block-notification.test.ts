/** Block notifications: which runs tell something, and the words of the e-mail, the chat event and the one SNS message. */
import { describe, expect, it } from 'vitest';
import { cidrText } from '../../core/addresses';
import type { Anomaly } from '../../core/anomaly-message';
import { blockChange, type BlockChange, type BlockChangeInput } from '../../core/block-change';
import type { BlockRule } from '../../core/block-selection';
import {
  CHAT_LIST_LIMIT,
  chatNotification,
  EMAIL_LIST_LIMIT,
  notificationSubject,
  notificationText,
  SNS_MESSAGE_MAX_BYTES,
  SNS_SUBJECT_MAX_CHARS,
  snsNotification,
} from '../../core/block-notification';
import { net } from '../support/builders';

function rule(cidr: string, sources: readonly Anomaly[] = [], denyListed = false): BlockRule {
  const maxZScore = sources.length > 0 ? Math.max(...sources.map((s) => s.maxZScore)) : -Infinity;
  return { network: net(cidr), cidr: cidrText(net(cidr)), maxZScore, sources, retained: false, denyListed };
}

const source = (sourceIp: string, maxZScore: number, maxPackets: number): Anomaly => ({ sourceIp, maxZScore, maxPackets });

function change(extra: Partial<BlockChangeInput> = {}): BlockChange | undefined {
  return blockChange({
    mode: 'block',
    deployment: 'NaclFloodGuard-vpc-0123456789abcdef0',
    vpcId: 'vpc-0123456789abcdef0',
    generatedAt: '2026-03-01T12:00:30.000Z',
    before: [],
    placed: [],
    unblocked: [],
    capped: [],
    refused: [],
    reportedLeftOut: new Set(),
    denyComments: new Map(),
    ...extra,
  });
}

const flood = rule('203.0.113.7/32', [source('203.0.113.7', 12.44, 45_000)]);

describe('which runs are a change', () => {
  it('tells nothing when the blocked set is the same and nobody new was left out', () => {
    // Act
    const same = change({ before: ['203.0.113.7/32'], placed: [flood] });
    const leftOutAgain = change({
      before: ['203.0.113.7/32'],
      placed: [flood],
      unblocked: [rule('198.51.100.9/32', [source('198.51.100.9', 4, 13_000)])],
      reportedLeftOut: new Set(['198.51.100.9/32']),
    });

    // Assess
    expect(same).toBeUndefined();
    expect(leftOutAgain).toBeUndefined();
  });

  it('names networks blocked, lifted and left out, each with why it got no room', () => {
    // Act
    const told = change({
      before: ['192.0.2.1/32'],
      placed: [flood],
      unblocked: [rule('198.51.100.9/32', [source('198.51.100.9', 4, 13_000)]), rule('198.51.100.8/32')],
      capped: [rule('198.51.100.8/32')],
      refused: [rule('198.51.100.7/32')],
    });

    // Assess
    expect(told?.blocked.map((n) => n.cidr)).toEqual(['203.0.113.7/32']);
    expect(told?.lifted).toEqual(['192.0.2.1/32']);
    expect(told?.leftUnblocked.map((n) => [n.cidr, n.cause])).toEqual([
      ['198.51.100.9/32', 'rule quota'],
      ['198.51.100.8/32', 'block caps'],
      ['198.51.100.7/32', 'account quota'],
    ]);
    expect(told?.inForce).toBe(1);
  });

  it('tells a network newly left out even when the blocked set stays as it was', () => {
    // Act
    const told = change({ before: ['203.0.113.7/32'], placed: [flood], unblocked: [rule('198.51.100.9/32')] });

    // Assess
    expect(told?.blocked).toEqual([]);
    expect(told?.leftUnblocked.map((n) => n.cidr)).toEqual(['198.51.100.9/32']);
  });
});

describe('the e-mail text', () => {
  it('lists each network with its Z-score, packets and sources, deny-listed ones with their reason', () => {
    // Arrange
    const aggregated = rule('198.51.100.0/24', [source('198.51.100.1', 7.25, 20_000), source('198.51.100.2', 9.5, 31_000)]);
    const told = change({
      before: ['192.0.2.1/32'],
      placed: [flood, aggregated, rule('233.252.0.0/24', [], true)],
      unblocked: [rule('2001:db8::1/128', [source('2001:db8::1', 4.04, 13_000)])],
      denyComments: new Map([['233.252.0.0/24', 'scraper']]),
    })!;

    // Act
    const text = notificationText(told);

    // Assess
    expect(text).toBe(
      [
        'NaclFloodGuard-vpc-0123456789abcdef0 (vpc-0123456789abcdef0) changed its blocked sources for the verdict of 2026-03-01T12:00:30.000Z.',
        '',
        'Blocked (3):',
        '  - 203.0.113.7/32: Z-score 12.4, 45,000 packets/min',
        '  - 198.51.100.0/24: Z-score 9.5, 31,000 packets/min, 2 sources',
        '  - 233.252.0.0/24: deny list: scraper',
        '',
        'Lifted (1):',
        '  - 192.0.2.1/32',
        '',
        'Left unblocked for lack of room (1):',
        '  - 2001:db8::1/128: Z-score 4.0, 13,000 packets/min (rule quota)',
        '',
        'Deny rules in place now: 3.',
        '',
      ].join('\n'),
    );
    expect(notificationSubject(told)).toBe('NaclFloodGuard-vpc-0123456789abcdef0: blocked 3, lifted 1, 1 left unblocked (no room)');
  });

  it('marks a report-mode change as what block mode would have done', () => {
    // Act
    const told = change({ mode: 'report', placed: [flood] })!;

    // Assess
    expect(notificationSubject(told)).toBe('[report mode] NaclFloodGuard-vpc-0123456789abcdef0: would block 1');
    expect(notificationText(told)).toContain('REPORT MODE: no network ACL was changed. This is what block mode would have done.');
    expect(notificationText(told)).toContain('Would block (1):');
    expect(notificationText(told)).toContain('Deny rules block mode would hold now: 1.');
  });

  it('cuts a long list with a count of the rest', () => {
    // Arrange
    const placed = Array.from({ length: EMAIL_LIST_LIMIT + 312 }, (_, i) =>
      rule(`10.${i >> 8}.${i & 255}.1/32`, [source('10.0.0.1', 5, 100)]),
    );

    // Act
    const text = notificationText(change({ placed })!);

    // Assess
    expect(text).toContain(`Blocked (${EMAIL_LIST_LIMIT + 312}):`);
    expect(text.split('\n').filter((l) => l.startsWith('  - 10.'))).toHaveLength(EMAIL_LIST_LIMIT);
    expect(text).toContain('  - ... and 312 more');
  });
});

describe('the subject', () => {
  it('stays printable ASCII within the SNS length whatever the deployment name', () => {
    // Act
    const subject = notificationSubject(change({ deployment: `Flood\u00e9-${'x'.repeat(200)}\n`, placed: [flood] })!);

    // Assess
    expect(subject.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX_CHARS);
    expect(subject).toMatch(/^[\x21-\x7e][\x20-\x7e]*$/);
    expect(subject.endsWith('...')).toBe(true);
  });
});

describe('the chat event', () => {
  it('is an AWS Chatbot custom notification, version 1.0, in client markdown', () => {
    // Act
    const chat = chatNotification(change({ before: ['192.0.2.1/32'], placed: [flood] })!);

    // Assess
    expect(chat).toMatchObject({
      version: '1.0',
      source: 'custom',
      id: 'NaclFloodGuard-vpc-0123456789abcdef0:2026-03-01T12:00:30.000Z',
      content: { textType: 'client-markdown', title: ':no_entry: NaclFloodGuard-vpc-0123456789abcdef0: blocked 1, lifted 1' },
      metadata: { threadId: 'NaclFloodGuard-vpc-0123456789abcdef0', eventType: 'BlockChange' },
    });
    expect(chat.content.description.split('\n').slice(1)).toEqual([
      'Blocked (1):',
      '• `203.0.113.7/32`: Z-score 12.4, 45,000 packets/min',
      'Lifted (1):',
      '• `192.0.2.1/32`',
      'Deny rules in place now: 1.',
    ]);
    expect(Object.values(chat.metadata.additionalContext).every((v) => typeof v === 'string')).toBe(true);
  });

  it('lists fewer networks than the e-mail', () => {
    // Arrange
    const placed = Array.from({ length: 40 }, (_, i) => rule(`10.0.${i}.1/32`, [source('10.0.0.1', 5, 100)]));

    // Act
    const chat = chatNotification(change({ placed })!);

    // Assess
    expect(chat.content.description).toContain(`• ... and ${40 - CHAT_LIST_LIMIT} more`);
  });
});

describe('the SNS message', () => {
  it('carries the text as default and the chat event as https, as MessageStructure=json', () => {
    // Arrange
    const told = change({ placed: [flood] })!;

    // Act
    const published = snsNotification(told);

    // Assess
    const structure = JSON.parse(published.message) as Record<string, string>;
    expect(published.messageStructure).toBe('json');
    expect(Object.keys(structure).sort()).toEqual(['default', 'https']);
    expect(structure.default).toBe(notificationText(told));
    expect(JSON.parse(structure.https!)).toEqual(chatNotification(told));
    expect(published.subject).toBe(notificationSubject(told));
  });

  it('shortens the lists until the whole message fits the size limit', () => {
    // Arrange: long deny-list comments on thousands of IPv6 networks.
    const comments = new Map<string, string>();
    const placed = Array.from({ length: 2_000 }, (_, i) => {
      const r = rule(`2001:db8:${i.toString(16)}::/48`, [], true);
      comments.set(r.cidr, 'c'.repeat(200));
      return r;
    });
    const told = change({ placed, denyComments: comments })!;
    const limit = 8_000;

    // Act
    const published = snsNotification(told, limit);

    // Assess
    const bytes = new TextEncoder().encode(published.message).length;
    expect(bytes).toBeLessThanOrEqual(limit);
    const text = (JSON.parse(published.message) as { default: string }).default;
    const listed = text.split('\n').filter((l) => l.startsWith('  - 2001:')).length;
    expect(listed).toBeLessThan(EMAIL_LIST_LIMIT);
    expect(text).toContain(`... and ${(2_000 - listed).toLocaleString('en-US')} more`);
    expect(new TextEncoder().encode(snsNotification(told).message).length).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
  });
});
