// Issue #12: sessions against every x402 server that sells re-entry, and
// never a dead session. The peer is the official @x402/express server with
// createSIWxResourceServerExtension on the devnet's chain
// (lib/devnet/siwx_server.js, official packages only), beside our own paywall. Driven
// through clawpay-mcp over stdio with the official MCP client, and through
// clawpay-native/pay. Money is checked on chain, to the base unit.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { SESSION_PRICE } from '../../lib/devnet/paywall_server.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { createPayer } from '../../lib/pay/public.js';
import { launchClawpay } from './support/clawpay_child.js';
import { SIWX_ROUTE_PRICE, startSiwxServer } from '../../lib/devnet/siwx_server.js';

const FETCHES = 20;

describe('session kinds: clawpay, siwx, none', { timeout: 300_000 }, () => {
  let world;
  let info;
  let seller;
  const dirs = [];
  const children = [];

  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawpay-kinds-'));
    dirs.push(dir);
    return dir;
  };
  const balances = async () => Promise.all([world.payer.address, world.payTo].map((address) => usdcBalance({ chain: world.chain, token: world.token, address })));
  const launch = async (stateDir) => {
    const child = await launchClawpay({ ...info.mcpEnv, CLAWPAY_STATE_DIR: stateDir, HOME: stateDir });
    children.push(child);
    return child;
  };

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    seller = await startSiwxServer({ chain: world.chain, token: world.token, facilitatorUrl: world.facilitator.url, payTo: world.payTo });
  });

  after(async () => {
    for (const child of children) await child.close().catch(() => {});
    await seller?.stop();
    await world?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('through clawpay-mcp over stdio', () => {
    let stateDir;
    let mcp;
    let siwxId;

    before(async () => {
      stateDir = tempDir();
      mcp = await launch(stateDir);
    });

    test('an official route without SIWX: x402_session_start is an error result, nothing is paid, the text says what is offered', async () => {
      const before = await balances();
      const result = await mcp.callFails('x402_session_start', { endpoint: seller.routes.plain }, 'session_not_offered');
      const text = result.content[0].text;
      assert.match(text, /0\.02 USD Coin \(20000 base units\) per call/);
      assert.match(text, /scheme "exact"/);
      assert.match(text, /x402_pay/);
      assert.match(text, /Nothing was paid/);
      assert.deepEqual(result.structuredContent.offered.schemes, ['exact']);
      assert.equal(result.structuredContent.offered.offers[0].amount, String(SIWX_ROUTE_PRICE));
      assert.equal(result.structuredContent.payment, null);
      assert.deepEqual(await balances(), before);
      assert.equal(seller.state.handled.plain, 0);
    });

    test('an official SIWX route: start pays the price once; 20 x402_session_fetch calls answer 200 and move no money; the handler ran 21 times', async () => {
      const [payer0, payTo0] = await balances();
      const started = await mcp.callOk('x402_session_start', { endpoint: seller.routes.siwx, label: 'report' });
      const out = started.structuredContent;
      siwxId = out.sessionId;
      assert.equal(out.session.kind, 'siwx');
      assert.equal(out.session.state, 'active');
      assert.equal(out.payment.amount, String(SIWX_ROUTE_PRICE));
      assert.match(started.content[0].text, /Kind: +siwx/);
      const [payer1, payTo1] = await balances();
      assert.equal(payer0 - payer1, SIWX_ROUTE_PRICE);
      assert.equal(payTo1 - payTo0, SIWX_ROUTE_PRICE);

      for (let i = 1; i <= FETCHES; i += 1) {
        const result = await mcp.callOk('x402_session_fetch', { session_id: siwxId, url: seller.routes.siwx });
        assert.equal(result.structuredContent.status, 200);
        assert.equal(result.structuredContent.payment, null);
        assert.equal(result.structuredContent.callCount, i);
        assert.match(result.content[0].text, /No payment - signed in with SIWX/);
      }
      assert.deepEqual(await balances(), [payer1, payTo1]);
      assert.equal(seller.state.handled.siwx, FETCHES + 1);
      const status = (await mcp.callOk('x402_session_status', { session_id: siwxId })).structuredContent.session;
      assert.equal(status.kind, 'siwx');
      assert.equal(status.callCount, FETCHES);
      assert.equal(status.paymentAmount, String(SIWX_ROUTE_PRICE));
    });

    test('a server that stops honouring SIWX: the next fetch says so, pays nothing, and the session shows "refused by the server"', async () => {
      const before = await balances();
      const handled = seller.state.handled.siwx;
      seller.state.honour = false;
      try {
        const refused = await mcp.callFails('x402_session_fetch', { session_id: siwxId, url: seller.routes.siwx }, 'session_refused');
        assert.match(refused.content[0].text, /refused the session/);
        assert.match(refused.content[0].text, /Nothing was paid/);
        assert.equal(refused.structuredContent.payment, null);
        assert.equal(refused.structuredContent.session.state, 'refused');
        const status = await mcp.callOk('x402_session_status', { session_id: siwxId });
        assert.equal(status.structuredContent.session.state, 'refused');
        assert.match(status.content[0].text, /Status: +Refused by the server/);
        // Refused stays refused: the next fetch sends nothing at all.
        await mcp.callFails('x402_session_fetch', { session_id: siwxId, url: seller.routes.siwx }, 'session_refused');
      } finally {
        seller.state.honour = true;
      }
      assert.deepEqual(await balances(), before);
      assert.equal(seller.state.handled.siwx, handled);
    });

    test('our paywall: a clawpay session as today, and x402_pay prefers its token to signing in', async () => {
      const before = await balances();
      const started = (await mcp.callOk('x402_session_start', { endpoint: info.routes.session })).structuredContent;
      assert.equal(started.session.kind, 'clawpay');
      assert.equal(started.payment.amount, String(SESSION_PRICE));
      const fetched = (await mcp.callOk('x402_session_fetch', { session_id: started.sessionId, url: info.routes.session })).structuredContent;
      assert.equal(fetched.status, 200);
      assert.equal(JSON.parse(fetched.body).session, started.sessionId);
      const paid = (await mcp.callOk('x402_pay', { url: `${info.routes.session}?day=2` })).structuredContent;
      assert.equal(paid.session.sessionId, started.sessionId);
      assert.equal(paid.session.kind, 'clawpay');
      assert.equal(paid.signedIn, null);
      assert.equal(paid.payment, null);
      const [payer, payTo] = await balances();
      assert.deepEqual([before[0] - payer, payTo - before[1]], [SESSION_PRICE, SESSION_PRICE]);
      const ended = (await mcp.callOk('x402_session_end', { session_id: started.sessionId })).structuredContent;
      assert.equal(ended.kind, 'clawpay');
      assert.equal(ended.revocation.ok, true);
      assert.equal(ended.serverMayAdmit, false);
    });

    test('kill -9 between the purchase and the first fetch: the restarted server has the session and its kind; no second purchase', async () => {
      const started = (await mcp.callOk('x402_session_start', { endpoint: seller.routes.siwx })).structuredContent;
      const id = started.sessionId;
      const afterPurchase = await balances();
      // The client's onclose runs when the child's pipes close; ours after it.
      const theirs = mcp.transport.onclose;
      const exited = new Promise((resolve) => {
        mcp.transport.onclose = () => {
          theirs?.();
          resolve();
        };
      });
      process.kill(mcp.pid, 'SIGKILL');
      await exited;

      const again = await launch(stateDir);
      const status = (await again.callOk('x402_session_status', { session_id: id })).structuredContent.session;
      assert.equal(status.kind, 'siwx');
      assert.equal(status.state, 'active');
      assert.equal(status.callCount, 0);
      // The session refused before the crash is still refused.
      assert.equal((await again.callOk('x402_session_status', { session_id: siwxId })).structuredContent.session.state, 'refused');
      const fetched = (await again.callOk('x402_session_fetch', { session_id: id, url: seller.routes.siwx })).structuredContent;
      assert.equal(fetched.status, 200);
      assert.equal(fetched.payment, null);
      assert.deepEqual(await balances(), afterPurchase);

      // Ending a siwx session is honest: nothing to revoke, the server may still admit the wallet.
      const ended = await again.callOk('x402_session_end', { session_id: id });
      assert.equal(ended.structuredContent.kind, 'siwx');
      assert.equal(ended.structuredContent.revocation, null);
      assert.equal(ended.structuredContent.serverMayAdmit, true);
      assert.match(ended.content[0].text, /may still admit the wallet/);
      await again.close();

      // ...and "ended" survives a restart too.
      const third = await launch(stateDir);
      const closed = (await third.callOk('x402_session_status', { session_id: id })).structuredContent.session;
      assert.equal(closed.state, 'ended');
      assert.equal(closed.kind, 'siwx');
      assert.equal(closed.callCount, 1);
      await third.callFails('x402_session_fetch', { session_id: id, url: seller.routes.siwx }, 'session_ended');
      // The list without an id shows the closed ones too, with their state: nothing dead looks active.
      const listed = await third.callOk('x402_session_status', {});
      assert.equal(listed.structuredContent.sessions.some((s) => s.sessionId === id || s.sessionId === siwxId), false);
      const closedById = new Map(listed.structuredContent.closed.map((s) => [s.sessionId, s.state]));
      assert.equal(closedById.get(id), 'ended');
      assert.equal(closedById.get(siwxId), 'refused');
      assert.match(listed.content[0].text, /Closed Sessions/);
      assert.match(listed.content[0].text, new RegExp(`${id}  siwx  Ended`));
      assert.deepEqual(await balances(), afterPurchase);
    });
  });

  describe('through clawpay-native/pay', () => {
    let payer;

    before(async () => {
      payer = await createPayer({ privateKey: info.payer.privateKey, chainId: info.chainId, rpcUrl: info.rpcUrl, asset: info.asset, stateDir: tempDir() });
    });
    after(() => payer?.close());

    test('startSession refuses an official route without SIWX before paying: ERR_SESSION_NOT_OFFERED names the offer', async () => {
      const before = await balances();
      await assert.rejects(payer.startSession(seller.routes.plain), (error) => {
        assert.equal(error.code, 'ERR_SESSION_NOT_OFFERED');
        assert.match(error.message, /0\.02 USD Coin \(20000 base units\) per call \(scheme "exact"/);
        assert.deepEqual(error.offered.schemes, ['exact']);
        return true;
      });
      assert.deepEqual(await balances(), before);
    });

    test('a siwx Session: paid once, 20 fetches answer 200 and move no money; a server that stops honouring it makes it "refused"', async () => {
      const [payer0] = await balances();
      const handled = seller.state.handled.siwx;
      const session = await payer.startSession(seller.routes.siwx);
      assert.equal(session.kind, 'siwx');
      assert.equal(session.payment.amount, SIWX_ROUTE_PRICE);
      const [payer1, payTo1] = await balances();
      assert.equal(payer0 - payer1, SIWX_ROUTE_PRICE);
      for (let i = 1; i <= FETCHES; i += 1) {
        const response = await session.fetch(seller.routes.siwx);
        assert.equal(response.status, 200);
        assert.equal(response.counted, true);
        assert.equal(response.payment, null);
        assert.equal(response.signedIn.address, info.payer.address);
      }
      assert.equal(seller.state.handled.siwx, handled + FETCHES + 1);
      assert.deepEqual(await balances(), [payer1, payTo1]);

      seller.state.honour = false;
      try {
        const refused = await session.fetch(seller.routes.siwx);
        assert.equal(refused.status, 402);
        assert.equal(refused.counted, false);
        assert.match(refused.refused, /402 to the signed-in wallet/);
        assert.equal(session.status().state, 'refused');
        await assert.rejects(session.fetch(seller.routes.siwx), { code: 'ERR_SESSION_REFUSED' });
      } finally {
        seller.state.honour = true;
      }
      assert.deepEqual(await balances(), [payer1, payTo1]);
      const ended = await session.end();
      assert.equal(ended.alreadyEnded, true);
      assert.equal(ended.session.state, 'refused');
    });
  });
});
