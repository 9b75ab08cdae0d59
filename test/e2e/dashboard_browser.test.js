// `clawpay dashboard` as a person opens it: the real command in a child
// process over a state directory filled by real devnet payments (per call and
// a session, through clawpay-native/pay) and a seller's receipt ledger (the
// devnet paywall's), opened in Debian's headless Chromium. The chart's bar
// for today holds exactly what left the payer's balance on chain, the limit
// line the daily limit; sessions, the pending approval, payments and the
// seller's revenue are on the page; a new payment appears without a reload;
// nothing is fetched from elsewhere; every request without the token is 401.
// A screenshot is kept in test-output/dashboard.png.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { createPayer } from '../../lib/pay/agent_payer.js';
import { openPayStore } from '../../lib/pay/store.js';
import { loadConfig } from '../../lib/pay/config.js';
import { createApprovalQueue } from '../../lib/wallet/approval_queue.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'clawpay.js');
const OUTPUT = join(ROOT, 'test-output');
const CHROMIUM = process.env.CLAWPAY_CHROMIUM ?? '/usr/bin/chromium';
const today = () => new Date().toISOString().slice(0, 10);

/** A GET with exactly these headers (fetch would not let a test set Host). */
function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => { body += d; }).on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('clawpay dashboard in headless Chromium', { timeout: 120_000 }, () => {
  let world;
  let info;
  let dir;
  let payer;
  let child;
  let pageUrl;
  let browser;
  let spentOnChain;
  let balance;
  let stderr = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clawpay-dashboard-'));
    const receiptsPath = join(dir, 'seller-receipts.journal');
    world = await startWorld({ ledgerPath: receiptsPath });
    info = describeWorld(world);
    const env = { ...info.mcpEnv, CLAWPAY_ASSET_SYMBOL: 'USDC', CLAWPAY_STATE_DIR: dir, HOME: dir, CLAWPAY_MAX_PER_SEND: '1' };
    balance = () => usdcBalance({ chain: world.chain, token: world.token, address: world.payer.address });
    const start = await balance();
    payer = await createPayer.fromEnv(env);
    for (let i = 0; i < 2; i += 1) assert.equal((await payer.fetch(`${info.routes.perCall}?city=${i}`)).payment?.status, 'settled');
    await payer.startSession(info.routes.session, { label: 'forecasts' });
    spentOnChain = start - (await balance());

    // A send over the key wallet's limit, waiting for a person.
    const store = await openPayStore(loadConfig(env));
    createApprovalQueue({ store }).add({
      to: world.payTo, value: { units: '2500000', amount: '2.50', symbol: 'USDC', decimals: 6, token: world.token.address },
      token: world.token.address, decimals: 6, symbol: 'USDC', units: 2_500_000n, reason: 'over the per-send limit (CLAWPAY_MAX_PER_SEND 1.00 USDC)',
    });
    store.close();

    child = spawn(process.execPath, [BIN, 'dashboard', '--receipts', receiptsPath], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    pageUrl = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d) => {
        out += d;
        const line = /^(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)\n/m.exec(out);
        if (line) resolve(line[1]);
      });
      child.once('exit', (code) => reject(new Error(`clawpay dashboard exited ${code}: ${stderr}`)));
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await payer?.close();
    await world?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('only 127.0.0.1, and every request without the token is 401', async () => {
    const url = new URL(pageUrl);
    assert.equal(url.hostname, '127.0.0.1');
    const token = url.searchParams.get('token');
    assert.ok(token.length >= 32);
    const base = `http://127.0.0.1:${url.port}`;
    for (const path of ['/', '/api/state', '/?token=', `/?token=${token.slice(0, -1)}x`, '/nothing']) {
      const res = await get(`${base}${path}`);
      assert.equal(res.status, 401, path);
      assert.doesNotMatch(res.body, /USDC|0x/);
    }
    assert.equal((await get(`${base}/api/state`, { authorization: `Bearer ${token}x` })).status, 401);
    assert.equal((await get(`${base}/api/state`, { authorization: `Bearer ${token}` })).status, 200);
    // Another name for the same address (DNS rebinding) is refused even with the token.
    assert.equal((await get(`${base}/api/state`, { authorization: `Bearer ${token}`, host: `localhost:${url.port}` })).status, 421);
    const state = JSON.parse((await get(`${base}/api/state`, { authorization: `Bearer ${token}` })).body);
    assert.doesNotMatch(JSON.stringify(state), /sessionToken|signature|privateKey/);
    assert.doesNotMatch(JSON.stringify(state), new RegExp(info.payer.privateKey.slice(2)));
  });

  test('the page shows the devnet\'s payments: the chart, sessions, approvals, payments, revenue; it refreshes live', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1300 } });
    const origins = new Set();
    const problems = [];
    page.on('request', (req) => origins.add(new URL(req.url()).origin));
    page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(pageUrl);
    const bar = page.locator(`rect.bar[data-day="${today()}"]`);
    await bar.waitFor();
    assert.equal(await bar.getAttribute('data-units'), spentOnChain.toString());
    assert.equal(await bar.getAttribute('data-formatted'), `${(Number(spentOnChain) / 1e6).toFixed(2)} USDC`);
    assert.equal(await page.locator('line.limit').getAttribute('data-units'), '20000000');
    assert.equal(await page.locator('rect.bar').count(), 14);
    assert.match(await page.locator('#today').textContent(), /remaining of 20\.00 USDC/);
    const sessions = await page.locator('#sessions').textContent();
    assert.match(sessions, /forecasts/);
    assert.match(sessions, /\d+m \d+s|\d+h \d+m/);
    assert.match(await page.locator('#approvals').textContent(), /2\.50 USDC.*over the per-send limit/);
    assert.equal(await page.locator('#payments tr').count(), 1 + 3);
    assert.equal(await page.locator('#revenue').getAttribute('data-units'), spentOnChain.toString());
    assert.match(await page.locator('#routes').textContent(), /GET \/api\/weather.*0\.02 USDC/);
    // The token is out of the address bar once the page has it.
    assert.doesNotMatch(page.url(), /token/);

    // A new payment shows up without a reload.
    const before = await balance();
    assert.equal((await payer.fetch(`${info.routes.perCall}?city=live`)).payment?.status, 'settled');
    const total = spentOnChain + before - (await balance());
    await page.waitForFunction((units) => document.querySelector('rect.bar:last-of-type')?.dataset.units === units, total.toString(), { timeout: 20_000 });
    assert.equal(await bar.getAttribute('data-units'), total.toString());

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });
    assert.deepEqual([...origins], [new URL(pageUrl).origin]);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
