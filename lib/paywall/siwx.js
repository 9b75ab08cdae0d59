// Sign-In-With-X (SIWX) for the paywall: a wallet that already paid for a
// route comes back by signing a fresh challenge instead of paying again.
//
// The 402 carries the challenge at extensions['sign-in-with-x'] in the shape
// @x402/extensions' clients consume ({info, supportedChains, schema}); the
// client answers with the SIGN-IN-WITH-X header (base64 JSON of the EIP-4361
// fields plus an EIP-191 signature). Parsing, the message text that is signed
// and the signature check are the library's (parseSIWxHeader,
// formatSIWEMessage, verifyEVMSignature); ECDSA recovery is our native
// recoverMessageAddress, plugged in as the library's `evmVerifier`.
//
// What we add to what the official server does (its createSIWxRequestHook):
// - Single use. Its InMemorySIWxStorage records no nonces, and even with a
//   storage that does, it checks (hasUsedNonce) and records (recordNonce) in
//   two steps around an await, so concurrent copies of one header all pass.
//   We make one atomic ledger.useNonce call, after the signature verified (so
//   a forger cannot burn someone's nonce) and before hasPaid.
// - Server-issued nonces only. The official server accepts any nonce, so a
//   wallet (or a phished signature) can pre-sign headers with any issuedAt.
//   Its client echoes info.nonce, issuedAt and expirationTime verbatim, so we
//   make the nonce self-authenticating instead of keeping a table: nonce =
//   hex(16 random bytes) + hex(first 16 bytes of HMAC-SHA256(nonceKey,
//   [random, issuedAt, expirationTime, resourceUrl, routeId]))). A header is
//   then good only for the resource and route that issued it and only within
//   the window the server chose. The key is per gate (random) unless
//   `nonceKey` is given; several instances behind one balancer must share one.
//   A restart with a random key voids open challenges (at most
//   expirationSeconds old): the client gets a 402 with a fresh one.
// - The chain must be one the route declared; the official hook never looks.
// - An injectable clock with 60 s of skew for issuedAt (the library's
//   validateSIWxMessage reads Date.now() and refuses any future issuedAt,
//   which is why we do not use it; its domain and uri rules are kept as-is).
// - Only EOA signatures (EIP-191): smart-wallet (EIP-1271/6492) checks would
//   need an RPC client.
//
// check() refusals, in the order they are tried:
//
//   status  error                meaning
//   400     siwx_malformed       not a string, over 8 KiB, not base64, not JSON, a field missing or of
//                                the wrong type, version not "1", a time not RFC 3339, or fields the
//                                EIP-4361 grammar rejects (bad address checksum, domain, uri, ...)
//   401     siwx_wrong_domain    domain is not the host (with port when not default) of resourceUrl
//   401     siwx_wrong_uri       uri is not a URL with resourceUrl's origin (the official client
//                                sends the challenge's uri, which is resourceUrl itself)
//   401     siwx_wrong_chain     chainId not one of the route's declared networks, or type not eip191
//   401     siwx_expired         issuedAt more than 60 s ahead, expirationTime reached, or issuedAt
//                                expirationSeconds or more ago
//   401     siwx_not_yet_valid   notBefore not reached
//   401     siwx_unknown_nonce   the nonce, issuedAt or expirationTime are not ones this gate issued
//                                for this resourceUrl and routeId
//   401     siwx_bad_signature   the signature does not recover to the stated address
//   401     siwx_replayed        the nonce was already used
//   402     siwx_not_paid        hasPaid(address) said no
//
// Errors thrown by the ledger or hasPaid are not caught: check() rejects and
// nothing is granted.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import {
  SIGN_IN_WITH_X,
  declareSIWxExtension,
  formatSIWEMessage,
  parseSIWxHeader,
  verifyEVMSignature,
} from '@x402/extensions/sign-in-with-x';

import { recoverMessageAddress } from '../hashing.js';
import { MAX_SIWX_HEADER_BYTES } from '../limits.js';
import { argError, expectObject, expectSafeInteger, expectString, invalidArg } from '../validate.js';

