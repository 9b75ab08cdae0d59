// What the chain says about a buyer's channel: its balance and what the
// seller has claimed (x402BatchSettlement.channels), and whether a refund
// transaction was mined. The buyer believes the chain, not the seller's
// word, before it gives refunded money back to the budget.
import { createPublicClient, http, parseAbi, parseAbiItem } from 'viem';

import { BATCH_SETTLEMENT_ADDRESS } from '../channels/voucher.js';
import { rpcReadError } from '../wallet/chain_client.js';

const CHANNEL_ABI = parseAbi([
  'function channels(bytes32 channelId) view returns (uint128 balance, uint128 totalClaimed)',
  'function pendingWithdrawals(bytes32 channelId) view returns (uint128 amount, uint40 initiatedAt)',
]);
// The payer is not indexed: every ChannelCreated of the contract is read, its config filtered by the caller.
const CHANNEL_CREATED = parseAbiItem('event ChannelCreated(bytes32 indexed channelId, (address payer, address payerAuthorizer, address receiver, address receiverAuthorizer, address token, uint40 withdrawDelay, bytes32 salt) config)');

/** {channel(channelId) → {balance, totalClaimed} (bigints), withdrawal, time, gas, mined(transaction) → boolean, head, created}. */
export function createChannelChain({ rpcUrl, timeoutMs = 30_000 }) {
  const client = createPublicClient({ transport: http(rpcUrl, { timeout: timeoutMs, retryCount: 1 }) });
  const read = async (what, fn) => {
    try {
      return await fn();
    } catch (error) {
      throw rpcReadError(error, rpcUrl, what);
    }
  };
  return {
    channel: (channelId) => read('a channel\'s balance (x402BatchSettlement.channels)', async () => {
      const [balance, totalClaimed] = await client.readContract({
        address: BATCH_SETTLEMENT_ADDRESS, abi: CHANNEL_ABI, functionName: 'channels', args: [channelId],
      });
      return { balance, totalClaimed };
    }),
    /** The timed withdrawal pending on the channel: {amount (bigint), initiatedAt (Unix seconds; 0: none)}. */
    withdrawal: (channelId) => read('a channel\'s pending withdrawal (x402BatchSettlement.pendingWithdrawals)', async () => {
      const [amount, initiatedAt] = await client.readContract({
        address: BATCH_SETTLEMENT_ADDRESS, abi: CHANNEL_ABI, functionName: 'pendingWithdrawals', args: [channelId],
      });
      return { amount, initiatedAt: Number(initiatedAt) };
    }),
    /** The latest block's timestamp (Unix seconds): the contract's clock. */
    time: () => read('the latest block', async () => Number((await client.getBlock({ blockTag: 'latest' })).timestamp)),
    /** The latest block's number (bigint). */
    head: () => read('the latest block number', () => client.getBlockNumber()),
    /** The contract's ChannelCreated events in blocks [fromBlock, toBlock]: [{channelId, config, blockNumber}]. */
    created: (fromBlock, toBlock) => read(`the channel contract's ChannelCreated events (blocks ${fromBlock}–${toBlock})`, async () => {
      const logs = await client.getLogs({ address: BATCH_SETTLEMENT_ADDRESS, event: CHANNEL_CREATED, fromBlock, toBlock, strict: true });
      return logs.map((log) => ({ channelId: log.args.channelId, config: log.args.config, blockNumber: log.blockNumber }));
    }),
    /** An address's ETH balance in wei (to pay for gas). */
    gas: (address) => read(`the ETH balance of ${address}`, () => client.getBalance({ address })),
    /** Waits for the transaction's receipt: true when it succeeded, false when it reverted. */
    mined: (transaction) => read(`the receipt of ${transaction}`, async () => {
      const receipt = await client.waitForTransactionReceipt({ hash: transaction, timeout: timeoutMs, pollingInterval: 250 });
      return receipt.status === 'success';
    }),
  };
}
