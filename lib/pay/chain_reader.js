// What the chain says about an EIP-3009 authorization: whether its nonce was
// used (authorizationState) and by which transaction (AuthorizationUsed).
// The payer asks only when a server's answer left a payment's outcome open;
// the chain's answer is final, the server's is not.
import { createPublicClient, http, parseAbi } from 'viem';

const EIP3009_ABI = parseAbi([
  'function authorizationState(address authorizer, bytes32 nonce) view returns (bool)',
  'event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)',
]);
/** How far back to look for the transaction that used a nonce (Base: ~5.5 hours). */
const LOG_WINDOW_BLOCKS = 10_000n;

/**
 * A reader for one chain over JSON-RPC.
 * @param {{rpcUrl: string, network: string, timeoutMs?: number}} options
 * @returns {{network: string, authorizationUsed(q): Promise<boolean>, findTransaction(q): Promise<string|null>}}
 *   q = {asset, authorizer, nonce}
 */
export function createChainReader({ rpcUrl, network, timeoutMs = 10_000 }) {
  const client = createPublicClient({ transport: http(rpcUrl, { timeout: timeoutMs, retryCount: 1 }) });
  return {
    network,
    async authorizationUsed({ asset, authorizer, nonce }) {
      return client.readContract({ address: asset, abi: EIP3009_ABI, functionName: 'authorizationState', args: [authorizer, nonce] });
    },
    async findTransaction({ asset, authorizer, nonce }) {
      try {
        const latest = await client.getBlockNumber({ cacheTime: 0 });
        const logs = await client.getLogs({
          address: asset,
          event: EIP3009_ABI[1],
          args: { authorizer, nonce },
          fromBlock: latest > LOG_WINDOW_BLOCKS ? latest - LOG_WINDOW_BLOCKS : 0n,
          toBlock: latest,
        });
        return logs[0]?.transactionHash ?? null;
      } catch {
        return null; // the payment is known to be made; only its hash is missing
      }
    },
  };
}
