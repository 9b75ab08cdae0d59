// What the contract-mode wallet reads from its AgentAccountV2: that it is
// one (fail closed, with the cause named, when AGENT_WALLET_ADDRESS is not),
// who owns it, its spend policies as Limits, balances, and the on-chain
// queue. Period times come from the chain's clock (the latest block).
import { zeroAddress } from 'viem';

import { AGENT_ACCOUNT_ABI, ERC721_OWNER_ABI } from './agent_account_abi.js';
import { reading } from './chain_client.js';
import { walletError } from './errors.js';
import { amountShape, balanceRead, checkAddress, tokenInfo, utilization } from './token_info.js';

/** How many of the newest queue entries `queue.list` and the queue depth look at. */
export const QUEUE_SCAN = 256;

/**
 * The Limits shape (lib/wallet/README.md) of a spend policy read from the
 * contract, at chain time `chainNow` (unix seconds, bigint).
 */
export function limitsShape(info, policy, remaining, chainNow) {
  const [perTxLimit, periodLimit, periodLength, , periodStart] = policy;
  const [, inPeriod] = remaining;
  // remainingBudget already treats an elapsed period as fresh; the spent
  // amount shown agrees with it rather than with the stale stored counter.
  const spent = periodLimit > inPeriod ? periodLimit - inPeriod : 0n;
  const rolled = periodLength > 0n && chainNow >= periodStart + periodLength;
  const resetAt = rolled ? null : periodStart + periodLength;
  return {
    token: info.token,
    symbol: info.symbol,
    decimals: info.decimals,
    perTx: amountShape(perTxLimit, info),
    periodLimit: amountShape(periodLimit, info),
    periodLength: Number(periodLength),
    periodSpent: amountShape(spent, info),
    remainingInPeriod: amountShape(inPeriod, info),
    periodStart: rolled || periodStart === 0n ? null : Number(periodStart),
    secondsUntilReset: resetAt === null ? null : Number(resetAt > chainNow ? resetAt - chainNow : 0n),
    utilization: utilization(spent, periodLimit),
  };
}

/** The reads of the wallet at config.walletAddress, bound to it. */
export function createContractReads({ config, publicClient }) {
  const address = config.walletAddress;
  const read = (functionName, args = []) => publicClient.readContract({ address, abi: AGENT_ACCOUNT_ABI, functionName, args });
  let confirmed = false;

  // Fails closed, with the cause named, when AGENT_WALLET_ADDRESS is not a
  // contract (a typo, the wrong chain, a wallet not deployed yet).
  async function requireContract() {
    if (confirmed) return;
    const code = await publicClient.getCode({ address });
    if (!code || code === '0x') {
      throw walletError('ERR_WALLET_NOT_CONTRACT',
        `AGENT_WALLET_ADDRESS ${address} has no contract code on chain ${config.chainId}: deploy the AgentAccountV2 first ` +
        '(deploy_wallet), check CHAIN_ID, or leave AGENT_WALLET_ADDRESS unset to use the agent key\'s own address');
    }
    try {
      await read('pendingNonce');
    } catch (cause) {
      throw walletError('ERR_WALLET_NOT_CONTRACT',
        `AGENT_WALLET_ADDRESS ${address} is a contract but not an AgentAccountV2 (pendingNonce() failed: ${cause.shortMessage ?? cause.message})`);
    }
    confirmed = true;
  }

  const chainNow = async () => (await publicClient.getBlock({ blockTag: 'latest' })).timestamp;
  // Who owns the wallet: the holder of its NFT.
  async function ownership() {
    const [nftContract, tokenId] = await Promise.all([read('tokenContract'), read('tokenId')]);
    let owner = null;
    try {
      owner = await publicClient.readContract({ address: nftContract, abi: ERC721_OWNER_ABI, functionName: 'ownerOf', args: [tokenId] });
    } catch {
      owner = null; // the NFT burnt or its contract gone: no one can approve
    }
    return { owner, nftContract, tokenId: tokenId.toString() };
  }

  const tokenOf = (token) => tokenInfo(publicClient, token === undefined || token === null || token === '' ? null : checkAddress(token, 'token'));

  async function limitsFor(info, now) {
    const key = info.token ?? zeroAddress;
    const [policy, remaining] = await Promise.all([read('spendPolicies', [key]), read('remainingBudget', [key])]);
    return limitsShape(info, policy, remaining, now ?? await chainNow());
  }

  async function balanceOf(info) {
    if (info.token === null) return reading(balanceRead(info, address), () => publicClient.getBalance({ address }));
    return reading(balanceRead(info, address), () => publicClient.readContract({
      address: info.token,
      abi: [{ type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'a', type: 'address' }], outputs: [{ name: '', type: 'uint256' }] }],
      functionName: 'balanceOf',
      args: [address],
    }));
  }

  /** The newest QUEUE_SCAN queue entries as QueueItems, oldest first. */
  async function queueEntries() {
    const next = await read('pendingNonce');
    const first = next > BigInt(QUEUE_SCAN) ? next - BigInt(QUEUE_SCAN) : 0n;
    const ids = [];
    for (let id = first; id < next; id += 1n) ids.push(id);
    const rows = await Promise.all(ids.map((id) => read('getPending', [id])));
    const items = [];
    for (const [i, row] of rows.entries()) {
      const [to, value, token, amount, createdAt, executed, cancelled] = row;
      const info = await tokenInfo(publicClient, token === zeroAddress ? null : token);
      items.push({
        id: ids[i].toString(),
        to,
        value: amountShape(token === zeroAddress ? value : amount, info),
        createdAt: Number(createdAt),
        status: executed ? 'executed' : cancelled ? 'cancelled' : 'pending',
      });
    }
    return { items, total: next, scanned: ids.length };
  }

  return { read, requireContract, chainNow, ownership, tokenOf, limitsFor, balanceOf, queueEntries };
}
