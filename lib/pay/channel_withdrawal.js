// The payer's way out of a channel without its seller: the contract's timed
// withdrawal (BatchSettlement.initiateWithdraw, then finalizeWithdraw once
// the channel's withdrawDelay has passed). Only the channel's payer (or its
// payerAuthorizer; both are this wallet) may call them, and the transactions
// are sent from the payer's key, which pays the gas (the durable transaction
// sender, lib/wallet/tx_sender.js: a retry resumes the same transaction).
// Meanwhile the seller may still claim with vouchers we signed; the
// finalize pays what is then still unclaimed.
//
//   withdraw(id)  no withdrawal pending: initiates one of everything unclaimed
//                 (the channel signs no more vouchers from then on) → 'initiated'
//                 pending, the delay not passed on the chain's clock → 'waiting'
//                 (nothing sent; `finalizeAfter` says when)
//                 pending and due → finalizes → 'finalized': what the finalize
//                 paid returns to the day's budget, once, when it is mined
//                 (channel_returns.js, as a cooperative refund does); the channel closes
//                 (or stays refused, when its seller was caught lying)
//                 nothing unclaimed and nothing pending → ERR_NOTHING_TO_WITHDRAW
import { encodeFunctionData, parseAbi, parseEventLogs } from 'viem';

import { BATCH_SETTLEMENT_ADDRESS } from '../channels/voucher.js';
import { argError } from '../validate.js';
import { PayError } from './errors.js';
import { bookChannelReturn } from './channel_returns.js';
import { channelAmounts, shortChannelId } from './channel_state.js';

export const WITHDRAW_ABI = parseAbi([
  'struct ChannelConfig { address payer; address payerAuthorizer; address receiver; address receiverAuthorizer; address token; uint40 withdrawDelay; bytes32 salt; }',
  'function initiateWithdraw(ChannelConfig config, uint128 amount)',
  'function finalizeWithdraw(ChannelConfig config)',
  'event WithdrawInitiated(bytes32 indexed channelId, uint128 amount, uint40 finalizeAfter)',
  'event WithdrawFinalized(bytes32 indexed channelId, address indexed sender, uint128 amount)',
]);
// A channel id as typed back: its short form (0x + at least 8 hex digits, "…" optional) or all of it.
export const CHANNEL_ID_PREFIX = /^0x[0-9a-f]{8,64}…?$/i;

/** A channel record as a listing shows it (no 64-hex-digit run: the short id). */
export function channelListing(record) {
  const { deposit, charged, signed, remaining } = channelAmounts(record);
  return {
    id: shortChannelId(record.channelId),
    state: record.state,
    endpoint: record.endpoint,
    payTo: record.config.receiver,
    deposit,
    charged,
    signed,
    remaining,
    sessionId: record.sessionId ?? null,
    withdrawal: record.withdrawal
      ? { amount: BigInt(record.withdrawal.amount), finalizeAfter: record.withdrawal.finalizeAfter, transaction: record.withdrawal.transaction ?? null }
      : null,
    refusal: record.refusal?.reason ?? null,
  };
}

/**
 * @param {object} options
 * @param {object} options.paying the paying fetch (payer.js): policy, ledger, address, txSender()
 * @param {object} options.states createChannelStates()
 * @param {object | null} options.chain createChannelChain(), or null (no RPC)
 * @param {(channelId, fn) => Promise} [options.exclusive] runs fn holding the channel's lock in this process
 * @param {() => number} [options.now] milliseconds
 */
