// The "contract" mode wallet: an AgentAccountV2 the agent key operates.
//
// The contract is the policy: a payment within remainingBudget executes, one
// over the per-transaction or period limit is queued on chain
// (TransactionQueued) for the owner — the holder of the wallet's NFT — to
// approve or cancel. So a send reports what its receipt's events say, never
// what we expected: "executed" only with TransactionExecuted, "queued" only
// with TransactionQueued.
//
// Owner-only calls (approvePending, cancelPending, setSpendPolicy,
// setOperator, execute) are never sent with the agent key: with an agent key
// that happened to own the NFT, the agent could approve its own over-limit
// payments. The queue's approve and cancel return the call for the owner.
//
// Amounts and period times come from the chain: token decimals from the
// token, "now" from the latest block (the chain's clock decides periods).
//
// The steps live in their own files, wired here:
//   reads of the contract      contract_reads.js (it is an AgentAccountV2, owner, Limits, queue)
//   info and check_spend_limit contract_info.js
//   send_payment               contract_send.js (judged by the receipt's events)
//   the owner's queue calls    contract_owner_call.js (returned, never sent)
//   history                    contract_history.js
import { contractHistory } from './contract_history.js';
import { createContractInfo } from './contract_info.js';
import { createContractReads } from './contract_reads.js';
import { createContractSend } from './contract_send.js';
import { createOwnerCall } from './contract_owner_call.js';

export { QUEUE_SCAN, limitsShape } from './contract_reads.js';

/**
 * @param {object} options
 * @param {object} options.config   loadConfig(): walletAddress (the contract), agentAddress, asset, chainId
 * @param {{publicClient: object}} options.clients  createChainClients()
 * @param {object} options.sender   createTxSender(): the durable way the agent key sends
 */
export function createContractWallet({ config, clients, sender }) {
  const { publicClient } = clients;
  const address = config.walletAddress;
  const agent = config.agentAddress;
  const reads = createContractReads({ config, publicClient });
  const { requireContract, queueEntries } = reads;
  const { info, checkSpend } = createContractInfo({ config, publicClient, reads });
  const send = createContractSend({ config, reads, sender });
  const ownerCall = createOwnerCall({ config, publicClient, reads });

  return {
    mode: 'contract',
    address,
    agent,
    info,
    checkSpend,
    send,
    queue: {
      async list() {
        await requireContract();
        const { items, total, scanned } = await queueEntries();
        return { items: items.filter((item) => item.status === 'pending').reverse(), total: Number(total), scanned, ownerApproves: true };
      },
      approve: (id) => ownerCall('approve', id),
      cancel: (id) => ownerCall('cancel', id),
    },
    async history(options = {}) {
      await requireContract();
      return contractHistory({ publicClient, address, ...options });
    },
  };
}
