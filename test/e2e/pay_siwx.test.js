// Sign-In-With-X in the paying fetch (lib/pay/sign_in.js) on the local world,
// whose paywall offers SIWX on its session route: a call first answers the
// challenge; the server lets in a wallet that bought a session there (no
// payment, nothing reserved, the balance stays put) and refuses one that did
// not (siwx_not_paid), which then pays per call from the fresh 402. Buying a
// session never signs in. clawpay-mcp's x402_pay, launched over stdio, shows
// the sign-in. Every request the payer sends is recorded.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { decodePaymentRequiredHeader, encodePaymentRequiredHeader } from '@x402/core/http';
import { SIGN_IN_WITH_X, parseSIWxHeader } from '@x402/extensions/sign-in-with-x';

import { PER_CALL_PRICE, SESSION_PRICE } from '../../lib/devnet/paywall_server.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { createPayer, loadConfig } from '../../lib/pay/index.js';
import { RecordStore } from '../../lib/record_store.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'clawpay-mcp.js');

describe('Sign-In-With-X in the paying fetch, on a local chain', { timeout: 300_000 }, () => {
  let world;
  let info;
  let dir;
  const payers = [];

  const balance = () => usdcBalance({ chain: world.chain, token: world.token, address: world.payer.address });

  /**
   * A fetch that records every request: its URL, its SIGN-IN-WITH-X and payment
   * headers, and the status and x402 error of the answer. `rewrite(response)`
   * may stand in for the server's answer.
   */
  function recordingFetch(rewrite = (response) => response) {
    const sent = [];
    const fetchFn = async (url, init) => {
      const headers = new Headers(init?.headers);
      const entry = {
        url: String(url),
        siwx: headers.get('sign-in-with-x'),
        paid: headers.has('payment-signature') || headers.has('x-payment'),
        status: null,
        error: null,
      };
      sent.push(entry);
      const response = await rewrite(await fetch(url, init), url);
      entry.status = response.status;
      if (response.status === 402) {
        entry.error = await response.clone().json().then((body) => body.error ?? null, () => null);
      }
      return response;
    };
    return { sent, fetch: fetchFn };
  }

  function payerWith(fetchFn) {
    const config = loadConfig({ ...info.mcpEnv, CLAWPAY_STATE_DIR: dir });
    const payer = createPayer({ config, store: new RecordStore(), fetch: fetchFn });
    payers.push(payer);
    return payer;
  }

  /** The server's answer with its SIWX challenge changed by `change(declaration)`. */
  const withChallenge = (change) => async (response) => {
    const header = response.headers.get('payment-required');
    if (response.status !== 402 || !header) return response;
    const paymentRequired = decodePaymentRequiredHeader(header);
    change(paymentRequired.extensions[SIGN_IN_WITH_X]);
    const headers = new Headers(response.headers);
    headers.set('payment-required', encodePaymentRequiredHeader(paymentRequired));
    return new Response(await response.arrayBuffer(), { status: response.status, headers });
  };

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    dir = mkdtempSync(join(tmpdir(), 'pay-siwx-'));
  });

  after(async () => {
    for (const payer of payers) payer.close();
    await world?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a wallet without a session: the server refuses the sign-in (siwx_not_paid) and the call is paid per call from the fresh 402', async () => {
    const { sent, fetch } = recordingFetch();
    const payer = payerWith(fetch);
    const before = await balance();
    const result = await payer.fetch(info.routes.session);
    assert.equal(result.status, 200, result.body);
    assert.equal(result.signedIn, null);
    assert.equal(result.payment.status, 'settled');
    assert.equal(result.payment.kind, 'call');
    assert.equal(result.payment.amount, PER_CALL_PRICE.toString());
    assert.equal(await balance(), before - PER_CALL_PRICE);

    // Exactly one sign-in, then one payment, never both in one request.
    assert.deepEqual(sent.map((s) => [Boolean(s.siwx), s.paid, s.status, s.error]), [
      [false, false, 402, 'payment_required'],
      [true, false, 402, 'siwx_not_paid'],
      [false, true, 200, null],
    ]);
    const signed = parseSIWxHeader(sent[1].siwx);
    assert.equal(signed.address, payer.address);
    assert.equal(signed.chainId, info.network);
    assert.equal(signed.type, 'eip191');
    assert.equal(signed.domain, new URL(info.paidApiUrl).host);
    // What was paid is the fresh 402, whose challenge is not the one answered.
    assert.equal(result.paymentRequired.error, 'siwx_not_paid');
    assert.notEqual(result.paymentRequired.extensions[SIGN_IN_WITH_X].info.nonce, signed.nonce);
  });

  test('buying a session never signs in: purpose "session" pays the 0.05 session offer', async () => {
    const { sent, fetch } = recordingFetch();
    const payer = payerWith(fetch);
    const before = await balance();
    const result = await payer.fetch(info.routes.session, { purpose: 'session' });
    assert.equal(result.status, 200, result.body);
    assert.equal(result.signedIn, null);
    assert.equal(result.payment.kind, 'session');
    assert.equal(result.payment.amount, SESSION_PRICE.toString());
    assert.equal(await balance(), before - SESSION_PRICE);
    assert.equal(sent.length, 2);
    assert.ok(sent.every((s) => s.siwx === null), 'no SIGN-IN-WITH-X header was sent');
  });

  test('the wallet that bought the session signs in for a call: 200, no payment, nothing reserved, the balance unchanged', async () => {
    const { sent, fetch } = recordingFetch();
    const payer = payerWith(fetch);
    const before = await balance();
    const result = await payer.fetch(`${info.routes.session}?x=1`, { purpose: 'call' });
    assert.equal(result.status, 200, result.body);
    assert.equal(JSON.parse(result.body).topic, 'forecast');
    assert.equal(result.payment, null);
    assert.deepEqual(result.signedIn, { address: payer.address, chainId: info.network });
    assert.equal(result.paymentRequired.extensions[SIGN_IN_WITH_X].info.uri, `${info.routes.session}?x=1`);
    assert.equal(await balance(), before);
    assert.equal(payer.ledger.list().length, 0, 'nothing recorded');
    assert.equal(payer.policy.spent(), 0n, 'nothing reserved');
    assert.deepEqual(sent.map((s) => [Boolean(s.siwx), s.paid, s.status]), [[false, false, 402], [true, false, 200]]);
  });

  test('pay: false neither pays nor signs in', async () => {
    const { sent, fetch } = recordingFetch();
    const payer = payerWith(fetch);
    const result = await payer.fetch(info.routes.session, { pay: false });
    assert.equal(result.status, 402);
    assert.equal(result.signedIn, null);
    assert.ok(result.paymentRequired.extensions[SIGN_IN_WITH_X]);
    assert.deepEqual(sent.map((s) => [s.siwx, s.paid]), [[null, false]]);
  });

  test('a challenge that cannot be answered is skipped and the call paid as before: another host, no allowed chain, no nonce', async () => {
    const changes = {
      'another host': (d) => { d.info.domain = 'evil.example'; },
      'another origin in uri': (d) => { d.info.uri = 'https://evil.example/session/forecast'; },
      'no chain the policy allows': (d) => { d.supportedChains = [{ chainId: 'eip155:8453', type: 'eip191' }]; },
      'no eip191 chain': (d) => { d.supportedChains = d.supportedChains.map((c) => ({ ...c, type: 'ed25519' })); },
      'no nonce': (d) => { delete d.info.nonce; },
      'not an object': (d) => { d.info = 'sign here'; },
    };
    for (const [name, change] of Object.entries(changes)) {
      const { sent, fetch } = recordingFetch(withChallenge(change));
      const payer = payerWith(fetch);
      const before = await balance();
      const result = await payer.fetch(`${info.routes.session}?case=${encodeURIComponent(name)}`);
      assert.equal(result.status, 200, `${name}: ${result.body}`);
      assert.equal(result.signedIn, null, name);
      assert.equal(result.payment.amount, PER_CALL_PRICE.toString(), name);
      assert.equal(await balance(), before - PER_CALL_PRICE, name);
      assert.ok(sent.every((s) => s.siwx === null), `${name}: no SIGN-IN-WITH-X header was sent`);
    }
  });

  test('a 402 reached by way of another origin is paid, never signed in to', async () => {
    // 127.0.0.1 → localhost → back to 127.0.0.1, by redirects the fetch makes up.
    const port = new URL(info.paidApiUrl).port;
    const target = `${info.routes.session}?bounced=1`;
    const { sent, fetch } = recordingFetch();
    const bouncing = (url, init) => {
      const where = new URL(url);
      if (where.pathname === '/bounce-out') return Promise.resolve(new Response(null, { status: 302, headers: { location: `http://localhost:${port}/bounce-back` } }));
      if (where.hostname === 'localhost') return Promise.resolve(new Response(null, { status: 302, headers: { location: target } }));
      return fetch(url, init);
    };
    const payer = payerWith(bouncing);
    const before = await balance();
    const result = await payer.fetch(`${info.paidApiUrl}/bounce-out`);
    assert.equal(result.status, 200, result.body);
    assert.equal(result.signedIn, null);
    assert.equal(result.payment.amount, PER_CALL_PRICE.toString());
    assert.equal(await balance(), before - PER_CALL_PRICE);
    assert.ok(sent.length >= 2);
    assert.ok(sent.every((s) => s.siwx === null), 'no SIGN-IN-WITH-X header was sent');
  });

  test("clawpay-mcp's x402_pay signs in with SIWX and says so; nothing is paid", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN],
      env: { ...info.mcpEnv, CLAWPAY_STATE_DIR: join(dir, 'mcp'), PATH: process.env.PATH, HOME: dir },
      stderr: 'pipe',
      cwd: ROOT,
    });
    let stderr = '';
    transport.stderr.on('data', (chunk) => { stderr += chunk; });
    const client = new Client({ name: 'pay-siwx-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const before = await balance();
      const result = await client.callTool({ name: 'x402_pay', arguments: { url: `${info.routes.session}?via=mcp` } });
      assert.notEqual(result.isError, true, result.content?.[0]?.text);
      const out = result.structuredContent;
      assert.equal(out.status, 200);
      assert.equal(out.payment, null);
      assert.equal(out.session, null);
      assert.deepEqual(out.signedIn, { address: info.payer.address, chainId: info.network });
      assert.equal(JSON.parse(out.body).topic, 'forecast');
      const text = result.content[0].text;
      assert.match(text, new RegExp(`Signed in with SIWX as ${info.payer.address}; no payment`));
      assert.doesNotMatch(text, /Payment Made|No payment required/);
      assert.equal(await balance(), before);
      assert.match(stderr, /signed in with SIWX/);
    } finally {
      await client.close();
    }
  });
});
