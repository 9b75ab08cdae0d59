// What both wallets' histories take: the event types of ClawPay 1.1's
// get_transaction_history, and the block window to search.
import { showInput } from '../secret_text.js';
import { reading } from './chain_client.js';
import { walletError } from './errors.js';

/** Blocks searched when no from_block is given (what public RPC endpoints allow in one log query). */
export const DEFAULT_WINDOW_BLOCKS = 10_000n;
export const HISTORY_EVENT_TYPES = Object.freeze(['all', 'execution', 'queued', 'approved', 'cancelled', 'policy_update', 'operator_update']);

const BLOCK = /^(?:0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/;

/** A block number from a decimal or 0x-hex string (or a bigint / safe integer); null when absent. Throws ERR_WALLET_INPUT naming the field. */
export function parseBlock(value, field) {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'bigint' && value >= 0n) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value !== 'string' || !BLOCK.test(value.trim())) {
    throw walletError('ERR_WALLET_INPUT', `${field} must be a block number, decimal or 0x-hex (e.g. "12345" or "0x3039"); got ${showInput(value, 40)}`);
  }
  return BigInt(value.trim());
}

/** Refuses an event_type that is not one of HISTORY_EVENT_TYPES. */
export function checkEventType(eventType) {
  if (!HISTORY_EVENT_TYPES.includes(eventType)) {
    throw walletError('ERR_WALLET_INPUT', `event_type must be one of ${HISTORY_EVENT_TYPES.join(', ')}; got ${showInput(eventType, 40)}`);
  }
}

/**
 * The block window to search, [from, to], as bigints: to defaults to the
 * latest block, from to DEFAULT_WINDOW_BLOCKS before it. A reversed window,
 * or one reaching past the chain's head, is refused.
 */
export async function blockWindow(publicClient, { fromBlock, toBlock }) {
  const from = parseBlock(fromBlock, 'from_block');
  const to = parseBlock(toBlock, 'to_block');
  // Uncached: viem otherwise answers from a block number up to one polling
  // interval old, and a window ending there would leave out the newest sends.
  const latest = await reading('the latest block number (eth_blockNumber)', () => publicClient.getBlockNumber({ cacheTime: 0 }));
  const windowTo = to ?? latest;
  if (windowTo > latest) throw walletError('ERR_WALLET_INPUT', `to_block ${windowTo} is past the chain's latest block ${latest}`);
  const windowFrom = from ?? (windowTo >= DEFAULT_WINDOW_BLOCKS ? windowTo - DEFAULT_WINDOW_BLOCKS + 1n : 0n);
  if (windowFrom > windowTo) throw walletError('ERR_WALLET_INPUT', `from_block ${windowFrom} is after to_block ${windowTo}`);
  return { from: windowFrom, to: windowTo, latest };
}
