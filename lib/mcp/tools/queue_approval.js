// queue_approval: the payments waiting for approval. Listing is the agent's;
// approving is not. In contract mode approve and cancel are the owner's
// on-chain calls, returned for the owner to make (never sent with the agent
// key). In key mode a person approves with `clawpay approvals` (without the
// key, clawpay-mcp then sends it): an agent that could approve its own
// over-limit payments would have no limit. The agent
// may cancel there, which can only lower spending.
import { parseQueueId } from '../../wallet/approval_queue.js';
import { failure, ok } from '../tool_result.js';
import { amountText, queueLine } from '../wallet_view.js';
import { walletTool } from './wallet_access.js';

export function queueApprovalTool(context) {
  async function list(w) {
    const r = await w.queue.list();
    const items = Array.isArray(r) ? r : r.items;
    const approved = items.filter((item) => item.status === 'approved' || item.status === 'approving').length;
    let out = `Approval Queue (${items.length - approved} pending${approved ? `, ${approved} approved by a person, sent at the next tool call` : ''})\n\n`;
    out += items.length === 0 ? '  Nothing is waiting for approval.\n' : `${items.map(queueLine).join('\n')}\n`;
    out += w.mode === 'contract'
      ? '\nThe wallet\'s owner approves or cancels on chain (approvePending / cancelPending).\n'
      : '\nA person approves with `clawpay approvals approve <id>`; queue_approval can cancel.\n';
    return ok(out, { mode: w.mode, count: items.length, items });
  }

  async function ownerAction(w, action, id) {
    const r = await w.queue[action](id);
    let out = `Not ${action === 'approve' ? 'approved' : 'cancelled'}: only the wallet's owner can ${action} queued transaction #${r.id}, ` +
      'and clawpay-mcp never sends owner calls with the agent key.\n\n';
    out += `  Payment:   ${amountText(r.value)} to ${r.to}\n`;
    out += `  Owner:     ${r.owner ?? 'unknown'}\n`;
    out += `\nThe owner sends this call from their own wallet:\n`;
    out += `  To:        ${r.call.to}\n`;
    out += `  Function:  ${r.call.function} with ${r.call.args[0]}\n`;
    out += `  Data:      ${r.call.data}\n`;
    return failure(out, { error: 'owner_action_required', action, ...r });
  }

  async function queueApproval(w, args) {
    if (args.action === 'list') return list(w);
    if (args.tx_id === undefined || String(args.tx_id).trim() === '') {
      return failure(`queue_approval: tx_id is required to ${args.action}; use action "list" to see the ids.`, { error: 'invalid_input', message: 'tx_id is required' });
    }
    const id = String(args.tx_id).trim();
    if (w.mode === 'contract') return ownerAction(w, args.action, id);
    if (args.action === 'approve') {
      // Parsed first, so that the command it tells a person to run is one that can work.
      const queueId = parseQueueId(id);
      return failure(`Not approved: a person approves queued payment #${queueId}, not the agent. Run \`clawpay approvals approve ${queueId}\` ` +
        'with the same environment as clawpay-mcp; it shows the payment and sends it.', { error: 'person_approval_required', id: String(queueId) });
    }
    const r = await w.queue.cancel(id);
    return ok(`Queued payment #${id} cancelled; nothing was sent.\n\n${queueLine(r)}\n`, { cancelled: true, item: r });
  }

  return walletTool('queue_approval', context, {
    title: 'Approval queue',
    description: 'List the payments waiting for approval ("list"), or "approve" / "cancel" one by tx_id. For a contract ' +
      'wallet, approve and cancel are the owner\'s on-chain calls: the result gives the exact call for the owner to send. ' +
      'For a plain key, a person approves with `clawpay approvals`; the agent may cancel.',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  }, queueApproval);
}
