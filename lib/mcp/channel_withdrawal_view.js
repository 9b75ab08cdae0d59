// The way back to a refused channel's deposit for clawpay-mcp users, who have
// no shell for `clawpay channel withdraw`: x402_session_end on the channel
// session its seller refused takes the next step of the contract's timed
// withdrawal (lib/pay/channel_withdrawal.js, the same steps and books as the
// library and CLI): the first call initiates it (a transaction; the wallet
// pays the gas), calls before the channel's delay has passed say when
// (nothing sent), the one after collects it (what comes back returns to the
// day's budget, once). Nothing is sent for a session of any other kind or
// state: a channel whose seller refunds ends by the cooperative refund.
import * as z from 'zod';

import { formatUnits } from '../pay/amount.js';
import { shortChannelId } from '../pay/channel_state.js';
import { isoTime } from './format.js';

/** x402_session_end's `withdrawal` (structuredContent). */
export const withdrawalBlock = z.looseObject({
  action: z.enum(['initiated', 'waiting', 'finalized', 'none', 'failed'])
    .describe('initiated: started (mined); waiting: collectable after finalizeAfter, nothing sent; finalized: collected (mined); none: nothing left in the channel to take back; failed: see error'),
  amount: z.string().describe('base units: announced (initiated, waiting) or paid back (finalized)'),
  finalizeAfter: z.number().int().nullable().describe('Unix seconds, chain time: when x402_session_end can collect it'),
  transaction: z.string().nullable(),
  error: z.string().nullable().describe('failed: a stable code (no_gas, withdraw_unavailable, tx_reverted, tx_uncertain, ...)'),
  message: z.string().nullable(),
}).nullable().optional();

/** Whether x402_session_end takes the channel's withdrawal a step further (see above). */
export const withdrawable = (channel) => channel?.state === 'refused' || channel?.state === 'withdrawing';

// A PayError's code as the tools' codes read (ERR_NO_GAS → no_gas); an error without one is the chain's.
const codeOf = (error) => (typeof error?.code === 'string' && error.code.startsWith('ERR_') ? error.code.slice(4).toLowerCase() : 'chain_unavailable');

/**
 * The next step of the channel's timed withdrawal: {block, text, failed}.
 * `channels` is createChannelSessions(); `safeMessage(error)` an error's
 * message as results show it.
 */
export async function continueWithdrawal(channels, channel, settings, safeMessage) {
  const amount = (units) => `${formatUnits(BigInt(units), settings.decimals)} ${settings.assetName}`;
  const again = 'call x402_session_end on this session again';
  let step;
  try {
    step = await channels.withdraw(channel.channelId);
  } catch (error) {
    if (error?.code === 'ERR_NOTHING_TO_WITHDRAW') {
      return {
        block: { action: 'none', amount: '0', finalizeAfter: null, transaction: null, error: null, message: null },
        text: 'Withdrawal: nothing is left in the channel to take back (what the seller did not claim is back in the wallet).\n',
        failed: false,
      };
    }
    const message = safeMessage(error);
    return {
      block: { action: 'failed', amount: '0', finalizeAfter: null, transaction: null, error: codeOf(error), message },
      text: `Withdrawal: NOT made (${message}).\n`,
      failed: true,
    };
  }
  const block = { action: step.action, amount: step.amount.toString(), finalizeAfter: step.finalizeAfter, transaction: step.transaction, error: null, message: null };
  const short = shortChannelId(channel.channelId);
  let text;
  if (step.action === 'initiated') {
    text = `Withdrawal: started the contract's timed withdrawal of ${amount(step.amount)} from channel ${short} (tx ${step.transaction}, mined; the wallet paid the gas). ` +
      `The seller may still claim what it holds this wallet's vouchers for until ${isoTime(step.finalizeAfter)} (chain time); ${again} after then to collect the rest.\n`;
  } else if (step.action === 'waiting') {
    text = `Withdrawal: ${amount(step.amount)} from channel ${short} can be collected after ${isoTime(step.finalizeAfter)} (chain time); nothing was sent. ${again} after then.\n`;
  } else {
    text = `Withdrawal: collected ${amount(step.amount)} from channel ${short} back to the wallet (tx ${step.transaction}, mined); it is back in the day's budget.\n`;
  }
  return { block, text, failed: false };
}
