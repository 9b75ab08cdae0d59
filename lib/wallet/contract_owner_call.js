// The owner's side of the contract queue: approvePending / cancelPending are
// never sent with the agent key (an agent key that owned the NFT could
// approve its own over-limit payments); the queue tools return the call for
// the owner to make, after checking the item exists and is still pending.
import { encodeFunctionData, zeroAddress } from 'viem';

import { showInput } from '../secret_text.js';
import { AGENT_ACCOUNT_ABI } from './agent_account_abi.js';
import { walletError } from './errors.js';
import { amountShape, tokenInfo } from './token_info.js';

/** `ownerCall('approve' | 'cancel', id)` resolves to {id, to, value, owner, call}. */
export function createOwnerCall({ config, publicClient, reads }) {
  const address = config.walletAddress;
  const { read, requireContract, ownership } = reads;

  // The owner's call for approve/cancel: what to send, from whom; never sent here.
  async function ownerCall(action, id) {
    await requireContract();
    if (typeof id !== 'string' || !/^[0-9]{1,78}$/.test(id)) {
      throw walletError('ERR_WALLET_INPUT', `tx_id must be a queue id, a non-negative integer such as "0"; got ${showInput(id ?? '', 40)}`);
    }
    const txId = BigInt(id);
    const next = await read('pendingNonce');
    if (txId >= next) {
      throw walletError('ERR_QUEUE_NOT_FOUND', `No queued transaction #${id} in wallet ${address} ` +
        `(${next === 0n ? 'nothing was ever queued' : `ids run from 0 to ${next - 1n}`}).`);
    }
    const [to, value, token, amount, , executed, cancelled] = await read('getPending', [txId]);
    if (executed || cancelled) {
      throw walletError('ERR_QUEUE_NOT_PENDING', `Queued transaction #${id} is already ${executed ? 'executed' : 'cancelled'}.`);
    }
    const functionName = action === 'approve' ? 'approvePending' : 'cancelPending';
    const info = await tokenInfo(publicClient, token === zeroAddress ? null : token);
    const { owner } = await ownership();
    return {
      id,
      to,
      value: amountShape(token === zeroAddress ? value : amount, info),
      owner,
      call: { to: address, function: `${functionName}(uint256)`, args: [id], data: encodeFunctionData({ abi: AGENT_ACCOUNT_ABI, functionName, args: [txId] }) },
    };
  }

  return ownerCall;
}
