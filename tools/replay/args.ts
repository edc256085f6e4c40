import { parseArgs } from 'node:util';
import { parseNetwork } from '../../core/addresses';
import { LISTENER_PORT_BOUNDS, parseListenerList, type Listener } from '../../core/listeners';
import { UPDATER_BOUNDS, UPDATER_DEFAULTS } from '../../functions/nacl-updater/contract';
import type { IntegerBounds, PositiveBounds } from '../../functions/common/contract';
import { BIN_STORES, SUMMARIZER_BOUNDS, SUMMARIZER_DEFAULTS, type BinStoreKind } from '../../functions/summarizer/contract';
import { DelaySpecError, parseDelaySpec, type DelaySpec } from './delivery-delay';

/** Everything one replay needs, validated. */
export interface ReplayOptions {
  readonly flowLogs: string;
  /** The endpoint's listeners (`--listener`, or `--port` and `--protocol`), protocols as IANA numbers. */
  readonly listeners: readonly Listener[];
  readonly vpcCidrs: readonly string[];
  readonly minZScore: number;
  readonly minPacketsPerBin: number;
  readonly windowMinutes: number;
  readonly naclRuleLimit: number;
  readonly naclMask: number;
  readonly naclMaskIpv6: number;
  /** The packet-bin store the simulated deployment keeps its bins in. */
  readonly binStore: BinStoreKind;
  readonly allowList?: string;
  readonly denyList?: string;
  /** `report`: the updater changes no ACL; runs list what block mode would block. */
  readonly mode: 'block' | 'report';
  /** Flow-log delivery delay per delivery batch (delivery-delay.ts); none when undefined. */
  readonly deliveryDelay?: DelaySpec;
  /** Seed of the delays drawn from a distribution; 1 when undefined. */
  readonly seed?: number;
  /** Repeat offenders: earlier blocks within this many hours lengthen a hold; 0 is off. */
  readonly repeatOffenderWindowHours: number;
  /** The longest repeat-offender hold after the last anomalous minute. */
  readonly maxBlockHours: number;
  readonly json?: string;
  readonly report?: string;
  /** Show a progress bar (only ever when stderr is a terminal). */
  readonly progress: boolean;
}

