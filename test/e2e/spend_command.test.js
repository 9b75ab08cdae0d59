// `clawpay spend` as the buyer runs it: the real command in a child process,
// with clawpay-mcp's environment, after real payments on the devnet (per call
// and a session purchase) made by the same payer clawpay-mcp uses. The paid
// rows of every format sum to exactly what left the payer's balance on chain;
// rows carry the asset's symbol; bad arguments exit 2.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { loadConfig } from '../../lib/pay/config.js';
import { createPayer } from '../../lib/pay/payer.js';
import { openPayStore } from '../../lib/pay/store.js';
import { SPEND_COLUMNS } from '../../lib/cli/spend.js';

const BIN = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));

function clawpay(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('clawpay spend', { timeout: 180_000 }, () => {
  let world;
  let info;
  let dir;
  let env;
  let spentOnChain;

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    dir = mkdtempSync(join(tmpdir(), 'clawpay-spend-'));
    env = { ...info.mcpEnv, CLAWPAY_ASSET_SYMBOL: 'USDC', CLAWPAY_STATE_DIR: dir, HOME: dir };
    const config = loadConfig(env);
    const store = await openPayStore(config);
    const payer = createPayer({ config, store });
    const balance = () => usdcBalance({ chain: world.chain, token: world.token, address: world.payer.address });
    const start = await balance();
    try {
      for (let i = 0; i < 3; i += 1) {
        const paid = await payer.fetch(`${info.routes.perCall}?city=${i}`);
        assert.equal(paid.payment?.status, 'settled', JSON.stringify(paid.payment));
      }
      const session = await payer.fetch(info.routes.session, { purpose: 'session' });
      assert.equal(session.payment?.status, 'settled', JSON.stringify(session.payment));
    } finally {
      payer.close();
      store.close();
    }
    spentOnChain = start - (await balance());
    assert.ok(spentOnChain > 0n);
  });

  after(async () => {
    await world?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('--format jsonl: the paid rows sum to the chain\'s balance change, by day, payee, route and kind', async () => {
    const result = await clawpay(['spend', '--format', 'jsonl'], env);
    assert.equal(result.code, 0, result.stderr);
    const rows = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    const paid = rows.filter((row) => row.paid);
    assert.equal(paid.reduce((sum, row) => sum + BigInt(row.units), 0n), spentOnChain);
    assert.equal(paid.reduce((sum, row) => sum + row.count, 0), 4);
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), [...SPEND_COLUMNS]);
      assert.equal(row.symbol, 'USDC');
      assert.equal(row.decimals, 6);
      assert.equal(row.payee, world.payTo);
      assert.equal(row.day, new Date().toISOString().slice(0, 10));
    }
    // Per call: one route however the query differs; the session purchase its own row.
    const perCall = rows.find((row) => row.route === info.routes.perCall);
    assert.equal(perCall.kind, 'call');
    assert.equal(perCall.count, 3);
    assert.equal(perCall.amount, '0.03');
    assert.equal(perCall.units, '30000');
    const session = rows.find((row) => row.kind === 'session');
    assert.equal(session.route, info.routes.session);
    assert.equal(BigInt(session.units) + 30_000n, spentOnChain);
  });

  test('--format csv: a header with the symbol column; the paid rows sum to the chain\'s', async () => {
    const result = await clawpay(['spend', '--format', 'csv', '--since', new Date().toISOString().slice(0, 10)], env);
    assert.equal(result.code, 0, result.stderr);
    const [header, ...lines] = result.stdout.trimEnd().split('\r\n');
    assert.equal(header, SPEND_COLUMNS.join(','));
    const col = (name) => SPEND_COLUMNS.indexOf(name);
    const cells = lines.map((line) => line.split(','));
    const total = cells.filter((c) => c[col('paid')] === 'true').reduce((sum, c) => sum + BigInt(c[col('units')]), 0n);
    assert.equal(total, spentOnChain);
    assert.ok(cells.every((c) => c[col('symbol')] === 'USDC' && c[col('status')] === 'paid'));
  });

  test('the table names amounts with the symbol, the total and today\'s budget', async () => {
    const result = await clawpay(['spend'], env);
    assert.equal(result.code, 0, result.stderr);
    const total = `${(Number(spentOnChain) / 1e6).toFixed(2)} USDC`;
    assert.match(result.stdout, new RegExp(`^Spent in all: ${total.replace('.', '\\.')} in 4 paid payments; 0\\.00 USDC pending`));
    assert.match(result.stdout, /remaining of 20\.00 USDC \(CLAWPAY_MAX_PER_DAY\)/);
    assert.match(result.stdout, /paid {4}call {5}3 {6}0\.03 USDC/);
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(info.payer.privateKey.slice(2)));
  });

  test('--since tomorrow: nothing spent since then', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const result = await clawpay(['spend', '--since', tomorrow, '--format', 'jsonl'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
  });

  test('bad arguments exit 2 naming the problem; --help prints the usage', async () => {
    const format = await clawpay(['spend', '--format', 'xml'], env);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /^clawpay spend: --format must be one of table, csv, jsonl, not "xml"/);
    const since = await clawpay(['spend', '--since', '2026-02-30'], env);
    assert.equal(since.code, 2);
    assert.match(since.stderr, /--since must be a date such as 2026-12-01/);
    const help = await clawpay(['spend', '--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: clawpay spend \[--since DATE\] \[--format table\|csv\|jsonl\]/);
  });
});
