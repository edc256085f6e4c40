/**
 * `npm run demo`: writes the bundled blog-story scenario as a gzip flow-log file (as S3 would
 * hold it) and replays it with the default thresholds and a quota of 20 rules. Needs no AWS account.
 * Outputs go to .replay/ (git-ignored): the flow logs, replay.json and report.html.
 */
import { listenerLabel } from '../../core/listeners';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { BLOG_STORY } from '../../scenarios/blog-story';
import { FLOW_LOG_HEADER, flowLogLine, scenarioRecords, type ScenarioSpec } from '../../scenarios/generator';
import { UsageError } from './args';
import { runCli } from './cli';

/** Writes a scenario as one gzip flow-log object with a header line. */
export async function writeScenario(spec: ScenarioSpec, path: string): Promise<void> {
  function* lines() {
    yield `${FLOW_LOG_HEADER}\n`;
    for (const record of scenarioRecords(spec)) yield `${flowLogLine(record)}\n`;
  }
  await pipeline(Readable.from(lines()), createGzip(), createWriteStream(path));
}

/** `npm run demo -- --bin-store dynamodb`: the demo takes the replay's bin-store flag, nothing else. */
function demoArguments(argv: readonly string[]): string[] {
  if (argv.length === 0) return [];
  if (argv.length === 2 && argv[0] === '--bin-store') return [...argv];
  throw new UsageError(`npm run demo takes only --bin-store <timestream|dynamodb>, got: ${argv.join(' ')}`);
}

async function main(): Promise<number> {
  let extra: string[];
  try {
    extra = demoArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n`);
    return 2;
  }
  const dir = process.env.REPLAY_OUT_DIR ?? '.replay';
  await mkdir(dir, { recursive: true });
  const flowLogs = join(dir, `${BLOG_STORY.name}.log.gz`);
  await writeScenario(BLOG_STORY, flowLogs);
  process.stdout.write(`Scenario "${BLOG_STORY.name}": ${BLOG_STORY.description}\nFlow logs: ${flowLogs}\n\n`);
  return runCli([
    '--flow-logs',
    flowLogs,
    '--listener',
    listenerLabel({ port: BLOG_STORY.listenerPort, protocol: BLOG_STORY.listenerProtocol }),
    '--vpc-cidr',
    BLOG_STORY.vpcCidrs.join(','),
    '--nacl-rule-limit',
    '20',
    '--json',
    join(dir, 'replay.json'),
    '--report',
    join(dir, 'report.html'),
    ...extra,
  ]);
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