/** A bad command line: the CLI prints the message and the usage, and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: npm run replay -- --flow-logs <file|dir> --listener <port>/<tcp|udp> [--listener ...]
         --vpc-cidr <cidr>[,<cidr>...] [options]

Replays VPC flow logs through the real detection and mitigation logic, minute by minute.

Required:
  --flow-logs <path>           flow-log file (.gz or plain) or a directory of them
  --listener <port>/<proto>    a listener of the protected endpoint, e.g. 443/tcp or 53/udp
                               (repeatable, or comma-separated; each has its own baseline)
  --port <n> --protocol <p>    instead of --listener: the one listener's port (1-65535) and
                               protocol (tcp, udp, 6 or 17)
  --vpc-cidr <cidrs>           the VPC's IPv4/IPv6 CIDRs, comma-separated (repeatable)
Options:
  --min-zscore <n>             Z-score threshold (default 3)
  --min-packets-per-bin <n>    packet floor per source per minute (default 12000)
  --window-minutes <n>         baseline window in minutes (default 60, 5-1440)
  --nacl-rule-limit <n>        rules-per-network-ACL quota (default 20, 2-40)
  --nacl-mask <n>              IPv4 prefix length of deny rules (default 32)
  --nacl-mask-ipv6 <n>         IPv6 prefix length of deny rules (default 128)
  --bin-store <store>          packet-bin store: timestream (default) or dynamodb
  --allow-list <file>          allow list: one address or CIDR per line, # comments
  --deny-list <file>           deny list: one address or CIDR per line, optional until=<date-time>
  --mode <block|report>        block (default), or report: no rule is written, nothing is
                               rejected, each run lists what block mode would block (wouldBlock)
  --delivery-delay <delay>     flow-log delivery delay, one draw per minute of records (default 0):
                               a duration (90s, 5m), uniform:min=1m,max=9m or lognormal:median=5m,p99=9m
  --seed <n>                   seed of the delays drawn from a distribution (default 1)
  --repeat-offender-window-hours <n>
                               repeat offenders: a source blocked again within n hours keeps
                               its rule windowMinutes x 2^k after its last anomalous minute
                               (default 0: off, 0-720)
  --max-block-hours <n>        the longest such hold (default 24, 1-168, at least one window)
  --json <out.json>            write every run and a summary as JSON
  --report <out.html>          write a self-contained HTML report with charts
  --no-progress                never show the progress bar
  -h, --help                   show this help`;

const OPTIONS = {
  'flow-logs': { type: 'string' },
  listener: { type: 'string', multiple: true },
  port: { type: 'string' },
  protocol: { type: 'string' },
  'vpc-cidr': { type: 'string', multiple: true },
  'min-zscore': { type: 'string' },
  'min-packets-per-bin': { type: 'string' },
  'window-minutes': { type: 'string' },
  'nacl-rule-limit': { type: 'string' },
  'nacl-mask': { type: 'string' },
  'nacl-mask-ipv6': { type: 'string' },
  'bin-store': { type: 'string' },
  'allow-list': { type: 'string' },
  'deny-list': { type: 'string' },
  mode: { type: 'string' },
  'delivery-delay': { type: 'string' },
  seed: { type: 'string' },
  'repeat-offender-window-hours': { type: 'string' },
  'max-block-hours': { type: 'string' },
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
  const options = {
    flowLogs: required(values['flow-logs'], 'flow-logs'),
    listeners: listeners(values.listener, values.port, values.protocol),
    vpcCidrs: vpcCidrs(values['vpc-cidr']),
    // The functions' own bounds and defaults (their contracts): a replay runs what the stack can deploy.
    minZScore: decimal(values['min-zscore'], SUMMARIZER_DEFAULTS.minZScore, 'min-zscore', SUMMARIZER_BOUNDS.minZScore),
    minPacketsPerBin: optionalInteger(
      values['min-packets-per-bin'],
      SUMMARIZER_DEFAULTS.minPacketsPerBin,
      'min-packets-per-bin',
      SUMMARIZER_BOUNDS.minPacketsPerBin,
    ),
    windowMinutes: optionalInteger(
      values['window-minutes'],
      SUMMARIZER_DEFAULTS.windowMinutes,
      'window-minutes',
      SUMMARIZER_BOUNDS.windowMinutes,
    ),
    naclRuleLimit: optionalInteger(
      values['nacl-rule-limit'],
      UPDATER_DEFAULTS.naclRuleLimit,
      'nacl-rule-limit',
      UPDATER_BOUNDS.naclRuleLimit,
    ),
    naclMask: optionalInteger(values['nacl-mask'], UPDATER_DEFAULTS.naclRuleNetworkMask, 'nacl-mask', UPDATER_BOUNDS.naclRuleNetworkMask),
    naclMaskIpv6: optionalInteger(
      values['nacl-mask-ipv6'],
      UPDATER_DEFAULTS.naclRuleNetworkMaskIpv6,
      'nacl-mask-ipv6',
      UPDATER_BOUNDS.naclRuleNetworkMaskIpv6,
    ),
    binStore: parseBinStore(values['bin-store']),
    allowList: values['allow-list'],
    denyList: values['deny-list'],
    mode: mode(values.mode),
    deliveryDelay: deliveryDelay(values['delivery-delay']),
    seed: values.seed === undefined ? undefined : integer(values.seed, 'seed', { min: 0, max: 2 ** 32 - 1 }),
    ...repeatOffenders(values['repeat-offender-window-hours'], values['max-block-hours']),
    json: values.json,
    report: values.report,
    progress: !values['no-progress'],
  };
  if (options.maxBlockHours * 60 < options.windowMinutes)
    throw new UsageError(
      `--max-block-hours (${options.maxBlockHours}) is shorter than --window-minutes (${options.windowMinutes}): no block can be shorter than one window`,
    );
  return options;
}

function repeatOffenders(
  hours: string | undefined,
  maxHours: string | undefined,
): Pick<ReplayOptions, 'repeatOffenderWindowHours' | 'maxBlockHours'> {
  return {
    repeatOffenderWindowHours: optionalInteger(
      hours,
      UPDATER_DEFAULTS.repeatOffenderWindowHours,
      'repeat-offender-window-hours',
      UPDATER_BOUNDS.repeatOffenderWindowHours,
    ),
    maxBlockHours: optionalInteger(maxHours, UPDATER_DEFAULTS.maxBlockHours, 'max-block-hours', UPDATER_BOUNDS.maxBlockHours),
  };
}

/** A `--bin-store` value: timestream (the default) or dynamodb. Shared by the replay and the fault campaign. */
export function parseBinStore(text: string | undefined): BinStoreKind {
  if (text === undefined) return SUMMARIZER_DEFAULTS.binStore;
  const store = BIN_STORES.find((kind) => kind === text.toLowerCase());
  if (store === undefined) throw new UsageError(`--bin-store must be ${BIN_STORES.join(' or ')}, got "${text}"`);
  return store;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}