export function createChannelWithdrawal({ paying, states, chain, exclusive = (channelId, fn) => fn(), now = Date.now }) {
  /** The channel record a typed id names: exactly one, or a PayError. */
  function find(typed) {
    const text = typeof typed === 'string' ? typed.trim().replace(/…$/, '').toLowerCase() : '';
    if (!CHANNEL_ID_PREFIX.test(text)) {
      throw argError(RangeError, 'ERR_INVALID_ARG_VALUE', 'Expected a channel id (0x and at least 8 hex digits, as `clawpay channel list` shows it) for id');
    }
    const found = states.list().filter((record) => record.channelId.toLowerCase().startsWith(text));
    // A whole 64-digit value may be a key pasted in the wrong place: none of it is echoed.
    const named = text.length === 66 ? 'with that id' : `${text.slice(0, 10)}…`;
    if (found.length === 0) throw new PayError('ERR_CHANNEL_NOT_FOUND', `no channel ${named} in this wallet's state directory`);
    if (found.length > 1) throw new PayError('ERR_CHANNEL_AMBIGUOUS', `${found.length} channels start with ${text.slice(0, 10)}; give more of the id`);
    return found[0];
  }

  async function send(key, record, functionName, args) {
    const sender = paying.txSender();
    if (!sender || !chain) {
      throw new PayError('ERR_WITHDRAW_UNAVAILABLE', 'this payer cannot send transactions (no RPC_URL, or an outside account without a key); nothing was sent');
    }
    if ((await chain.gas(paying.address)) === 0n) {
      throw new PayError('ERR_NO_GAS', `${paying.address} holds no ETH on ${record.network} to pay the gas of ${functionName}; fund it and run withdraw again. Nothing was sent`);
    }
    const data = encodeFunctionData({ abi: WITHDRAW_ABI, functionName, args });
    const sent = await sender.send({ key, to: BATCH_SETTLEMENT_ADDRESS, data, abi: WITHDRAW_ABI, meta: { kind: `channel-${functionName}`, channelId: record.channelId } });
    if (sent.receipt.status !== 'success') {
      throw new PayError('ERR_TX_REVERTED', `${functionName} on channel ${shortChannelId(record.channelId)} reverted on chain (tx ${sent.txHash}); nothing moved`, { transaction: sent.txHash });
    }
    return sent;
  }

  const eventIn = (receipt, eventName) => parseEventLogs({ abi: WITHDRAW_ABI, logs: receipt.logs, eventName })
    .find((log) => log.address.toLowerCase() === BATCH_SETTLEMENT_ADDRESS.toLowerCase());

  async function initiate(record, available) {
    const round = record.withdrawals?.length ?? 0;
    const sent = await send(`channel-withdraw-initiate:${record.channelId}:${round}`, record, 'initiateWithdraw', [record.config, available]);
    const event = eventIn(sent.receipt, 'WithdrawInitiated');
    const finalizeAfter = event ? Number(event.args.finalizeAfter) : (await chain.time()) + record.config.withdrawDelay;
    const withdrawal = { amount: available.toString(), finalizeAfter, transaction: sent.txHash, initiatedAt: finalizeAfter - record.config.withdrawDelay };
    // No more vouchers on a channel being emptied.
    states.change(record.channelId, (current) => ({ ...current, state: 'withdrawing', sessionId: null, withdrawal }));
    paying.txSender().markAnswered(sent.id);
    return { action: 'initiated', amount: available, finalizeAfter, transaction: sent.txHash };
  }

  async function finalize(record, initiatedAt) {
    const sent = await send(`channel-withdraw-finalize:${record.channelId}:${initiatedAt}`, record, 'finalizeWithdraw', [record.config]);
    const event = eventIn(sent.receipt, 'WithdrawFinalized');
    const { balance } = await chain.channel(record.channelId);
    const amount = event ? event.args.amount : BigInt(record.balance) - balance;
    bookChannelReturn(paying, record.holds, amount, sent.txHash);
    states.change(record.channelId, (current) => ({
      ...current, state: current.refusal ? 'refused' : 'closed', sessionId: null, balance: balance.toString(), withdrawal: null,
      withdrawals: [...(current.withdrawals ?? []), { ...current.withdrawal, initiatedAt, finalized: sent.txHash, returned: amount.toString() }],
      refunds: [...current.refunds, { transaction: sent.txHash, amount: amount.toString(), at: now(), withdrawal: true }],
    }));
    paying.txSender().markAnswered(sent.id);
    return { action: 'finalized', amount, finalizeAfter: null, transaction: sent.txHash };
  }

  /**
   * Initiates, waits on or finalizes the channel's timed withdrawal (see
   * above): {action: 'initiated' | 'waiting' | 'finalized', channel (the
   * listing after), amount (bigint base units: announced, or paid back),
   * finalizeAfter (Unix seconds, or null once finalized), transaction}.
   */
  function withdraw(typedId) {
    const found = find(typedId);
    return exclusive(found.channelId, async () => {
      const record = states.get(found.channelId);
      const short = shortChannelId(record.channelId);
      if (record.state === 'opening') {
        throw new PayError('ERR_CHANNEL_OPENING', `channel ${short} has a deposit whose outcome is not known yet; start its session again to settle it from the chain first. Nothing was sent`);
      }
      if (!chain) throw new PayError('ERR_WITHDRAW_UNAVAILABLE', 'no RPC_URL to read the channel on chain; nothing was sent');
      const pending = await chain.withdrawal(record.channelId);
      let outcome;
      if (pending.initiatedAt !== 0) {
        const finalizeAfter = pending.initiatedAt + record.config.withdrawDelay;
        outcome = (await chain.time()) >= finalizeAfter
          ? await finalize(record, pending.initiatedAt)
          : { action: 'waiting', amount: pending.amount, finalizeAfter, transaction: null };
      } else if (record.state === 'withdrawing' && paying.txSender()?.open(`channel-withdraw-finalize:${record.channelId}:${record.withdrawal.initiatedAt}`)) {
        outcome = await finalize(record, record.withdrawal.initiatedAt); // mined before this process could book it: resumed, booked once
      } else {
        const { balance, totalClaimed } = await chain.channel(record.channelId);
        const available = balance - totalClaimed;
        if (available <= 0n) {
          throw new PayError('ERR_NOTHING_TO_WITHDRAW', `channel ${short} holds nothing unclaimed on chain (balance ${balance}, claimed ${totalClaimed} base units) and no withdrawal is pending; nothing was sent`);
        }
        outcome = await initiate(record, available);
      }
      return { ...outcome, channel: channelListing(states.get(record.channelId)) };
    });
  }

  return {
    withdraw,
    /** This wallet's channels as recorded in its state directory (channelListing), oldest first. */
    list: () => states.list().map(channelListing),
  };
}
