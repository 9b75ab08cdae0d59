// What the chain says about the settlements of a channel contract to one
// payee in one token: the running total it has settled
// (x402BatchSettlement.receivers → totalSettled) and its Settled events. The
// seller's books (channel_books.js) believe these, not the facilitator's
// word, and read them through one RPC of the seller's choosing.
import { TransactionReceiptNotFoundError, createPublicClient, http, parseAbi, parseAbiItem } from 'viem';

import { rpcReadError } from '../wallet/chain_client.js';

const RECEIVERS_ABI = parseAbi([
  'function receivers(address receiver, address token) view returns (uint128 totalClaimed, uint128 totalSettled)',
]);
export const SETTLED_EVENT = parseAbiItem('event Settled(address indexed receiver, address indexed token, address indexed sender, uint128 amount)');

const RECEIPT_ATTEMPTS = 8;
const RECEIPT_PAUSE_MS = 250;

const settledOf = (log) => ({
  transaction: log.transactionHash.toLowerCase(), blockNumber: log.blockNumber, logIndex: log.logIndex, amount: log.args.amount,
});

/**
 * The settlements of `contract` to `receiver` in `token`, read at `rpcUrl`.
 * Amounts and blocks are bigints.
 */
export function createSettlementChain({ rpcUrl, contract, receiver, token, timeoutMs = 30_000 }) {
  // cacheTime 0: viem would otherwise answer the block number from a cache of seconds, and a just-mined settlement be missed.
  const client = createPublicClient({ transport: http(rpcUrl, { timeout: timeoutMs, retryCount: 1 }), cacheTime: 0 });
  const read = async (what, fn) => {
    try {
      return await fn();
    } catch (error) {
      throw rpcReadError(error, rpcUrl, what);
    }
  };
  const filter = { address: contract, event: SETTLED_EVENT, args: { receiver, token } };
  return {
    head: () => read('the latest block number', () => client.getBlockNumber()),
    /** What the contract has settled to the receiver in all, as of `blockNumber`. */
    settledTotal: (blockNumber) => read('the payee\'s settled total (x402BatchSettlement.receivers)', async () => {
      const [, totalSettled] = await client.readContract({
        address: contract, abi: RECEIVERS_ABI, functionName: 'receivers', args: [receiver, token], blockNumber,
      });
      return totalSettled;
    }),
    /** The Settled events to the receiver from `fromBlock` to `toBlock`, both included. */
    settledBetween: (fromBlock, toBlock) => read(`the Settled events of blocks ${fromBlock} to ${toBlock}`, async () => (
      (await client.getLogs({ ...filter, fromBlock, toBlock, strict: true })).map(settledOf)
    )),
    /**
     * The Settled events to the receiver in one transaction (the facilitator
     * says it is mined; this RPC may lag it by a few blocks, not more: a
     * later reconciliation books what it missed). An unreachable RPC fails at once.
     */
    settledIn: (transaction) => read(`the receipt of ${transaction}`, async () => {
      let mined;
      for (let attempt = 0; mined === undefined; attempt++) {
        try {
          mined = await client.getTransactionReceipt({ hash: transaction });
        } catch (error) {
          if (!(error instanceof TransactionReceiptNotFoundError) || attempt >= RECEIPT_ATTEMPTS) throw error;
          await new Promise((resolve) => { setTimeout(resolve, RECEIPT_PAUSE_MS); });
        }
      }
      if (mined.status !== 'success') return [];
      const logs = await client.getLogs({ ...filter, blockHash: mined.blockHash, strict: true });
      return logs.filter((log) => log.transactionHash.toLowerCase() === transaction.toLowerCase()).map(settledOf);
    }),
  };
}
