import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseReplayArgs, UsageError } from '../../../tools/replay/args';
import { runCli } from '../../../tools/replay/cli';
import { writeScenario } from '../../../tools/replay/demo';
import { storySpec } from '../../support/builders';
import { scratchDir } from '../../support/files';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  }) as Writable & { isTTY?: boolean };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

async function cli(argv: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli(argv, { stdout: stdout.stream, stderr: stderr.stream } as unknown as Parameters<typeof runCli>[1]);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const REQUIRED = ['--flow-logs', 'x.log', '--port', '443', '--protocol', 'tcp', '--vpc-cidr', '10.0.0.0/16'];

describe('replay command line', () => {
  it('applies the documented defaults', () => {
    // Act
    const options = parseReplayArgs(REQUIRED);

    // Assess
    expect(options).toEqual({
      flowLogs: 'x.log',
      listeners: [{ port: 443, protocol: 6 }],
      vpcCidrs: ['10.0.0.0/16'],
      minZScore: 3,
      minPacketsPerBin: 12_000,
      windowMinutes: 60,
      naclRuleLimit: 20,
      naclMask: 32,
      naclMaskIpv6: 128,
      binStore: 'timestream',
      allowList: undefined,
      mode: 'block',
      repeatOffenderWindowHours: 0,
      maxBlockHours: 24,
      json: undefined,
      report: undefined,
      progress: true,
    });
  });

  it('accepts repeated and comma-separated VPC CIDRs, UDP by number and every option', () => {
    // Act
    const options = parseReplayArgs([
      '--flow-logs',
      'd',
      '--port',
      '53',
      '--protocol',
      '17',
      '--vpc-cidr',
      '10.0.0.0/16,10.1.0.0/16',
      '--vpc-cidr',
      '2600:1f18::/56',
      '--min-zscore',
      '2.5',
      '--min-packets-per-bin',
      '5000',
      '--window-minutes',
      '30',
      '--nacl-rule-limit',
      '40',
      '--nacl-mask',
      '24',
      '--nacl-mask-ipv6',
      '64',
      '--bin-store',
      'DynamoDB',
      '--allow-list',
      'a.txt',
      '--json',
      'o.json',
      '--report',
      'o.html',
      '--mode',
      'Report',
      '--repeat-offender-window-hours',
      '24',
      '--max-block-hours',
      '6',
      '--no-progress',
    ]);

    // Assess
    expect(options).toMatchObject({
      listeners: [{ port: 53, protocol: 17 }],
      vpcCidrs: ['10.0.0.0/16', '10.1.0.0/16', '2600:1f18::/56'],
      minZScore: 2.5,
      minPacketsPerBin: 5000,
      windowMinutes: 30,
      naclRuleLimit: 40,
      naclMask: 24,
      naclMaskIpv6: 64,
      binStore: 'dynamodb',
      allowList: 'a.txt',
      json: 'o.json',
      report: 'o.html',
      mode: 'report',
      repeatOffenderWindowHours: 24,
      maxBlockHours: 6,
      progress: false,
    });
  });

  it.each([
    [[], /--flow-logs is required/],
    [REQUIRED.filter((_, i) => i !== 2 && i !== 3), /--port is required/],
    [[...REQUIRED, '--port', '70000'], /--port must be an integer from 1 to 65535, got "70000"/],
    [[...REQUIRED.slice(0, 4), '--protocol', 'icmp', ...REQUIRED.slice(6)], /--protocol must be tcp, udp, 6 or 17, got "icmp"/],
    [[...REQUIRED.slice(0, 6), '--vpc-cidr', '10.0.0.1/16'], /--vpc-cidr "10.0.0.1\/16" is not a CIDR/],
    [[...REQUIRED, '--min-zscore', 'abc'], /--min-zscore must be a number above 0 and at most 1000, got "abc"/],
    [[...REQUIRED, '--min-zscore', '0'], /--min-zscore must be a number above 0 and at most 1000, got "0"/],
    [[...REQUIRED, '--window-minutes', '4'], /--window-minutes must be an integer from 5 to 1440, got "4"/],
    [[...REQUIRED, '--nacl-rule-limit', '41'], /--nacl-rule-limit must be an integer from 2 to 40/],
    [[...REQUIRED, '--nacl-mask-ipv6', '129'], /--nacl-mask-ipv6 must be an integer from 0 to 128/],
    [[...REQUIRED, '--bogus'], /Unknown option '--bogus'/],
    [[...REQUIRED, '--bin-store', 's3'], /--bin-store must be timestream or dynamodb, got "s3"/],
    [[...REQUIRED, '--mode', 'deny'], /--mode must be block or report, got "deny"/],
    [[...REQUIRED, '--repeat-offender-window-hours', '721'], /--repeat-offender-window-hours must be an integer from 0 to 720, got "721"/],
    [
      [...REQUIRED, '--window-minutes', '120', '--max-block-hours', '1'],
      /--max-block-hours \(1\) is shorter than --window-minutes \(120\): no block can be shorter than one window/,
    ],
  ])('rejects a bad command line %# with a message naming the problem and status 2', async (argv, message) => {
    // Act
    const result = await cli(argv as string[]);

    // Assess
    expect(() => parseReplayArgs(argv as string[])).toThrow(UsageError);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message as RegExp);
    expect(result.stderr).toContain('Usage: npm run replay');
  });

  it('fails with status 1 naming an unreadable input', async () => {
    // Act
    const result = await cli(['--flow-logs', '/nonexistent/flow.log', '--port', '443', '--protocol', 'tcp', '--vpc-cidr', '10.0.0.0/16']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('replay: cannot read flow logs at /nonexistent/flow.log: ENOENT\n');
  });

  it('prints help with status 0', async () => {
    // Act
    const result = await cli(['--help']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--nacl-mask-ipv6');
  });
});

describe('replay of a generated flood', () => {
  it('blocks the flooders, reports the one without capacity, lifts every rule one window later, and writes JSON and HTML', async () => {
    // Prepare: 60 sources, a 10-minute window, quota 4 (IPv4: default deny + mirrored allow-all leave 2 deny rules)
    const dir = await scratchDir('replay-cli');
    const spec = storySpec();
    const logs = join(dir, 'flows.log.gz');
    await writeScenario(spec, logs);
    const allowList = join(dir, 'allow.txt');
    await writeFile(allowList, '# none\n');

    // Act
    const result = await cli([
      '--flow-logs',
      logs,
      '--port',
      '443',
      '--protocol',
      'tcp',
      '--vpc-cidr',
      '10.0.0.0/16',
      '--window-minutes',
      '10',
      '--nacl-rule-limit',
      '4',
      '--allow-list',
      allowList,
      '--json',
      join(dir, 'out.json'),
      '--report',
      join(dir, 'out.html'),
    ]);

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const json = JSON.parse(await readFile(join(dir, 'out.json'), 'utf8'));
    const withAnomalies = json.runs.filter((r: { anomalies: unknown[] }) => r.anomalies.length > 0);
    expect(withAnomalies[0]).toMatchObject({
      at: '2026-04-01T00:13:00.000Z',
      anomalies: [
        { sourceIp: '203.0.113.3', maxZScore: expect.any(Number), maxPackets: 34_000 },
        { sourceIp: '203.0.113.2', maxZScore: expect.any(Number), maxPackets: 32_000 },
        { sourceIp: '203.0.113.1', maxZScore: expect.any(Number), maxPackets: 30_000 },
      ],
      blocked: ['203.0.113.3/32', '203.0.113.2/32'],
      unblocked: ['203.0.113.1'],
    });
    // The weakest gets a rule only once capacity frees: the blocked two lose their last anomalous
    // minute (13) to their own rules, so they leave the window a minute before it does.
    const blockedAt = (cidr: string) => json.runs.findIndex((r: { blocked: string[] }) => r.blocked.includes(cidr));
    const strongLifted = json.runs.findIndex(
      (r: { blocked: string[] }, i: number) => i > blockedAt('203.0.113.3/32') && !r.blocked.includes('203.0.113.3/32'),
    );
    expect(blockedAt('203.0.113.1/32')).toBe(strongLifted);
    expect(json.runs[strongLifted].at).toBe('2026-04-01T00:23:00.000Z');
    expect(json.summary).toMatchObject({ anomalousSources: 3, blockedNetworks: 3, neverBlocked: [], maxConcurrentRules: 2 });
    expect(json.runs.at(-1)).toMatchObject({ anomalies: [], blocked: [], unblocked: [] });
    // Every rule is gone once minute 13 leaves the 10-minute window
    const lastBlocked = json.runs.findLastIndex((r: { blocked: unknown[] }) => r.blocked.length > 0);
    expect(json.runs[lastBlocked + 1].at).toBe('2026-04-01T00:24:00.000Z');
    expect(json.summary.backOnOriginalAclAt).toBe(json.runs[lastBlocked + 1].at);
    expect(result.stdout).toContain('could not block 1 anomalous source(s), no rule capacity left: 203.0.113.1');
    expect(result.stdout).toContain('protected subnets are back on their original network ACL');
    expect(await readFile(join(dir, 'out.html'), 'utf8')).toContain('<svg');
  });
});

describe('replay on either bin store', () => {
  it('gives the same runs, verdicts and rules with --bin-store dynamodb as with the default Timestream', async () => {
    // Prepare: a short flood on a 10-minute window
    const dir = await scratchDir('replay-stores');
    const spec = storySpec({
      minutes: 16,
      seed: 5,
      steadySources: 40,
      waves: [{ sources: ['203.0.113.1', '203.0.113.2'], fromMinute: 11, minutes: 2, packets: 30_000, packetsStep: 2_000 }],
    });
    const logs = join(dir, 'flows.log.gz');
    await writeScenario(spec, logs);
    const base = ['--flow-logs', logs, '--port', '443', '--protocol', 'tcp', '--vpc-cidr', '10.0.0.0/16', '--window-minutes', '10'];

    // Act
    const outputs = [];
    for (const store of ['timestream', 'dynamodb']) {
      const out = join(dir, `${store}.json`);
      const result = await cli([...base, '--bin-store', store, '--json', out]);
      expect(result.code, result.stderr).toBe(0);
      outputs.push(JSON.parse(await readFile(out, 'utf8')) as { runs: { anomalies: unknown[] }[] });
    }

    // Assess
    const [timestream, dynamodb] = outputs;
    expect(dynamodb?.runs).toEqual(timestream?.runs);
    expect(timestream?.runs.filter((r) => r.anomalies.length > 0).length).toBeGreaterThan(0);
  });
});

describe('replay of a folder of mixed files', () => {
  it('replays the committed fixtures folder, skipping the files that are not usable flow logs with a warning naming each, counted in the summary and the JSON', async () => {
    // Prepare
    const dir = await scratchDir('replay-mixed');
    const out = join(dir, 'result.json');
    const fixtures = join(__dirname, '../../fixtures/flow-logs');

    // Act
    const result = await cli(['--flow-logs', fixtures, '--port', '443', '--protocol', 'tcp', '--vpc-cidr', '172.31.0.0/16', '--json', out]);

    // Assess: 7 notices, licences and the README, and the NAT gateway format
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('from 7 file(s) (8 other file(s) skipped: not usable flow logs)');
    expect(result.stdout).toContain(`warning: skipped ${join(fixtures, 'written/nat-gateway-custom.log')}: flow-log format lacks field(s)`);
    expect(result.stdout).toContain(`warning: skipped ${join(fixtures, 'README.md')}: not flow-log text`);
    const json = JSON.parse(await readFile(out, 'utf8')) as {
      summary: { input: { files: number; skippedFiles: number; skipped: { file: string; reason: string }[] } };
    };
    expect(json.summary.input).toMatchObject({ files: 7, skippedFiles: 8 });
    expect(json.summary.input.skipped.map((s) => s.file)).toContain(join(fixtures, 'written/nat-gateway-custom.log'));
  }, 60_000);
});

describe('replay with several listeners', () => {
  it('--listener and --port/--protocol are two forms of one setting: each alone works, both together is an error naming them', () => {
    const base = ['--flow-logs', 'x.log', '--vpc-cidr', '10.0.0.0/16'];
    expect(parseReplayArgs([...base, '--listener', '443/tcp', '--listener', '53/UDP,80/tcp'])?.listeners).toEqual([
      { port: 443, protocol: 6 },
      { port: 53, protocol: 17 },
      { port: 80, protocol: 6 },
    ]);
    expect(() => parseReplayArgs([...base, '--listener', '443/tcp', '--port', '443'])).toThrow(/--listener and --port both name listeners/);
    expect(() => parseReplayArgs([...base, '--listener', '443/tcp', '--listener', '443/tcp'])).toThrow(/lists 443\/tcp more than once/);
    expect(() => parseReplayArgs([...base, '--listener', '443/icmp'])).toThrow(UsageError);
    expect(() => parseReplayArgs(base)).toThrow(/--listener is required/);
  });

  it('judges each listener against its own baseline: an HTTPS flood next to heavy DNS traffic and a DNS flood are blocked, DNS resolvers are not', async () => {
    // Prepare: HTTPS clients near 1,000 packets a minute and DNS resolvers near 45,000; one flooder on each
    const dir = await scratchDir('replay-listeners');
    const https = storySpec({
      name: 'https',
      minutes: 16,
      steadySources: 40,
      waves: [{ sources: ['203.0.113.1'], fromMinute: 12, minutes: 2, packets: 30_000, packetsStep: 0 }],
    });
    const dns = storySpec({
      ...https,
      name: 'dns',
      seed: 4,
      steadySources: 30,
      steadyPackets: [30_000, 60_000],
      listenerPort: 53,
      listenerProtocol: 17,
      waves: [{ sources: ['198.51.100.1'], fromMinute: 12, minutes: 2, packets: 400_000, packetsStep: 0 }],
    });
    await writeScenario(https, join(dir, 'https.log.gz'));
    await writeScenario(dns, join(dir, 'dns.log.gz'));

    // Act
    const result = await cli([
      ...['--flow-logs', dir, '--listener', '443/tcp', '--listener', '53/udp', '--vpc-cidr', '10.0.0.0/16'],
      ...['--window-minutes', '10', '--json', join(dir, 'out.json'), '--report', join(dir, 'out.html')],
    ]);

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const json = JSON.parse(await readFile(join(dir, 'out.json'), 'utf8'));
    const anomalous = new Map<string, string>();
    for (const run of json.runs) for (const a of run.anomalies) anomalous.set(a.sourceIp, a.listener);
    expect(Object.fromEntries(anomalous)).toEqual({ '203.0.113.1': '443/tcp', '198.51.100.1': '53/udp' });
    expect(json.blockedEntries.map((b: { cidr: string; listeners: string[] }) => [b.cidr, b.listeners])).toEqual(
      expect.arrayContaining([
        ['203.0.113.1/32', ['443/tcp']],
        ['198.51.100.1/32', ['53/udp']],
      ]),
    );
    expect(json.blockedEntries).toHaveLength(2);
    expect(json.summary.settings.listeners).toEqual(['443/tcp', '53/udp']);
    expect(result.stdout).toMatch(/blocked 203\.0\.113\.1\/32: .* on 443\/tcp/);
    const html = await readFile(join(dir, 'out.html'), 'utf8');
    expect(html).toContain('anomalous on');
    expect(html).toContain('<td>53/udp</td>');
  });
});
