// Sign-In-With-X on the buyer side: a wallet that already paid for a resource
// (a seller's session, say) comes back by signing the 402's challenge instead
// of paying again.
//
// When a v2 402 for a call carries extensions['sign-in-with-x'], the payer
// answers the challenge once, before anything is reserved or recorded: the
// official client helpers build the header (createSIWxPayload binds the
// challenge to the origin that served the 402 and formats the EIP-4361
// message; encodeSIWxHeader encodes it), the account signs it (EIP-191, our
// native Signer), and the request is sent again with SIGN-IN-WITH-X.
//   - 2xx: signed in; nothing was signed for payment or reserved.
//   - anything else: that answer takes the place of the first one and the
//     payment flow goes on exactly as without SIWX (a 402 — typically
//     siwx_not_paid with a fresh challenge — is paid; nothing signs in twice).
//
// Signing moves no money, so the spend policy has no say, but the signature is
// a credential: it is made only for the origin that served the 402 (never
// when the way there crossed another origin), only on a chain the policy
// allows, and the header goes only to that origin. A challenge that cannot be
// answered — malformed, for another host, no allowed EIP-191 chain, an account
// that cannot sign messages — is skipped: the call is paid as before.
//
// Only for purpose "call": a session purchase must produce a payment to bind
// its token to. With pay: false and signInOnly (a siwx session's call,
// lib/pay/sessions.js) the challenge is still answered — only for a 402 URL
// within the session's endpoint and scope — and whatever comes back is the
// answer: nothing is ever paid.
import { SIGN_IN_WITH_X, createSIWxPayload, encodeSIWxHeader } from '@x402/extensions/sign-in-with-x';

import { MAX_SIWX_HEADER_BYTES } from '../limits.js';
import { scopeCovers } from '../url_scope.js';
import { resend } from './delivery.js';
import { originOf } from './request.js';

export const SIWX_HEADER = 'sign-in-with-x';

const REQUIRED_FIELDS = ['domain', 'uri', 'version', 'nonce', 'issuedAt'];
const OPTIONAL_FIELDS = ['statement', 'expirationTime', 'notBefore', 'requestId', 'signatureScheme'];

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The challenge of a v2 PaymentRequired completed as the official client
 * completes it (info plus the chosen chain), or null when there is none this
 * payer answers. The chain is the first EIP-191 one in supportedChains that
 * `allowedNetworks` (CAIP-2) has. Only the EIP-4361 fields are taken.
 */
export function siwxChallengeOf(paymentRequired, allowedNetworks) {
  if (paymentRequired?.x402Version !== 2) return null;
  const declaration = paymentRequired.extensions?.[SIGN_IN_WITH_X];
  if (!isObject(declaration) || !isObject(declaration.info) || !Array.isArray(declaration.supportedChains)) return null;
  const chain = declaration.supportedChains.find((c) => isObject(c) && c.type === 'eip191' && allowedNetworks.includes(c.chainId));
  if (!chain) return null;
  const { info } = declaration;
  const challenge = { chainId: chain.chainId, type: 'eip191' };
  for (const field of REQUIRED_FIELDS) {
    if (typeof info[field] !== 'string' || info[field] === '') return null;
    challenge[field] = info[field];
  }
  for (const field of OPTIONAL_FIELDS) {
    if (info[field] === undefined) continue;
    if (typeof info[field] !== 'string') return null;
    challenge[field] = info[field];
  }
  if (info.resources !== undefined) {
    if (!Array.isArray(info.resources) || !info.resources.every((r) => typeof r === 'string')) return null;
    challenge.resources = [...info.resources];
  }
  return challenge;
}

/**
 * The SIGN-IN-WITH-X header answering `challenge` for the 402 that came from
 * `responseUrl`, or null when it cannot be made: the challenge is for another
 * host or origin, is not a valid EIP-4361 message, or the account cannot sign
 * messages.
 * @returns {Promise<{header: string, address: string, chainId: string} | null>}
 */
export async function siwxHeaderFor(challenge, account, responseUrl) {
  if (typeof account?.signMessage !== 'function') return null;
  let payload;
  try {
    payload = await createSIWxPayload(challenge, account, responseUrl);
  } catch {
    return null;
  }
  const header = encodeSIWxHeader(payload);
  // Servers cap the header they read (lib/paywall/siwx.js): a larger one is not sent.
  if (header.length > MAX_SIWX_HEADER_BYTES) return null;
  return { header, address: payload.address, chainId: payload.chainId };
}

/**
 * @param {object} o
 * @param {object} o.transport how requests are sent (transport.js)
 * @param {number} o.maxBodyBytes
 * @param {object} o.account viem-style, with signMessage
 * @param {readonly string[]} o.allowedNetworks CAIP-2 ids the policy allows
 */
export function createSignIn({ transport, maxBodyBytes, account, allowedNetworks }) {
  /**
   * Answers the SIWX challenge of `first` (a 402 for `request`, read as
   * `paymentRequired`) once.
   * @returns {Promise<null | {answer: object, signedIn: {address: string, chainId: string} | null} | {failure: Error}>}
   *   null: not tried (nothing was signed or sent); answer: the server's answer to the signed
   *   request, signedIn set when it is a 2xx; failure: the signed request got no answer
   */
  async function signIn(request, first, paymentRequired) {
    if (request.purpose !== 'call') return null;
    if (originOf(first.url) !== request.startOrigin || first.hops.some((hop) => hop.crossOrigin)) return null;
    // A SIWX session signs in only within its endpoint and scope, redirects included.
    const scope = request.signInOnly ? request.sessionScope : null;
    if (scope && !scopeCovers(scope.endpoint, scope.scope, first.url)) return null;
    const challenge = siwxChallengeOf(paymentRequired, allowedNetworks);
    if (!challenge) return null;
    const signed = await siwxHeaderFor(challenge, account, first.url);
    if (!signed) return null;
    let answer;
    try {
      answer = await resend({
        transport, maxBodyBytes, request, url: first.url, method: first.method, bodyKept: first.bodyKept,
        guard: { origin: request.startOrigin, headers: { [SIWX_HEADER]: signed.header } },
      });
    } catch (failure) {
      return { failure };
    }
    const ok = answer.status >= 200 && answer.status < 300;
    return { answer, signedIn: ok ? { address: signed.address, chainId: signed.chainId } : null };
  }

  return { signIn };
}
