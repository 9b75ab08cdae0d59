// Sending a queued key-mode send a person approved (`clawpay approvals
// approve` with the key, or clawpay-mcp for an approval recorded without it:
// approved_sends.js), and the QueueItem shape the queue tools return. The
// limit that queued it does not apply — a person approved it — but a limit
// lowered since it was queued refuses it (status 'refused'); the amount
// counts toward the day's total, once, however often the approval is
// retried; an approval whose outcome is open resumes the same transaction
// (its key is the item's).
import { walletError } from './errors.js';
import { parseQueueId } from './approval_queue.js';
import { sendKey } from './send_key.js';

/** The README's QueueItem, plus the token fields, from a queue record. */
export function queueItemShape(item) {
  const shape = {
    id: item.id,
    to: item.to,
    value: item.value,
    createdAt: item.createdAt,
    status: item.status,
    reason: item.reason,
    memo: item.memo ?? null,
    txHash: item.txHash ?? null,
    token: item.token,
    decimals: item.decimals,
    symbol: item.symbol,
    units: item.units,
  };
  if (item.blockNumber) shape.blockNumber = item.blockNumber;
  if (item.error) shape.error = item.error;
  if (item.approvedAt) shape.approvedAt = item.approvedAt;
  return shape;
}

/** `approve(id)` resolves to the executed QueueItem (plus `resumed`); a failure carries `error.item`. */
export function createKeyApproval({ config, address, policy, queue, execute, txSender }) {
  async function approve(id) {
    const item = queue.claim(parseQueueId(id), 'approve');
    const info = { token: item.token, symbol: item.symbol, decimals: item.decimals };
    const units = BigInt(item.units);
    // Checked before anything is reserved or signed; a resumed approval
    // (item.reservation set) was checked when it was first claimed.
    const lowered = item.reservation ? null : policy.loweredSince(item.limits, { token: item.token, to: item.to, info });
    if (lowered) {
      const refused = queue.finish(item.id, { status: 'refused', error: lowered });
      throw walletError('ERR_APPROVAL_REFUSED', `Queued send #${item.id} was approved but not sent: ${lowered}. Nothing was sent; ` +
        'the agent may ask again under the current limits.', { item: queueItemShape(refused) });
    }
    // No policy check — a person approved it — but the amount counts toward
    // the day's total all the same (once, however often approve is retried).
    const reservation = item.reservation ?? policy.reserveApproved({ token: item.token, units, id: `approval-${item.id}` });
    if (!item.reservation && reservation) queue.annotate(item.id, { reservation });
    const key = sendKey(['key-approval', config.chainId, address, item.id, item.createdAt]);
    const meta = {
      kind: 'key-approval', wallet: address, queueId: item.id, recipient: item.to, token: item.token, symbol: item.symbol,
      decimals: item.decimals, units: item.units, memo: item.memo, reservation,
    };
    let outcome;
    try {
      outcome = await execute({ key, info, to: item.to, units, meta });
    } catch (error) {
      if (error.notSent && (error.code === 'ERR_TX_WOULD_REVERT' || error.code === 'ERR_TX_REFUSED')) {
        queue.finish(item.id, { status: 'failed', error: error.message });
      } else if (error.notSent) {
        // Nothing was signed (the chain could not be reached, another
        // process was sending): the item waits again, its budget given back.
        queue.annotate(item.id, { reservation: null });
        queue.unclaim(item.id, { error: error.message });
      } else {
        // The outcome is open: the item may be approved again at once, and
        // that resumes the same transaction (its key is the item's).
        queue.annotate(item.id, { claimedAt: 0, error: error.message.slice(0, 512) });
      }
      error.item = queueItemShape(queue.get(item.id));
      throw error;
    }
    const { sent, blockNumber, problem } = outcome;
    const finished = queue.finish(item.id, problem
      ? { status: 'failed', txHash: sent.txHash, blockNumber, error: problem.message }
      : { status: 'executed', txHash: sent.txHash, blockNumber });
    txSender.markAnswered(sent.id);
    if (problem) {
      problem.item = queueItemShape(finished);
      throw problem;
    }
    return { ...queueItemShape(finished), resumed: Boolean(sent.resumed) };
  }

  return approve;
}
