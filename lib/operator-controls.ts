/**
 * Context keys of the operator controls: report-only mode, block notifications and the updater's reserved concurrency (docs/report-mode.md,
 * docs/operator-controls.md). Pure, like lib/config.ts, which merges these into the configuration and
 * reports their problems with the rest.
 */
import { UPDATER_DEFAULTS, UPDATER_MODES, UPDATER_RESERVED_CONCURRENCY_BOUNDS, type UpdaterMode } from '../functions/nacl-updater/contract';

export const CONTROL_DEFAULTS = {
  mode: UPDATER_DEFAULTS.mode,
  updaterReservedConcurrency: 0,
} as const;

/** Where block notifications go besides the topic itself (docs/operator-controls.md, Block notifications). */
export interface NotificationTargets {
  readonly email?: string;
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  readonly teams?: { readonly teamId: string; readonly channelId: string; readonly tenantId: string };
}

export interface OperatorControls {
  readonly mode: UpdaterMode;
  readonly notify: NotificationTargets;
  /** Reserved concurrency of the updater; 0: none (the FIFO verdict queue keeps one writer without it). */
  readonly updaterReservedConcurrency: number;
}

/** The context keys of the notification targets: optional, unset means no such target. */
export const NOTIFY_KEYS = [
  'notifyEmail',
  'notifySlackWorkspaceId',
  'notifySlackChannelId',
  'notifyTeamsTeamId',
  'notifyTeamsChannelId',
  'notifyTeamsTenantId',
] as const;
type NotifyKey = (typeof NOTIFY_KEYS)[number];

/** An e-mail address as the context keys take it (operatorEmail, notifyEmail). */
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const GUID = /^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/;
/** The identifiers AWS::Chatbot accepts (CloudFormation's patterns), with the example each error shows. */
const ID_FORMATS: Record<Exclude<NotifyKey, 'notifyEmail'>, { pattern: RegExp; example: string; what: string }> = {
  notifySlackWorkspaceId: { pattern: /^[0-9A-Z]{1,255}$/, example: 'T0123ABCDEF', what: 'a Slack workspace id' },
  notifySlackChannelId: { pattern: /^[A-Za-z0-9]{1,255}$/, example: 'C0123ABCDEF', what: 'a Slack channel id' },
  notifyTeamsTeamId: { pattern: GUID, example: '00000000-0000-0000-0000-000000000000', what: 'a Microsoft Teams team id (a GUID)' },
  notifyTeamsChannelId: {
    pattern: /^(?=.{1,255}$)[a-zA-Z0-9-_=+/.,]*%3[aA][a-zA-Z0-9-_=+/.,]*%40[a-zA-Z0-9-_=+/.,]*$/,
    example: '19%3a0123456789abcdef%40thread.tacv2',
    what: 'a Microsoft Teams channel id as the AWS Chatbot console shows it (URL-encoded)',
  },
  notifyTeamsTenantId: { pattern: GUID, example: '00000000-0000-0000-0000-000000000000', what: 'a Microsoft Teams tenant id (a GUID)' },
};

/** Reads one context value; `undefined` when the key is not set. */
type ContextReader = (key: string) => unknown;

/** The controls, and one message per bad key (naming the key, the value and the fix). */
export function parseControls(read: ContextReader): { controls: OperatorControls; problems: string[] } {
  const problems: string[] = [];
  const controls: OperatorControls = {
    mode: mode(read, problems),
    notify: notify(read, problems),
    updaterReservedConcurrency: reservedConcurrency(read, problems),
  };
  return { controls, problems };
}

const isUnset = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

function notify(read: ContextReader, problems: string[]): NotificationTargets {
  const value = (key: NotifyKey): string | undefined => {
    const raw = read(key);
    if (isUnset(raw)) return undefined;
    const text = String(raw).trim();
    if (key === 'notifyEmail') {
      if (EMAIL.test(text)) return text;
      problems.push(`notifyEmail ${JSON.stringify(raw)} is not an e-mail address. Fix: -c notifyEmail=ops@example.com, or leave it out.`);
      return undefined;
    }
    const format = ID_FORMATS[key];
    if (format.pattern.test(text)) return text;
    problems.push(`${key} ${JSON.stringify(raw)} is not ${format.what}. Fix: -c ${key}=${format.example} (from the AWS Chatbot console).`);
    return undefined;
  };
  const email = value('notifyEmail');
  const slack = together(read, problems, ['notifySlackWorkspaceId', 'notifySlackChannelId'], value);
  const teams = together(read, problems, ['notifyTeamsTeamId', 'notifyTeamsChannelId', 'notifyTeamsTenantId'], value);
  return {
    ...(email ? { email } : {}),
    ...(slack ? { slack: { workspaceId: slack[0]!, channelId: slack[1]! } } : {}),
    ...(teams ? { teams: { teamId: teams[0]!, channelId: teams[1]!, tenantId: teams[2]! } } : {}),
  };
}

/** The values of keys that only mean something together: all of them, or a problem naming the ones missing. */
function together(
  read: ContextReader,
  problems: string[],
  keys: readonly NotifyKey[],
  value: (key: NotifyKey) => string | undefined,
): string[] | undefined {
  const missing = keys.filter((key) => isUnset(read(key)));
  if (missing.length === keys.length) return undefined;
  if (missing.length > 0) {
    const given = keys.filter((key) => !missing.includes(key));
    problems.push(
      `${given.join(' and ')} ${given.length > 1 ? 'are' : 'is'} set but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not: ` +
        `chat delivery needs ${keys.join(', ')} together. Fix: -c ${missing.map((k) => `${k}=<id>`).join(' -c ')}, or leave them all out.`,
    );
    return undefined;
  }
  const values = keys.map(value);
  return values.every((v) => v !== undefined) ? (values as string[]) : undefined;
}

function mode(read: ContextReader, problems: string[]): UpdaterMode {
  const value = read('mode');
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return CONTROL_DEFAULTS.mode;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text !== undefined && (UPDATER_MODES as readonly string[]).includes(text)) return text as UpdaterMode;
  problems.push(
    `mode ${JSON.stringify(value)} is not a mode. Fix: -c mode=block (apply the verdicts, the default) or -c mode=report (report only, change no ACL).`,
  );
  return CONTROL_DEFAULTS.mode;
}

/** Off (0) by default: a reservation needs the account to keep 100 executions unreserved besides it (docs/preflight.md). */
function reservedConcurrency(read: ContextReader, problems: string[]): number {
  const key = 'updaterReservedConcurrency';
  const { min, max } = UPDATER_RESERVED_CONCURRENCY_BOUNDS;
  const value = read(key);
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return CONTROL_DEFAULTS[key];
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (Number.isInteger(number) && number >= min && number <= max) return number;
  problems.push(
    `${key} ${JSON.stringify(value)} must be ${min} (no reserved concurrency, the default) or ${max} (one execution reserved for the updater, ` +
      `the most the verdict queue ever runs at once). Fix: -c ${key}=${max}, or leave it out.`,
  );
  return CONTROL_DEFAULTS[key];
}
