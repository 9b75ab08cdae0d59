// `clawpay approvals`: a person's side of the key-mode wallet's approval
// queue — the sends over the local policy that clawpay-mcp queued instead of
// making. Run with the same environment as clawpay-mcp (loadConfig: the
// agent key, CHAIN_ID, RPC_URL, CLAWPAY_STATE_DIR …), or with
// CLAWPAY_STATE_DIR alone:
//   clawpay approvals [list] [--all]        what waits: pending, and approved but not yet sent (--all: every item)
//   clawpay approvals approve <id> [--yes]  once the person at the terminal confirms (--yes: scripts):
//                                           with the agent key, sends it now; without it, records
//                                           the approval, and clawpay-mcp (which holds the key) sends
//                                           it at its next tool call or when it starts
//   clawpay approvals cancel <id>           drops a pending or approved item; nothing is sent
// Without AGENT_PRIVATE_KEY (or _FILE) every subcommand reads CLAWPAY_STATE_DIR
// (or its default) and nothing else, so the person who approves need not hold
// the agent's key.
// Exit codes: 0 done, 1 it failed (configuration, unknown id, the send, not
// confirmed), 2 bad usage (or a contract wallet, whose queue is on chain; or
// approve with neither a terminal nor --yes). Errors are one line on stderr;
// the key and RPC_URL are never printed.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';

import { defaultStateDir } from '../pay/config.js';
import { RECORDS_FILE, openPayStore } from '../pay/store.js';

import { ownHexValues, showInput } from '../secret_text.js';
import { Signer } from '../signer.js';
import { WAITING_STATUSES, createApprovalQueue, parseQueueId } from '../wallet/approval_queue.js';
import { createKeyWallet } from '../wallet/key_wallet.js';
import { commandOutput, isoSeconds } from './command_output.js';

const USAGE = 'clawpay approvals [list [--all] | approve <id> [--yes] | cancel <id>]';
const YES = new Set(['--yes', '-y']);
const HELP = '  list       what waits: pending, and approved but not yet sent (--all: every item)\n' +
  '  approve    asks for "yes" on a terminal (--yes for scripts); with AGENT_PRIVATE_KEY(_FILE) set it sends now,\n' +
  '             without it (CLAWPAY_STATE_DIR alone) it records the approval and clawpay-mcp sends it\n' +
  '  cancel     drops a pending or approved item; nothing is sent\n';

const {
  say, complain, usageError, loadAgentConfig, openAgentStore, parseListOrId,
} = commandOutput('approvals', USAGE);

const amountText = (value) => `${value.amount} ${value.symbol} (${value.units} base units${value.token ? ` of ${value.token}` : ''})`;

function itemLines(item) {
  let out = `#${item.id}  ${item.status.padEnd(9)}  ${amountText(item.value)} to ${item.to}\n`;
  out += `      why:    ${item.reason}\n`;
  if (item.memo) out += `      memo:   ${JSON.stringify(item.memo)}\n`;
  out += `      queued: ${isoSeconds(item.createdAt)}`;
  if (item.approvedAt) out += `\n      approved: ${isoSeconds(item.approvedAt)}${item.approvedBy ? ` by ${item.approvedBy}` : ''}`;
  if (item.txHash) out += `\n      tx:     ${item.txHash}${item.blockNumber ? ` (block ${item.blockNumber})` : ''}`;
  if (item.error && item.status !== 'executed') out += `\n      error:  ${item.error}`;
  return out;
}

function parse(argv) {
  // --yes belongs to approve only; the shared parser knows no verb's flags.
  const yes = argv[0] === 'approve' && argv.some((arg) => YES.has(arg));
  const parsed = parseListOrId(yes ? argv.filter((arg) => !YES.has(arg)) : argv, ['approve', 'cancel'], 'queue id');
  if (typeof parsed === 'number' || parsed.id === undefined) return parsed;
  try {
    return { subcommand: parsed.subcommand, id: parseQueueId(parsed.id), yes };
  } catch (error) {
    return usageError(error.message);
  }
}

function contractModeRefusal(config) {
  complain(`AGENT_WALLET_ADDRESS ${config.walletAddress} is an AgentAccountV2 contract wallet, whose approval queue is on chain: ` +
    `the wallet's owner (the holder of its NFT) approves or cancels from their own account by calling approvePending(txId) ` +
    `or cancelPending(txId) on ${config.walletAddress} (clawpay-mcp's queue_approval lists the queue and gives the exact call). ` +
    '`clawpay approvals` is for a plain agent key (AGENT_WALLET_ADDRESS unset or the key\'s own address)');
  return 2;
}

function list(store, { all }) {
  const queue = createApprovalQueue({ store });
  const items = queue.list();
  const waiting = items.filter((item) => WAITING_STATUSES.includes(item.status));
  const shown = all ? items : waiting;
  const count = (status) => items.filter((item) => item.status === status).length;
  const approved = count('approved') + count('approving');
  say(`Approval queue: ${count('pending')} pending` +
    `${approved ? `, ${approved} approved and not yet sent (clawpay-mcp sends them)` : ''}` +
    `${items.length > waiting.length ? `, ${items.length - waiting.length} settled` : ''}`);
  for (const item of shown) say(itemLines(item));
  if (!all && items.length > waiting.length) say('(--all shows the settled items too)');
  if (shown.length === 0) say('Nothing is waiting for approval.');
  return 0;
}

function cancel(store, id) {
  const queue = createApprovalQueue({ store });
  try {
    const item = queue.claim(id, 'cancel');
    say(`Cancelled #${item.id}; nothing was sent.`);
    say(itemLines(item));
    return 0;
  } catch (error) {
    complain(error.message);
    return 1;
  }
}

