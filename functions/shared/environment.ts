/**
 * Building blocks both Lambda handlers use to read their environment at cold start: the value
 * schemas the stack's variables share, and one error format that names every bad variable, its
 * value and what it expects.
 */
import { z } from 'zod';
import { parseNetwork, type Network } from '../../core/addresses';

export const text = z.string().trim();

export const integer = (min: number, max: number) =>
  text
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`));

export const vpcId = text.regex(/^vpc-[0-9a-f]{8,17}$/, 'expected a VPC id like vpc-0123456789abcdef0');

export const logGroupName = text.regex(/^[.\-_/#A-Za-z0-9]{1,512}$/, 'expected a CloudWatch Logs log group name');

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

/** Raised at cold start; the message names every bad variable and what it expects. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

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
  throw new ConfigError(`invalid ${functionName} environment: ${problems.join('; ')}`);
}
