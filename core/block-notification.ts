/**
 * The words of a block notification (docs/operator-controls.md, Block notifications): the e-mail
 * text, the chat message in the custom-notification format of AWS Chatbot (Amazon Q Developer in
 * chat applications), and the one SNS Publish that carries both. Pure: the updater publishes what
 * this returns, the replay shows it.
 */
import type { BlockChange, LeftOutNetwork, NotifiedNetwork } from './block-change';

/** SNS Publish: at most 256 KB of UTF-8 message, every protocol's text together. */
export const SNS_MESSAGE_MAX_BYTES = 262_144;
/** SNS Publish: a subject is ASCII without line breaks or control characters, "less than 100 characters". */
export const SNS_SUBJECT_MAX_CHARS = 99;
/** Networks listed per section before "... and N more": an e-mail stays readable, a chat message short. */
export const EMAIL_LIST_LIMIT = 50;
export const CHAT_LIST_LIMIT = 10;

/** What the updater publishes: Message is the per-protocol JSON of MessageStructure=json. */
export interface SnsNotification {
  readonly subject: string;
  readonly message: string;
  readonly messageStructure: 'json';
}

/** The custom-notification event AWS Chatbot renders in Slack and Microsoft Teams. */
export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

const count = (n: number) => n.toLocaleString('en-US');

/** "blocked 3, lifted 1, 2 left unblocked" (report mode: "would block 3, ..."). */
export function changeSummary(change: BlockChange): string {
  const would = change.mode === 'report';
  const parts = [
    change.blocked.length > 0 ? `${would ? 'would block' : 'blocked'} ${count(change.blocked.length)}` : '',
    change.lifted.length > 0 ? `${would ? 'would lift' : 'lifted'} ${count(change.lifted.length)}` : '',
    change.leftUnblocked.length > 0 ? `${count(change.leftUnblocked.length)} left unblocked (no room)` : '',
  ];
  return parts.filter((p) => p !== '').join(', ');
}

/** The e-mail subject: printable ASCII, within SNS's length, the deployment first. */
export function notificationSubject(change: BlockChange): string {
  const mode = change.mode === 'report' ? '[report mode] ' : '';
  const full = `${mode}${change.deployment}: ${changeSummary(change)}`.replace(/[^\x20-\x7e]/g, '?').trim();
  return full.length <= SNS_SUBJECT_MAX_CHARS ? full : `${full.slice(0, SNS_SUBJECT_MAX_CHARS - 3).trimEnd()}...`;
}

/** One network on one line: its strongest source's Z-score, the most packets a minute, how many sources; or its reason. */
export function networkLine(network: NotifiedNetwork | LeftOutNetwork, code = (s: string) => s): string {
  const cause = 'cause' in network ? ` (${network.cause})` : '';
  const sources = network.sources;
  if (sources.length === 0) return `${code(network.cidr)}: ${network.reason ?? 'no source detail'}${cause}`;
  const z = Math.max(...sources.map((s) => s.maxZScore));
  const packets = Math.max(...sources.map((s) => s.maxPackets));
  const many = sources.length > 1 ? `, ${count(sources.length)} sources` : '';
  const reason = network.reason ? `, ${network.reason}` : '';
  return `${code(network.cidr)}: Z-score ${z.toFixed(1)}, ${count(packets)} packets/min${many}${reason}${cause}`;
}

/** At most `limit` lines, then "... and N more". */
export function truncatedLines(lines: readonly string[], limit: number): string[] {
  if (lines.length <= limit) return [...lines];
  return [...lines.slice(0, limit), `... and ${count(lines.length - limit)} more`];
}

interface Section {
  readonly heading: string;
  readonly lines: readonly string[];
}

function sections(change: BlockChange, code?: (s: string) => string): Section[] {
  const would = change.mode === 'report';
  const all: Section[] = [
    { heading: would ? 'Would block' : 'Blocked', lines: change.blocked.map((n) => networkLine(n, code)) },
    { heading: would ? 'Would lift' : 'Lifted', lines: change.lifted.map((cidr) => (code ? code(cidr) : cidr)) },
    { heading: 'Left unblocked for lack of room', lines: change.leftUnblocked.map((n) => networkLine(n, code)) },
  ];
  return all.filter((s) => s.lines.length > 0);
}

function introduction(change: BlockChange): string[] {
  const lines = [`${change.deployment} (${change.vpcId}) changed its blocked sources for the verdict of ${change.generatedAt}.`];
  if (change.mode === 'report') lines.push('REPORT MODE: no network ACL was changed. This is what block mode would have done.');
  return lines;
}

function closing(change: BlockChange): string {
  return change.mode === 'report'
    ? `Deny rules block mode would hold now: ${count(change.inForce)}.`
    : `Deny rules in place now: ${count(change.inForce)}.`;
}

/** The e-mail (and any other plain-text subscriber's) text. */
export function notificationText(change: BlockChange, listLimit = EMAIL_LIST_LIMIT): string {
  const body = sections(change).flatMap((s) => [
    '',
    `${s.heading} (${count(s.lines.length)}):`,
    ...truncatedLines(s.lines, listLimit).map((l) => `  - ${l}`),
  ]);
  return [...introduction(change), ...body, '', closing(change), ''].join('\n');
}

/** The chat message: AWS Chatbot's custom-notification event, version 1.0, markdown of the chat client. */
export function chatNotification(change: BlockChange, listLimit = CHAT_LIST_LIMIT): ChatNotification {
  const code = (s: string) => `\`${s}\``;
  const body = sections(change, code).flatMap((s) => [
    `${s.heading} (${count(s.lines.length)}):`,
    ...truncatedLines(s.lines, listLimit).map((l) => `• ${l}`),
  ]);
  const summary = notificationSubject(change);
  return {
    version: '1.0',
    source: 'custom',
    id: `${change.deployment}:${change.generatedAt}`,
    content: {
      textType: 'client-markdown',
      title: `${change.mode === 'report' ? ':mag:' : ':no_entry:'} ${summary}`,
      description: [...introduction(change), ...body, closing(change)].join('\n'),
      keywords: [change.deployment, change.vpcId, change.mode === 'report' ? 'report mode' : 'block mode'],
    },
    metadata: {
      threadId: change.deployment,
      summary,
      eventType: change.mode === 'report' ? 'WouldBlockChange' : 'BlockChange',
      additionalContext: {
        blocked: String(change.blocked.length),
        lifted: String(change.lifted.length),
        leftUnblocked: String(change.leftUnblocked.length),
        inForce: String(change.inForce),
      },
    },
  };
}

/**
 * The one Publish of a change: MessageStructure=json, the text as `default` (e-mail and any other
 * protocol) and the chat event as `https` (AWS Chatbot's subscription is an HTTPS one). Lists are
 * shortened until the whole message fits SNS's limit.
 */
export function snsNotification(change: BlockChange, maxBytes = SNS_MESSAGE_MAX_BYTES): SnsNotification {
  const subject = notificationSubject(change);
  for (let email = EMAIL_LIST_LIMIT, chat = CHAT_LIST_LIMIT; ; email = Math.floor(email / 2), chat = Math.floor(chat / 2)) {
    const message = JSON.stringify({ default: notificationText(change, email), https: JSON.stringify(chatNotification(change, chat)) });
    if (new TextEncoder().encode(message).length <= maxBytes || (email === 0 && chat === 0))
      return { subject, message, messageStructure: 'json' };
  }
}
