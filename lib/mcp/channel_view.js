// A channel session's channel (lib/pay/channel_state.js) in a tool result:
// deposit, charged so far, remaining, the id cut to 8 hex digits, refunds.
import { formatUnits } from '../pay/amount.js';
import { channelAmounts, shortChannelId } from '../pay/channel_state.js';

/** The channel as structuredContent: amounts as base-unit strings. */
export function channelBlock(channel) {
  const { deposit, charged, remaining, refunded } = channelAmounts(channel);
  return {
    channelId: shortChannelId(channel.channelId),
    state: channel.state,
    deposit: deposit.toString(),
    charged: charged.toString(),
    remaining: remaining.toString(),
    price: channel.price,
    refunded: refunded.toString(),
  };
}

/** Text lines for a channel, indented like the tools' other sections. */
export function channelLines(channel, settings, pad = '  ') {
  const block = channelBlock(channel);
  const amount = (units) => `${formatUnits(BigInt(units), settings.decimals)} ${settings.assetName}`;
  let out = `${pad}Channel:     ${block.channelId} (${block.state})\n`;
  out += `${pad}Deposit:     ${amount(block.deposit)}\n`;
  out += `${pad}Charged:     ${amount(block.charged)} (${amount(block.price)} per request)\n`;
  out += `${pad}Remaining:   ${amount(block.remaining)}\n`;
  if (block.refunded !== '0') out += `${pad}Refunded:    ${amount(block.refunded)}\n`;
  return out;
}

/**
 * How the payer takes back a deposit its seller will not refund: the
 * contract's timed withdrawal, by x402_session_end for a refused channel's
 * session (channel_withdrawal_view.js), else by the CLI.
 */
export function withdrawHint(channel) {
  const short = channel ? shortChannelId(channel.channelId) : '<id from clawpay channel list>';
  const steps = '(once to start it, again after its delay to collect; the wallet pays the gas)';
  if (channel?.state === 'refused' || channel?.state === 'withdrawing') {
    return `call x402_session_end on this session to take it back on chain by the contract's timed withdrawal ${steps}, ` +
      `or run \`clawpay channel withdraw ${short}\``;
  }
  return `run \`clawpay channel withdraw ${short}\` to take it back on chain by the contract's timed withdrawal ${steps}`;
}
