// Session token verification: native vs what a JS server does today with
// viem (decode, recover the EIP-191 signer, compare, check expiry and URL),
// and the multi-core batch path against one core.
import { Buffer } from 'node:buffer';
import { availableParallelism } from 'node:os';

import * as viem from 'viem';

import { Signer, buildSessionToken, verifySessionToken, verifySessionTokens, ReceiptLedger } from '../lib/index.js';
import { SESSION_HEADER, SessionGate } from '../lib/paywall/session_gate.js';
import { normalizeRoute } from '../lib/paywall/route.js';
import { compare } from './harness.js';

export const NOW = 1_800_000_000;
export const URL_IN_SCOPE = 'https://api.example.com/v1/search?q=x402';

// ClawPay 1.1's own verification recipe, done with viem.
async function viemVerify(token, wallet, url) {
  const dot = token.lastIndexOf('.');
  const canonical = Buffer.from(token.slice(0, dot), 'base64url').toString('utf8');
  const payload = JSON.parse(canonical);
  const signer = await viem.recoverMessageAddress({ message: canonical, signature: token.slice(dot + 1) });
  const inScope = new URL(url).href.startsWith(payload.endpoint);
  return signer === wallet && NOW < payload.expiresAt && inScope;
}

// Ids from the index, as bench/floor/clawpay_floor.cc builds them: one key
// gives the C++ floor and the JS rows the same tokens.
export async function makeTokens(signer, count) {
  const tokens = [];
  for (let i = 0; i < count; i++) {
    const { token } = await buildSessionToken({
      version: 'clawpay/1.1', sessionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, walletAddress: signer.address,
      endpoint: 'https://api.example.com/v1', scope: 'prefix', createdAt: NOW - 60, expiresAt: NOW + 3600,
      paymentTxHash: `0x${'ab'.repeat(32)}`, paymentAmount: '10000',
    }, signer);
    tokens.push(token);
  }
  return tokens;
}

// The paywall's check of a token it has seen before: the recovered half is
// cached per token, so this is time, scope and the receipt's terms.
async function seenTokenRow(signer) {
  const asset = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
  const payTo = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
  const price = { amount: 10_000n, asset, network: 'eip155:8453', payTo, name: 'USD Coin', version: '2', decimals: 6 };
  const route = normalizeRoute({ price, session: { price: 50_000n, maxTtlSeconds: 3600 } }, 'GET /v1/*');
  const ledger = new ReceiptLedger();
  const paymentId = `0x${'01'.repeat(32)}`;
  const transaction = `0x${'ab'.repeat(32)}`;
  ledger.begin({
    paymentId, kind: 'session', route: route.id, resource: 'https://api.example.com/v1/search', method: 'GET',
    network: price.network, asset, amount: 50_000n, decimals: 6, payer: signer.address, payTo, x402Version: 2,
    startedAt: NOW * 1000, sessionTtlSeconds: 3600,
  });
  ledger.settle(paymentId, { transaction, settledAt: NOW * 1000 });
  const gate = new SessionGate({ ledger, now: () => NOW * 1000 + 5000 });
  const [token] = await makeTokens(signer, 1);
  const headers = { [SESSION_HEADER]: token };
  const first = await gate.check(headers, URL_IN_SCOPE, route);
  if (!first.ok || !gate.check(headers, URL_IN_SCOPE, route).ok) throw new Error(`bench setup: the gate refuses (${first.error})`);
  const row = {
    name: 'verify a token already seen (paywall cache)',
    candidates: await compare([
      { label: 'native', fn: () => gate.check(headers, URL_IN_SCOPE, route) },
      { label: 'native first sight', fn: () => verifySessionToken(token, { now: NOW, url: URL_IN_SCOPE }), isAsync: true },
    ]),
  };
  ledger.close();
  return row;
}

export async function tokenRows() {
  const signer = Signer.generate();
  const tokens = await makeTokens(signer, 256);
  const wallet = signer.address;
  const check = { now: NOW, wallet, url: URL_IN_SCOPE };
  if (!(await viemVerify(tokens[0], wallet, URL_IN_SCOPE)) || !(await verifySessionToken(tokens[0], check)).valid) {
    throw new Error('bench setup: tokens do not verify');
  }
  const rows = [{
    name: 'verify session token (distinct tokens)',
    candidates: await compare([
      { label: 'native', fn: (i) => verifySessionToken(tokens[i & 255], check), isAsync: true },
      { label: 'viem', fn: (i) => viemVerify(tokens[i & 255], wallet, URL_IN_SCOPE), isAsync: true },
    ]),
  }];

  rows.push(await seenTokenRow(signer));

  const batch = await makeTokens(signer, 4000);
  const [all, one] = await compare([
    { label: 'native all cores', fn: () => verifySessionTokens(batch, check), isAsync: true },
    { label: 'native 1 core', fn: () => verifySessionTokens(batch, { ...check, threads: 1 }), isAsync: true },
  ], { rounds: 4 });
  const [allCores, oneCore] = [all.ns, one.ns];
  rows.push({
    name: `batch verify, ${batch.length} tokens, per token`,
    candidates: [
      { label: 'native all cores', ns: allCores / batch.length },
      { label: 'native 1 core', ns: oneCore / batch.length },
    ],
    note: `(${(oneCore / allCores).toFixed(2)}× from ${availableParallelism()} cores)`,
  });
  signer.destroy();
  return { rows, batchSpeedup: oneCore / allCores };
}
