// What the durable sender asks the chain about the key's transactions: a
// simulation before anything is signed, receipts, whether the node knows a
// hash, and the key's nonces. Also how to tell "the node answered" (a
// JSON-RPC error: a verdict) from "no answer" (network, timeout: no verdict).
import {
  RpcRequestError,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  decodeErrorResult,
} from 'viem';

import { walletError } from './errors.js';

export const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

/** Whether the node answered (a JSON-RPC error), as opposed to no answer at all (network, timeout, HTTP status). */
export function nodeAnswered(error) {
  return Boolean(error?.walk?.((e) => e instanceof RpcRequestError));
}

function revertData(error) {
  const found = error?.walk?.((e) => typeof e?.data === 'string' && HEX.test(e.data) && e.data.length >= 10);
  return found?.data ?? null;
}

/** The revert reason of a failed eth_call: Error(string), a Panic, or a custom error of `abi`. */
function revertReason(error, abi) {
  const data = revertData(error);
  if (data) {
    try {
      const { errorName, args = [] } = decodeErrorResult({ abi: abi ?? [], data });
      if (errorName === 'Error') return String(args[0]);
      if (errorName === 'Panic') return `panic 0x${args[0].toString(16)}`;
      return `${errorName}(${args.map((a) => String(a)).join(', ')})`;
    } catch {
      return `custom error ${data.slice(0, 10)}`;
    }
  }
  const details = error?.walk?.((e) => typeof e?.details === 'string' && e.details.length > 0)?.details;
  return details ?? null;
}

/**
 * @param {object} options
 * @param {object} options.publicClient  viem
 * @param {string} options.from          the key's address
 * @param {(error: unknown) => string} options.chainText  an error's short text, without the RPC URL
 */
export function createTxChain({ publicClient, from, chainText }) {
  async function simulate({ to, data, value, abi }) {
    try {
      await publicClient.call({ account: from, to, data, value });
    } catch (cause) {
      if (!nodeAnswered(cause)) {
        throw walletError('ERR_RPC', `The RPC endpoint did not answer the simulation (${chainText(cause)}); nothing was signed or sent.`, { notSent: true });
      }
      const reason = revertReason(cause, abi);
      throw walletError('ERR_TX_WOULD_REVERT',
        `The transaction would fail${reason ? `: ${reason}` : ` (${chainText(cause)})`}; nothing was signed or sent.`,
        { reason: reason ?? chainText(cause), notSent: true });
    }
  }

  async function receiptOf(hash) {
    try {
      return await publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError || error?.walk?.((e) => e instanceof TransactionReceiptNotFoundError)) return null;
      throw error;
    }
  }

  async function known(hash) {
    try {
      await publicClient.getTransaction({ hash });
      return true;
    } catch (error) {
      if (error instanceof TransactionNotFoundError || error?.walk?.((e) => e instanceof TransactionNotFoundError)) return false;
      throw error;
    }
  }

  const pendingNonce = () => publicClient.getTransactionCount({ address: from, blockTag: 'pending' });
  const minedNonce = () => publicClient.getTransactionCount({ address: from, blockTag: 'latest' });

  return { simulate, receiptOf, known, pendingNonce, minedNonce };
}
