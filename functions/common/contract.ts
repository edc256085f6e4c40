/**
 * What the three function contracts share: how a function is deployed, the bounds type the stack,
 * the dashboards and the environment schemas all read, the value rules of settings several
 * functions receive, and one way to read an environment that names every bad variable.
 *
 * Pure: no SDK client, no environment read at import. The stack imports the contracts, never a
 * handler or an adapter.
 */
import { z } from 'zod';
import { parseNetwork, type Network } from '../../core/addresses';
import { ConfigError } from '../../core/config-error';
import { DEFAULT_METRICS_NAMESPACE } from '../../core/metrics';

/** How a function is deployed: the stack sets these, and the simulation runs the handler with the same. */
export interface FunctionDeployment {
  /** Lambda timeout, seconds. */
  readonly timeoutSeconds: number;
  /** Lambda memory, MiB. */
  readonly memoryMiB: number;
  /**
   * Reserved concurrent executions.
   * @default - unreserved
   */
  readonly reservedConcurrency?: number;
}

/** Inclusive range of a whole-number setting. */
export interface IntegerBounds {
  readonly min: number;
  readonly max: number;
}

/** Range of a number setting that must stay above `above` (exclusive) and at most `max`. */
export interface PositiveBounds {
  readonly above: number;
  readonly max: number;
}

/** VPC, subnet and network ACL ids: the prefix, then 8 (older resources) or 17 hex digits. */
export const VPC_ID_PATTERN = /^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
export const SUBNET_ID_PATTERN = /^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
export const NACL_ID_PATTERN = /^acl-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * CloudWatch namespaces: 1-255 printable characters of this set, not starting with ':'; "AWS/" is
 * reserved for AWS services.
 */
export function isCustomNamespace(value: string): boolean {
  return /^[A-Za-z0-9.\-_/#: ]{1,255}$/.test(value) && !value.startsWith(':') && !value.startsWith('AWS/');
}

export const text = z.string().trim();

/** A whole number written as decimal text, within `bounds`. */
export const integer = ({ min, max }: IntegerBounds) =>
  text
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`));

/** A number written as text (as the stack's String(value) writes it), above `bounds.above` and at most `bounds.max`. */
export const boundedNumber = ({ above, max }: PositiveBounds) =>
  text
    .min(1, 'expected a number')
    .transform(Number)
    .pipe(z.number({ message: 'expected a number' }).gt(above, `expected more than ${above}`).max(max, `expected at most ${max}`));

export const vpcId = text.regex(VPC_ID_PATTERN, 'expected a VPC id like vpc-0123456789abcdef0');

export const logGroupName = text.regex(/^[.\-_/#A-Za-z0-9]{1,512}$/, 'expected a CloudWatch Logs log group name');

export const metricsNamespace = text
  .refine(isCustomNamespace, 'expected a custom CloudWatch namespace (1-255 letters, digits, . - _ / # : or spaces; not "AWS/...")')
  .default(DEFAULT_METRICS_NAMESPACE);

/** Comma-separated IPv4 and IPv6 CIDRs without host bits, e.g. the VPC's CIDRs. */
export const cidrList = text.min(1, 'expected at least one CIDR').transform((value, ctx) => {
  const networks: Network[] = [];
  for (const part of value.split(',')) {
    const network = parseNetwork(part);
    if (!network) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(part.trim())} is not an IPv4 or IPv6 CIDR without host bits` });
      return z.NEVER;
    }
    networks.push(network);
  }
  return networks;
});

/** Validates `env` against `schema`, or throws one ConfigError listing every problem. */
export function readEnvironment<T extends z.ZodType>(
  schema: T,
  env: Record<string, string | undefined>,
  functionName: string,
): z.output<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(environment)');
    const shown = env[variable] === undefined ? 'unset' : JSON.stringify(env[variable]);
    return `${variable} (${shown}): ${issue.message}`;
  });
  throw new ConfigError(problems, `${functionName} environment`);
}
