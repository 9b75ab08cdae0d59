// The x402 `payment-identifier` extension on the sell side: the 402 declares
// it, and a v2 payment may carry a client-chosen id for its payment intent,
// so that a retry after an ambiguous outcome is deduplicated here even when
// the client signed a fresh authorization for it. Declaration, extraction
// and id validation are @x402/extensions' own helpers.
//
// The same id with the same authorization is the same payment (the engine's
// replay rules apply); the same id with another authorization is refused
// with 409 `payment_identifier_conflict`. The id is claimed in the receipt
// ledger's single-use nonce table (journaled, shared by processes, atomic),
// scoped to the payer and token so one payer cannot occupy another's ids.
import {
  PAYMENT_IDENTIFIER, declarePaymentIdentifierExtension, extractPaymentIdentifier, validatePaymentIdentifier,
} from '@x402/extensions/payment-identifier';

import { keccak256 } from '../hashing.js';
import { argError, describe } from '../validate.js';

/** How long a claimed payment identifier keeps naming its payment. */
export const PAYMENT_IDENTIFIER_MEMORY_MS = 24 * 3600 * 1000;

/** The `paymentIdentifier` option: true (declared, optional), 'required', or false (not declared). */
export function paymentIdentifierMode(value = true) {
  if (value === true || value === false || value === 'required') return value;
  throw argError(TypeError, 'ERR_INVALID_ARG_VALUE',
    `Expected true, false or "required" for paymentIdentifier but received ${describe(value)}`);
}

/** What the 402's `extensions` gain in this mode. */
export function paymentIdentifierDeclaration(mode) {
  return mode === false ? {} : { [PAYMENT_IDENTIFIER]: declarePaymentIdentifierExtension(mode === 'required') };
}

/**
 * The id a payload carries: {id} (null without one), or {error, message}
 * for a malformed one or a missing one the route requires. v1 payloads have
 * no extensions.
 */
export function paymentIdentifierOf(payload, mode) {
  if (mode === false || payload.x402Version !== 2) return { id: null };
  const missing = mode === 'required'
    ? { error: 'payment_identifier_required', message: 'This server requires a payment-identifier id in the payment\'s extensions' }
    : { id: null };
  const extension = payload.extensions?.[PAYMENT_IDENTIFIER];
  if (extension === undefined) return missing;
  // Checked against the extension's rules, not against the JSON Schema the
  // client echoes: the package would compile that schema (with its regular
  // expressions) for every request, which a client must not get to choose.
  const validation = validatePaymentIdentifier(
    extension !== null && typeof extension === 'object' ? { info: extension.info } : extension,
  );
  if (validation.valid && extension.info.id === undefined) return missing; // the declaration echoed, no id
  const id = validation.valid ? extractPaymentIdentifier(payload, true) : null;
  if (!validation.valid || id === null) {
    // The errors name the rule broken, never the id itself.
    return {
      error: 'invalid_payment_identifier',
      message: `The payment-identifier extension is malformed: ${(validation.errors ?? ['no id']).join('; ')}`,
    };
  }
  return { id };
}

/** The ledger nonce that claims `id` for a payer of a token (printable, 70 characters). */
export function paymentIdentifierNonce({ network, asset, payer, id }) {
  const key = ['payment-identifier', network, asset.toLowerCase(), payer.toLowerCase(), id].join('|');
  return `pid:${keccak256(new TextEncoder().encode(key))}`;
}
