// clawpay-native/pay as a Node agent uses it: a script importing only the
// package's "./pay" export (by the package's own name), run as a child
// process against the local world, pays one call, buys a session, makes 20
// calls in it, ends it and reads its spend. The chain shows exactly what it
// says, to the base unit, and clawpay-mcp doing the same on the same world
// moves the same amounts and reports the same numbers.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { ROOT, launchClawpay } from './support/clawpay_child.js';

const AGENT = join(ROOT, 'test', 'e2e', 'support', 'pay_library_agent.js');
const PER_CALL = 10_000n; // 0.01 USDC
const SESSION = 50_000n; // 0.05 USDC
const CALLS = 20;
const TX_HASH = /^0x[0-9a-f]{64}$/;

describe('clawpay-native/pay from a Node script on a local chain', { timeout: 600_000 }, () => {
  let world;
  let info;
  const dirs = [];
  const children = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawpay-pay-library-'));
    dirs.push(dir);
    return dir;
  };
  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const balances = async () => [await balance(info.payer.address), await balance(info.payTo)];

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
  });

  after(async () => {
    for (const child of children) await child.close().catch(() => {});
    await world?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  // Async: the world serves from this process, so a blocking spawn would starve it.
  async function runAgent(stateDir) {
    const { stdout } = await promisify(execFile)(process.execPath, [AGENT, JSON.stringify({ world: info, stateDir, calls: CALLS })],
      { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: stateDir } });
    return JSON.parse(stdout.trim().split('\n').at(-1));
  }

  let lib; // what the script reported
  let libDelta; // what the chain shows it paid: [payer, payTo]
  let libStateDir;

  test('a script importing only clawpay-native/pay pays a call, runs a 20-call session, ends it and reads its spend; the chain agrees to the base unit', async () => {
    libStateDir = tempDir();
    const before = await balances();
    lib = await runAgent(libStateDir);
    const after = await balances();
    libDelta = [before[0] - after[0], after[1] - before[1]];

    // The chain: exactly one call and one session purchase moved, from the payer to the payee.
    assert.deepEqual(libDelta, [PER_CALL + SESSION, PER_CALL + SESSION]);

    // payer.fetch: a Response with the payment beside it, amounts as base units and formatted.
    assert.equal(lib.perCall.status, 200);
    assert.equal(lib.perCall.body.city, 'Lisbon');
    assert.equal(lib.perCall.payment.status, 'settled');
    assert.equal(lib.perCall.payment.amount, String(PER_CALL));
    assert.equal(lib.perCall.payment.formatted, '0.01 USDC');
    assert.equal(lib.perCall.payment.payTo, info.payTo);
    assert.match(lib.perCall.payment.transaction, TX_HASH);

    // The session: paid once, 20 calls each answered 200 and counted, none paid.
    assert.equal(lib.session.payment.amount, String(SESSION));
    assert.equal(lib.session.payment.formatted, '0.05 USDC');
    assert.match(lib.session.payment.transaction, TX_HASH);
    assert.deepEqual(lib.session.statuses, Array(CALLS).fill(200));
    assert.equal(lib.session.status.state, 'active');
    assert.equal(lib.session.status.callCount, CALLS);
    assert.equal(lib.session.status.payment.amount, String(SESSION));
    assert.deepEqual(lib.session.active, [lib.session.id]);
    assert.equal(lib.session.outOfScope, 'ERR_OUT_OF_SCOPE');
    // payer.fetch to a URL the session covers uses it: not paid, counted.
    assert.deepEqual(lib.covered, { status: 200, payment: null, calls: CALLS + 1 });

    // Ended here and revoked on the server; a later call is refused with a code, nothing sent.
    assert.equal(lib.session.ended.ended, true);
    assert.equal(lib.session.ended.alreadyEnded, false);
    assert.equal(lib.session.ended.session.state, 'ended');
    assert.equal(lib.session.ended.revocation.ok, true);
    assert.equal(lib.session.afterEnd, 'ERR_SESSION_ENDED');

    // payer.spend: the settled total, by day and by payee, and the day's budget as the policy counts it.
    const total = String(PER_CALL + SESSION);
    assert.equal(lib.spend.total, total);
    assert.equal(lib.spend.formatted, '0.06 USDC');
    assert.equal(lib.spend.count, 2);
    assert.deepEqual(Object.values(lib.spend.byDay).map((d) => d.total), [total]);
    assert.deepEqual(lib.spend.byPayee, { [info.payTo]: { total, count: 2, formatted: '0.06 USDC' } });
    assert.equal(lib.spend.pending, '0');
    assert.equal(lib.spend.today.spent, total);
    assert.equal(lib.spend.today.limit, '1000000');
    assert.equal(lib.spend.today.remaining, String(1_000_000n - PER_CALL - SESSION));
    // payer.payments: the two, oldest first, with their transactions.
    assert.deepEqual(lib.payments.map((p) => [p.kind, p.amount, p.status, p.transaction]), [
      ['call', String(PER_CALL), 'settled', lib.perCall.payment.transaction],
      ['session', String(SESSION), 'settled', lib.session.payment.transaction],
    ]);
  });

  // x402 payments count in the key-mode wallet's daily limit: check_spend_limit reports them.
  const spentToday = async (mcp) => {
    const out = (await mcp.callOk('check_spend_limit', { amount_eth: '0.01', token: info.asset.address })).structuredContent;
    return { spent: out.limits.periodSpent.units, remaining: out.limits.remainingInPeriod.units, limit: out.limits.periodLimit.units };
  };

  test('clawpay-mcp on the state the library kept reports the same day spend', async () => {
    assert.ok(lib, 'the library run came first');
    const mcp = await launchClawpay({ ...info.mcpEnv, CLAWPAY_STATE_DIR: libStateDir, HOME: libStateDir, CLAWPAY_MAX_PER_DAY: '1.00' });
    children.push(mcp);
    assert.deepEqual(await spentToday(mcp), { spent: lib.spend.today.spent, remaining: lib.spend.today.remaining, limit: lib.spend.today.limit });
    // The ended session is still known to it, as ended (issue #12: the state survives restarts).
    const ended = (await mcp.callOk('x402_session_status', { session_id: lib.session.id })).structuredContent.session;
    assert.equal(ended.state, 'ended');
    assert.equal(ended.kind, 'clawpay');
    assert.equal(ended.callCount, lib.session.ended.session.callCount);
  });

  test('clawpay-mcp doing the same operations moves the same amounts and reports the same numbers', async () => {
    assert.ok(lib, 'the library run came first');
    const stateDir = tempDir();
    const mcp = await launchClawpay({ ...info.mcpEnv, CLAWPAY_STATE_DIR: stateDir, HOME: stateDir, CLAWPAY_MAX_PER_DAY: '1.00' });
    children.push(mcp);
    const before = await balances();
    const paid = (await mcp.callOk('x402_pay', { url: info.routes.perCall })).structuredContent;
    const started = (await mcp.callOk('x402_session_start', { endpoint: info.routes.session, ttl_seconds: 600 })).structuredContent;
    for (let i = 0; i < CALLS; i += 1) {
      const url = i % 2 ? info.routes.session : `${info.routes.session}?day=${i}`;
      const out = (await mcp.callOk('x402_session_fetch', { session_id: started.sessionId, url })).structuredContent;
      assert.equal(out.status, 200);
      assert.equal(out.payment, null);
    }
    const status = (await mcp.callOk('x402_session_status', { session_id: started.sessionId })).structuredContent.session;
    await mcp.callOk('x402_session_end', { session_id: started.sessionId });
    const after = await balances();

    assert.deepEqual([before[0] - after[0], after[1] - before[1]], libDelta);
    assert.equal(paid.payment.amount, lib.perCall.payment.amount);
    assert.equal(paid.payment.amountDecimal, lib.perCall.payment.amountDecimal);
    assert.equal(started.payment.amount, lib.session.payment.amount);
    assert.equal(started.payment.payTo, lib.session.payment.payTo);
    assert.equal(status.callCount, lib.session.status.callCount);
    assert.equal(status.paymentAmount, lib.session.status.payment.amount);
    assert.equal(status.scope, lib.session.status.scope);
    // Its day spend is the library's spend of the same operations.
    assert.deepEqual(await spentToday(mcp), { spent: lib.spend.total, remaining: lib.spend.today.remaining, limit: lib.spend.today.limit });
  });
});
