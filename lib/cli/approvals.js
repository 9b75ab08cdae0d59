// `clawpay approvals`: a person's side of the key-mode wallet's approval
// queue — the sends over the local policy that clawpay-mcp queued instead of
// making. Run with the same environment as clawpay-mcp (loadConfig: the
// agent key, CHAIN_ID, RPC_URL, CLAWPAY_STATE_DIR …):
//   clawpay approvals [list] [--all]        the pending sends (--all: every item)
//   clawpay approvals approve <id> [--yes]  sends it now, with the agent key, once the
//                                           person at the terminal confirms (--yes: scripts)
//   clawpay approvals cancel <id>           drops it; nothing is sent
// list and cancel need only the state directory: without AGENT_PRIVATE_KEY
// (or _FILE) they read CLAWPAY_STATE_DIR (or its default) and nothing else,
// so the person who approves need not hold the agent's key to see or drop
// what waits. Approving sends from the agent's key, so it needs the key.
// Exit codes: 0 done, 1 it failed (configuration, unknown id, the send, not
// confirmed), 2 bad usage (or a contract wallet, whose queue is on chain; or
// approve with neither a terminal nor --yes). Errors are one line on stderr;
// the key and RPC_URL are never printed.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline/promises';

import { defaultStateDir } from '../pay/config.js';
import { RECORDS_FILE, openPayStore } from '../pay/store.js';

import { ownHexValues, showInput } from '../secret_text.js';
import { Signer } from '../signer.js';
import { createApprovalQueue, parseQueueId } from '../wallet/approval_queue.js';
import { createKeyWallet } from '../wallet/key_wallet.js';
import { commandOutput, isoSeconds } from './command_output.js';

const USAGE = 'clawpay approvals [list [--all] | approve <id> [--yes] | cancel <id>]';
const YES = new Set(['--yes', '-y']);

const {
  say, complain, usageError, loadAgentConfig, openAgentStore, parseListOrId,
} = commandOutput('approvals', USAGE);

const amountText = (value) => `${value.amount} ${value.symbol} (${value.units} base units${value.token ? ` of ${value.token}` : ''})`;

function itemLines(item) {
  let out = `#${item.id}  ${item.status.padEnd(9)}  ${amountText(item.value)} to ${item.to}\n`;
  out += `      why:    ${item.reason}\n`;
  if (item.memo) out += `      memo:   ${JSON.stringify(item.memo)}\n`;
  out += `      queued: ${isoSeconds(item.createdAt)}`;
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
  const shown = all ? items : items.filter((item) => item.status === 'pending');
  const pending = items.filter((item) => item.status === 'pending').length;
  say(`Approval queue: ${pending} pending${items.length > pending ? `, ${items.length - pending} settled` : ''}`);
  for (const item of shown) say(itemLines(item));
  if (!all && items.length > pending) say('(--all shows the settled items too)');
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

async function approve(config, store, id, { yes }) {
  const queue = createApprovalQueue({ store });
  const item = queue.get(id);
  if (!item) {
    complain(`No queued send #${id}.`);
    return 1;
  }
  if (item.status !== 'pending' && item.status !== 'approving') {
    complain(`Queued send #${id} is ${item.status}; only a pending one can be approved.`);
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

/** `clawpay approvals ...`; resolves to the exit code. */
export async function approvalsCommand(argv, env = process.env) {
  const options = parse(argv);
  if (typeof options === 'number') return options;
  if (options.help) {
    process.stdout.write(`usage: ${USAGE}\n`);
    return 0;
  }
  if (withoutKey(env) && options.subcommand !== 'approve') return withStateDirOnly(env, options);
  if (withoutKey(env)) {
    complain(`approving #${options.id} sends it from the agent's key: run where AGENT_PRIVATE_KEY_FILE (or AGENT_PRIVATE_KEY) is set, ` +
      'with the same environment as clawpay-mcp; without the key, list and cancel work (nothing was sent)');
    return 1;
  }
  const config = loadAgentConfig(env);
  if (!config) return 1;
  if (config.walletMode !== 'key') return contractModeRefusal(config);

  const store = await openAgentStore(config);
  if (!store) return 1;
  try {
    if (options.subcommand === 'list') return list(store, options);
    if (options.subcommand === 'cancel') return cancel(store, options.id);
    return await approve(config, store, options.id, options);
  } finally {
    store.close();
  }
}

const withoutKey = (env) => !env.AGENT_PRIVATE_KEY?.trim() && !env.AGENT_PRIVATE_KEY_FILE?.trim();

/** list and cancel on the state directory alone (no key, no chain). */
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
    return options.subcommand === 'list' ? list(store, options) : cancel(store, options.id);
  } finally {
    store.close();
  }
}
