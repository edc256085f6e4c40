/**
 * `npm run replay -- --flow-logs <file|dir> --port <n> --protocol <tcp|udp> --vpc-cidr <cidrs> ...`
 * Exit status: 0 done, 1 the replay failed (unreadable input, ...), 2 bad command line.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseReplayArgs, USAGE, UsageError, type ReplayOptions } from './args';
import { progressBar } from './progress';
import { formatTimeline, replayFlowLogs } from './replay';
import { renderReport } from './report';
import type { ReplayResult } from './result';

/** The `--json` document: every run, then the summary and the timeline. */
export function jsonDocument(result: ReplayResult): string {
  const { runs, summary, timeline, blockedEntries, traffic } = result;
  return `${JSON.stringify({ runs, summary, timeline, blockedEntries, traffic }, null, 2)}\n`;
}

async function writeOutput(path: string, content: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  } catch (error) {
    throw new Error(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
}

export async function runCli(argv: readonly string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let options: ReplayOptions | undefined;
  try {
    options = parseReplayArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`replay: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!options) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const bar = options.progress && io.stderr.isTTY ? progressBar(io.stderr) : undefined;
  try {
    const result = await replayFlowLogs(options, { progress: bar?.update });
    bar?.done();
    io.stdout.write(formatTimeline(result));
    if (options.json) {
      await writeOutput(options.json, jsonDocument(result));
      io.stdout.write(`Wrote ${options.json}\n`);
    }
    if (options.report) {
      await writeOutput(options.report, await renderReport(result));
      io.stdout.write(`Wrote ${options.report}\n`);
    }
    return 0;
  } catch (error) {
    bar?.done();
    io.stderr.write(`replay: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
