// The cooperative end of a channel session: the voucher at the seller's
// running total in a `refund` payload; once the chain shows the refund mined,
// what came back returns to the day's budget (channel_returns.js) and the
// channel closes.
//
// The refund holds the channel's in-flight lease (channel_state.js) as a
// voucher does, taken before the total it names is read: a buyer process on
// the same state directory cannot send a voucher while the refund is out,
// nor after it closed the channel (its next voucher finds it closed).
import { checkCorrection, awaitLease, LEASE_MARGIN_MS } from './channel_state.js';
import { bookChannelReturn } from './channel_returns.js';
import { paymentHeader, refundPayload } from './channel_payload.js';
import { sellerText, settlementOf } from './channel_answer.js';

const REFUND_TIMEOUT_MS = 60_000;
// The refund's two attempts (one resync) and the wait for it on chain.
const REFUND_LEASE_MS = 3 * REFUND_TIMEOUT_MS + LEASE_MARGIN_MS;

/**
 * @param {object} options the channel sessions' parts (channel_sessions.js): paying, states, signer,
 *   chain, send(url, request, header), exclusive(channelId, fn) (this process's lock), resync(channelId, verdict)
 */
export function createChannelRefund({ paying, states, signer, chain, send, exclusive, resync, now = Date.now }) {
  const unasked = (error) => ({ asked: false, refunded: 0n, transaction: null, error });

  async function leased(channelId) {
    let record;
    try {
      ({ record } = await awaitLease(channelId, REFUND_LEASE_MS, () => states.lease(channelId, { ttlMs: REFUND_LEASE_MS })));
    } catch (error) {
      if (error.code === 'ERR_CHANNEL_CLOSED') return unasked(`the channel is ${states.get(channelId)?.state ?? 'unknown'}`);
      throw error;
    }
    states.change(channelId, (current) => ({ ...current, sessionId: null }));
    if (BigInt(record.balance) <= BigInt(record.charged)) {
      states.change(channelId, (current) => ({ ...current, state: 'closed' }));
      return unasked(null);
    }
    let result = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      record = states.get(channelId);
      const payload = refundPayload({ signer, channelId, config: record.config, network: record.network, charged: BigInt(record.charged) });
      result = await send(record.endpoint, { method: 'GET', timeoutMs: REFUND_TIMEOUT_MS }, paymentHeader(payload, record.offer, record.resource));
      if (result.status !== 402) break;
      const verdict = checkCorrection(record, result.paymentRequired, paying.address);
      if (verdict.refused) {
        states.refuse(channelId, verdict.refused);
        return { asked: true, refunded: 0n, transaction: null, error: verdict.refused };
      }
      if (verdict.state === null) break;
      resync(channelId, verdict);
    }
    const settlement = result?.status === null ? null : settlementOf(result);
    if (!settlement?.success || !settlement.transaction) {
      const said = settlement?.errorReason ?? result?.paymentRequired?.error;
      const why = result?.status === null ? result.error?.message : said ? sellerText(said) : `HTTP ${result?.status}`;
      return { asked: true, refunded: 0n, transaction: null, error: `the seller did not refund: ${why}` };
    }
    if (!(await chain.mined(settlement.transaction))) {
      return { asked: true, refunded: 0n, transaction: settlement.transaction, error: 'the refund transaction reverted' };
    }
    const { balance } = await chain.channel(channelId);
    const before = BigInt(record.balance);
    const refunded = before > balance ? before - balance : 0n;
    bookChannelReturn(paying, record.holds, refunded, settlement.transaction);
    states.change(channelId, (current) => ({
      ...current, state: 'closed', balance: balance.toString(),
      refunds: [...current.refunds, { transaction: settlement.transaction, amount: refunded.toString(), at: now() }],
    }));
    return { asked: true, refunded, transaction: settlement.transaction, error: null };
  }

  /**
   * Asks the seller for the cooperative refund and waits for it on chain:
   * {asked, refunded (bigint, mined), transaction, error}.
   */
  function refund(channelId) {
    return exclusive(channelId, async () => {
      const record = states.get(channelId);
      if (!record || record.state !== 'open') return unasked(record ? `the channel is ${record.state}` : 'unknown channel');
      if (!chain) return unasked('no RPC to see a refund mined (RPC_URL)');
      try {
        return await leased(channelId);
      } finally {
        states.release(channelId);
      }
    });
  }

  return { refund };
}
