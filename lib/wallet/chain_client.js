// viem clients for the configured chain, with the agent key (a native
// Signer) as the wallet client's account.
//
// RPC_URL may embed a provider's API key, so it is kept out of everything
// that might be shown: the chain object carries no URL (the transport has
// it), chainErrorMessage gives a viem error's text without it, and
// shownRpcUrl is the URL as it may be shown (scheme, host, port). A failed
// read reaches a person or model as rpcReadError: the URL so shown, what was
// being read (named with `reading`, or as viem's error says), the node's answer.
import { BaseError, createPublicClient, createWalletClient, defineChain, http } from 'viem';
import { base, baseSepolia } from 'viem/chains';

import { toViemAccount } from '../viem_account.js';
import { walletError } from './errors.js';

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Polling for receipts on a local chain (anvil mines at once). */
const LOCAL_POLLING_MS = 50;
const REQUEST_TIMEOUT_MS = 15_000;

// The chain's definition without any RPC URL: viem's own for Base (its fee
// and transaction formatters), a plain EVM chain otherwise.
function chainFor(chainId) {
  const known = { [base.id]: base, [baseSepolia.id]: baseSepolia }[chainId];
  if (known) return { ...known, rpcUrls: { default: { http: [] } } };
  return defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [] } },
  });
}

/**
 * @param {object} config loadConfig(): rpcUrl, chainId
 * @param {{signer: import('../signer.js').Signer, timeoutMs?: number}} options
 * @returns {{publicClient: object, walletClient: object, chain: object}}
 */
export function createChainClients(config, { signer, timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
  if (!config?.rpcUrl || !config.chainId) {
    throw new TypeError('createChainClients needs a config with rpcUrl and chainId (loadConfig())');
  }
  const chain = chainFor(config.chainId);
  const local = LOCAL_HOSTS.has(new URL(config.rpcUrl).hostname);
  const transport = http(config.rpcUrl, { timeout: timeoutMs, retryCount: local ? 0 : 2 });
  const pollingInterval = local ? LOCAL_POLLING_MS : undefined;
  const publicClient = createPublicClient({ chain, transport, pollingInterval });
  const walletClient = signer
    ? createWalletClient({ chain, transport, pollingInterval, account: toViemAccount(signer) })
    : null;
  return { publicClient, walletClient, chain };
}

/**
 * A chain error's one-line text, without the RPC URL (viem's long messages
 * name the URL and the request body; its short ones do not, but a node's own
 * message might echo it).
 */
export function chainErrorMessage(error, rpcUrl) {
  let text = String(error?.shortMessage ?? error?.message ?? error).split('\n')[0];
  // The node's own words ("header not found", "rate limited") are in the RPC error's details.
  const answer = typeof error?.walk === 'function' ? error.walk((e) => e?.name === 'RpcRequestError') : null;
  if (answer?.details && !text.includes(answer.details)) text = `${text.replace(/\.$/, '')}: ${String(answer.details).split('\n')[0]}`;
  if (rpcUrl) {
    text = text.split(rpcUrl).join('<RPC_URL>');
    try {
      const { origin } = new URL(rpcUrl);
      text = text.split(origin).join('<RPC_URL>');
    } catch {
      // not a URL: nothing more to hide
    }
  }
  return text;
}

/**
 * RPC_URL as it may be shown: scheme, host and port only. A user name or
 * password, the path (Infura's /v3/<key>, Alchemy's /v2/<key>) and the query
 * (?apikey=) can all carry a provider's key, so they are replaced by "…".
 * "(not a URL)" when it does not parse.
 */
export function shownRpcUrl(rpcUrl) {
  let url;
  try {
    url = new URL(rpcUrl);
  } catch {
    return '(not a URL)';
  }
  const hidden = url.username || url.password || url.pathname !== '/' || url.search || url.hash;
  return `${url.protocol}//${url.host}${hidden ? '/…' : ''}`;
}

/**
 * Whether the RPC answers and is the configured chain: {publicClient, chainId}
 * or {problem} — a sentence naming the URL without credentials and what went
 * wrong (clawpay doctor, and clawpay-mcp's check at start).
 */
export async function probeRpc(config, { timeoutMs = 5_000 } = {}) {
  const shown = shownRpcUrl(config.rpcUrl);
  const { publicClient } = createChainClients(config, { timeoutMs });
  let chainId;
  try {
    chainId = await publicClient.getChainId();
  } catch (error) {
    return { problem: `RPC ${shown} does not answer: ${chainErrorMessage(error, config.rpcUrl)} (reading its chain id)` };
  }
  if (chainId !== config.chainId) {
    return { problem: `RPC ${shown} is chain ${chainId}, but CHAIN_ID is ${config.chainId}: payments would be signed for the wrong chain` };
  }
  return { publicClient, chainId };
}

/**
 * Runs the chain read `fn`, naming it for the message if it fails: the error
 * gets `.reading` ("the USDC balance of 0x… (balanceOf on 0x…)"); the
 * innermost name given sticks.
 */
export async function reading(what, fn) {
  try {
    return await fn();
  } catch (error) {
    if (error && typeof error === 'object' && error.reading === undefined) error.reading = what;
    throw error;
  }
}

/** What a viem error says was being read: its contract function and address, or its JSON-RPC method. */
function readOf(error) {
  if (error?.reading) return error.reading;
  const walk = (test) => (typeof error?.walk === 'function' ? error.walk(test) : null);
  const call = walk((e) => typeof e?.functionName === 'string');
  if (call) return `${call.functionName}() on ${call.contractAddress ?? 'a contract'}`;
  const request = walk((e) => typeof e?.body?.method === 'string');
  return request ? request.body.method : 'the chain';
}

/**
 * A failed chain read as a person or model sees it: ERR_RPC, "RPC
 * http://host:port/… failed while reading <what>: <the node's answer>",
 * never the URL's path, query or credentials.
 */
export function rpcReadError(error, rpcUrl, what = readOf(error)) {
  const where = rpcUrl ? `RPC ${shownRpcUrl(rpcUrl)}` : 'The RPC';
  return walletError('ERR_RPC', `${where} failed while reading ${what}: ${chainErrorMessage(error, rpcUrl)}`, { reading: what });
}

/** `guard(fn)`: runs fn, turning viem's errors (which carry the whole URL) into rpcReadError. */
export function chainGuard(rpcUrl) {
  return async (fn) => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof BaseError) throw rpcReadError(error, rpcUrl);
      throw error;
    }
  };
}
