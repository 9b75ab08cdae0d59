// ClawPay 1.1 session tokens, built and verified natively.
import { addressBytes } from './hashing.js';
import { native } from './native.js';
import { nativeSigner } from './signer.js';
import { showInput } from './secret_text.js';
import { argError, expectObject, expectSafeInteger, expectString, invalidArg, unixSeconds } from './validate.js';

const STRING_FIELDS = ['version', 'sessionId', 'walletAddress', 'endpoint', 'scope', 'paymentTxHash', 'paymentAmount'];
const INTEGER_FIELDS = ['createdAt', 'expiresAt'];
const FIELDS = new Set([...STRING_FIELDS, ...INTEGER_FIELDS]);
const MAX_THREADS = 1024;

/** The stable reasons verifySessionToken gives, in the order it checks them. */
export const TOKEN_REASONS = Object.freeze([
  'malformed', 'unsupported_version', 'bad_signature', 'wrong_signer', 'expired', 'out_of_scope',
]);

function payloadArg(payload) {
  expectObject(payload, 'payload');
  for (const key of Object.keys(payload)) {
    if (!FIELDS.has(key)) {
      throw argError(TypeError, 'ERR_INVALID_SESSION_PAYLOAD', `Unknown session payload field ${showInput(key, 60)}`);
    }
  }
  // ClawPay passes paymentAmount through bigint.toString(); accept the bigint.
  const fields = typeof payload.paymentAmount === 'bigint'
    ? { ...payload, paymentAmount: payload.paymentAmount.toString() }
    : payload;
  for (const key of STRING_FIELDS) expectString(fields[key], `payload.${key}`);
  for (const key of INTEGER_FIELDS) expectSafeInteger(fields[key], `payload.${key}`);
  if (fields.scope !== 'prefix' && fields.scope !== 'exact') {
    throw invalidArg('"prefix" or "exact"', 'payload.scope', fields.scope, { ErrorClass: RangeError });
  }
  return fields;
}

/** {token, canonicalJson, signature}, byte-identical to ClawPay 1.1's. */
export async function buildSessionToken(payload, signer) {
  return native.buildSessionToken(payloadArg(payload), nativeSigner(signer));
}

/** {payload, signature}; throws ERR_MALFORMED_TOKEN with the reason. */
export function decodeSessionToken(token) {
  return native.decodeSessionToken(expectString(token, 'token'));
}

// A server checks every token against the same wallet: remember the last
// one's bytes rather than checksum it again (getAddress is a pure function).
let lastWallet = null;
let lastWalletBytes = null;

function walletBytes(wallet, name) {
  if (wallet !== lastWallet) {
    lastWalletBytes = addressBytes(wallet, name);
    lastWallet = wallet;
  }
  return lastWalletBytes;
}

function checkArgs(options, name) {
  const { now, wallet, url } = options === undefined ? {} : expectObject(options, name);
  return [
    unixSeconds(now, `${name}.now`),
    wallet === undefined || wallet === null ? null : walletBytes(wallet, `${name}.wallet`),
    url === undefined || url === null ? null : expectString(url, `${name}.url`),
  ];
}

// A batch's results come as one JSON text, written on the worker threads.
const verification = (json) => JSON.parse(json);

// One result comes as the arguments of one call (binding/session_token.cc
// verificationValue): code, detail, signer, then the payload's fields when
// the token decoded.
function verdictOf(code, detail, signer, version, sessionId, walletAddress, endpoint, scope, createdAt, expiresAt,
  paymentTxHash, paymentAmount) {
  const valid = code === 'valid';
  return {
    valid,
    reason: valid ? null : code,
    detail,
    payload: version === undefined ? null : {
      version, sessionId, walletAddress, endpoint, scope, createdAt, expiresAt, paymentTxHash, paymentAmount,
    },
    signer,
  };
}

/** {valid, reason, detail, payload, signer}; never throws for a bad token. */
export async function verifySessionToken(token, options) {
  return native.verifySessionToken(token, ...checkArgs(options, 'options'), verdictOf);
}

/**
 * The half of verifySessionToken that depends on the token alone (shape,
 * version, signature -> signer; reason 'malformed', 'unsupported_version' or
 * 'bad_signature'): the costly half, for a caller that keeps the result per
 * token and checks time, scope and payer on every request (lib/paywall).
 */
export function recoverSessionToken(token) {
  return native.recoverSessionToken(token, verdictOf);
}

/** Verifies many tokens off the main thread, on all cores (or `threads`). */
export async function verifySessionTokens(tokens, options = {}) {
  if (!Array.isArray(tokens)) throw invalidArg('an array of tokens', 'tokens', tokens);
  const { threads = 0, ...check } = expectObject(options, 'options');
  expectSafeInteger(threads, 'options.threads', { min: 0 });
  // Native code also caps this at the core count; a huge value is a mistake.
  if (threads > MAX_THREADS) throw invalidArg(`at most ${MAX_THREADS}`, 'options.threads', threads, { ErrorClass: RangeError });
  return verification(await native.verifySessionTokens(tokens, ...checkArgs(check, 'options'), threads));
}