function integer(text: string, flag: string, { min, max }: IntegerBounds): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function optionalInteger(text: string | undefined, fallback: number, flag: string, bounds: IntegerBounds): number {
  return text === undefined ? fallback : integer(text, flag, bounds);
}

function decimal(text: string | undefined, fallback: number, flag: string, { above, max }: PositiveBounds): number {
  if (text === undefined) return fallback;
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(value > above) || value > max) throw new UsageError(`--${flag} must be a number above ${above} and at most ${max}, got "${text}"`);
  return value;
}

function mode(text: string | undefined): 'block' | 'report' {
  if (text === undefined) return 'block';
  const normalized = text.toLowerCase();
  if (normalized === 'block' || normalized === 'report') return normalized;
  throw new UsageError(`--mode must be block or report, got "${text}"`);
}

function deliveryDelay(text: string | undefined): DelaySpec | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDelaySpec(text);
  } catch (error) {
    if (error instanceof DelaySpecError) throw new UsageError(`--delivery-delay ${error.message}`);
    throw error;
  }
}

function protocol(text: string): 6 | 17 {
  const normalized = text.toLowerCase();
  if (normalized === 'tcp' || normalized === '6') return 6;
  if (normalized === 'udp' || normalized === '17') return 17;
  throw new UsageError(`--protocol must be tcp, udp, 6 or 17, got "${text}"`);
}

/** `--listener` (repeatable), or the one listener of `--port` and `--protocol`; never both forms. */
function listeners(list: string[] | undefined, port: string | undefined, protocolText: string | undefined): Listener[] {
  if (list !== undefined && (port !== undefined || protocolText !== undefined)) {
    const given = [port !== undefined ? '--port' : '', protocolText !== undefined ? '--protocol' : ''].filter(Boolean).join(' and ');
    throw new UsageError(
      `--listener and ${given} both name listeners: give --listener <port>/<tcp|udp> for each listener, or --port and --protocol for one`,
    );
  }
  if (list === undefined) {
    if (port === undefined && protocolText === undefined)
      throw new UsageError('--listener is required (e.g. --listener 443/tcp), or --port and --protocol');
    return [
      { port: integer(required(port, 'port'), 'port', LISTENER_PORT_BOUNDS), protocol: protocol(required(protocolText, 'protocol')) },
    ];
  }
  const parsed = parseListenerList(list.flatMap((item) => item.split(',')));
  if (!parsed.ok)
    throw new UsageError(`--listener ${parsed.problem}: give each as <port>/<tcp|udp>, e.g. --listener 443/tcp --listener 53/udp`);
  return parsed.listeners;
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
