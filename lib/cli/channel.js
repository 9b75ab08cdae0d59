// `clawpay channel`: the agent's payment channels (x402 batch-settlement) as
// its state directory records them, and the way out of one without its
// seller. Run with the same environment as clawpay-mcp (loadConfig: the
// agent key, CHAIN_ID, RPC_URL, CLAWPAY_STATE_DIR …):
//   clawpay channel [list] [--all] [--blocks N]
//                                     the channels not closed (--all: every one): state,
//                                     deposit, charged, remaining, a pending withdrawal;
//                                     then those only the chain knows (a lost state
//                                     directory: lib/pay/channel_discovery.js), created in
//                                     the last N blocks (100,000 unless told), marked
//                                     "found on chain", and the blocks that were read
//   clawpay channel withdraw <id>     the timed withdrawal (lib/pay/channel_withdrawal.js):
//                                     initiates it, says when it can be finalized, or
//                                     finalizes it once the channel's delay has passed on
//                                     chain; sent and paid for (gas) by the agent key. What
//                                     the finalize pays back returns to today's budget.
// <id> is the short id the listing shows (0x and 8 hex digits) or more of it; a
// channel found on chain is withdrawn the same way.
// Exit codes: 0 done (initiated, waiting, finalized), 1 it failed (configuration,
// unknown id, nothing to withdraw, no gas, the chain), 2 bad usage. Errors are one
// line on stderr; the key and RPC_URL are never printed.
import { describeAmount } from '../pay/amount.js';
import { createChannelChain } from '../pay/channel_chain.js';
import { createChannelStates } from '../pay/channel_state.js';
import { CHANNEL_ID_PREFIX, createChannelWithdrawal } from '../pay/channel_withdrawal.js';
import { showInput } from '../secret_text.js';
import { commandOutput, isoSeconds } from './command_output.js';

const USAGE = 'clawpay channel [list [--all] [--blocks N] | withdraw <channel id>]';
// A block count as typed: digits, no sign or exponent, within what a JS number holds exactly.
const BLOCKS = /^[1-9][0-9]{0,15}$/;

const {
  say, usageError, withAgentPayer, parseListOrId,
} = commandOutput('channel', USAGE);

function parse(argv) {
  const parsed = parseListOrId(argv, ['withdraw'], 'channel id', { blocks: { type: 'string' } });
  if (typeof parsed === 'number' || parsed.help) return parsed;
  if (parsed.subcommand === 'list') {
    if (parsed.blocks === undefined) return parsed;
    const blocks = BLOCKS.test(parsed.blocks) ? Number(parsed.blocks) : NaN;
    if (!Number.isSafeInteger(blocks)) return usageError(`--blocks takes a whole number of blocks of at least 1, got ${showInput(parsed.blocks, 20)}`);
    return { ...parsed, blocks };
  }
  if (!CHANNEL_ID_PREFIX.test(parsed.id)) return usageError(`${showInput(parsed.id, 20)} is not a channel id (0x and at least 8 hex digits, as \`clawpay channel list\` shows it)`);
  return parsed;
}

function channelLines(config, c) {
  const units = (amount) => describeAmount(amount, config.asset);
  const where = c.source === 'chain' ? 'found on chain (no local record)' : c.endpoint;
  let out = `${c.id}  ${c.state.padEnd(11)}  deposit ${units(c.deposit)}, charged ${units(c.charged)}, remaining ${units(c.remaining)}  to ${c.payTo}  ${where}`;
  if (c.refusal) out += `\n      refused:    ${c.refusal}`;
  if (c.withdrawal) out += `\n      withdrawal: ${units(c.withdrawal.amount)} announced; finalize after ${isoSeconds(c.withdrawal.finalizeAfter)} (chain time)`;
  return out;
}

async function list(config, exits, { all, blocks }) {
  const { channels, scan } = await exits.list({ blocks });
  const shown = channels.filter((c) => all || c.state !== 'closed');
  for (const c of shown) say(channelLines(config, c));
  if (shown.length === 0) say(all ? 'No channels.' : 'No channels open (--all lists the closed ones too).');
  if (!scan) say('(No RPC_URL: the chain was not searched for channels missing from the state directory.)');
  else if (scan.error) say(`(The chain could not be searched for channels missing from the state directory: ${scan.error})`);
  else if (!scan.complete) say(`(The chain was searched for this wallet's channels in blocks ${scan.fromBlock}–${scan.toBlock} only; older ones are not shown: --blocks N looks further back.)`);
  return 0;
}

async function withdraw(config, exits, id) {
  const { action, amount, finalizeAfter, transaction, channel } = await exits.withdraw(id);
  const units = describeAmount(amount, config.asset);
  if (action === 'initiated') {
    say(`Initiated the withdrawal of ${units} from channel ${channel.id} (tx ${transaction}). The seller may still claim what it holds our vouchers for; ` +
      `run \`clawpay channel withdraw ${channel.id}\` again after ${isoSeconds(finalizeAfter)} (chain time) to finalize it.`);
  } else if (action === 'waiting') {
    say(`Channel ${channel.id}: the withdrawal of ${units} can be finalized after ${isoSeconds(finalizeAfter)} (chain time); nothing was sent.`);
  } else {
    say(`Withdrew ${units} from channel ${channel.id} (tx ${transaction}); it is back in today's budget.`);
  }
  say(channelLines(config, channel));
  return 0;
}

/** `clawpay channel ...`; resolves to the exit code. */
export async function channelCommand(argv, env = process.env) {
  const options = parse(argv);
  if (typeof options === 'number') return options;
  if (options.help) {
    process.stdout.write(`usage: ${USAGE}\n`);
    return 0;
  }
  return withAgentPayer(env, (config, payer, store) => {
    const exits = createChannelWithdrawal({
      paying: payer, states: createChannelStates({ store }), chain: config.rpcUrl ? createChannelChain({ rpcUrl: config.rpcUrl }) : null, network: config.network,
    });
    return options.subcommand === 'list' ? list(config, exits, options) : withdraw(config, exits, options.id);
  });
}
