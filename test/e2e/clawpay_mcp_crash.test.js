// Issue #4: clawpay-mcp killed (-9) in the middle of a payment and started
// again on the same state directory must never pay twice for one call.
//
// The seller is our paywall in front of an Express app whose paid handler
// blocks until the test lets it go, so that clawpay-mcp dies after the
// paywall has verified and claimed the payment and while it holds the
// response. The handler is then released, the paywall settles (the money
// moves once), and a restarted clawpay-mcp is asked for the same thing again.
//
// Each case is run twice, because the restarted server settles what it left
// open from the chain at start (reconcile) in the background:
// - "the RPC is down at restart": reconcile cannot tell, the payment stays
//   open, and the identical call resends the SAME authorization;
// - "reconcile settled it first": the chain says the nonce was used and the
//   ledger records the payment as settled before the identical call arrives.
// Everything waits on events (the handler entered, the settlement recorded,
// the reconcile line on stderr, the child's exit), never on sleeps.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import express from 'express';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

import { ReceiptLedger } from '../../lib/receipt_ledger.js';
import { RecordStore } from '../../lib/record_store.js';
import { PaymentLedger } from '../../lib/pay/payment_ledger.js';
import { RECORDS_FILE } from '../../lib/pay/store.js';
import { createPaywall } from '../../lib/paywall/middleware.js';
import { PER_CALL_PRICE, SESSION_PRICE, SESSION_TTL_SECONDS } from '../../lib/devnet/paywall_server.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'clawpay-mcp.js');
const TX_HASH = /^0x[0-9a-f]{64}$/;

/** A receipt ledger that tells when a payment for a resource is settled. */
class WatchedReceiptLedger extends ReceiptLedger {
  #events = new EventEmitter();

  settle(paymentId, options) {
    const receipt = super.settle(paymentId, options);
    this.#events.emit('settled', receipt);
    return receipt;
  }

  /** Resolves with the settled receipt for `resource` (at once if there is one already). */
  settlementOf(resource) {
    const known = this.list().find((r) => r.resource === resource && r.status === 'settled');
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const listener = (receipt) => {
        if (receipt.resource !== resource) return;
        this.#events.off('settled', listener);
        resolve(receipt);
      };
      this.#events.on('settled', listener);
    });
  }
}

function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

