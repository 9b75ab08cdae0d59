// One key-mode transfer through the durable sender, and its verdict: a send
// is "executed" only when its receipt says success and, for an ERC-20, the
// token logged a Transfer of exactly the amount from the key to the
// recipient. The day's reservation is given back whenever the amount
// definitely did not move.
import { encodeFunctionData, erc20Abi, parseEventLogs } from 'viem';

import { sameAddress } from '../hashing.js';
import { formatUnits } from '../pay/amount.js';
import { walletError } from './errors.js';

/** An ERC-20 Transfer of exactly `units` from → to, logged by `token`, in the receipt? */
function transferLogged(receipt, { token, from, to, units }) {
  const transfers = parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs: receipt.logs ?? [] });
  return transfers.some((log) => sameAddress(log.address, token) && sameAddress(log.args.from, from) &&
    sameAddress(log.args.to, to) && log.args.value === units);
}

/** The transaction that moves `units` of `info` to `to`. */
function transferCall(info, to, units) {
  if (info.token === null) return { to, data: '0x', value: units };
  return { to: info.token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, units] }), value: 0n };
}

/**
 * `execute({key, info, to, units, meta})` resolves to {sent, blockNumber,
 * problem}: problem is null, or the ERR_TX_REVERTED / ERR_TX_UNEXPECTED
 * error to report once the outcome is recorded.
 */
export function createKeyTransfer({ txSender, policy, address }) {
  async function execute({ key, info, to, units, meta }) {
    let sent;
    try {
      sent = await txSender.send({ key, ...transferCall(info, to, units), meta, abi: erc20Abi });
    } catch (error) {
      if (error.notSent) policy.release(meta.reservation);
      throw error;
    }
    const { receipt } = sent;
    const blockNumber = receipt.blockNumber.toString();
    if (receipt.status !== 'success') {
      // Gas was spent, but the amount did not move: it goes back to the day's budget.
      policy.release(meta.reservation);
      return { sent, blockNumber, problem: walletError('ERR_TX_REVERTED',
        `The transfer reverted on chain (tx ${sent.txHash}, block ${blockNumber}); no ${info.symbol} moved, only gas was spent.`,
        { txHash: sent.txHash, blockNumber }) };
    }
    if (info.token !== null && !transferLogged(receipt, { token: info.token, from: address, to, units })) {
      // Success without the Transfer we asked for (a fee-on-transfer or odd
      // token): not "executed", and the budget stays used.
      return { sent, blockNumber, problem: walletError('ERR_TX_UNEXPECTED',
        `Transaction ${sent.txHash} succeeded but ${info.token} logged no Transfer of ${formatUnits(units, info.decimals)} ${info.symbol} ` +
        `from ${address} to ${to}; check it on chain before sending again.`, { txHash: sent.txHash, blockNumber }) };
    }
    return { sent, blockNumber, problem: null };
  }

  return execute;
}
