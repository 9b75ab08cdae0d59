// A channel left `opening`: its deposit was signed and sent, and no answer
// said what became of it (a reset, a timeout, a crash). Before anything new
// is deposited on it, the chain decides — the deposit's ERC-3009
// authorization (its nonce on the token, reconciliation.js) and the
// channel's balance (x402BatchSettlement.channels):
//
//   used        the deposit landed: the channel is open on it, its budget
//               reservation becomes the channel's hold (counted once), and
//               the caller goes on with the next voucher — no second deposit
//   failed      provably not landed (unused and past its validBefore, or
//               cancelled): reconciliation released its reservation; the
//               channel is back where it was before, and a new deposit may be made
//   otherwise   not known (unused but still valid, refused by the seller
//               who still holds it, no chain to ask): ERR_CHANNEL_DEPOSIT_UNKNOWN,
//               nothing signed, saying when to retry or how to cancel it
import { PayError } from './errors.js';
import { shortChannelId } from './channel_state.js';

/**
 * @param {object} options
 * @param {object} options.paying the paying fetch (payer.js): ledger, resolvePayment
 * @param {object} options.states createChannelStates()
 * @param {object | null} options.chain createChannelChain(), or null
 */
export function createDepositResume({ paying, states, chain }) {
  /**
   * Settles a channel record in state `opening` from the chain. Resolves to
   * true when the deposit landed (the channel is now open), false when it
   * provably did not (the channel is as it was before it); throws
   * ERR_CHANNEL_DEPOSIT_UNKNOWN otherwise. The caller holds the channel's lock.
   */
  async function resumeOpening(channelId, known) {
    const short = shortChannelId(channelId);
    let deposit = known.depositPaymentId ? paying.ledger.get(known.depositPaymentId) : null;
    if (deposit) deposit = await paying.resolvePayment(deposit.paymentId);
    if (deposit?.state === 'settled') {
      const onChain = chain ? await chain.channel(channelId) : null;
      const balance = onChain?.balance ?? BigInt(known.balance) + BigInt(known.depositAmount);
      const hold = deposit.reservation ? { id: deposit.reservation.id, day: deposit.reservation.day, paymentId: deposit.paymentId } : null;
      states.change(channelId, (current) => ({
        ...current, state: 'open', balance: balance.toString(),
        holds: hold && !current.holds.some((held) => held.paymentId === hold.paymentId) ? [...current.holds, hold] : current.holds,
      }));
      return true;
    }
    if (!deposit || deposit.state === 'failed') {
      // Never sent, expired unused or cancelled: the vouchers signed with it are backed by nothing.
      states.change(channelId, (current) => ({ ...current, state: current.prior ?? 'closed', depositPaymentId: current.holds.at(-1)?.paymentId ?? null, depositAmount: '0' }));
      return false;
    }
    const until = deposit.validBefore ? ` (its authorization is valid until ${new Date(Number(deposit.validBefore) * 1000).toISOString()})` : '';
    const why = deposit.state === 'refused'
      ? `was refused by the seller, who still holds its signed authorization${until}`
      : deposit.state === 'intent'
        ? 'is being signed by another call'
        : `was sent and the chain does not show it landed${until}${chain ? '' : ' (no RPC_URL to ask the chain)'}`;
    throw new PayError('ERR_CHANNEL_DEPOSIT_UNKNOWN',
      `the deposit of ${deposit.amount} base units on channel ${short} ${why}; nothing new was signed. ` +
      `Retry after that time (the deposit is then resumed if it landed, released if not), or cancel it (payer.cancel / clawpay payments cancel ${deposit.paymentId})`,
      { paymentId: deposit.paymentId });
  }

  return { resumeOpening };
}
