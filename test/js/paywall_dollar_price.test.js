// Dollar prices on a route ('$0.01', as @x402/express takes them): read
// exactly in base units of a known USDC, the asset defaulted on Base and Base
// Sepolia, and refused where a dollar means nothing (another asset, an
// unknown network) or cannot be paid exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { KNOWN_CHAINS } from '../../lib/pay/config_asset.js';
import { normalizeRoute } from '../../lib/paywall/route.js';

const payTo = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
const otherToken = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

test("'$0.01' on Base Sepolia: 10000 base units of its USDC, with the token's own EIP-712 domain", () => {
  const route = normalizeRoute({ price: { amount: '$0.01', network: 'eip155:84532', payTo }, session: { price: '$0.05', maxTtlSeconds: 3600 } }, 'weather');
  const usdc = KNOWN_CHAINS[84532].asset;
  assert.equal(route.callPrice, 10000n);
  assert.equal(route.session.price, 50000n);
  assert.equal(route.terms.asset, usdc.address);
  assert.deepEqual([route.terms.name, route.terms.version, route.terms.decimals, route.terms.usdc], [usdc.name, usdc.version, 6, true]);
});

test("'$1.234567' on Base is exact; the named USDC may be given too", () => {
  const route = normalizeRoute({ price: { amount: '$1.234567', network: 'eip155:8453', payTo, asset: KNOWN_CHAINS[8453].asset.address.toLowerCase() } }, 'r');
  assert.equal(route.callPrice, 1234567n);
  assert.equal(route.terms.name, 'USD Coin');
});

test('base units keep working beside dollar prices, and need no dollar asset', () => {
  const route = normalizeRoute({ price: { amount: 10000n, asset: otherToken, network: 'eip155:31337', payTo } }, 'r');
  assert.equal(route.callPrice, 10000n);
  assert.equal(route.terms.usdc, false);
});

test('a dollar price is refused for another asset, on a network without a known USDC, past 6 decimals, or at $0', () => {
  const cases = [
    [{ amount: '$0.01', asset: otherToken, network: 'eip155:8453', payTo }, /only a known USDC can be priced in/],
    [{ amount: '$0.01', network: 'eip155:31337', payTo }, /eip155:31337 has no known USDC/],
    [{ amount: '$0.0000001', network: 'eip155:8453', payTo }, /7 decimal places, but the asset has only 6/],
    [{ amount: '$0', network: 'eip155:8453', payTo }, /more than \$0/],
    [{ amount: '$-1', network: 'eip155:8453', payTo }, /plain non-negative decimal/],
    [{ amount: '$1e3', network: 'eip155:8453', payTo }, /plain non-negative decimal/],
  ];
  for (const [price, message] of cases) {
    assert.throws(() => normalizeRoute({ price }, 'r'), (error) => error.code === 'ERR_INVALID_ROUTE' && message.test(error.message), JSON.stringify(price));
  }
});

test("a session priced '$0.01' beside a call priced 10000 base units is the same amount, and refused as such", () => {
  assert.throws(() => normalizeRoute({ price: { amount: 10000n, network: 'eip155:8453', payTo }, session: { price: '$0.01', maxTtlSeconds: 3600 } }, 'r'),
    /must differ from the per-call price/);
});
