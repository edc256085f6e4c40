import { parseArgs } from 'node:util';
import { parseNetwork } from '../../core/addresses';

/** Everything one replay needs, validated. */
export interface ReplayOptions {
  readonly flowLogs: string;
  readonly listenerPort: number;
  /** IANA protocol number: 6 (TCP) or 17 (UDP). */
  readonly listenerProtocol: 6 | 17;
  readonly vpcCidrs: readonly string[];
  readonly minZScore: number;
  readonly minPacketsPerBin: number;
  readonly windowMinutes: number;
  readonly naclRuleLimit: number;
  readonly naclMask: number;
  readonly naclMaskIpv6: number;
  readonly allowList?: string;
  readonly json?: string;
  readonly report?: string;
  /** Show a progress bar (only ever when stderr is a terminal). */
  readonly progress: boolean;
}

/** A bad command line: the CLI prints the message and the usage, and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: npm run replay -- --flow-logs <file|dir> --port <n> --protocol <tcp|udp|6|17>
         --vpc-cidr <cidr>[,<cidr>...] [options]

Replays VPC flow logs through the real detection and mitigation logic, minute by minute.

Required:
  --flow-logs <path>           flow-log file (.gz or plain) or a directory of them
  --port <n>                   listener port of the protected endpoint (1-65535)
  --protocol <tcp|udp|6|17>    listener protocol
  --vpc-cidr <cidrs>           the VPC's IPv4/IPv6 CIDRs, comma-separated (repeatable)
Options:
  --min-zscore <n>             Z-score threshold (default 3)
  --min-packets-per-bin <n>    packet floor per source per minute (default 12000)
  --window-minutes <n>         baseline window in minutes (default 60)
  --nacl-rule-limit <n>        rules-per-network-ACL quota (default 20, at most 40)
  --nacl-mask <n>              IPv4 prefix length of deny rules (default 32)
  --nacl-mask-ipv6 <n>         IPv6 prefix length of deny rules (default 128)
  --allow-list <file>          allow list: one address or CIDR per line, # comments
  --json <out.json>            write every run and a summary as JSON
  --report <out.html>          write a self-contained HTML report with charts
  --no-progress                never show the progress bar
  -h, --help                   show this help`;

const OPTIONS = {
  'flow-logs': { type: 'string' },
  port: { type: 'string' },
  protocol: { type: 'string' },
  'vpc-cidr': { type: 'string', multiple: true },
  'min-zscore': { type: 'string' },
  'min-packets-per-bin': { type: 'string' },
  'window-minutes': { type: 'string' },
  'nacl-rule-limit': { type: 'string' },
  'nacl-mask': { type: 'string' },
  'nacl-mask-ipv6': { type: 'string' },
  'allow-list': { type: 'string' },
  json: { type: 'string' },
  report: { type: 'string' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses and validates argv (without node and script); `undefined` means help was asked for. */
export function parseReplayArgs(argv: readonly string[]): ReplayOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return undefined;
  return {
    flowLogs: required(values['flow-logs'], 'flow-logs'),
    listenerPort: integer(required(values.port, 'port'), 'port', 1, 65535),
    listenerProtocol: protocol(required(values.protocol, 'protocol')),
    vpcCidrs: vpcCidrs(values['vpc-cidr']),
    minZScore: decimal(values['min-zscore'] ?? '3', 'min-zscore', 0),
    minPacketsPerBin: integer(values['min-packets-per-bin'] ?? '12000', 'min-packets-per-bin', 0, Number.MAX_SAFE_INTEGER),
    windowMinutes: integer(values['window-minutes'] ?? '60', 'window-minutes', 2, 1440),
    naclRuleLimit: integer(values['nacl-rule-limit'] ?? '20', 'nacl-rule-limit', 2, 40),
    naclMask: integer(values['nacl-mask'] ?? '32', 'nacl-mask', 1, 32),
    naclMaskIpv6: integer(values['nacl-mask-ipv6'] ?? '128', 'nacl-mask-ipv6', 1, 128),
    allowList: values['allow-list'],
    json: values.json,
    report: values.report,
    progress: !values['no-progress'],
  };
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}

function integer(text: string, flag: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function decimal(text: string, flag: string, min: number): number {
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value) || value < min) throw new UsageError(`--${flag} must be a number >= ${min}, got "${text}"`);
  return value;
}

function protocol(text: string): 6 | 17 {
  const normalized = text.toLowerCase();
  if (normalized === 'tcp' || normalized === '6') return 6;
  if (normalized === 'udp' || normalized === '17') return 17;
  throw new UsageError(`--protocol must be tcp, udp, 6 or 17, got "${text}"`);
}

function vpcCidrs(values: string[] | undefined): string[] {
  const cidrs = (values ?? [])
    .flatMap((v) => v.split(','))
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (cidrs.length === 0) throw new UsageError("--vpc-cidr is required (the VPC's CIDRs, comma-separated)");
  for (const cidr of cidrs) {
    if (!cidr.includes('/') || !parseNetwork(cidr)) {
      throw new UsageError(`--vpc-cidr "${cidr}" is not a CIDR like 10.0.0.0/16 or 2001:db8::/56 (no host bits set)`);
    }
  }
  return cidrs;
}
