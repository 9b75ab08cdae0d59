// send_payment in contract mode: the agent key calls agentExecute /
// agentTransferToken through the durable sender, and the result is what the
// receipt's events say — "executed" only with TransactionExecuted, "queued"
// only with TransactionQueued; neither is ERR_TX_UNEXPECTED (fail closed).
import { encodeFunctionData, parseEventLogs } from 'viem';

import { sameAddress } from '../hashing.js';
import { AGENT_ACCOUNT_ABI } from './agent_account_abi.js';
import { walletError } from './errors.js';
import { checkMemo } from './memo.js';
import { sendKey } from './send_key.js';
import { amountShape, checkAddress, parseAmount } from './token_info.js';

/** `send({to, amount, token, tokenDecimals, memo})` resolves to a SendResult (README.md). */
export function createContractSend({ config, reads, sender }) {
  const address = config.walletAddress;
  const agent = config.agentAddress;
  const { read, requireContract, tokenOf } = reads;

  async function send({ to, amount, token, tokenDecimals, memo } = {}) {
    await requireContract();
    const recipient = checkAddress(to, 'to', { refuseZero: true });
    if (sameAddress(recipient, address)) throw walletError('ERR_WALLET_INPUT', `"to" is the wallet itself (${address}); nothing would move`);
    const note = checkMemo(memo);
    const t = await tokenOf(token);
    const units = parseAmount(amount, t, { tokenDecimals, field: 'amount_eth' });
    if (!(await read('isOperatorActive', [agent]))) {
      throw walletError('ERR_NOT_OPERATOR',
        `The agent key ${agent} is not an active operator of wallet ${address}; the wallet's owner must call setOperator(${agent}, true). Nothing was sent.`);
    }
    const data = t.token === null
      ? encodeFunctionData({ abi: AGENT_ACCOUNT_ABI, functionName: 'agentExecute', args: [recipient, units, '0x'] })
      : encodeFunctionData({ abi: AGENT_ACCOUNT_ABI, functionName: 'agentTransferToken', args: [t.token, recipient, units] });
    // One logical send: the same call repeated after a crash or a lost
    // answer resumes the recorded transaction instead of signing another.
    const key = sendKey(['contract-send', address, recipient, t.token, units.toString(), note]);
    const sent = await sender.send({
      key, to: address, data, value: 0n, abi: AGENT_ACCOUNT_ABI,
      meta: { kind: 'wallet-send', mode: 'contract', to: recipient, token: t.token, units: units.toString(), memo: note },
    });
    // The outcome is reported from here on, as a result or as an error: the
    // key is free for a new, deliberate send of the same amount.
    sender.markAnswered(sent.id);
    const { receipt } = sent;
    if (receipt.status !== 'success') {
      throw walletError('ERR_TX_REVERTED', `The send reverted on chain (tx ${sent.txHash}); nothing moved.`, { txHash: sent.txHash });
    }
    const events = parseEventLogs({ abi: AGENT_ACCOUNT_ABI, logs: receipt.logs.filter((log) => sameAddress(log.address, address)) });
    const queued = events.find((e) => e.eventName === 'TransactionQueued');
    const executed = events.find((e) => e.eventName === 'TransactionExecuted');
    const base = {
      mode: 'contract', to: recipient, value: amountShape(units, t), memo: note,
      txHash: sent.txHash, blockNumber: receipt.blockNumber.toString(), resumed: Boolean(sent.resumed),
    };
    if (queued) {
      return { ...base, status: 'queued', queueId: queued.args.txId.toString(), reason: 'over the wallet\'s per-transaction or period limit: the owner approves or cancels it' };
    }
    if (executed) return { ...base, status: 'executed' };
    // Fail closed: a success receipt without either event is not a payment we can vouch for.
    throw walletError('ERR_TX_UNEXPECTED', `Transaction ${sent.txHash} succeeded but the wallet emitted neither TransactionExecuted nor TransactionQueued; check it on chain before retrying.`, { txHash: sent.txHash });
  }

  return send;
}