describe('clawpay-mcp killed (-9) in the middle of a payment, then restarted: nothing is paid twice', { timeout: 600_000 }, () => {
  let world;
  let info;
  let ledger;
  let seller;
  let paywall;
  let sellerUrl;
  let deadRpcUrl;
  const stateDirs = [];
  const children = [];
  // path -> {entered, release}: the next paid request to that path waits in its handler.
  const gates = new Map();

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const balances = async () => [await balance(info.payer.address), await balance(info.payTo)];

  /** The next paid request to `path` is held in its handler until release(). */
  function holdNext(path) {
    const gate = { entered: deferred(), released: deferred() };
    gates.set(path, gate);
    return { entered: gate.entered.promise, release: () => gate.released.resolve() };
  }

  async function handler(req, res) {
    const gate = gates.get(req.path);
    if (gate) {
      // Only the first request is held: a second purchase (the bug this file
      // looks for) must not hang the test.
      gates.delete(req.path);
      gate.entered.resolve();
      await gate.released.promise;
    }
    res.json({ report: `held report for ${req.path}`, session: req.clawpay?.session?.sessionId ?? null });
  }

  function newStateDir() {
    const dir = mkdtempSync(join(tmpdir(), 'clawpay-mcp-crash-'));
    stateDirs.push(dir);
    return dir;
  }

  /** clawpay-mcp over stdio with the official client; resolves once connected. */
  async function launch(stateDir, extraEnv = {}) {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN],
      env: { ...info.mcpEnv, CLAWPAY_STATE_DIR: stateDir, PATH: process.env.PATH, HOME: stateDir, ...extraEnv },
      stderr: 'pipe',
      cwd: ROOT,
    });
    let stderr = '';
    const lines = new EventEmitter();
    transport.stderr.on('data', (chunk) => {
      stderr += chunk;
      lines.emit('data');
    });
    const client = new Client({ name: 'clawpay-mcp-crash-test', version: '1.0.0' });
    await client.connect(transport);
    // The client installs its own onclose (it fails the calls under way); ours runs after it.
    const theirs = transport.onclose;
    const exited = new Promise((resolve) => {
      transport.onclose = () => {
        theirs?.();
        resolve();
      };
    });
    const child = {
      client,
      pid: transport.pid,
      stderr: () => stderr,
      exited,
      /** Resolves with the match once stderr matches `pattern`. */
      waitForStderr(pattern) {
        return new Promise((resolve) => {
          const check = () => {
            const match = pattern.exec(stderr);
            if (!match) return;
            lines.off('data', check);
            resolve(match);
          };
          lines.on('data', check);
          check();
        });
      },
    };
    children.push(child);
    return child;
  }

  async function kill9(child) {
    process.kill(child.pid, 'SIGKILL');
    await child.exited;
    await child.client.close().catch(() => {});
  }

  /** The restarted server's verdict on what the crash left open (its reconcile line on stderr). */
  const reconciled = (child) => child.waitForStderr(/earlier payments: (\d+) settled, (\d+) not paid, (\d+) still open/);

  /** The payer's ledger in a state directory, as another process sees it. */
  function payerRecords(stateDir, url) {
    const store = new RecordStore({ path: join(stateDir, RECORDS_FILE) });
    try {
      return new PaymentLedger({ store }).list().filter((record) => record.url === url);
    } finally {
      store.close();
    }
  }

  const receiptsFor = (url) => ledger.list().filter((receipt) => receipt.resource === url);

  /**
   * Starts a paid call with clawpay-mcp, waits until the paywall has verified
   * and claimed the payment (the handler runs), kills clawpay-mcp with -9,
   * lets the handler finish and waits for the settlement.
   */
  async function killMidPayment({ stateDir, tool, args, path, url }) {
    const first = await launch(stateDir);
    const gate = holdNext(path);
    const call = first.client.callTool({ name: tool, arguments: args });
    const outcome = call.then((result) => ({ result }), (error) => ({ error }));
    await gate.entered;
    await kill9(first);
    const lost = await outcome;
    assert.ok(lost.error, `the killed call has no result: ${JSON.stringify(lost.result)}`);
    // The payment is pending in the payer's ledger: sent once, outcome unknown.
    const [pending] = payerRecords(stateDir, url);
    assert.equal(pending.state, 'sent');
    assert.equal(pending.attempts, 1);
    const settlement = ledger.settlementOf(url);
    gate.release();
    const receipt = await settlement;
    assert.match(receipt.transaction, TX_HASH);
    return { receipt, pending };
  }

  /** Our paywall on the world's facilitator and chain, recording into `ledger`. */
  async function newPaywall() {
    const price = (amount) => ({
      amount,
      asset: world.token.address,
      network: world.chain.network,
      payTo: world.payTo,
      name: world.token.name,
      version: world.token.version,
      decimals: world.token.decimals,
    });
    return createPaywall({
      facilitatorUrl: world.facilitator.url,
      ledger,
      v1Names: world.v1Names,
      publicUrl: () => sellerUrl,
      routes: {
        'GET /held/*': { price: price(PER_CALL_PRICE), description: 'A report the test holds back, 0.01 USDC per call' },
        'GET /held-sessions/*': {
          price: price(PER_CALL_PRICE),
          session: { price: SESSION_PRICE, maxTtlSeconds: SESSION_TTL_SECONDS },
          description: 'Held reports: 0.01 USDC per call, or 0.05 USDC for an hour',
        },
      },
    });
  }

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    ledger = new WatchedReceiptLedger();
    paywall = await newPaywall();
    const app = express();
    // The paywall of the moment: a test may restart it (its memory of served responses goes).
    app.use((req, res, next) => paywall.middleware(req, res, next));
    app.get('/held/:name', handler);
    app.get('/held-sessions/:name', handler);
    seller = await new Promise((resolve, reject) => {
      const server = app.listen(0, '127.0.0.1', (error) => (error ? reject(error) : resolve(server)));
    });
    sellerUrl = `http://127.0.0.1:${seller.address().port}`;
    // An RPC URL nobody answers: a restart that cannot ask the chain.
    const gone = createServer();
    gone.listen(0, '127.0.0.1');
    await once(gone, 'listening');
    deadRpcUrl = `http://127.0.0.1:${gone.address().port}`;
    gone.close();
    await once(gone, 'close');
  });

  after(async () => {
    for (const child of children) await child.client.close().catch(() => {});
    if (seller) {
      seller.closeAllConnections();
      await new Promise((resolve) => seller.close(resolve));
    }
    ledger?.close();
    await world?.stop();
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
  });

  test('x402_pay, killed while the paywall holds the response; restarted with the RPC down: the same authorization is resent, ' +
    'the paywall replays the response, the money moved once', async () => {
    const stateDir = newStateDir();
    const path = '/held/replayed';
    const url = `${sellerUrl}${path}`;
    const before = await balances();

    const { receipt, pending } = await killMidPayment({ stateDir, tool: 'x402_pay', args: { url }, path, url });
    assert.deepEqual(await balances(), [before[0] - PER_CALL_PRICE, before[1] + PER_CALL_PRICE], 'settled once');

    const second = await launch(stateDir, { RPC_URL: deadRpcUrl });
    const [, settledCount, , openCount] = await reconciled(second);
    assert.deepEqual([settledCount, openCount], ['0', '1'], 'the chain could not be asked: still open');

    const result = await second.client.callTool({ name: 'x402_pay', arguments: { url } });
    assert.notEqual(result.isError, true, result.content[0].text);
    const out = result.structuredContent;
    assert.equal(out.status, 200);
    assert.deepEqual(JSON.parse(out.body), { report: `held report for ${path}`, session: null }, 'the response the payment bought');
    assert.equal(out.payment.status, 'settled');
    assert.equal(out.payment.amount, String(PER_CALL_PRICE));
    assert.equal(out.payment.transaction, receipt.transaction, 'the first settlement, not a new one');
    assert.match(result.content[0].text, new RegExp(receipt.transaction));

    assert.deepEqual(await balances(), [before[0] - PER_CALL_PRICE, before[1] + PER_CALL_PRICE], 'no second payment');
    assert.equal(receiptsFor(url).length, 1, 'one payment reached the paywall');
    const records = payerRecords(stateDir, url);
    assert.equal(records.length, 1, 'one authorization signed');
    assert.equal(records[0].paymentId, pending.paymentId);
    assert.equal(records[0].nonce, pending.nonce);
    assert.equal(records[0].state, 'settled');
    assert.equal(records[0].attempts, 2, 'sent again, not signed again');
    assert.equal(records[0].transaction, receipt.transaction);
  });

  test('x402_pay, killed while the paywall holds the response; restarted, reconcile settles it from the chain first: ' +
    'the same call does not pay again', async () => {
    const stateDir = newStateDir();
    const path = '/held/reconciled';
    const url = `${sellerUrl}${path}`;
    const before = await balances();

    const { receipt, pending } = await killMidPayment({ stateDir, tool: 'x402_pay', args: { url }, path, url });
    assert.deepEqual(await balances(), [before[0] - PER_CALL_PRICE, before[1] + PER_CALL_PRICE], 'settled once');

    const second = await launch(stateDir);
    const [, settledCount, , openCount] = await reconciled(second);
    assert.deepEqual([settledCount, openCount], ['1', '0'], 'the chain says the nonce was used');
    const [reconciledRecord] = payerRecords(stateDir, url);
    assert.equal(reconciledRecord.state, 'settled');
    assert.equal(reconciledRecord.transaction, receipt.transaction, 'the hash found on chain');

    const result = await second.client.callTool({ name: 'x402_pay', arguments: { url } });
    const out = result.structuredContent;
    // Whatever else the result says, the money moved once.
    assert.deepEqual(await balances(), [before[0] - PER_CALL_PRICE, before[1] + PER_CALL_PRICE], 'no second payment');
    assert.equal(receiptsFor(url).length, 1, 'one payment reached the paywall');
    const records = payerRecords(stateDir, url);
    assert.equal(records.length, 1, 'one authorization signed');
    assert.equal(records[0].paymentId, pending.paymentId);
    // And the result tells the truth: the earlier payment, with its hash, and
    // the response it bought (the paywall still holds it).
    assert.notEqual(result.isError, true, result.content[0].text);
    assert.equal(out.status, 200);
    assert.equal(out.payment.transaction, receipt.transaction);
    assert.deepEqual(JSON.parse(out.body), { report: `held report for ${path}`, session: null });
  });

  test('x402_session_start, killed while the paywall holds the response; restarted with the RPC down: the session is made ' +
    'from the one settled purchase, and it works', async () => {
    const stateDir = newStateDir();
    const path = '/held-sessions/replayed';
    const url = `${sellerUrl}${path}`;
    const before = await balances();

    const { receipt } = await killMidPayment({ stateDir, tool: 'x402_session_start', args: { endpoint: url, label: 'crash' }, path, url });
    assert.equal(receipt.kind, 'session');
    assert.equal(receipt.amount, String(SESSION_PRICE));
    assert.deepEqual(await balances(), [before[0] - SESSION_PRICE, before[1] + SESSION_PRICE], 'settled once');

    const second = await launch(stateDir, { RPC_URL: deadRpcUrl });
    const [, settledCount, , openCount] = await reconciled(second);
    assert.deepEqual([settledCount, openCount], ['0', '1']);

    const result = await second.client.callTool({ name: 'x402_session_start', arguments: { endpoint: url, label: 'crash' } });
    assert.notEqual(result.isError, true, result.content[0].text);
    const out = result.structuredContent;
    assert.equal(out.payment.transaction, receipt.transaction, 'the session rests on the first settlement');
    assert.equal(out.payment.amount, String(SESSION_PRICE));
    assert.equal(out.session.paymentTxHash, receipt.transaction);
    assert.equal(JSON.parse(out.body).report, `held report for ${path}`);
    assert.deepEqual(await balances(), [before[0] - SESSION_PRICE, before[1] + SESSION_PRICE], 'no second payment');
    assert.equal(receiptsFor(url).length, 1);
    assert.equal(payerRecords(stateDir, url).length, 1, 'one authorization signed');

    // The session is honoured by the paywall, and costs nothing more.
    const fetched = await second.client.callTool({
      name: 'x402_session_fetch', arguments: { session_id: out.sessionId, url: `${url}?after=restart` },
    });
    assert.notEqual(fetched.isError, true, fetched.content[0].text);
    assert.equal(fetched.structuredContent.status, 200);
    assert.equal(JSON.parse(fetched.structuredContent.body).session, out.sessionId);
    assert.deepEqual(await balances(), [before[0] - SESSION_PRICE, before[1] + SESSION_PRICE]);
  });

  test('x402_session_start, killed while the paywall holds the response; restarted, reconcile settles it from the chain ' +
    'first: the session is not bought twice', async () => {
    const stateDir = newStateDir();
    const path = '/held-sessions/reconciled';
    const url = `${sellerUrl}${path}`;
    const before = await balances();

    const { receipt } = await killMidPayment({ stateDir, tool: 'x402_session_start', args: { endpoint: url }, path, url });
    assert.deepEqual(await balances(), [before[0] - SESSION_PRICE, before[1] + SESSION_PRICE], 'settled once');

    const second = await launch(stateDir);
    const [, settledCount, , openCount] = await reconciled(second);
    assert.deepEqual([settledCount, openCount], ['1', '0']);

    const result = await second.client.callTool({ name: 'x402_session_start', arguments: { endpoint: url } });
    assert.deepEqual(await balances(), [before[0] - SESSION_PRICE, before[1] + SESSION_PRICE], 'no second payment');
    assert.equal(receiptsFor(url).length, 1, 'one payment reached the paywall');
    assert.equal(payerRecords(stateDir, url).length, 1, 'one authorization signed');
    assert.notEqual(result.isError, true, result.content[0].text);
    assert.equal(result.structuredContent.session.paymentTxHash, receipt.transaction);
  });
  test('x402_pay, killed while the paywall holds the response; the seller restarts too (the stored response is gone): ' +
    'the resent authorization gets 409 payment_already_used with the original settlement, and nothing is paid twice', async () => {
    const stateDir = newStateDir();
    const path = '/held/seller-restarted';
    const url = `${sellerUrl}${path}`;
    const before = await balances();

    const { receipt } = await killMidPayment({ stateDir, tool: 'x402_pay', args: { url }, path, url });
    paywall = await newPaywall(); // same receipt ledger, no memory of the served response
    const second = await launch(stateDir, { RPC_URL: deadRpcUrl });
    const [, settledCount, , openCount] = await reconciled(second);
    assert.deepEqual([settledCount, openCount], ['0', '1']);

    const result = await second.client.callTool({ name: 'x402_pay', arguments: { url } });
    const out = result.structuredContent;
    assert.deepEqual(await balances(), [before[0] - PER_CALL_PRICE, before[1] + PER_CALL_PRICE], 'no second payment');
    assert.equal(receiptsFor(url).length, 1);
    const records = payerRecords(stateDir, url);
    assert.equal(records.length, 1, 'one authorization signed');
    assert.equal(records[0].attempts, 2, 'sent again, not signed again');
    // What the result says: the seller's 409 and why, beside the one payment and its hash.
    assert.equal(out.status, 409);
    assert.equal(JSON.parse(out.body).error, 'payment_already_used');
    assert.equal(out.payment.status, 'settled');
    assert.equal(out.payment.transaction, receipt.transaction);
    assert.match(result.content[0].text, /409 Conflict/);
    assert.match(result.content[0].text, new RegExp(receipt.transaction));
  });

  test('x402_session_start, killed while the paywall holds the response; the seller restarts too: the 409 carries the ' +
    'settled session purchase, and the session is made from it (the seller honours it)', async () => {
    const stateDir = newStateDir();
    const path = '/held-sessions/seller-restarted';
    const url = `${sellerUrl}${path}`;
    const before = await balances();

    const { receipt } = await killMidPayment({ stateDir, tool: 'x402_session_start', args: { endpoint: url }, path, url });
    paywall = await newPaywall();
    const second = await launch(stateDir, { RPC_URL: deadRpcUrl });
    const [, settledCount, , openCount] = await reconciled(second);
    assert.deepEqual([settledCount, openCount], ['0', '1']);

    const result = await second.client.callTool({ name: 'x402_session_start', arguments: { endpoint: url } });
    assert.deepEqual(await balances(), [before[0] - SESSION_PRICE, before[1] + SESSION_PRICE], 'no second payment');
    assert.equal(payerRecords(stateDir, url).length, 1, 'one authorization signed');
    assert.equal(result.structuredContent.payment.transaction, receipt.transaction);
    assert.notEqual(result.isError, true, result.content[0].text);
    const { sessionId, session } = result.structuredContent;
    assert.equal(session.paymentTxHash, receipt.transaction);
    const fetched = await second.client.callTool({ name: 'x402_session_fetch', arguments: { session_id: sessionId, url } });
    assert.notEqual(fetched.isError, true, fetched.content[0].text);
    assert.equal(JSON.parse(fetched.structuredContent.body).session, sessionId);
    assert.deepEqual(await balances(), [before[0] - SESSION_PRICE, before[1] + SESSION_PRICE]);
  });
});
