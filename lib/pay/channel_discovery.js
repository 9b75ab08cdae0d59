// This wallet's channels as the chain knows them, for a state directory that
// does not (deleted, or a new one with the same key) while a deposit is still
// in the contract and its seller never answers. The contract's
// ChannelCreated events carry each channel's whole config; its payer is not
// indexed (in our devnet contract as in the official ABI), so the contract's
// events are read and this payer's kept — its channel id checked against its
// config, since the config is what initiateWithdraw is sent with.
//
// Read from the newest block backwards in spans of SCAN_BLOCKS, at most
// `depth` blocks (SCAN_DEPTH unless told: as the seller's books bound their
// search, lib/paywall/channel_books.js); the scan says whether it reached the
// chain's first block (complete) or stopped at the bound, so a listing can
// say older channels were not looked for.
//
// A channel found so, when it is withdrawn, gets a record of its own
// (`foundOnChain`, state 'found'; channel_state.js): no endpoint, no offer,
// no deposit reservation in this state directory (the deposit was counted by
// the one that made it), so what its withdrawal pays back releases nothing
// from this directory's budget.
import { channelIdOf } from '../channels/voucher.js';
import { sameAddress } from '../hashing.js';
import { whereOf } from './channel_payload.js';
import { channelAmounts, shortChannelId } from './channel_state.js';

export const SCAN_BLOCKS = 5_000n;
/** How far back a scan looks unless told: 100,000 blocks (days on Base). */
export const SCAN_DEPTH = 100_000n;

/**
 * @param {object} options
 * @param {object} options.chain createChannelChain()
 * @param {string} options.payer this wallet's address
 * @param {string} options.network CAIP-2 (eip155:<chain id>)
 */
export function createChannelDiscovery({ chain, payer, network }) {
  /**
   * This payer's channels created within the last `depth` blocks, newest
   * first, with what the chain holds for each: {found: [{channelId, config,
   * balance, totalClaimed, pending: {amount, initiatedAt}}], scan: {fromBlock,
   * toBlock, complete}}.
   */
  async function scan({ depth = SCAN_DEPTH } = {}) {
    const span = BigInt(depth);
    const head = await chain.head();
    const oldest = head >= span ? head - span + 1n : 0n;
    const seen = new Map();
    for (let to = head; to >= oldest; to -= SCAN_BLOCKS) {
      const from = to - SCAN_BLOCKS + 1n > oldest ? to - SCAN_BLOCKS + 1n : oldest;
      for (const event of (await chain.created(from, to)).reverse()) {
        const id = event.channelId.toLowerCase();
        if (seen.has(id) || !sameAddress(event.config.payer, payer)) continue;
        const config = { ...event.config, withdrawDelay: Number(event.config.withdrawDelay) };
        if (channelIdOf(config, whereOf(network)).toLowerCase() !== id) continue;
        seen.set(id, { channelId: event.channelId, config });
      }
      if (from === 0n) break;
    }
    const found = [];
    for (const channel of seen.values()) {
      const { balance, totalClaimed } = await chain.channel(channel.channelId);
      found.push({ ...channel, balance, totalClaimed, pending: await chain.withdrawal(channel.channelId) });
    }
    return { found, scan: { fromBlock: oldest, toBlock: head, complete: oldest === 0n } };
  }

  return { scan };
}

/** A channel found on chain as a listing shows it (channel_withdrawal.js channelListing's shape, `source: 'chain'`). */
export function foundListing(channel, network) {
  const { channelId, config, pending } = channel;
  const { deposit, charged, remaining } = channelAmounts(foundRecord(channel, network));
  let state = remaining > 0n ? 'found' : 'closed';
  if (pending.initiatedAt !== 0) state = 'withdrawing';
  return {
    id: shortChannelId(channelId),
    state,
    source: 'chain',
    endpoint: null,
    payTo: config.receiver,
    deposit,
    charged,
    signed: null,
    remaining,
    sessionId: null,
    withdrawal: pending.initiatedAt !== 0
      ? { amount: pending.amount, finalizeAfter: pending.initiatedAt + config.withdrawDelay, transaction: null }
      : null,
    refusal: null,
  };
}

/** The record a found channel gets when it is withdrawn (see above); amounts as the chain holds them. */
export function foundRecord({ channelId, config, balance, totalClaimed }, network) {
  return {
    channelId, network, endpoint: null, config, offer: null, resource: null, price: '0',
    state: 'found', foundOnChain: true, balance: balance.toString(), charged: totalClaimed.toString(), signed: totalClaimed.toString(),
    sessionId: null, holds: [], refunds: [],
  };
}
