// The "key" mode wallet: the agent key's own address (AGENT_WALLET_ADDRESS
// absent or equal to it). ETH and ERC-20 sends from the key, under the local
// send policy (send_policy.js); a send over it waits in the durable approval
// queue (approval_queue.js) until a person approves it with `clawpay
// approvals` or someone cancels it. Every transaction goes through the
// durable sender (tx_sender.js), so a repeated call after a crash or a lost
// answer resumes the same transaction instead of paying twice.
//
// The steps live in their own files, wired here:
//   tokens and balances        key_assets.js (the asset's decimals checked against the chain)
//   send_payment               key_send.js: policy, then execute or queue
//   one transfer and its verdict  key_transfer.js ("executed" only with the receipt's success
//                              and, for an ERC-20, a Transfer of exactly the amount)
//   a person's approval        key_approval.js (`clawpay approvals approve`)
//   approvals given without the key  approved_sends.js (clawpay-mcp sends them)
//   info and check_spend_limit key_info.js
//   history                    key_history.js
// Results use the shapes of README.md.
import { sameAddress } from '../hashing.js';
import { WAITING_STATUSES, createApprovalQueue, parseQueueId } from './approval_queue.js';
import { createApprovedSends } from './approved_sends.js';
import { chainGuard, createChainClients } from './chain_client.js';
import { walletError } from './errors.js';
import { createKeyApproval, queueItemShape } from './key_approval.js';
import { createKeyAssets } from './key_assets.js';
import { createKeyHistory } from './key_history.js';
import { createKeyInfo } from './key_info.js';
import { createKeySend } from './key_send.js';
import { createKeyTransfer } from './key_transfer.js';
import { createSendPolicy } from './send_policy.js';
import { createTxSender } from './tx_sender.js';

/**
 * Whether the agent itself may approve queued sends: no. The queue exists for
 * the sends over the agent's limits; an agent that could approve them would
 * have no limits. A person approves with `clawpay approvals approve <id>`;
 * the MCP tools offer the agent list and cancel only.
 */
export const AGENT_MAY_APPROVE = false;

/**
 * @param {object} options
 * @param {object} options.config   loadConfig() in walletMode 'key'
 * @param {object} options.store    the pay store (RecordStore): transactions, queue, day totals, payments
 * @param {import('../signer.js').Signer} options.signer  the agent key
 * @param {object} [options.clients]  createChainClients(config, {signer})
 * @param {object} [options.sender]   createTxSender(); one per key, shared with the other mode's tools
 * @param {() => number} [options.now]  milliseconds
 * @param {Function} [options.broadcast]  passed to the sender this makes (tests: a crash after recording)
 */
export function createKeyWallet({ config, store, signer, clients, sender, now = Date.now, broadcast }) {
  if (config?.walletMode !== 'key') {
    throw walletError('ERR_WALLET_MODE', 'createKeyWallet is for walletMode "key" (AGENT_WALLET_ADDRESS absent or the key\'s own address)');
  }
  if (!store || !signer) throw new TypeError('createKeyWallet needs {config, store, signer}');
  if (!sameAddress(signer.address, config.agentAddress)) {
    throw new TypeError(`createKeyWallet: the signer ${signer.address} is not the configured agent key ${config.agentAddress}`);
  }
  const address = config.agentAddress;
  const chainClients = clients ?? createChainClients(config, { signer });
  const { publicClient } = chainClients;
  const txSender = sender ?? createTxSender({ store, signer, clients: chainClients, now, broadcast, rpcUrl: config.rpcUrl });
  const policy = createSendPolicy({ config, store, now });
  const queue = createApprovalQueue({ store, now });

  // viem's own errors carry the RPC URL in their long message: callers get
  // the short one, naming the read and the URL without credentials.
  const guard = chainGuard(config.rpcUrl);

  const assets = createKeyAssets({ config, publicClient, address });
  const execute = createKeyTransfer({ txSender, policy, address });
  const send = createKeySend({ config, address, tokenOf: assets.tokenOf, txSender, policy, queue, execute });
  const approve = createKeyApproval({ config, address, policy, queue, execute, txSender });
  const runApproved = createApprovedSends({ queue, approve: (id) => guard(() => approve(id)), now });
  const { info, checkSpend } = createKeyInfo({ config, address, assets, policy, queue, now });
  const history = createKeyHistory({ config, store, publicClient, address, assetInfo: assets.assetInfo, txSender, queue });

  // What a reconciled record means for the policy and the queue: a send
  // that never moved its amount gives its reservation back; an approval's
  // item learns its outcome.
  txSender.onReconciled((record) => {
    const meta = record.meta ?? {};
    if (meta.wallet !== address) return;
    const moved = record.state === 'mined' && record.status === 'success';
    if (!moved && record.state !== 'signed' && record.state !== 'sent') policy.release(meta.reservation);
    if (meta.kind === 'key-approval' && meta.queueId) {
      try {
        // Recorded here when the sender was killed after the broadcast (the record is settled on restart).
        queue.finish(meta.queueId, moved
          ? { status: 'executed', txHash: record.txHash, blockNumber: record.blockNumber }
          : { status: 'failed', txHash: record.txHash, error: `transaction ${record.state === 'mined' ? 'reverted' : record.state} (found on restart)` });
      } catch {
        // the item was settled by its approver already
      }
    }
  });

  return {
    mode: 'key',
    address,
    agent: address,
    info: (options) => guard(() => info(options)),
    checkSpend: (options) => guard(() => checkSpend(options)),
    send: (options) => guard(() => send(options)),
    queue: {
      /**
       * {items, total}: by default the items still to be sent (pending, and
       * approved by a person but not yet sent); `status: 'all'` (or one status) for the others.
       */
      async list({ status = 'waiting' } = {}) {
        const items = status === 'waiting' ? queue.list().filter((item) => WAITING_STATUSES.includes(item.status)) : queue.list({ status });
        return { items: items.map(queueItemShape), total: queue.list().length, ownerApproves: false };
      },
      /** A person's approval (`clawpay approvals`): executes the queued send. Never offered to the agent (AGENT_MAY_APPROVE). */
      approve: (id) => guard(() => approve(id)),
      /** Cancels a pending item; nothing is sent. */
      async cancel(id) {
        return queueItemShape(queue.claim(parseQueueId(id), 'cancel'));
      },
    },
    history: (options) => guard(() => history(options)),
    /**
     * Sends the items a person approved without the key (clawpay-mcp, at
     * start and at each tool call): [{item, error?}] for those it tried.
     */
    runApproved,
    /** Settles transactions left open by an earlier run (see tx_sender.js). */
    reconcile: () => guard(() => txSender.reconcile()),
  };
}