/** Asks the person at the terminal; true only for "yes" or "y". */
async function confirmed(item) {
  const prompt = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  try {
    const answer = await prompt.question(`Send ${amountText(item.value)} to ${item.to}? Type "yes" to approve: `);
    return /^(y|yes)$/i.test(answer.trim());
  } catch {
    return false; // the terminal closed
  } finally {
    prompt.close();
  }
}

/**
 * The checks and the question before an approval: the item (pending, or
 * approved and not yet sent), or the exit code when it is not to go ahead.
 */
async function confirmApproval(queue, id, { yes, sendable }) {
  const item = queue.get(id);
  if (!item) {
    complain(`No queued send #${id}.`);
    return 1;
  }
  const open = item.status === 'pending' || (sendable && (item.status === 'approved' || item.status === 'approving'));
  if (!open) {
    const what = item.status === 'approved' || item.status === 'approving'
      ? 'already approved; clawpay-mcp sends it at its next tool call or when it starts'
      : `${item.status}; only a pending one can be approved`;
    complain(`Queued send #${id} is ${what}.`);
    return 1;
  }
  if (!yes && !(process.stdin.isTTY && process.stdout.isTTY)) {
    complain(`approving #${id} sends money, so it asks the person at a terminal to confirm, and this is not a terminal; ` +
      'pass --yes to approve from a script (nothing was sent)');
    return 2;
  }
  say(`Approving #${item.id}: ${amountText(item.value)} to ${item.to}`);
  say(`      why it waited: ${item.reason}`);
  if (item.memo) say(`      memo: ${JSON.stringify(item.memo)}`);
  if (!yes && !(await confirmed(item))) {
    complain(`#${id} not approved; nothing was sent (it still waits)`);
    return 1;
  }
  return item;
}

/** With the agent key: sends it now. */
async function approveAndSend(config, store, id, { yes }) {
  const item = await confirmApproval(createApprovalQueue({ store }), id, { yes, sendable: true });
  if (typeof item === 'number') return item;
  const signer = Signer.fromPrivateKey(config.privateKey);
  try {
    const wallet = createKeyWallet({ config, store, signer });
    try {
      await wallet.reconcile(); // transactions an earlier run left open
    } catch {
      // the approval below meets the same chain, and says what is wrong
    }
    const done = await wallet.queue.approve(id);
    say(`Executed #${done.id}: sent ${amountText(done.value)} to ${done.to}`);
    say(`      tx: ${done.txHash} (block ${done.blockNumber})${done.resumed ? ' — the transaction an earlier attempt had signed' : ''}`);
    return 0;
  } catch (error) {
    const tx = error.txHash ? ` (tx ${error.txHash})` : '';
    complain(`#${id} not executed: ${error.message}${tx && !error.message.includes(error.txHash) ? tx : ''}`, ownHexValues(error));
    if (error.item) say(itemLines(error.item));
    return 1;
  } finally {
    signer.destroy();
  }
}

/** Without the agent key: records the approval for clawpay-mcp to send. */
async function recordApproval(store, id, { yes }) {
  const queue = createApprovalQueue({ store });
  const item = await confirmApproval(queue, id, { yes, sendable: false });
  if (typeof item === 'number') return item;
  let approved;
  try {
    approved = queue.recordApproval(id, { by: personName() });
  } catch (error) {
    complain(`#${id} not approved: ${error.message}`);
    return 1;
  }
  say(`Approved #${approved.id}; nothing is sent from here (this environment has no agent key): ` +
    'clawpay-mcp sends it at its next tool call, or when it starts, under its send policy then (a limit lowered since it was queued refuses it).');
  say(`\`clawpay approvals list\` shows it until it is sent; \`clawpay approvals cancel ${approved.id}\` still drops it.`);
  return 0;
}

function personName() {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

/** `clawpay approvals ...`; resolves to the exit code. */
export async function approvalsCommand(argv, env = process.env) {
  const options = parse(argv);
  if (typeof options === 'number') return options;
  if (options.help) {
    process.stdout.write(`usage: ${USAGE}\n${HELP}`);
    return 0;
  }
  if (withoutKey(env)) return withStateDirOnly(env, options);
  const config = loadAgentConfig(env);
  if (!config) return 1;
  if (config.walletMode !== 'key') return contractModeRefusal(config);

  const store = await openAgentStore(config);
  if (!store) return 1;
  try {
    if (options.subcommand === 'list') return list(store, options);
    if (options.subcommand === 'cancel') return cancel(store, options.id);
    return await approveAndSend(config, store, options.id, options);
  } finally {
    store.close();
  }
}

const withoutKey = (env) => !env.AGENT_PRIVATE_KEY?.trim() && !env.AGENT_PRIVATE_KEY_FILE?.trim();

/** list, cancel and a recorded approval on the state directory alone (no key, no chain). */
async function withStateDirOnly(env, options) {
  const dir = env.CLAWPAY_STATE_DIR?.trim() || defaultStateDir(env);
  if (!isAbsolute(dir)) return usageError(`CLAWPAY_STATE_DIR must be an absolute path; got ${showInput(dir, 200)}`);
  // A person's typo must not create an empty state directory that looks like an empty queue.
  if (!existsSync(join(dir, RECORDS_FILE))) {
    complain(`no approval queue in ${dir} (no ${RECORDS_FILE}): set CLAWPAY_STATE_DIR to clawpay-mcp's state directory`);
    return 1;
  }
  let store;
  try {
    store = await openPayStore({ stateDir: dir });
  } catch (error) {
    complain(`the state directory's records could not be opened: ${error.message}`);
    return 1;
  }
  try {
    if (options.subcommand === 'list') return list(store, options);
    if (options.subcommand === 'cancel') return cancel(store, options.id);
    return await recordApproval(store, options.id, options);
  } finally {
    store.close();
  }
}
