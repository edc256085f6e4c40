import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../../tools/replay/report';
import type { ReplayResult, ReplayRun } from '../../../tools/replay/result';
import { chromiumForTests } from '../../support/chromium';

function run(minute: number, blocked: string[], unblocked: string[]): ReplayRun {
  return {
    at: new Date(Date.UTC(2026, 0, 15, 10, minute, 30)).toISOString(),
    anomalies: [...blocked, ...unblocked].map((cidr, i) => ({
      sourceIp: cidr.split('/')[0] as string,
      maxZScore: 9 - i,
      maxPackets: 30_000 - i,
    })),
    blocked,
    denyListed: [],
    unblocked,
    baseline: { mean: 1_500 + minute, standardDeviation: 800, anomalyThreshold: 3_900 + minute, binCount: 1_000 },
    complete: true,
  };
}

const RESULT: ReplayResult = {
  runs: [run(0, [], []), run(1, ['203.0.113.10/32'], ['203.0.113.11']), run(2, [], [])],
  notifications: [{ at: '2026-01-15T10:01:30.000Z', subject: 'Blocked 1 source', text: 'Blocked:\n  203.0.113.10/32 <b>z</b>' }],
  traffic: [0, 1, 2].map((m) => ({
    minute: new Date(Date.UTC(2026, 0, 15, 10, m)).toISOString(),
    acceptedPackets: 100_000 + m,
    rejectedPackets: 40,
    deniedBySimulation: m === 2 ? 30_000 : 0,
    uniqueSources: 300,
  })),
  timeline: [{ at: '2026-01-15T10:01:30.000Z', kind: 'blocked', text: 'blocked 203.0.113.10/32 <script>alert(1)</script>' }],
  warnings: [],
  blockedEntries: [
    {
      cidr: '203.0.113.10/32',
      firstBlocked: '2026-01-15T10:01:30.000Z',
      lastBlocked: '2026-01-15T10:01:30.000Z',
      maxZScore: 9,
      maxPackets: 30_000,
      listeners: ['443/tcp'],
    },
  ],
  summary: {
    mode: 'block',
    input: {
      files: 1,
      skippedFiles: 0,
      skipped: [],
      records: 900,
      skippedNoData: 0,
      skippedSkipData: 0,
      malformedLines: 0,
      firstRecord: '2026-01-15T10:00:00.000Z',
      lastRecord: '2026-01-15T10:02:59.000Z',
    },
    runs: 3,
    firstRun: '2026-01-15T10:00:30.000Z',
    lastRun: '2026-01-15T10:02:30.000Z',
    anomalousSources: 2,
    blockedNetworks: 1,
    neverBlocked: ['203.0.113.11'],
    maxConcurrentRules: 1,
    backOnOriginalAclAt: '2026-01-15T10:02:30.000Z',
    settings: { minPacketsPerBin: 12_000, port: 443 },
  },
};

describe('HTML report in headless Chromium', () => {
  let browser: BrowserContext;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replay-report-'));
    const { executablePath, env } = await chromiumForTests();
    // A fresh profile directory per run (Playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath,
      env,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('renders every dashboard chart as SVG, the blocked-IP table and the timeline, without errors or network', async () => {
    // Prepare
    const path = join(dir, 'report.html');
    await writeFile(path, await renderReport(RESULT));
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => ['error', 'warning'].includes(message.type()) && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => requests.push(request.url()));

    // Act
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });

    // Assess
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(path).href]);
    for (const chart of ['traffic', 'sources', 'anomalies', 'statistics']) {
      const svg = page.locator(`#chart-${chart} svg`);
      await expect(svg.count()).resolves.toBe(1);
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(400);
      // Lines were drawn: each series is a path with data.
      await expect(page.locator(`#chart-${chart} svg path`).count()).resolves.toBeGreaterThan(2);
    }
    await expect(page.locator('#chart-statistics svg').textContent()).resolves.toContain('anomaly threshold');
    await expect(page.locator('#blocked-table tbody tr td').first().textContent()).resolves.toBe('203.0.113.10/32');
    await expect(page.locator('#timeline li').textContent()).resolves.toContain('<script>alert(1)</script>');
    await expect(page.locator('script').count()).resolves.toBe(0);
    await expect(page.locator('#notifications li strong').textContent()).resolves.toBe('Blocked 1 source');
    await expect(page.locator('#notifications li pre').textContent()).resolves.toBe('Blocked:\n  203.0.113.10/32 <b>z</b>');
    await page.close();
  });
});
