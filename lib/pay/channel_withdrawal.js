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
//
// The listing and withdraw also reach this wallet's channels that only the
// chain knows (a lost state directory: channel_discovery.js); withdraw
// takes such a channel the same way, from a record made for it.
import { encodeFunctionData, parseAbi, parseEventLogs } from 'viem';

import { BATCH_SETTLEMENT_ADDRESS } from '../channels/voucher.js';
import { argError, expectSafeInteger } from '../validate.js';
import { PayError } from './errors.js';
import { bookChannelReturn } from './channel_returns.js';
import { channelAmounts, shortChannelId } from './channel_state.js';
import { createChannelDiscovery, foundListing, foundRecord } from './channel_discovery.js';

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
    source: record.foundOnChain ? 'chain' : 'local',
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
 * @param {string} options.network the payer's CAIP-2 network (channels found on chain are on it)
 * @param {() => number} [options.now] milliseconds
 */
export function createChannelWithdrawal({ paying, states, chain, network, exclusive = (channelId, fn) => fn(), now = Date.now }) {
  const discovery = chain ? createChannelDiscovery({ chain, payer: paying.address, network }) : null;
  const local = (channelId) => Boolean(states.get(channelId));

  /**
   * The channel a typed id names — in the state directory, else among this
   * wallet's channels on chain (given a record then) — exactly one, or a PayError.
   */
  async function find(typed) {
    const text = typeof typed === 'string' ? typed.trim().replace(/…$/, '').toLowerCase() : '';
    if (!CHANNEL_ID_PREFIX.test(text)) {
      throw argError(RangeError, 'ERR_INVALID_ARG_VALUE', 'Expected a channel id (0x and at least 8 hex digits, as `clawpay channel list` shows it) for id');
    }
    const matches = (channelId) => channelId.toLowerCase().startsWith(text);
    const ambiguous = (count) => new PayError('ERR_CHANNEL_AMBIGUOUS', `${count} channels start with ${text.slice(0, 10)}; give more of the id`);
    const found = states.list().filter((record) => matches(record.channelId));
    if (found.length > 1) throw ambiguous(found.length);
    if (found.length === 1) return found[0];
    // A whole 64-digit value may be a key pasted in the wrong place: none of it is echoed.
    const named = text.length === 66 ? 'with that id' : `${text.slice(0, 10)}…`;
    if (!discovery) throw new PayError('ERR_CHANNEL_NOT_FOUND', `no channel ${named} in this wallet's state directory (and no RPC_URL to look on chain)`);
    const { found: onChain, scan } = await discovery.scan();
    const hits = onChain.filter((channel) => matches(channel.channelId));
    if (hits.length > 1) throw ambiguous(hits.length);
    if (hits.length === 0) {
      throw new PayError('ERR_CHANNEL_NOT_FOUND', `no channel ${named} in this wallet's state directory, nor created on chain for this wallet in blocks ${scan.fromBlock}–${scan.toBlock}` +
        (scan.complete ? '' : ' (older blocks were not read)'));
    }
    states.change(hits[0].channelId, (current) => current ?? foundRecord(hits[0], network));
    return states.get(hits[0].channelId);
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
  async function withdraw(typedId) {
    const found = await find(typedId);
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

  /**
   * This wallet's channels: the state directory's (channelListing), oldest
   * first, then those only the chain knows, created within the last `blocks`
   * (channel_discovery.js; `source: 'chain'`). {channels, scan: {fromBlock,
   * toBlock, complete, error (the chain could not be read: the state
   * directory's only)} | null (no RPC)}.
   */
  async function list({ blocks } = {}) {
    const channels = states.list().map(channelListing);
    if (!discovery) return { channels, scan: null };
    if (blocks !== undefined) expectSafeInteger(blocks, 'blocks', { min: 1 });
    let read;
    try {
      read = await discovery.scan(blocks === undefined ? {} : { depth: blocks });
    } catch (error) {
      // The state directory's channels are still listed; the chain's absence is said, not hidden.
      return { channels, scan: { fromBlock: null, toBlock: null, complete: false, error: error.message } };
    }
    for (const channel of read.found.reverse()) if (!local(channel.channelId)) channels.push(foundListing(channel, network));
    return { channels, scan: { ...read.scan, error: null } };
  }

  return { withdraw, list };
}