export const SIWX_HEADER = 'SIGN-IN-WITH-X';
const ISSUED_AT_SKEW_MS = 60_000;
const RANDOM_BYTES = 16;
const TAG_BYTES = 16;
const NONCE = /^[0-9a-f]{64}$/;
const EVM_NETWORK = /^eip155:[1-9][0-9]*$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

export const SIWX_ERRORS = Object.freeze({
  siwx_malformed: 400,
  siwx_wrong_domain: 401,
  siwx_wrong_uri: 401,
  siwx_wrong_chain: 401,
  siwx_expired: 401,
  siwx_not_yet_valid: 401,
  siwx_unknown_nonce: 401,
  siwx_bad_signature: 401,
  siwx_replayed: 401,
  siwx_not_paid: 402,
});

function refuse(error, message) {
  return { ok: false, status: SIWX_ERRORS[error], error, message };
}

// The public URL of the resource; the challenge's uri. The fragment is never
// sent, so it is not part of the resource.
function resourceUri(value, name) {
  expectString(value, name);
  let url;
  try {
    url = new URL(value);
  } catch {
    throw invalidArg('an absolute http(s) URL', name, value);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    throw invalidArg('an absolute http(s) URL without credentials', name, value);
  }
  return { url, uri: `${url.origin}${url.pathname}${url.search}` };
}

function networkList(value, name) {
  if (!Array.isArray(value) || value.length === 0) throw invalidArg('a non-empty array of CAIP-2 ids', name, value);
  for (const network of value) {
    // Recovery is EIP-191 only; a solana:* chain would be verified by nothing we trust.
    if (typeof network !== 'string' || !EVM_NETWORK.test(network)) {
      throw invalidArg("an EVM CAIP-2 id ('eip155:<chainId>')", `${name}[]`, network);
    }
  }
  return [...new Set(value)];
}

function timestamp(value) {
  if (value === undefined) return undefined;
  const ms = RFC3339.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? null : ms;
}

// The library's evmVerifier hook, answered by native recovery; `recovered`
// keeps the checksummed signer. Anything that does not recover to the claimed
// address (bad length, high s, no key) is false.
function nativeEvmVerifier(recovered) {
  return async ({ address, message, signature }) => {
    try {
      recovered.address = await recoverMessageAddress({ message, signature });
      return recovered.address.toLowerCase() === address.toLowerCase();
    } catch {
      return false;
    }
  };
}

/**
 * A SIWX gate for the paywall. Times are Unix milliseconds, the unit of
 * `now()`; the ledger is called with the same unit.
 *
 * @param {object} options
 * @param {{useNonce(nonce: string, o: {expiresAt: number, now: number}): boolean | Promise<boolean>}} options.ledger
 *   durable, atomic: true only the first time a nonce is seen (until it expires)
 * @param {(address: string, o: {resourceUrl: string, routeId: string}) => Promise<boolean>} options.hasPaid
 *   gets the checksummed address; only `true` grants
 * @param {string} [options.statement] shown to the signer (EIP-4361: one line, URI characters)
 * @param {number} [options.expirationSeconds=300] challenge lifetime and maximum message age
 * @param {() => number} [options.now=Date.now]
 * @param {Uint8Array} [options.nonceKey] >= 32 bytes; share it between instances that serve one origin
 * @returns {{headerName: 'SIGN-IN-WITH-X', extensionKey: 'sign-in-with-x',
 *   declare(o: {resourceUrl: string, routeId: string, networks: string[]}): object,
 *   check(header: unknown, o: {resourceUrl: string, routeId: string, networks?: string[]}): Promise<
 *     {ok: true, address: string} | {ok: false, status: 400 | 401 | 402, error: string, message: string}>}}
 *   declare() returns the value for paymentRequired.extensions['sign-in-with-x']; check()
 *   accepts the chains given, else those of the route's latest declare() (none: siwx_wrong_chain).
 */
