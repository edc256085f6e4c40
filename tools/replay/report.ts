/**
 * The replay's HTML report: one self-contained page (inline SVG and CSS, no script, no network)
 * whose charts mirror the CloudWatch dashboard: traffic, sources, anomalies blocked/unblocked,
 * packet statistics with the anomaly threshold, and the blocked-IP table. Charts are Vega-Lite
 * specs rendered to SVG here, server-side.
 */
import { deliveryLine } from './delivery-delay';
import type { ReplayResult } from './result';

type VegaLiteSpec = Record<string, unknown>;

const WIDTH = 820;
const HEIGHT = 200;

function lineChart(title: string, values: readonly Record<string, unknown>[], y: string, extra: VegaLiteSpec = {}): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after', point: false },
    encoding: {
      x: { field: 'time', type: 'temporal', title: 'time (UTC)', axis: { format: '%H:%M' }, scale: { type: 'utc' } },
      y: { field: 'value', type: 'quantitative', title: y },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'top', labelLimit: 320 } },
    },
    ...extra,
  };
}

/** Long-format rows (time, series, value) for one chart. */
function series<T>(items: readonly T[], time: (item: T) => string, columns: Record<string, (item: T) => number | null>) {
  return items.flatMap((item) =>
    Object.entries(columns).flatMap(([name, value]) => {
      const v = value(item);
      return v === null ? [] : [{ time: time(item), series: name, value: v }];
    }),
  );
}

/** `listener 443/tcp` or `listeners 443/tcp, 53/udp`, from the replay's settings. */
function listenersOf(result: ReplayResult): string {
  const listeners = result.summary.settings.listeners;
  const list = Array.isArray(listeners) ? listeners : [];
  return list.length === 0 ? 'listener' : `${list.length === 1 ? 'listener' : 'listeners'} ${list.join(', ')}`;
}

export function reportSpecs(result: ReplayResult): Record<string, VegaLiteSpec> {
  const { traffic, runs } = result;
  const report = result.summary.mode === 'report';
  return {
    traffic: lineChart(
      `Traffic to the ${listenersOf(result)} (packets per minute)`,
      series(traffic, (t) => t.minute, {
        accepted: (t) => t.acceptedPackets - t.deniedBySimulation,
        'rejected (logged)': (t) => t.rejectedPackets,
        'denied by simulated rules': (t) => t.deniedBySimulation,
      }),
      'packets',
    ),
    sources: lineChart(
      'Sources (distinct source IPs per minute)',
      series(traffic, (t) => t.minute, {
        'unique source IPs': (t) => t.uniqueSources,
      }),
      'sources',
    ),
    anomalies: lineChart(
      'Anomalous sources after each run',
      series(runs, (r) => r.at, {
        ...(report
          ? { 'would block (report mode, no rule written)': (r: (typeof runs)[number]) => r.wouldBlock?.length ?? 0 }
          : { 'blocked (deny rules)': (r: (typeof runs)[number]) => r.blocked.length }),
        unblocked: (r) => r.unblocked.length,
        anomalous: (r) => r.anomalies.length,
      }),
      'count',
    ),
    statistics: lineChart(
      'Packet bin statistics and anomaly threshold',
      series(runs, (r) => r.at, {
        mean: (r) => r.baseline.mean,
        'standard deviation': (r) => r.baseline.standardDeviation,
        'anomaly threshold': (r) => r.baseline.anomalyThreshold,
        'packet floor': () => Number(result.summary.settings.minPacketsPerBin ?? 0),
      }),
      'packets per source per minute',
    ),
  };
}

async function toSvg(spec: VegaLiteSpec): Promise<string> {
  const vegaLite = await import('vega-lite');
  const vega = await import('vega');
  const compiled = vegaLite.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[], id: string): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`).join('\n');
  return `<table id="${id}"><thead><tr>${head}</tr></thead><tbody>${body || `<tr><td colspan="${headers.length}">none</td></tr>`}</tbody></table>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#16191f;max-width:900px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #d5dbdb;padding:4px 8px;text-align:left}
th{background:#f2f3f3}.chart{margin:12px 0}.k{color:#545b64}
.blocked{color:#d13212}.expired,.original-acl{color:#1d8102}.unblocked{color:#ff9900}`;

/** Each message the notifications topic was sent, as an e-mail subscriber reads it. */
function notificationList(result: ReplayResult): string {
  if (result.notifications.length === 0) return '<p id="notifications">No change of the blocked set: no notification.</p>';
  const items = result.notifications.map(
    (n) => `<li><span class="k">${escapeHtml(n.at)}</span> <strong>${escapeHtml(n.subject)}</strong><pre>${escapeHtml(n.text)}</pre></li>`,
  );
  return `<ul id="notifications">${items.join('\n')}</ul>`;
}

/** Renders the whole page; every chart is inline SVG. */
export async function renderReport(result: ReplayResult): Promise<string> {
  const specs = reportSpecs(result);
  const charts: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    charts.push(`<section class="chart" id="chart-${name}">${await toSvg(spec)}</section>`);
  }
  const { summary } = result;
  const report = summary.mode === 'report';
  const blocked = report ? 'would have been blocked' : 'blocked';
  const settings = Object.entries(summary.settings).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]);
  // Repeat offenders on: each network's k and the hold-until its rule last had.
  const repeat = summary.settings.repeatOffenderWindowHours !== undefined;
  const blockedRows = result.blockedEntries.map((b) => [
    b.denyListed ? `${b.cidr} (deny list)` : b.cidr,
    b.firstBlocked,
    b.lastBlocked,
    b.maxZScore.toFixed(2),
    b.maxPackets,
    b.listeners.join(', ') || '-',
    ...(repeat ? [b.k ?? 0, b.holdUntil ?? '-'] : []),
  ]);
  const blockedHeaders = [
    'network',
    `first ${blocked}`,
    `last ${blocked}`,
    'max Z-score',
    'max packets/min',
    'anomalous on',
    ...(repeat ? ['k (earlier blocks)', 'held until'] : []),
  ];
  const timeline = result.timeline
    .map((e) => `<li class="${e.kind}"><span class="k">${escapeHtml(e.at)}</span> ${escapeHtml(e.text)}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nacl-flood-guard replay report</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>${STYLE}</style></head>
<body>
<h1>nacl-flood-guard replay report</h1>
${report ? '<p id="report-mode"><strong>Report mode:</strong> no deny rule was written and no traffic was rejected. Every &quot;would block&quot; is what block mode would have done with the data as recorded.</p>' : ''}
<p>${summary.input.records} flow records from ${summary.input.files} file(s)${summary.input.skippedFiles ? ` (${summary.input.skippedFiles} other file(s) skipped: not usable flow logs)` : ''}, ${summary.input.firstRecord ?? '-'} to ${summary.input.lastRecord ?? '-'};
${summary.runs} summarizer runs; ${summary.anomalousSources} anomalous source(s); ${summary.blockedNetworks} network(s) ${blocked};
${summary.neverBlocked.length} never ${blocked}; at most ${summary.maxConcurrentRules} deny rule(s) at once.</p>
<p id="delivery">${escapeHtml(deliveryLine(summary.delivery))}</p>
${charts.join('\n')}
<h2>${report ? 'Sources block mode would have blocked' : 'Blocked sources'}</h2>
${table(blockedHeaders, blockedRows, 'blocked-table')}
<h2>Block notifications</h2>
${notificationList(result)}
<h2>Timeline</h2>
<ul id="timeline">${timeline}</ul>
<h2>Settings</h2>
${table(['setting', 'value'], settings, 'settings-table')}
</body></html>
`;
}
