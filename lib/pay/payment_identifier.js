// The buyer's half of x402's `payment-identifier` extension: where a
// seller's 402 declares it, the payment carries one stable id per payment
// intent — derived from the intent's ledger paymentId — so a seller that
// deduplicates by id recognises a retry as the same payment. The id travels
// inside the signed header, which is what the buyer resends after an
// ambiguous outcome.
import {
  PAYMENT_IDENTIFIER, appendPaymentIdentifierToExtensions, isPaymentIdentifierExtension,
} from '@x402/extensions/payment-identifier';

/** The id for an intent: "pay_" + its paymentId (a UUID) without dashes, 36 characters. */
export function paymentIdentifierFor(paymentId) {
  return `pay_${paymentId.replaceAll('-', '')}`;
}

/**
 * The 402's extensions with this intent's id added where the seller declared
 * payment-identifier; unchanged (the same object) where it did not. The
 * seller's object is not modified.
 */
export function withPaymentIdentifier(extensions, paymentId) {
  if (!isPaymentIdentifierExtension(extensions?.[PAYMENT_IDENTIFIER])) return extensions;
  const copy = { ...extensions, [PAYMENT_IDENTIFIER]: structuredClone(extensions[PAYMENT_IDENTIFIER]) };
  return appendPaymentIdentifierToExtensions(copy, paymentIdentifierFor(paymentId));
}