export function createSiwxGate(options) {
  const {
    ledger,
    hasPaid,
    statement,
    expirationSeconds = 300,
    now = () => Date.now(),
    nonceKey = randomBytes(32),
  } = expectObject(options, 'options');
  if (ledger === null || typeof ledger !== 'object' || typeof ledger.useNonce !== 'function') {
    throw invalidArg('an object with a useNonce(nonce, {expiresAt, now}) method', 'options.ledger', ledger);
  }
  if (typeof hasPaid !== 'function') throw invalidArg('an async function', 'options.hasPaid', hasPaid);
  if (typeof now !== 'function') throw invalidArg('a function returning Unix milliseconds', 'options.now', now);
  expectSafeInteger(expirationSeconds, 'options.expirationSeconds', { min: 1 });
  if (!(nonceKey instanceof Uint8Array) || nonceKey.length < 32) {
    throw invalidArg('a Uint8Array of at least 32 bytes', 'options.nonceKey', nonceKey, { secret: true });
  }
  if (statement !== undefined) {
    expectString(statement, 'options.statement');
    // EIP-4361 allows only a narrow character set here; find out now, not on every check.
    try {
      formatSIWEMessage({
        domain: 'example.com', uri: 'https://example.com/', version: '1', chainId: 'eip155:1',
        nonce: '0'.repeat(16), issuedAt: new Date(0).toISOString(), statement,
      }, '0x0000000000000000000000000000000000000000');
    } catch {
      throw argError(RangeError, 'ERR_INVALID_ARG_VALUE',
        'Expected an EIP-4361 statement (one line of URI characters and spaces) for options.statement');
    }
  }
  const key = Buffer.from(nonceKey);
  const maxAgeMs = expirationSeconds * 1000;
  const routeNetworks = new Map(); // routeId -> networks of its latest declaration

  function clock() {
    const t = now();
    if (!Number.isFinite(t)) throw invalidArg('Unix milliseconds from options.now()', 'now()', t);
    return Math.floor(t);
  }

  function nonceTag(random, issuedAt, expirationTime, uri, routeId) {
    return createHmac('sha256', key)
      .update(JSON.stringify(['clawpay-siwx-nonce/1', random, issuedAt, expirationTime, uri, routeId]))
      .digest()
      .subarray(0, TAG_BYTES);
  }

  function declare(args) {
    const { resourceUrl, routeId, networks } = expectObject(args, 'declare options');
    const { url, uri } = resourceUri(resourceUrl, 'resourceUrl');
    expectString(routeId, 'routeId');
    const chains = networkList(networks, 'networks');
    const t = clock();
    const issuedAt = new Date(t).toISOString();
    const expirationTime = new Date(t + maxAgeMs).toISOString();
    const random = randomBytes(RANDOM_BYTES).toString('hex');
    const nonce = random + nonceTag(random, issuedAt, expirationTime, uri, routeId).toString('hex');
    routeNetworks.set(routeId, chains);

    // The library builds supportedChains, schema and info.{version, statement};
    // the per-request fields are filled in here as its server extension does.
    const { _options, ...declaration } = declareSIWxExtension({
      statement, network: chains, expirationSeconds,
    })[SIGN_IN_WITH_X];
    return {
      ...declaration,
      info: {
        domain: url.host,
        uri,
        ...declaration.info,
        nonce,
        issuedAt,
        expirationTime,
        resources: [uri],
      },
    };
  }

  async function check(headerValue, args) {
    const { resourceUrl, routeId, networks } = expectObject(args, 'check options');
    const { url, uri } = resourceUri(resourceUrl, 'resourceUrl');
    expectString(routeId, 'routeId');
    const allowed = networks === undefined ? routeNetworks.get(routeId) : networkList(networks, 'networks');

    if (typeof headerValue !== 'string') {
      return refuse('siwx_malformed', headerValue === undefined ? 'The SIGN-IN-WITH-X header is missing' : 'The SIGN-IN-WITH-X header must be one string');
    }
    if (headerValue.length > MAX_SIWX_HEADER_BYTES) {
      return refuse('siwx_malformed', `The SIGN-IN-WITH-X header is longer than ${MAX_SIWX_HEADER_BYTES} bytes`);
    }
    let payload;
    try {
      payload = parseSIWxHeader(headerValue);
    } catch (error) {
      return refuse('siwx_malformed', error.message.slice(0, 200));
    }
    if (payload.version !== '1') return refuse('siwx_malformed', 'Only EIP-4361 version "1" is accepted');
    const issuedAt = timestamp(payload.issuedAt);
    const expirationTime = timestamp(payload.expirationTime);
    const notBefore = timestamp(payload.notBefore);
    if (issuedAt === null || expirationTime === null || notBefore === null) {
      return refuse('siwx_malformed', 'issuedAt, expirationTime and notBefore must be RFC 3339 times');
    }

    // Domain and uri as the library's validateSIWxMessage binds them.
    if (payload.domain !== url.host) {
      return refuse('siwx_wrong_domain', `Signed for domain ${JSON.stringify(payload.domain.slice(0, 100))}, not ${url.host}`);
    }
    let signedOrigin;
    try {
      signedOrigin = new URL(payload.uri).origin;
    } catch {
      signedOrigin = null;
    }
    if (signedOrigin !== url.origin) return refuse('siwx_wrong_uri', `The signed uri is not on ${url.origin}`);

    if (!allowed?.includes(payload.chainId) || payload.type !== 'eip191') {
      return refuse('siwx_wrong_chain', `Chain ${JSON.stringify(payload.chainId.slice(0, 100))} is not accepted for this route`);
    }

    const t = clock();
    if (issuedAt > t + ISSUED_AT_SKEW_MS) return refuse('siwx_expired', 'issuedAt is in the future');
    if (expirationTime !== undefined && t >= expirationTime) return refuse('siwx_expired', 'The message has expired');
    if (t >= issuedAt + maxAgeMs) return refuse('siwx_expired', `The message is more than ${expirationSeconds} s old`);
    if (notBefore !== undefined && t < notBefore) return refuse('siwx_not_yet_valid', 'notBefore has not been reached');

    if (!NONCE.test(payload.nonce) || payload.expirationTime === undefined) {
      return refuse('siwx_unknown_nonce', 'The nonce was not issued by this server');
    }
    const random = payload.nonce.slice(0, RANDOM_BYTES * 2);
    const expected = nonceTag(random, payload.issuedAt, payload.expirationTime, uri, routeId);
    if (!timingSafeEqual(expected, Buffer.from(payload.nonce.slice(RANDOM_BYTES * 2), 'hex'))) {
      return refuse('siwx_unknown_nonce', 'The nonce was not issued by this server for this resource');
    }

    let message;
    try {
      message = formatSIWEMessage(payload, payload.address);
    } catch (error) {
      return refuse('siwx_malformed', `Not an EIP-4361 message: ${String(error?.message).split('\n')[0].slice(0, 200)}`);
    }
    const recovered = { address: null };
    if (!(await verifyEVMSignature(message, payload.address, payload.signature, nativeEvmVerifier(recovered)))) {
      return refuse('siwx_bad_signature', 'The signature does not verify for the stated address');
    }
    const { address } = recovered;

    const expiresAt = Math.min(expirationTime, issuedAt + maxAgeMs);
    if ((await ledger.useNonce(payload.nonce, { expiresAt, now: t })) !== true) {
      return refuse('siwx_replayed', 'This SIGN-IN-WITH-X header was already used');
    }
    if ((await hasPaid(address, { resourceUrl, routeId })) !== true) {
      return refuse('siwx_not_paid', `${address} has not paid for this resource`);
    }
    return { ok: true, address };
  }

  return Object.freeze({ headerName: SIWX_HEADER, extensionKey: SIGN_IN_WITH_X, declare, check });
}
