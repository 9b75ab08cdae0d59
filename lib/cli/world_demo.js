// The second half of `clawpay demo`: the local x402 world, paid for real.
// The official @x402/fetch client (signing with the native Signer) pays one
// call, buys a session, and makes 20 calls under its token; the paywall
// checks each token natively against the settlement it recorded. Prints
// what was paid, how balances moved, and per-call times.
import { randomUUID } from 'node:crypto';

import { decodePaymentResponseHeader } from '@x402/core/http';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { ExactEvmScheme } from '@x402/evm/exact/client';

import { Signer, buildSessionToken, toViemAccount } from '../index.js';
import { SESSION_EXTRA } from '../paywall/offers.js';
import { usdcBalance } from '../devnet/token.js';
import { startWorld } from '../devnet/world.js';

const SESSION_CALLS = 20;

function usdc(units, decimals) {
  const sign = units < 0n ? '-' : '';
  const abs = units < 0n ? -units : units;
  const scale = 10n ** BigInt(decimals);
  return `${sign}${abs / scale}.${(abs % scale).toString().padStart(decimals, '0')} USDC`;
}

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

export async function worldDemo(log = console.log) {
  const started = process.hrtime.bigint();
  const world = await startWorld();
  const signer = Signer.fromPrivateKey(world.payer.privateKey);
  try {
    const { token, chain } = world;
    const balance = (address) => usdcBalance({ chain, token, address });
    log(`world    anvil, USD Coin, facilitator, paid API and MCP up in ${ms(started).toFixed(0)} ms (${world.api.url})`);
    const before = [await balance(world.payer.address), await balance(world.payTo)];

    const client = (pick) => new x402Client(pick)
      .setSpendControls({ allowedAssets: [{ network: chain.network, asset: token.address, maxAmountPerPayment: '1000000' }] })
      .register(chain.network, new ExactEvmScheme(toViemAccount(signer)));

    let t = process.hrtime.bigint();
    const paid = await wrapFetchWithPayment(fetch, client())(world.api.routes.perCall);
    if (paid.status !== 200) throw new Error(`the paid call failed: ${paid.status} ${await paid.text()}`);
    const perCallMs = ms(t);
    const call = decodePaymentResponseHeader(paid.headers.get('payment-response'));
    log(`pay      GET /api/weather paid per call in ${perCallMs.toFixed(1)} ms (402, sign EIP-3009, verify, settle): tx ${call.transaction.slice(0, 18)}…`);

    t = process.hrtime.bigint();
    const bought = await wrapFetchWithPayment(fetch, client((v, offers) => offers.find((o) => o.extra?.[SESSION_EXTRA])))(world.api.routes.session);
    if (bought.status !== 200) throw new Error(`buying a session failed: ${bought.status} ${await bought.text()}`);
    const { transaction } = decodePaymentResponseHeader(bought.headers.get('payment-response'));
    const now = Math.floor(Date.now() / 1000);
    const { token: sessionToken } = await buildSessionToken({
      version: 'clawpay/1.1', sessionId: randomUUID(), walletAddress: signer.address,
      endpoint: world.api.routes.sessionEndpoint, scope: 'prefix', createdAt: now, expiresAt: now + 3600,
      paymentTxHash: transaction, paymentAmount: '50000',
    }, signer);
    log(`session  bought for 0.05 USDC in ${ms(t).toFixed(1)} ms; ClawPay 1.1 token signed by the payer, bound to tx ${transaction.slice(0, 18)}…`);

    const times = [];
    for (let i = 0; i < SESSION_CALLS; i++) {
      t = process.hrtime.bigint();
      const res = await fetch(`${world.api.routes.sessionEndpoint}/day-${i + 1}`, { headers: { 'X-Session-Token': sessionToken } });
      if (res.status !== 200) throw new Error(`session call ${i + 1} failed: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      times.push(ms(t));
    }
    times.sort((a, b) => a - b);
    log(`session  ${SESSION_CALLS} calls under the token, no payment each: median ${times[times.length >> 1].toFixed(2)} ms (per-call payment: ${perCallMs.toFixed(1)} ms)`);

    const after = [await balance(world.payer.address), await balance(world.payTo)];
    log(`balances payer ${usdc(after[0] - before[0], token.decimals)}, payee ${usdc(after[1] - before[1], token.decimals)} (0.01 call + 0.05 session)`);
    log(`ledger   ${world.ledger.list().filter((r) => r.status === 'settled').length} settlements recorded`);
  } finally {
    signer.destroy();
    await world.stop();
  }
}
