// Session token verification: native vs what a JS server does today with
// viem (decode, recover the EIP-191 signer, compare, check expiry and URL),
// and the multi-core batch path against one core.
import { Buffer } from 'node:buffer';
import { availableParallelism } from 'node:os';

import * as viem from 'viem';

import { Signer, buildSessionToken, verifySessionToken, verifySessionTokens } from '../lib/index.js';
import { compare } from './harness.js';

const NOW = 1_800_000_000;
const URL_IN_SCOPE = 'https://api.example.com/v1/search?q=x402';

// ClawPay 1.1's own verification recipe, done with viem.
async function viemVerify(token, wallet, url) {
  const dot = token.lastIndexOf('.');
  const canonical = Buffer.from(token.slice(0, dot), 'base64url').toString('utf8');
  const payload = JSON.parse(canonical);
  const signer = await viem.recoverMessageAddress({ message: canonical, signature: token.slice(dot + 1) });
  const inScope = new URL(url).href.startsWith(payload.endpoint);
  return signer === wallet && NOW < payload.expiresAt && inScope;
}

export async function makeTokens(signer, count) {
  const tokens = [];
  for (let i = 0; i < count; i++) {
    const { token } = await buildSessionToken({
      version: 'clawpay/1.1', sessionId: crypto.randomUUID(), walletAddress: signer.address,
      endpoint: 'https://api.example.com/v1', scope: 'prefix', createdAt: NOW - 60, expiresAt: NOW + 3600,
      paymentTxHash: `0x${'ab'.repeat(32)}`, paymentAmount: '10000',
    }, signer);
    tokens.push(token);
  }
  return tokens;
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
