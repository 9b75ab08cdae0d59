// The wallet of clawpay-mcp's six wallet tools, in the mode the
// configuration names (config.walletMode; see README.md): an AgentAccountV2
// the agent key operates, or the key itself. Both share one durable
// transaction sender, so the agent key's nonces come from one queue.
import { chainGuard, createChainClients } from './chain_client.js';
import { createContractWallet } from './contract_wallet.js';
import { deployWallet } from './deploy.js';
import { createKeyWallet } from './key_wallet.js';
import { createTxSender } from './tx_sender.js';

/**
 * @param {object} options
 * @param {object} options.config  loadConfig()
 * @param {object} options.store   the pay store (RecordStore): transactions, the local queue, day totals
 * @param {import('../signer.js').Signer} options.signer  the agent key
 * @param {() => number} [options.now]
 * @returns {object} the mode's wallet (mode, address, info, checkSpend, send, queue, history)
 *   plus deploy(args), reconcile() and runApproved()
 */
export function openWallet({ config, store, signer, now = Date.now }) {
  const clients = createChainClients(config, { signer });
  const sender = createTxSender({ store, signer, clients, now, rpcUrl: config.rpcUrl });
  const wallet = config.walletMode === 'contract'
    ? createContractWallet({ config, clients, sender })
    : createKeyWallet({ config, store, signer, clients, sender, now });
  // A failed chain read names the read and the RPC URL without its credentials,
  // in either mode (viem's own message would show the whole URL).
  const guard = chainGuard(config.rpcUrl);
  const guarded = (fn) => (...args) => guard(() => fn(...args));
  return {
    ...wallet,
    agent: config.agentAddress,
    info: guarded(wallet.info),
    checkSpend: guarded(wallet.checkSpend),
    send: guarded(wallet.send),
    history: guarded(wallet.history),
    queue: { ...wallet.queue, list: guarded(wallet.queue.list), approve: guarded(wallet.queue.approve), cancel: guarded(wallet.queue.cancel) },
    deploy: guarded((args) => deployWallet({ config, clients, sender }, args)),
    reconcile: guarded(() => sender.reconcile()),
    // Approvals recorded without the key exist in key mode only (the contract's queue is on chain).
    runApproved: wallet.runApproved ?? (async () => []),
  };
}
