// `clawpay payments`: the agent's x402 payments as its ledger and the chain
// have them, and the way out of an open authorization. Run with the same
// environment as clawpay-mcp (loadConfig: the agent key, CHAIN_ID, RPC_URL,
// CLAWPAY_STATE_DIR …):
//   clawpay payments [list] [--all]   today's spend (spent, pending, remaining) and the
//                                     open authorizations (--all: every payment)
//   clawpay payments cancel <id>      cancels payment <id>'s authorization on chain
//                                     (EIP-3009 cancelAuthorization, sent and paid for
//                                     by the agent key); its budget is released once
//                                     the cancel is mined
// Both ask the chain about open authorizations first. Exit codes: 0 done, 1 it
// failed (configuration, unknown id, the chain; or the seller settled the
// authorization before the cancel), 2 bad usage. Errors are one line on
// stderr; the key and RPC_URL are never printed.

import { describeAmount, formatAmount } from '../pay/amount.js';
import { paymentView } from '../pay/fetch_result.js';
import { showInput } from '../secret_text.js';
import { commandOutput, isoSeconds } from './command_output.js';

const USAGE = 'clawpay payments [list [--all] | cancel <payment id>]';
const PAYMENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const {
  say, complain, usageError, withAgentPayer, parseListOrId,
} = commandOutput('payments', USAGE);

function parse(argv) {
  const parsed = parseListOrId(argv, ['cancel'], 'payment id');
  if (typeof parsed === 'number' || parsed.id === undefined) return parsed;
  if (!PAYMENT_ID.test(parsed.id)) return usageError(`${showInput(parsed.id)} is not a payment id (a UUID, as x402_pay and \`clawpay payments\` show it)`);
  return parsed;
}


function paymentLines(config, p) {
  const amount = describeAmount(BigInt(p.amount), config.asset);
  let out = `${p.paymentId}  ${p.status.padEnd(8)}  ${amount} to ${p.payTo}`;
  if (p.status === 'refused') out += `\n      refused:  ${p.refusal}; may still settle until ${isoSeconds(p.validBefore)}`;
  if (p.status === 'pending') out += `\n      sent, outcome unknown; may still settle until ${isoSeconds(p.validBefore)}`;
  if (p.transaction) out += `\n      tx:       ${p.transaction}`;
  if (p.settledAfterRefusal) out += `\n      WARNING:  ${p.settledAfterRefusal.origin} (payTo ${p.settledAfterRefusal.payTo}) refused this payment, then settled it on chain`;
  if (p.failure && p.status === 'failed') out += `\n      not paid: ${p.failure}`;
  if (p.cancel) out += `\n      cancel:   ${p.cancel}`;
  return out;
}

async function list(config, payer, { all }) {
  const view = await payer.spend();
  const text = (units) => formatAmount(units, config.asset);
  say(`Today (${view.day} UTC): ${text(view.spent)} spent, ${text(view.pending)} pending (open authorizations), ` +
    `${text(view.remaining)} remaining of ${text(view.limit)} (CLAWPAY_MAX_PER_DAY)`);
  const shown = all ? payer.ledger.list().filter((r) => r.state !== 'intent').map((r) => paymentView(r)) : view.open;
  for (const p of shown) say(paymentLines(config, p));
  if (shown.length === 0) say(all ? 'No payments.' : 'No open authorizations.');
  return 0;
}

async function cancel(config, payer, id) {
  const { payment, cancelled, transaction } = await payer.cancel(id);
  if (cancelled) {
    say(`Cancelled ${id} on chain${transaction ? ` (tx ${transaction})` : ''}: the authorization can no longer move money, and its budget is released.`);
    say(paymentLines(config, payment));
    return 0;
  }
  if (payment.status === 'settled') {
    complain(`${id} was not cancelled: the chain shows it already used${payment.transaction ? ` (tx ${payment.transaction})` : ''}; it was paid`);
  } else {
    complain(`${id} is not cancelled yet: the chain could not confirm it (${payment.status}); run the command again to resume`);
  }
  say(paymentLines(config, payment));
  return 1;
}

/** `clawpay payments ...`; resolves to the exit code. */
export async function paymentsCommand(argv, env = process.env) {
  const options = parse(argv);
  if (typeof options === 'number') return options;
  if (options.help) {
    process.stdout.write(`usage: ${USAGE}\n`);
    return 0;
  }
  return withAgentPayer(env, (config, payer) => (options.subcommand === 'list'
    ? list(config, payer, options)
    : cancel(config, payer, options.id)));
}
