/**
 * `npm run preflight -- -c vpcId=... -c subnetIds=... -c listenerPort=... -c listenerProtocol=...`:
 * read-only checks, with the credentials and region `cdk deploy` would use, of what would make a
 * deploy with the same context fail or misbehave (docs/preflight.md). Exit 0 when nothing fails,
 * 1 when a check fails, 2 on a bad command line or context, or without usable credentials.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ConfigError } from '../../lib/config';
import type { CheckResult } from './checks/result';
import { deploymentPlan } from './plan';
import { DEFAULT_TOOLKIT_STACK_NAME, runPreflight } from './preflight';
import { defaultClients, type PreflightClients } from './reads';

export const USAGE =
  'usage: npm run preflight -- -c vpcId=<vpc-id> -c subnetIds=<subnet-id,...> -c listenerPort=<port> -c listenerProtocol=<TCP|UDP> ' +
  '[-c <key>=<value> ...] [--toolkit-stack-name <name>]';

export class UsageError extends Error {}

export interface PreflightArgs {
  readonly context: Readonly<Record<string, string>>;
  readonly toolkitStackName: string | undefined;
  readonly help: boolean;
}

/** The command line, as `cdk deploy` reads its context: `-c key=value` or `--context key=value`, values as text. */
export function parseArgs(argv: readonly string[]): PreflightArgs {
  const context: Record<string, string> = {};
  let toolkitStackName: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === '-h' || flag === '--help') {
      help = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === '-c' || flag === '--context') {
      const at = value.indexOf('=');
      if (at <= 0) throw new UsageError(`${flag} ${value}: expected key=value`);
      context[value.slice(0, at)] = value.slice(at + 1);
    } else if (flag === '--toolkit-stack-name') toolkitStackName = value;
    else throw new UsageError(`unknown argument ${flag}`);
    i++;
  }
  return { context, toolkitStackName, help };
}

/** cdk.json's context and cdk.context.json, then the command line's, as the CDK CLI merges them; and cdk.json's toolkit stack name. */
export function projectContext(cwd: string, args: PreflightArgs): { context: Record<string, unknown>; toolkitStackName: string } {
  const json = (file: string): Record<string, unknown> => {
    const path = join(cwd, file);
    if (!existsSync(path)) return {};
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
  };
  const settings = json('cdk.json');
  const context = { ...(settings.context as Record<string, unknown> | undefined), ...json('cdk.context.json'), ...args.context };
  const fromSettings = typeof settings.toolkitStackName === 'string' ? settings.toolkitStackName : undefined;
  return { context, toolkitStackName: args.toolkitStackName ?? fromSettings ?? DEFAULT_TOOLKIT_STACK_NAME };
}

export interface PreflightIo {
  readonly cwd: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** The AWS clients; the default credentials and region unless given. */
  readonly clients?: () => PreflightClients;
}

const LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

/** One line per check: status, check, what was found and, for a warning or failure, the fix. */
export function formatResult(result: CheckResult): string {
  return `${LABEL[result.status]}  ${result.check}: ${result.detail}${result.fix ? `. Fix: ${result.fix}` : ''}`;
}

export async function main(argv: readonly string[], io: PreflightIo): Promise<number> {
  let plan;
  let toolkitStackName;
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.out(USAGE);
      return 0;
    }
    const project = projectContext(io.cwd, args);
    toolkitStackName = project.toolkitStackName;
    plan = deploymentPlan(project.context);
  } catch (error) {
    if (error instanceof UsageError) io.err(`preflight: ${error.message}\n${USAGE}`);
    else if (error instanceof ConfigError) io.err(error.message);
    else throw error;
    return 2;
  }
  const account = await callerAccount();
  if ('problem' in account) {
    io.err(`preflight: ${account.problem}`);
    return 2;
  }
  io.out(`preflight of stack ${plan.stackName} in account ${account.account}, ${account.region}:`);
  const results = await runPreflight((io.clients ?? defaultClients)(), plan, toolkitStackName);
  for (const result of results) io.out(formatResult(result));
  const count = (status: CheckResult['status']) => results.filter((r) => r.status === status).length;
  io.out(`${count('pass')} passed, ${count('warn')} warned, ${count('fail')} failed`);
  return count('fail') > 0 ? 1 : 0;
}

/** The account and region the default credentials reach, or the one-line reason there are none. */
export async function callerAccount(): Promise<{ account: string; region: string } | { problem: string }> {
  const sts = new STSClient({});
  let region: string;
  try {
    region = await sts.config.region();
  } catch {
    return { problem: 'no AWS region configured. Fix: set AWS_REGION, or a region in your AWS profile (aws configure)' };
  }
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return { account: identity.Account ?? 'unknown', region };
  } catch (error) {
    const e = error as { name?: string; message?: string };
    const why = `${e.name ?? 'Error'}: ${(e.message ?? '').split('\n')[0]}`;
    return { problem: `no usable AWS credentials (${why}). Fix: aws configure, aws sso login, or set AWS_PROFILE` };
  } finally {
    sts.destroy();
  }
}

if (require.main === module) {
  const io: PreflightIo = {
    cwd: process.cwd(),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`preflight failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
