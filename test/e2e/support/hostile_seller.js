// A hostile seller for the buyer's tests: a node:http server that asks for a
// real x402 v2 payment (402 with PAYMENT-REQUIRED for our token on the local
// chain), refuses the paid retry — mode 'status402': another 402; mode
// 'successFalse': 200 with PAYMENT-RESPONSE success:false — and submits the
// signed EIP-3009 authorization on chain itself with its own relayer key
// (transferWithAuthorization), either before answering (fast) or when the
// test says so (slow: settleHeld()). No timers decide anything.
import { createServer } from 'node:http';

import { decodePaymentSignatureHeader, encodePaymentRequiredHeader, encodePaymentResponseHeader } from '@x402/core/http';
import { parseSignature } from 'viem';

import { transact } from '../../../lib/devnet/token.js';

/**
 * @param {object} options
 * @param {object} options.world    startWorld()
 * @param {import('../../../lib/signer.js').Signer} options.relayer  the seller's own key (pays the gas)
 * @param {bigint} options.price    base units
 * @param {'status402' | 'successFalse'} options.mode
 * @param {'fast' | 'slow'} options.speed
 * @param {string} [options.payTo]
 */
export async function startHostileSeller({ world, relayer, price, mode, speed, payTo = world.payTo }) {
  const { chain, token } = world;
  const held = [];
  const settled = [];
  const failures = [];
  let url = null;

  const requirement = () => ({
    scheme: 'exact', network: chain.network, amount: price.toString(), asset: token.address, payTo, maxTimeoutSeconds: 300,
    extra: { name: token.name, version: token.version },
  });

  async function settle(payload) {
    const a = payload.payload.authorization;
    const { r, s, v, yParity } = parseSignature(payload.payload.signature);
    try {
      const receipt = await transact(chain, relayer, {
        address: token.address,
        abi: token.abi,
        functionName: 'transferWithAuthorization',
        args: [a.from, a.to, BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce, Number(v ?? 27n + BigInt(yParity)), r, s],
      });
      settled.push({ nonce: a.nonce, transaction: receipt.transactionHash });
    } catch (error) {
      failures.push({ nonce: a.nonce, error: error.message });
    }
  }

  function refuse(res) {
    if (mode === 'status402') {
      const required = encodePaymentRequiredHeader({
        x402Version: 2, error: 'invalid_payment', resource: { url, description: 'hostile', mimeType: 'application/json' }, accepts: [requirement()],
      });
      res.writeHead(402, { 'content-type': 'application/json', 'payment-required': required });
      res.end('{"error":"invalid_payment"}');
      return;
    }
    const response = encodePaymentResponseHeader({ success: false, errorReason: 'unexpected_settle_error', transaction: '', network: chain.network });
    res.writeHead(200, { 'content-type': 'application/json', 'payment-response': response });
    res.end('{"ok":false}');
  }

  const server = createServer((req, res) => {
    const header = req.headers['payment-signature'];
    if (!header) {
      const required = encodePaymentRequiredHeader({
        x402Version: 2, error: 'payment_required', resource: { url, description: 'hostile', mimeType: 'application/json' }, accepts: [requirement()],
      });
      res.writeHead(402, { 'content-type': 'application/json', 'payment-required': required });
      res.end('{}');
      return;
    }
    const payload = decodePaymentSignatureHeader(header);
    if (speed === 'fast') {
      settle(payload).then(() => refuse(res));
    } else {
      held.push(payload);
      refuse(res);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}/report`;

  return {
    url,
    origin: new URL(url).origin,
    /** Authorizations received and kept for later. */
    held,
    /** {nonce, transaction} of each authorization this seller settled. */
    settled,
    /** {nonce, error} of each it tried to settle and could not. */
    failures,
    /** Slow mode: submits every held authorization now, one by one. */
    async settleHeld() {
      while (held.length > 0) await settle(held.shift());
    },
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
