// The dashboard's one page: plain HTML, CSS and a small script, all inline
// (no external asset, no CDN: the page works offline and leaks nothing), run
// under a Content-Security-Policy that allows only this page's own script
// (by nonce) and requests to its own origin (the icon is empty and inline:
// a browser's own favicon request would be one without the token). The script reads the bearer
// token from the URL's fragment or query, asks /api/state every
// REFRESH_MS and draws the spend per day against the daily limit as SVG.
// Every value is put in the page as text (textContent), never as HTML.

export const REFRESH_MS = 2000;

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2430; background: #f7f8fa; }
h1 { font-size: 1.3rem; margin: 0 0 .25rem; } h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
.muted { color: #667085; } .card { background: #fff; border: 1px solid #e3e6ea; border-radius: 6px; padding: 1rem; margin-bottom: 1rem; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #eef0f3; font-variant-numeric: tabular-nums; }
th { font-weight: 600; color: #475467; } svg text { font-size: 11px; fill: #475467; } .bar { fill: #3b82f6; } .over { fill: #dc2626; }
.limit { stroke: #dc2626; stroke-dasharray: 4 3; } .error { color: #b42318; }
`;

// The page's script, as source text: it runs in the browser, not in Node.
const SCRIPT = `
const params = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
const token = params.get('token');
history.replaceState(null, '', location.pathname); // the token leaves the address bar
const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';

function el(tag, attrs = {}, text) {
  const node = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function table(id, columns, rows, empty) {
  const box = $(id);
  box.replaceChildren();
  if (rows.length === 0) { box.append(el('p', { class: 'muted' }, empty)); return; }
  const t = el('table');
  const head = el('tr');
  for (const [label] of columns) head.append(el('th', {}, label));
  t.append(head);
  for (const row of rows) {
    const tr = el('tr');
    for (const [, value] of columns) tr.append(el('td', {}, value(row)));
    t.append(tr);
  }
  box.append(t);
}

const time = (ms) => (ms ? new Date(ms).toISOString().replace('.000Z', 'Z').replace('T', ' ') : '');
function ttl(seconds) {
  const h = Math.floor(seconds / 3600); const m = Math.floor((seconds % 3600) / 60); const s = seconds % 60;
  return h > 0 ? h + 'h ' + m + 'm' : m > 0 ? m + 'm ' + s + 's' : s + 's';
}

function chart(state) {
  const box = $('chart');
  const width = 700; const height = 220; const left = 50; const bottom = 30; const top = 10;
  const limit = BigInt(state.limit.units);
  const max = state.days.reduce((m, d) => (BigInt(d.units) > m ? BigInt(d.units) : m), limit) || 1n;
  const y = (units) => top + (height - top - bottom) * (1 - Number((BigInt(units) * 10000n) / max) / 10000);
  const svg = el('svg:svg', { viewBox: '0 0 ' + width + ' ' + height, width: '100%', role: 'img', 'aria-label': 'spend per day against the daily limit' });
  const step = (width - left) / state.days.length;
  state.days.forEach((d, i) => {
    const x = left + i * step + step * 0.15;
    const h = y(0) - y(d.units);
    const bar = el('svg:rect', { class: BigInt(d.units) > limit ? 'bar over' : 'bar', x, y: y(d.units), width: step * 0.7, height: Math.max(h, 0),
      'data-day': d.day, 'data-units': d.units, 'data-formatted': d.formatted });
    bar.append(el('svg:title', {}, d.day + ': ' + d.formatted + ' (' + d.count + ' payments)'));
    svg.append(bar);
    if ((state.days.length - 1 - i) % 2 === 0) svg.append(el('svg:text', { x: x + step * 0.35, y: height - 12, 'text-anchor': 'middle' }, d.day.slice(5)));
    if (d.units !== '0') svg.append(el('svg:text', { class: 'value', x: x + step * 0.35, y: y(d.units) - 4, 'text-anchor': 'middle' }, d.formatted));
  });
  svg.append(el('svg:line', { class: 'limit', x1: left, x2: width, y1: y(limit), y2: y(limit), 'data-units': state.limit.units }));
  svg.append(el('svg:text', { x: 2, y: y(limit) + 4 }, 'limit'));
  svg.append(el('svg:text', { x: 2, y: y(0) + 4 }, '0'));
  box.replaceChildren(svg);
}

function render(state) {
  $('wallet').textContent = state.wallet + ' · ' + state.asset.symbol + ' ' + state.asset.address;
  $('today').textContent = state.today.day + ' (UTC): ' + state.today.spent.formatted + ' spent, ' + state.today.pending.formatted +
    ' pending, ' + state.today.remaining.formatted + ' remaining of ' + state.limit.formatted;
  $('today').dataset.spentUnits = state.today.spent.units;
  chart(state);
  table('sessions', [['session', (s) => s.label || s.id.slice(0, 8)], ['endpoint', (s) => s.endpoint + ' (' + s.scope + ')'],
    ['calls', (s) => s.callCount], ['paid', (s) => s.paid.formatted], ['TTL left', (s) => ttl(s.ttlSeconds)]], state.sessions, 'No open sessions.');
  table('approvals', [['#', (a) => a.id], ['status', (a) => a.status], ['amount', (a) => a.amount], ['to', (a) => a.to], ['why', (a) => a.reason], ['queued', (a) => time(a.createdAt * 1000)]],
    state.approvals, 'Nothing is waiting for approval.');
  table('payments', [['when', (p) => time(p.createdAt)], ['status', (p) => p.status], ['kind', (p) => p.kind], ['amount', (p) => p.formatted],
    ['route', (p) => p.route], ['payee', (p) => p.payTo]], state.payments, 'No payments yet.');
  $('seller-card').hidden = state.seller === null;
  if (state.seller) {
    $('revenue').textContent = state.seller.revenue.formatted + ' from ' + state.seller.receiptCount + ' receipts';
    $('revenue').dataset.units = state.seller.revenue.units;
    table('routes', [['route', (r) => r.route], ['receipts', (r) => r.count], ['revenue', (r) => r.formatted]], state.seller.byRoute, 'No settled receipts.');
    table('receipts', [['settled', (r) => time(r.settledAt)], ['status', (r) => r.status], ['kind', (r) => r.kind], ['amount', (r) => r.formatted],
      ['route', (r) => r.route], ['payer', (r) => r.payer]], state.seller.recent, 'No receipts.');
  }
  $('updated').textContent = 'updated ' + time(state.at);
  document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
}

async function refresh() {
  try {
    const response = await fetch('/api/state', { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
    if (!response.ok) throw new Error('the dashboard answered ' + response.status);
    render(await response.json());
    $('error').textContent = '';
  } catch (error) {
    $('error').textContent = String(error.message);
  }
}
refresh();
setInterval(refresh, ${REFRESH_MS});
`;

/** The page's HTML; `nonce` is the CSP nonce of its one script. */
export function dashboardPage(nonce) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>clawpay dashboard</title><style>${STYLE}</style></head>
<body>
<h1>clawpay dashboard</h1><div class="muted" id="wallet"></div><div class="muted" id="updated"></div><div class="error" id="error"></div>
<div class="card"><h2>Spend per day against the daily limit</h2><div id="today"></div><div id="chart"></div></div>
<div class="card"><h2>Open sessions</h2><div id="sessions"></div></div>
<div class="card"><h2>Pending approvals</h2><div id="approvals"></div></div>
<div class="card"><h2>Recent payments</h2><div id="payments"></div></div>
<div class="card" id="seller-card" hidden><h2>Seller: receipts and revenue per route</h2><div id="revenue"></div><div id="routes"></div><h2>Recent receipts</h2><div id="receipts"></div></div>
<script nonce="${nonce}">${SCRIPT}</script>
</body></html>
`;
}
