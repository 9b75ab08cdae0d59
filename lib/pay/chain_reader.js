// What the chain says about an EIP-3009 authorization: whether its nonce was
// used or cancelled (authorizationState), and by which transaction — the
// AuthorizationUsed log of a transfer, or the AuthorizationCanceled log of a
// cancelAuthorization. The state alone cannot tell the two apart: both set
// it true, but only a transfer moves money.
// The payer asks only when a server's answer left a payment's outcome open;
// the chain's answer is final, the server's is not.
import { createPublicClient, http, parseAbi } from 'viem';

import { rpcReadError } from '../wallet/chain_client.js';

export const EIP3009_ABI = parseAbi([
  'function authorizationState(address authorizer, bytes32 nonce) view returns (bool)',
  'function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)',
  'event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)',
  'event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce)',
]);
const USED_EVENT = EIP3009_ABI.find((item) => item.name === 'AuthorizationUsed');
const CANCELED_EVENT = EIP3009_ABI.find((item) => item.name === 'AuthorizationCanceled');
/** How far back to look for the transaction that used a nonce (Base: ~5.5 hours). */
const LOG_WINDOW_BLOCKS = 10_000n;

/**
 * A reader for one chain over JSON-RPC.
 * @param {{rpcUrl: string, network: string, timeoutMs?: number}} options
 * @returns {{network: string, authorizationUsed(q): Promise<boolean>,
 *   authorizationEvent(q): Promise<{event: 'used' | 'canceled', transaction: string} | null>,
 *   findTransaction(q): Promise<string|null>}}
 *   q = {asset, authorizer, nonce}
 */
export function createChainReader({ rpcUrl, network, timeoutMs = 10_000 }) {
  const client = createPublicClient({ transport: http(rpcUrl, { timeout: timeoutMs, retryCount: 1 }) });

  // A failure names the read and the RPC URL without its credentials.
  async function read(what, fn) {
    try {
      return await fn();
    } catch (error) {
      throw rpcReadError(error, rpcUrl, what);
    }
  }

  /** The log that spent the nonce, or null (none in the window; throws when the chain cannot be read). */
  function authorizationEvent(q) {
    return read(`the EIP-3009 authorization logs of ${q.authorizer} on ${q.asset} (eth_getLogs)`, () => findEvent(q));
  }

  async function findEvent({ asset, authorizer, nonce }) {
    const latest = await client.getBlockNumber({ cacheTime: 0 });
    const window = { address: asset, args: { authorizer, nonce }, fromBlock: latest > LOG_WINDOW_BLOCKS ? latest - LOG_WINDOW_BLOCKS : 0n, toBlock: latest };
    const [used, canceled] = await Promise.all([
      client.getLogs({ ...window, event: USED_EVENT }),
      client.getLogs({ ...window, event: CANCELED_EVENT }),
    ]);
    if (used[0]) return { event: 'used', transaction: used[0].transactionHash };
    if (canceled[0]) return { event: 'canceled', transaction: canceled[0].transactionHash };
    return null;
  }

  return {
    network,
    async authorizationUsed({ asset, authorizer, nonce }) {
      return read(`an authorization's state for ${authorizer} on ${asset} (authorizationState)`,
        () => client.readContract({ address: asset, abi: EIP3009_ABI, functionName: 'authorizationState', args: [authorizer, nonce] }));
    },
    authorizationEvent,
    async findTransaction(q) {
      try {
        const found = await authorizationEvent(q);
        return found?.event === 'used' ? found.transaction : null;
      } catch {
        return null; // the payment is known to be made; only its hash is missing
      }
    },
  };
}
