// `clawpay devnet` with CLAWPAY_REDIS_URL: the paid API keeps its receipts in
// that Redis (our own redis-server), and `clawpay receipts export` reads them
// back from there; CLAWPAY_REDIS_URL with --ledger is bad usage.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { decodePaymentResponseHeader } from '@x402/core/http';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { ExactEvmScheme } from '@x402/evm/exact/client';

import { Signer, toViemAccount } from '../../lib/index.js';
import { startRedisServer } from '../../lib/devnet/redis_server.js';

const BIN = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));

describe('clawpay devnet on Redis (CLAWPAY_REDIS_URL)', { timeout: 120_000 }, () => {
  let redis;
  let child;
  let info;

  before(async () => {
    redis = await startRedisServer(); // fails naming scripts/setup.sh when redis-server is absent
    child = spawn(process.execPath, [BIN, 'devnet'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CLAWPAY_REDIS_URL: redis.url } });
    const [line] = await once(createInterface({ input: child.stdout }), 'line');
    info = JSON.parse(line);
  });

  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await redis?.stop();
  });

  test('a paid call is recorded in Redis and exported from there', async () => {
    const signer = Signer.fromPrivateKey(info.payer.privateKey);
    const client = new x402Client()
      .setSpendControls({ allowedAssets: [{ network: info.network, asset: info.asset.address, maxAmountPerPayment: '10000' }] })
      .register(info.network, new ExactEvmScheme(toViemAccount(signer)));
    const res = await wrapFetchWithPayment(fetch, client)(info.routes.perCall);
    signer.destroy();
    assert.equal(res.status, 200, await res.clone().text());
    const { transaction } = decodePaymentResponseHeader(res.headers.get('payment-response'));

    const exported = spawnSync(process.execPath, [BIN, 'receipts', 'export', '--format', 'jsonl'], {
      encoding: 'utf8', env: { ...process.env, CLAWPAY_REDIS_URL: redis.url },
    });
    assert.equal(exported.status, 0, exported.stderr);
    const rows = exported.stdout.trim().split('\n').map((text) => JSON.parse(text));
    assert.deepEqual(rows.map((row) => [row.transaction, row.status, row.amount]), [[transaction.toLowerCase(), 'settled', '10000']]);
  });

  test('CLAWPAY_REDIS_URL together with --ledger is bad usage (exit 2)', () => {
    const both = spawnSync(process.execPath, [BIN, 'devnet', '--ledger', '/tmp/never.journal'], {
      encoding: 'utf8', env: { ...process.env, CLAWPAY_REDIS_URL: redis.url },
    });
    assert.equal(both.status, 2);
    assert.match(both.stderr, /--ledger or CLAWPAY_REDIS_URL, not both/);
  });
});
