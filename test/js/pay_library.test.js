// clawpay-native/pay's createPayer at its edges: options checked by
// clawpay-mcp's rules with codes, one key with one owner, Responses from a
// real loopback server, and startSession / Session failures as codes.
// (Paying on a real chain: test/e2e/pay_library.test.js.)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createPayer, ConfigError, PayError, loadConfig } from 'clawpay-native/pay';
import { Signer } from 'clawpay-native';

// A fresh key per run: no key is written in the source.
const KEY = `0x${randomBytes(32).toString('hex')}`;
const ASSET = { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', name: 'USD Coin', version: '2', decimals: 6, symbol: 'USDC' };
const base = { chainId: 31337, rpcUrl: 'http://127.0.0.1:9', asset: ASSET, memory: true };

describe('clawpay-native/pay createPayer', () => {
  let server;
  let url;
  const dirs = [];
  before(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-seen-session', req.headers['x-session-token'] ? 'yes' : 'no');
      res.end(JSON.stringify({ free: true, path: req.url }));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${server.address().port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('fetch of a free URL is a real Response with payment null, and nothing is spent', async () => {
    const payer = await createPayer({ ...base, privateKey: KEY });
    try {
      const res = await payer.fetch(`${url}/free?x=1`);
      assert.ok(res instanceof Response);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(await res.json(), { free: true, path: '/free?x=1' });
      assert.equal(res.payment, null);
      assert.equal(res.session, null);
      const spend = await payer.spend();
      assert.equal(spend.total, 0n);
      assert.equal(spend.formatted, '0.00 USDC');
      assert.deepEqual(payer.payments(), []);
      assert.deepEqual(payer.sessions(), []);
    } finally {
      await payer.close();
    }
  });

  test('a bad option is a ConfigError naming the variable it stands for; unknown options are refused', async () => {
    await assert.rejects(createPayer({ ...base, privateKey: KEY, chainId: -1 }), (error) => error instanceof ConfigError && error.variable === 'CHAIN_ID');
    await assert.rejects(createPayer({ ...base, privateKey: KEY, policy: { maxPerCall: 'lots' } }),
      (error) => error.code === 'ERR_CONFIG' && error.problems.some((p) => p.variable === 'CLAWPAY_MAX_PER_CALL'));
    await assert.rejects(createPayer({ ...base, privateKey: KEY, colour: 'blue' }), { code: 'ERR_INVALID_ARG_VALUE', message: /colour/ });
    await assert.rejects(createPayer({ ...base, privateKey: KEY, policy: { maxPerWeek: '1' } }), { code: 'ERR_INVALID_ARG_VALUE', message: /maxPerWeek/ });
    await assert.rejects(createPayer({ ...base, memory: false, privateKey: KEY }), { code: 'ERR_INVALID_ARG_VALUE', message: /stateDir/ });
  });

  test('a bad private key is refused without echoing it', async () => {
    const bad = `0x${'f'.repeat(64)}`;
    await assert.rejects(createPayer({ ...base, privateKey: bad }), (error) => {
      assert.equal(error.variable, 'AGENT_PRIVATE_KEY');
      assert.ok(!error.message.includes('f'.repeat(64)), error.message);
      return true;
    });
  });

  test('a Signer is shared, not copied: the payer signs as it and leaves it alive on close; a key and a signer together are refused', async () => {
    const signer = Signer.generate();
    try {
      const payer = await createPayer({ ...base, signer });
      assert.equal(payer.address, signer.address);
      assert.equal(payer.walletAddress, signer.address);
      await payer.close();
      assert.equal(signer.destroyed, false);
      await assert.rejects(createPayer({ ...base, signer, privateKey: KEY }), { code: 'ERR_INVALID_ARG_VALUE' });
      await assert.rejects(createPayer({ ...base, signer: {} }), { code: 'ERR_INVALID_ARG_TYPE' });
    } finally {
      signer.destroy();
    }
  });

  test('loadConfig with a signer: the signer is the agent, and a key beside it is refused (one key, one owner)', () => {
    const signer = Signer.generate();
    try {
      const env = { CHAIN_ID: '31337', RPC_URL: 'http://127.0.0.1:9', CLAWPAY_STATE_DIR: '/tmp/x', CLAWPAY_ASSET_ADDRESS: ASSET.address,
        CLAWPAY_ASSET_NAME: ASSET.name, CLAWPAY_ASSET_VERSION: ASSET.version, CLAWPAY_ASSET_DECIMALS: '6' };
      const config = loadConfig(env, { signer });
      assert.equal(config.agentAddress, signer.address);
      assert.equal(config.walletMode, 'key');
      assert.equal(config.privateKey, undefined);
      assert.throws(() => loadConfig({ ...env, AGENT_PRIVATE_KEY: KEY }, { signer }), (error) => {
        assert.equal(error.variable, 'AGENT_PRIVATE_KEY');
        assert.ok(!error.message.includes(KEY.slice(2)));
        return true;
      });
    } finally {
      signer.destroy();
    }
  });

  test('policy limits as bigint base units are the same limits as text in asset units', async () => {
    const a = await createPayer({ ...base, privateKey: KEY, policy: { maxPerDay: 2_500_000n } });
    const b = await createPayer({ ...base, privateKey: KEY, policy: { maxPerDay: '2.50' } });
    try {
      assert.equal((await a.spend()).today.limit, 2_500_000n);
      assert.equal((await b.spend()).today.limit, 2_500_000n);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('fromEnv reads clawpay-mcp\'s variables and keeps its state in CLAWPAY_STATE_DIR', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'clawpay-pay-env-'));
    dirs.push(stateDir);
    const payer = await createPayer.fromEnv({
      AGENT_PRIVATE_KEY: KEY, CHAIN_ID: '31337', RPC_URL: 'http://127.0.0.1:9', CLAWPAY_STATE_DIR: stateDir,
      CLAWPAY_ASSET_ADDRESS: ASSET.address, CLAWPAY_ASSET_NAME: ASSET.name, CLAWPAY_ASSET_VERSION: ASSET.version, CLAWPAY_ASSET_DECIMALS: '6',
      CLAWPAY_MAX_PER_DAY: '3.00',
    });
    try {
      assert.equal(payer.network, 'eip155:31337');
      assert.equal((await payer.spend()).today.limit, 3_000_000n);
    } finally {
      await payer.close();
    }
    await assert.rejects(createPayer.fromEnv({}), { code: 'ERR_CONFIG' });
  });

  test('startSession: bad arguments are refused before anything is sent; an endpoint that asks no payment sells no session', async () => {
    const payer = await createPayer({ ...base, privateKey: KEY });
    try {
      await assert.rejects(payer.startSession('ftp://x.example/'), { code: 'ERR_INVALID_ARG_VALUE', message: /endpoint/ });
      await assert.rejects(payer.startSession(`${url}/a/../b`), { code: 'ERR_INVALID_ARG_VALUE' });
      await assert.rejects(payer.startSession(`${url}/s`, { scope: 'everything' }), { code: 'ERR_INVALID_ARG_VALUE', message: /scope/ });
      await assert.rejects(payer.startSession(`${url}/s`, { ttlSeconds: 59 }), { code: 'ERR_INVALID_ARG_VALUE', message: /ttlSeconds/ });
      await assert.rejects(payer.startSession(`${url}/s`, { maxPayment: 0.05 }), { code: 'ERR_INVALID_ARG_VALUE', message: /maxPayment/ });
      await assert.rejects(payer.startSession(`${url}/s`, { label: `k ${'a'.repeat(64)}` }), (error) => {
        assert.equal(error.code, 'ERR_INVALID_ARG_VALUE');
        assert.ok(!error.message.includes('a'.repeat(64)));
        return true;
      });
      await assert.rejects(payer.startSession(`${url}/s`), (error) => {
        assert.ok(error instanceof PayError);
        assert.equal(error.code, 'ERR_SESSION_NOT_SOLD');
        assert.equal(error.response.status, 200);
        return true;
      });
      assert.deepEqual(payer.sessions(), []);
      assert.equal(payer.session('00000000-0000-4000-8000-000000000000'), null);
    } finally {
      await payer.close();
    }
  });

  test('fetch init fields it does not support (an AbortSignal, a redirect mode) are refused, not ignored; nothing is sent', async () => {
    const payer = await createPayer({ ...base, privateKey: KEY });
    try {
      await assert.rejects(payer.fetch(`${url}/x`, { signal: AbortSignal.timeout(1000) }), { code: 'ERR_INVALID_ARG_VALUE', message: /signal/ });
      await assert.rejects(payer.fetch(`${url}/x`, { redirect: 'manual' }), { code: 'ERR_INVALID_ARG_VALUE', message: /redirect/ });
      await assert.rejects(payer.startSession(`${url}/s`, { useSession: false }), { code: 'ERR_INVALID_ARG_VALUE', message: /useSession/ });
      assert.equal((await payer.fetch(`${url}/x`, { method: 'GET', timeoutMs: 5000, useSession: false })).status, 200);
    } finally {
      await payer.close();
    }
  });

  test('a closed payer refuses work with ERR_CLOSED', async () => {
    const payer = await createPayer({ ...base, privateKey: KEY });
    await payer.close();
    await assert.rejects(payer.fetch(url), { code: 'ERR_CLOSED' });
    assert.throws(() => payer.sessions(), { code: 'ERR_CLOSED' });
    await payer.close(); // twice is fine
  });

  test('no answer rejects with a code, like fetch', async () => {
    const payer = await createPayer({ ...base, privateKey: KEY });
    try {
      await assert.rejects(payer.fetch('http://127.0.0.1:9/x', { timeoutMs: 2000 }), (error) => error instanceof PayError && /^ERR_/.test(error.code));
    } finally {
      await payer.close();
    }
  });
});
