// A seller's answer to a channel payload, read: its settlement
// (PAYMENT-RESPONSE), the running total in it, and its reasons as our
// messages carry them.
import { decodePaymentResponseHeader } from '@x402/core/http';

import { redactSecrets } from '../secret_text.js';
import { shownTerm } from './seller_text.js';

const UINT = /^(0|[1-9][0-9]{0,38})$/;

/** A seller's reason, as our messages carry it: cleaned, cut, and no 64-hex-digit run. */
export const sellerText = (text) => redactSecrets(shownTerm(text, 200));

/** The settlement a paying fetch's result carries (PAYMENT-RESPONSE), or null. */
export function settlementOf(result) {
  const raw = result.headers?.['payment-response'];
  if (!raw) return null;
  try {
    return decodePaymentResponseHeader(raw);
  } catch {
    return null;
  }
}

/** The server's running total in a settlement (PAYMENT-RESPONSE extra.channelState), or null. */
export function chargedIn(settlement) {
  const text = settlement?.extra?.channelState?.chargedCumulativeAmount;
  return typeof text === 'string' && UINT.test(text) ? BigInt(text) : null;
}
