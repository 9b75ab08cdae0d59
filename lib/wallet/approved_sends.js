// The key holder's half of an approval given without the key: a person ran
// `clawpay approvals approve <id>` with only the state directory (the item
// is 'approved'), and clawpay-mcp, which holds the key, sends it — at start
// and at each tool call. Each item goes through the same approval as the
// command's (key_approval.js): claimed atomically, so it is sent once even
// with two servers on one state directory; refused when a limit was lowered
// since it was queued; and keyed by the item, so an item whose sender was
// killed mid-send resumes that transaction instead of signing another.
const RETRY_MS = 30_000;

/**
 * @param {object} options
 * @param {object} options.queue    createApprovalQueue()
 * @param {(id: string) => Promise<object>} options.approve  createKeyApproval()
 * @param {() => number} [options.now]  milliseconds
 * @returns {() => Promise<Array<{item: object, error?: Error}>>}  runs the
 *   approved items once (one run at a time; a call during a run joins it):
 *   each with its QueueItem after the attempt and the error, if it failed
 */
export function createApprovedSends({ queue, approve, now = Date.now }) {
  // An item whose send stopped short (the chain is down) waits RETRY_MS
  // before the next try, so that tool calls do not each wait on the RPC.
  const retryAt = new Map();
  let running = null;

  // The queue is scanned at start, when a person has recorded an approval
  // since the last scan, and while an item waits for its retry: a tool call
  // otherwise costs one record read, however long the queue's history.
  let scannedAt = null;

  async function runOnce() {
    const results = [];
    const recorded = queue.approvalsRecorded();
    if (recorded === scannedAt && retryAt.size === 0) return results;
    scannedAt = recorded;
    const toSend = queue.approvedToSend();
    for (const id of retryAt.keys()) if (!toSend.some((item) => item.id === id)) retryAt.delete(id); // cancelled meanwhile
    for (const item of toSend) {
      if ((retryAt.get(item.id) ?? 0) > now()) continue;
      try {
        results.push({ item: await approve(item.id) });
        retryAt.delete(item.id);
      } catch (error) {
        if (error.code === 'ERR_QUEUE_NOT_PENDING') continue; // another process took it meanwhile
        const after = error.item ?? queue.get(item.id) ?? item;
        // Refused or failed is final; only an item still to send is tried again.
        if (after.status === 'approved' || after.status === 'approving') retryAt.set(item.id, now() + RETRY_MS);
        else retryAt.delete(item.id);
        results.push({ item: after, error });
      }
    }
    return results;
  }

  return function runApproved() {
    running ??= runOnce().finally(() => { running = null; });
    return running;
  };
}
