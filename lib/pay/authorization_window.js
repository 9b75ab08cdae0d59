// Short-lived authorizations. @x402/evm's exact schemes (v2 and v1) sign
// validBefore = now + the seller's maxTimeoutSeconds, which a seller may set
// to 2^53: a signed transfer anyone holding it could settle for ever. The
// payer signs for at most maxAuthorizationSeconds instead.
//
// The seller's offer itself is left as it is: an x402 v2 server matches the
// payload's `accepted` against its own requirements field by field, and the
// official x402Client fills `accepted` with the requirements it was given,
// not the copy a scheme signs from. So the scheme is wrapped: the signer sees
// a copy with the shorter maxTimeoutSeconds; `accepted` stays the offer.

/** An x402 client scheme that signs authorizations valid for at most `maxSeconds`. */
export class ShortLivedScheme {
  #inner;
  #maxSeconds;

  constructor(inner, maxSeconds) {
    this.#inner = inner;
    this.#maxSeconds = maxSeconds;
    this.scheme = inner.scheme;
    // The client asks the scheme for the default asset to resolve its spend cap.
    if (typeof inner.findDefaultAsset === 'function') this.findDefaultAsset = inner.findDefaultAsset.bind(inner);
  }

  createPaymentPayload(x402Version, requirements, context) {
    const maxTimeoutSeconds = Math.min(requirements.maxTimeoutSeconds, this.#maxSeconds);
    return this.#inner.createPaymentPayload(x402Version, { ...requirements, maxTimeoutSeconds }, context);
  }
}

/**
 * Whether a signed authorization's validBefore (decimal seconds) is within
 * `maxSeconds` of `nowSeconds`, the clock the scheme signed by, give or take
 * `slackSeconds` for the second that may have ticked since.
 */
export function withinWindow(validBefore, maxSeconds, nowSeconds, slackSeconds = 5) {
  return typeof validBefore === 'string' && /^[0-9]{1,20}$/.test(validBefore) &&
    BigInt(validBefore) <= BigInt(nowSeconds + maxSeconds + slackSeconds);
}
