// The seller's receipts of channel revenue, in the paywall's store beside
// the receipts of its exact payments, so that its books (`clawpay receipts
// export`, onSettled, the log) count what its channels earned.
//
// A channel's money reaches the payee in the settlement that follows claims
// (the contract moves the receiver's claimed total to it), so there is one
// receipt per settlement transaction, and its amount is what the chain's
// Settled events say it moved (channel_books.js reads them; without an RPC,
// the facilitator's word for them) — never a sum of the claims this process
// sent: a claim resubmitted after a crash (channel_claims.js) is a no-op on
// chain, adds nothing to the settlement, and is never counted twice.
// A receipt has one payer and one transaction; a settlement pays for many
// channels at once, so the payer named is the channel contract the money
// leaves, and route and resource name the network's channel routes.
import { argError } from '../validate.js';
import { recordSettlement } from './settlement_record.js';

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const MAX_ROUTE_CHARS = 256;

/**
 * The facilitator as the channel manager sees it, remembering each
 * settlement's amount (the manager returns only its transaction).
 * @returns {{client: object, amountOf: (transaction: string) => string | undefined}}
 */
export function settledAmounts(facilitator) {
  const amounts = new Map();
  const client = {
    verify: (payload, requirements) => facilitator.verify(payload, requirements),
    getSupported: () => facilitator.getSupported(),
    settle: async (payload, requirements) => {
      const answer = await facilitator.settle(payload, requirements);
      if (payload?.payload?.type === 'settle' && answer?.success) amounts.set(answer.transaction, answer.amount);
      return answer;
    },
  };
  const amountOf = (transaction) => {
    const amount = amounts.get(transaction);
    amounts.delete(transaction);
    return amount;
  };
  return { client, amountOf };
}

const routeLabel = (routes) => {
  const label = routes.map((route) => route.id).join(', ');
  return label.length <= MAX_ROUTE_CHARS ? label : `${routes[0].id.slice(0, MAX_ROUTE_CHARS - 16)} (+${routes.length - 1} more)`;
};

/**
 * Records one channel settlement ({transaction}) of `amount` base units
 * (a decimal string, the Settled event's) to the payee of `routes` (the
 * channel routes of one network): resolves to the receipt, or null when it
 * is still being written (recordSettlement's background retries). `begun`:
 * its receipt is already pending (a process stopped between the two writes).
 */
export async function recordChannelRevenue({ store, routes, contract, transaction, amount, now, onRecorded, begun = false }) {
  if (typeof amount !== 'string' || !DECIMAL.test(amount)) {
    throw argError(Error, 'ERR_CHANNEL_REVENUE_UNKNOWN',
      `Channel settlement ${transaction} is not recorded: the facilitator did not say how much it moved`);
  }
  const [{ terms }] = routes;
  const label = routeLabel(routes);
  const methods = new Set(routes.map((route) => route.id.split(' ')[0]));
  const paymentId = transaction.toLowerCase();
  const intent = {
    paymentId,
    kind: 'call',
    route: label,
    resource: label,
    method: methods.size === 1 && routes[0].id.includes(' ') ? [...methods][0] : '*',
    network: terms.network,
    asset: terms.asset,
    amount,
    decimals: terms.decimals,
    payer: contract,
    payTo: terms.payTo,
    x402Version: 2,
    startedAt: now(),
  };
  const recorded = await recordSettlement(store, paymentId, { transaction, settledAt: now() }, { intent: begun ? undefined : intent, onRecorded });
  return recorded.ok ? recorded.receipt : null;
}
