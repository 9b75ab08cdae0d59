// A seller in front of a real batch-settlement route (the official server):
// a node:http proxy that records every payload a buyer sends (type and
// cumulative amount, in order) and, when the test says so, misbehaves on the
// next paid request:
//   'drop'    forwards it (the seller serves and charges) and cuts the
//             connection instead of answering: the buyer's response is lost
//   'lie'     answers a corrective 402 claiming `charged` base units
//             (more than the buyer signed), without asking the seller
//   'forge'   answers a corrective 402 whose charged amount is within what
//             the buyer signed, with a voucher signature by another key
//   'swallow' cuts the connection without forwarding: the seller never sees it
//   'hold'    forwards it only once the test calls release() (next() returns
//             {reached, release}: reached resolves when it is held); each
//             payload records whether it arrived while one was held
// A mode applies once, to the next payload of its `type` ('voucher' unless
// told, or 'deposit'); everything else passes through unchanged.
import { createServer } from 'node:http';

import { decodePaymentSignatureHeader, encodePaymentRequiredHeader } from '@x402/core/http';

import { signVoucher } from '../../../lib/channels/voucher.js';

const MISMATCH = 'invalid_batch_settlement_evm_cumulative_amount_mismatch';

/** {url, vouchers: [{type, amount}], next(mode, options), stop()} in front of `upstream` (a route URL). */
export async function startChannelProxy({ upstream, chainId }) {
  const target = new URL(upstream);
  const vouchers = [];
  let plan = null;
  let holding = false;

  async function corrective(payment, { charged, signer }) {
    const probe = await fetch(upstream);
    const paymentRequired = JSON.parse(Buffer.from(probe.headers.get('payment-required'), 'base64').toString('utf8'));
    const { channelId } = payment.payload.voucher;
    const offer = paymentRequired.accepts[0];
    offer.extra = {
      ...offer.extra,
      channelState: { channelId, balance: '1000000000', totalClaimed: '0', withdrawRequestedAt: 0, refundNonce: '0', chargedCumulativeAmount: String(charged) },
      ...(signer ? { voucherState: { signedMaxClaimable: String(charged), signature: signVoucher(signer, { channelId, maxClaimableAmount: String(charged) }, { chainId }) } } : {}),
    };
    return encodePaymentRequiredHeader({ ...paymentRequired, error: MISMATCH });
  }

  const server = createServer(async (req, res) => {
    try {
      const header = req.headers['payment-signature'];
      const payment = header ? decodePaymentSignatureHeader(header) : null;
      if (payment) vouchers.push({ type: payment.payload.type, amount: BigInt(payment.payload.voucher.maxClaimableAmount), whileHeld: holding });
      const mode = payment && plan && payment.payload.type === (plan.type ?? 'voucher') ? plan : null;
      if (mode) plan = null;
      if (mode?.name === 'hold') {
        holding = true;
        mode.reach();
        await mode.gate;
        holding = false;
      }
      if (mode?.name === 'swallow') {
        req.socket.destroy();
        return;
      }
      if (mode?.name === 'lie' || mode?.name === 'forge') {
        res.writeHead(402, { 'content-type': 'application/json', 'payment-required': await corrective(payment, mode) });
        res.end('{}');
        return;
      }
      const headers = {};
      for (const name of ['accept', 'content-type', 'payment-signature']) if (req.headers[name]) headers[name] = req.headers[name];
      const answer = await fetch(new URL(req.url, target), { method: req.method, headers });
      const body = Buffer.from(await answer.arrayBuffer());
      if (mode?.name === 'drop') {
        req.socket.destroy();
        return;
      }
      const out = {};
      answer.headers.forEach((value, name) => { if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'connection') out[name] = value; });
      res.writeHead(answer.status, out);
      res.end(body);
    } catch (error) {
      res.writeHead(500);
      res.end(String(error));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}${target.pathname}`,
    vouchers,
    /**
     * The next paid request of options.type (default 'voucher') gets `name` ('drop' | 'lie' | 'forge' | 'swallow' |
     * 'hold'); options: {type, charged, signer}. 'hold' returns {reached: Promise, release()}.
     */
    next(name, options = {}) {
      plan = { name, ...options };
      if (name !== 'hold') return undefined;
      let release;
      plan.gate = new Promise((resolve) => { release = resolve; });
      const reached = new Promise((resolve) => { plan.reach = resolve; });
      return { reached, release };
    },
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
