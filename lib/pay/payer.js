// The paying fetch: an HTTP request that, when answered 402, pays with x402
// within the spend policy and retries — once per logical call, whatever
// happens on the way.
//
//   1. send the request (redirects followed by hand; see request.js)
//   2. on 402, read the offers (v2 PAYMENT-REQUIRED or the v1 body), pick one
//      for the purpose, and check it against the policy and the call's cap —
//      a refusal means nothing is signed
//   3. reserve the amount in today's budget, record the intent, sign with the
//      official x402Client (@x402/evm exact, v2 and v1) through our native
//      Signer, record the signed header
//   4. send the paid request and record the outcome from PAYMENT-RESPONSE /
//      X-PAYMENT-RESPONSE — or, when the answer leaves it open (timeout, reset,
//      5xx without a settlement header), keep the payment "sent, outcome
//      unknown": calling again with the same key resends the SAME header (same
//      EIP-3009 nonce, which settles at most once), never a new one.
//
// When the server has answered but not with a settlement (a 402/4xx refusal,
// or a 2xx without PAYMENT-RESPONSE), the chain is asked (authorizationState
// of the nonce): used means paid, whatever the server said; refused and unused
// means failed, and the day's budget is given back. No answer at all, or a
// 5xx, leaves the payment open — resending the same header is how the caller
// gets the response it paid for (a seller replays a payment it settled).
//
// Keys (see payment_ledger.js): by default a call's key is (purpose, method,
// url, body), so an identical call after an ambiguous outcome resends, while
// an identical call after a settled one buys again; an explicit idempotencyKey
// is never paid twice.
//
// A GET or HEAD with a body is refused (ERR_INVALID_ARG_VALUE): HTTP gives such
// a body no meaning and fetch cannot send it (ClawPay 1.1 crashed on it); it
// is not dropped silently because the caller evidently meant something by it.
import { x402Client } from '@x402/core/client';
import { decodePaymentResponseHeader, encodePaymentSignatureHeader } from '@x402/core/http';
import { ExactEvmScheme } from '@x402/evm/exact/client';
import { ExactEvmSchemeV1 } from '@x402/evm/exact/v1/client';
import { EVM_NETWORK_CHAIN_ID_MAP } from '@x402/evm/v1';

import { Signer } from '../signer.js';
import { toViemAccount } from '../viem_account.js';
import { argError } from '../validate.js';
import { formatUnits } from './amount.js';
import { createChainReader } from './chain_reader.js';
import { payError } from './errors.js';
import { candidateOffers, parsePaymentRequired, sessionTermsOf } from './offers.js';
import { PaymentLedger, STALE_INTENT_MS, callKey } from './payment_ledger.js';
import { PolicyError, SpendPolicy } from './policy.js';
import { PAYMENT_HEADERS, SESSION_HEADERS, exchange, originOf } from './request.js';

export const METHODS = Object.freeze(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
export const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_TIMEOUT_MS = 600_000;
export const MAX_REDIRECTS = 5;
export const DEFAULT_MAX_BODY_BYTES = 10 << 20;
export const MAX_URL_LENGTH = 8192;
/** A signed payment header larger than this is not sent (servers cap theirs at ~16 KiB). */
const MAX_PAYMENT_HEADER_BYTES = 24 * 1024;
/** A pending payment is resolved this long after its validBefore (clock skew, a settlement in flight). */
const EXPIRY_MARGIN_MS = 30_000;

const invalid = (message) => argError(TypeError, 'ERR_INVALID_ARG_VALUE', message);

function checkUrl(url) {
  if (typeof url !== 'string') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', `Expected a string for url but received ${typeof url}`);
  if (url.length > MAX_URL_LENGTH) throw invalid(`Expected a URL of at most ${MAX_URL_LENGTH} characters for url`);
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`Expected an absolute http(s) URL for url but received ${JSON.stringify(String(url).slice(0, 100))}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid(`Expected an http(s) URL for url but received a ${parsed.protocol} URL`);
  if (parsed.username || parsed.password) throw invalid('The url must not carry a user name or password');
  return parsed.href;
}

function plainHeaders(headers, name) {
  if (headers === undefined || headers === null) return {};
  let checked;
  try {
    checked = new Headers(headers);
  } catch (cause) {
    throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', `Invalid ${name}: ${cause.message}`);
  }
  const out = {};
  for (const [key, value] of checked) out[key] = value;
  return out;
}

function checkBody(body, method) {
  if (body === undefined || body === null || body === '') return null;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a string or a Uint8Array for body');
  }
  if (method === 'GET' || method === 'HEAD') {
    throw invalid(`A ${method} request cannot carry a body; send it with POST (or PUT/PATCH), or leave the body out`);
  }
  return body;
}

function errorText(error) {
  const cause = error?.cause;
  const detail = cause?.code ?? cause?.message ?? error?.code;
  return `${error?.message ?? String(error)}${detail && !String(error?.message).includes(detail) ? ` (${detail})` : ''}`;
}

/** The payment as callers see it. */
function paymentView(record, { replayed = false } = {}) {
  const status = record.state === 'settled' ? 'settled' : record.state === 'failed' ? 'failed' : 'pending';
  return {
    status,
    paymentId: record.paymentId,
    kind: record.kind,
    amount: record.amount,
    amountDecimal: formatUnits(BigInt(record.amount), record.decimals),
    asset: record.asset,
    network: record.network,
    payTo: record.payTo,
    transaction: record.transaction,
    payer: record.payer,
    x402Version: record.x402Version,
    nonce: record.nonce,
    validBefore: record.validBefore === null ? null : Number(record.validBefore),
    attempts: record.attempts,
    replayed,
    failure: record.failure,
  };
}

/**
 * Creates a payer.
 * @param {object} options
 * @param {object} options.config from loadConfig()
 * @param {object} options.store a RecordStore (lib/record_store.js) or MemoryStore
 * @param {typeof fetch} [options.fetch]
 * @param {() => number} [options.now] milliseconds since the epoch
 * @param {object} [options.account] a viem-style account to sign with instead of
 *   config.privateKey (tests; a hardware wallet). The payer then owns no Signer.
 * @param {object | null} [options.chainReader] {network, authorizationUsed, findTransaction};
 *   by default one on config.rpcUrl for config.network; null: never ask the chain
 * @param {number} [options.maxBodyBytes] response bodies beyond this are cut (truncated: true)
 */
export function createPayer({
  config, store, fetch = globalThis.fetch, now = Date.now, account, chainReader, maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
}) {
  if (!config?.policy || !config.asset) throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'createPayer needs {config} from loadConfig()');
  if (!store) throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'createPayer needs {store}: a RecordStore or a MemoryStore');
  if (typeof fetch !== 'function') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a function for fetch');

  let signer = null;
  if (!account) {
    signer = Signer.fromPrivateKey(config.privateKey);
    account = toViemAccount(signer);
  }
  const policy = SpendPolicy.fromConfig(config, store, { now });
  const ledger = new PaymentLedger({ store, now });
  const reader = chainReader === undefined
    ? (config.rpcUrl ? createChainReader({ rpcUrl: config.rpcUrl, network: config.network }) : null)
    : chainReader;
  const chain = { v1Network: config.v1Network, chainId: config.chainId };
  const client = officialClient(config, account);
  const keyLocks = new Map();
  let closed = false;

  // ---- the chain's word on a payment -------------------------------------

  /** true (used: paid), false (unused), or null (cannot tell). */
  async function usedOnChain(record) {
    if (!reader || record.network !== reader.network || !record.nonce) return null;
    try {
      return await reader.authorizationUsed({ asset: record.asset, authorizer: record.payer, nonce: record.nonce });
    } catch {
      return null;
    }
  }

  /** `answered`: whether the caller got the server's answer for this payment (see PaymentLedger.settled). */
  async function settleFromChain(record, { answered }) {
    const transaction = reader ? await reader.findTransaction({ asset: record.asset, authorizer: record.payer, nonce: record.nonce }) : null;
    return ledger.settled(record.paymentId, { transaction, network: record.network, payer: record.payer, answered });
  }

  function fail(record, reason) {
    const done = ledger.failed(record.paymentId, reason);
    if (done.state === 'failed' && record.reservation) policy.release(record.reservation);
    return done;
  }

  /**
   * A pending payment whose authorization has expired: the chain decides.
   * Returns the record, settled or failed, or null when the chain cannot tell.
   */
  async function resolveExpired(record) {
    const used = await usedOnChain(record);
    if (used === true) return settleFromChain(record, { answered: false });
    if (used === false) return fail(record, 'expired: the authorization was never used on chain');
    return null;
  }

  const expired = (record) => record.validBefore !== null && now() >= Number(record.validBefore) * 1000 + EXPIRY_MARGIN_MS;

  // ---- one paid exchange --------------------------------------------------

  /** Sends the recorded header and records what the answer says. */
  async function deliver(record, request, { replayed }) {
    record = ledger.sent(record.paymentId);
    const payOrigin = originOf(record.payUrl);
    const guards = [{ origin: payOrigin, headers: { [record.headerName]: record.header } }, ...request.guards];
    let answer;
    try {
      answer = await exchange({
        fetch,
        url: record.payUrl,
        method: record.payMethod,
        headers: record.payBodyKept ? request.headers : withoutBodyHeaders(request.headers),
        body: record.payBodyKept ? request.body : null,
        guards,
        signal: request.signal(),
        maxBodyBytes,
        maxRedirects: MAX_REDIRECTS,
        settlementOrigin: payOrigin,
      });
    } catch (error) {
      // Sent, and no answer: the outcome stays open even if the chain shows
      // the nonce used — the response was lost, and resending this same header
      // is how the caller gets it (a server replays a payment it settled).
      // Never a new signature for this call.
      return networkFailure(error, request, {
        payment: paymentView(ledger.get(record.paymentId), { replayed }),
        offer: record.offer,
        sessionTerms: record.sessionTerms,
        paid: true,
      });
    }

    let settlement = null;
    if (answer.settlementHeader) {
      try {
        settlement = decodePaymentResponseHeader(answer.settlementHeader.value);
      } catch {
        settlement = null;
      }
    }
    let outcome;
    if (settlement?.success === true) outcome = 'settled';
    else if (settlement?.success === false) outcome = 'refused';
    else if (answer.status === 402 || (answer.status >= 400 && answer.status < 500 && ![408, 425, 429].includes(answer.status))) outcome = 'refused';
    else outcome = 'unknown';

    if (record.state === 'settled') {
      // A replay of a settled payment: nothing to decide, only a hash to fill
      // in — and, unless the answer leaves it open, the caller has its answer now.
      record = ledger.settled(record.paymentId, {
        transaction: outcome === 'settled' ? settlement.transaction ?? null : null, answered: outcome !== 'unknown',
      });
    } else if (outcome === 'settled') {
      record = ledger.settled(record.paymentId, {
        transaction: settlement.transaction ?? null, network: record.network, payer: settlement.payer ?? record.payer,
      });
    } else if (outcome === 'refused' || answer.status < 500) {
      // The server has answered and will not deliver for this header (a
      // refusal), or delivered without saying it settled: the chain decides.
      // A 5xx without settlement is left open instead — a resend may still
      // get the response the payment bought.
      const used = await usedOnChain(record);
      if (used === true) {
        record = await settleFromChain(record, { answered: true });
      } else if (outcome === 'refused' && (used === false || record.attempts <= 1)) {
        // Refused, and (per the chain, or because this was its first and only
        // send) never used: definitely not paid. The budget is given back.
        const reason = settlement?.errorReason ?? jsonError(answer.body) ?? `HTTP ${answer.status}`;
        record = fail(record, `refused by the server: ${reason}`);
      }
      // Otherwise the outcome stays open (state "sent").
    }
    return {
      ...responseFields(answer),
      timedOut: false,
      error: null,
      payment: paymentView(record, { replayed }),
      offer: record.offer,
      sessionTerms: record.sessionTerms,
      paymentRequired: null,
    };
  }

  // ---- the call -----------------------------------------------------------

  /** Checks a call's arguments; the request as pay() takes it. */
  function normalize(url, options) {
    const href = checkUrl(url);
    const method = String(options.method ?? 'GET').toUpperCase();
    if (!METHODS.includes(method)) throw invalid(`Expected one of ${METHODS.join(', ')} for method but received ${JSON.stringify(options.method)}`);
    const body = checkBody(options.body, method);
    const purpose = options.purpose ?? 'call';
    if (purpose !== 'call' && purpose !== 'session') throw invalid(`Expected "call" or "session" for purpose but received ${JSON.stringify(purpose)}`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
      throw invalid(`Expected an integer from 1 to ${MAX_TIMEOUT_MS} for timeoutMs but received ${timeoutMs}`);
    }
    const cap = options.maxPayment ?? null;
    if (cap !== null && (typeof cap !== 'bigint' || cap < 0n)) {
      throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a non-negative bigint of base units (or null) for maxPayment');
    }
    const scope = options.sessionScope ?? null;
    if (scope !== null && (typeof scope?.endpoint !== 'string' || (scope.scope !== 'prefix' && scope.scope !== 'exact'))) {
      throw invalid('Expected {endpoint, scope: "prefix" | "exact"} for sessionScope');
    }

    // Payment and session headers among the caller's headers are guarded like sessionHeaders.
    const headers = plainHeaders(options.headers, 'headers');
    const guarded = {};
    for (const name of [...PAYMENT_HEADERS, ...SESSION_HEADERS]) {
      if (headers[name] !== undefined) {
        guarded[name] = headers[name];
        delete headers[name];
      }
    }
    Object.assign(guarded, plainHeaders(options.sessionHeaders, 'sessionHeaders'));
    const startOrigin = originOf(href);
    const guards = Object.keys(guarded).length > 0 ? [{ origin: startOrigin, headers: guarded, scope: scope ?? undefined }] : [];
    const signal = options.signal ?? null;
    return {
      url: href,
      startOrigin,
      method,
      headers,
      body,
      guards,
      purpose,
      timeoutMs,
      cap,
      payAllowed: options.pay ?? true,
      idempotencyKey: options.idempotencyKey,
      ...callKey({ idempotencyKey: options.idempotencyKey, purpose, method, url: href, body }),
      signal: () => (signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), signal]) : AbortSignal.timeout(timeoutMs)),
    };
  }

  async function pay(request) {
    const { url, method, headers, body, guards, purpose, cap, startOrigin, key, explicit, requestHash } = request;

    // An earlier payment for this call?
    let previous = ledger.current(key);
    if (previous) {
      if (previous.requestHash !== requestHash) {
        throw payError('ERR_IDEMPOTENCY_CONFLICT',
          `idempotencyKey ${JSON.stringify(request.idempotencyKey)} was used for another request (${previous.method} ${previous.url}); use a new key for a new call`,
          { paymentId: previous.paymentId });
      }
      if ((previous.state === 'signed' || previous.state === 'sent') && expired(previous)) {
        const resolved = await resolveExpired(previous);
        if (!resolved) {
          throw payError('ERR_PAYMENT_UNRESOLVED',
            `An earlier payment for this call (nonce ${previous.nonce}) was sent, its outcome is unknown, and its authorization has expired; ` +
            'the chain could not be asked whether it was used, so it is not paid again. Retry when the RPC is reachable, or use a new idempotencyKey',
            { payment: paymentView(previous) });
        }
        previous = resolved;
      }
      if (previous.state === 'signed' || previous.state === 'sent') return deliver(previous, request, { replayed: true });
      // Settled, and the caller never got its answer (a crash; reconcile settled
      // it from the chain): this is the call retried, not a new purchase.
      if (previous.state === 'settled' && (explicit || previous.answered === false)) return deliver(previous, request, { replayed: true });
      if (previous.state === 'intent' && now() - previous.createdAt < STALE_INTENT_MS) {
        throw payError('ERR_PAYMENT_IN_PROGRESS', 'A payment for this call is being signed by another process; retry shortly', { paymentId: previous.paymentId });
      }
    }

    // The request itself.
    let first;
    try {
      first = await exchange({ fetch, url, method, headers, body, guards, signal: request.signal(), maxBodyBytes, maxRedirects: MAX_REDIRECTS });
    } catch (error) {
      return networkFailure(error, request, { payment: null, offer: null, sessionTerms: null, paid: false });
    }
    if (first.status !== 402) return plainResult(first);

    const paymentRequired = parsePaymentRequired(first);
    const sessionTerms = paymentRequired.invalid ? null : sessionTermsOf(paymentRequired);
    const unpaid = { ...plainResult(first), sessionTerms, paymentRequired: paymentRequired.invalid ? null : paymentRequired };
    if (!request.payAllowed) return unpaid;
    if (originOf(first.url) !== startOrigin) {
      throw payError('ERR_CROSS_ORIGIN_402',
        `${url} redirected to ${first.url}, another origin, which asked for payment; a 402 reached through a cross-origin redirect is not paid automatically`,
        { response: unpaid });
    }
    if (paymentRequired.invalid) {
      throw payError('ERR_MALFORMED_402', `${first.url} answered 402, but ${paymentRequired.error}`, { response: unpaid });
    }
    const { candidates, skipped } = candidateOffers(paymentRequired, purpose, chain);
    if (candidates.length === 0) {
      throw payError('ERR_NO_PAYABLE_OFFER',
        `${first.url} asks for payment, but none of its ${paymentRequired.accepts.length} offer(s) can be paid here: ${skipped.join('; ') || 'no offers'}`,
        { response: unpaid });
    }

    // The policy, before anything is signed: the first offer it allows wins.
    let chosen = null;
    let refusal = null;
    for (const candidate of candidates) {
      try {
        policy.check(candidate.terms, { kind: purpose, cap });
        chosen = candidate;
        break;
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error;
        refusal ??= error;
      }
    }
    if (!chosen) {
      refusal.response = unpaid;
      throw refusal;
    }
    let reservation;
    try {
      reservation = policy.reserve(chosen.terms, { kind: purpose, cap }); // atomic with the daily total
    } catch (error) {
      if (error instanceof PolicyError) error.response = unpaid; // another payment took the day's budget meanwhile
      throw error;
    }
    let record;
    try {
      record = ledger.begin({
        key,
        explicitKey: explicit,
        requestHash,
        kind: purpose,
        url,
        payUrl: first.url,
        method,
        payMethod: first.method,
        payBodyKept: first.bodyKept,
        x402Version: paymentRequired.x402Version,
        offer: chosen.offer,
        sessionTerms,
        network: chosen.terms.network,
        asset: chosen.terms.asset,
        payTo: chosen.terms.payTo,
        amount: chosen.terms.amount,
        decimals: config.asset.decimals,
        reservation: reservation.toJSON(),
      }, { previous: previous?.paymentId ?? null });
    } catch (error) {
      reservation.release();
      throw error;
    }

    let payload;
    try {
      payload = await client.createPaymentPayload({
        x402Version: paymentRequired.x402Version,
        accepts: [chosen.offer],
        ...(paymentRequired.x402Version === 2
          ? { resource: paymentRequired.resource, extensions: paymentRequired.extensions, error: paymentRequired.error }
          : { error: paymentRequired.error }),
      });
    } catch (cause) {
      fail(record, `signing failed: ${cause.message}`);
      throw payError('ERR_SIGNING_FAILED', `The payment could not be signed: ${cause.message}`, { cause, response: unpaid });
    }
    const authorization = payload.payload?.authorization;
    const header = encodePaymentSignatureHeader(payload);
    if (!authorization?.nonce || header.length > MAX_PAYMENT_HEADER_BYTES) {
      // Never sent, so never paid.
      fail(record, 'the signed payment was not an EIP-3009 authorization of a sendable size');
      throw payError('ERR_SIGNING_FAILED', `The signed payment is not an EIP-3009 authorization under ${MAX_PAYMENT_HEADER_BYTES} bytes; it was not sent`, { response: unpaid });
    }
    try {
      record = ledger.signed(record.paymentId, {
        header,
        headerName: payload.x402Version === 1 ? 'x-payment' : 'payment-signature',
        nonce: authorization.nonce,
        validBefore: authorization.validBefore,
        payer: authorization.from,
      });
    } catch (error) {
      // Not recorded, so not sent: a header the ledger does not hold is never sent.
      try {
        fail(record, `the signed header could not be recorded: ${error.message}`);
      } catch {
        // reconcile() frees the abandoned intent later
      }
      throw error;
    }
    const result = await deliver(record, request, { replayed: false });
    return { ...result, paymentRequired: unpaid.paymentRequired };
  }

  return {
    /** The address payments come from. */
    address: account.address,
    policy,
    ledger,

    /**
     * The paying fetch; see lib/pay/index.d.ts for the options and result.
     * Calls with the same key run one after another in this process.
     */
    async fetch(url, options = {}) {
      if (closed) throw argError(Error, 'ERR_CLOSED', 'The payer is closed');
      const request = normalize(url, options ?? {});
      const before = keyLocks.get(request.key) ?? Promise.resolve();
      const run = before.then(() => pay(request));
      const settled = run.catch(() => {});
      keyLocks.set(request.key, settled);
      try {
        return await run;
      } finally {
        if (keyLocks.get(request.key) === settled) keyLocks.delete(request.key);
      }
    },

    /**
     * Settles what the ledger left open: payments sent with an unknown outcome
     * (the chain says whether their nonce was used) and intents abandoned before
     * signing (their reservation is given back). Returns the counts.
     */
    async reconcile() {
      const counts = { settled: 0, failed: 0, open: 0 };
      for (const record of ledger.list()) {
        if (record.state === 'intent' && now() - record.createdAt >= STALE_INTENT_MS) {
          fail(record, 'abandoned before signing');
          counts.failed += 1;
        } else if (record.state === 'signed' || record.state === 'sent') {
          const used = await usedOnChain(record);
          if (used === true) {
            await settleFromChain(record, { answered: false });
            counts.settled += 1;
          } else if (used === false && expired(record)) {
            fail(record, 'expired: the authorization was never used on chain');
            counts.failed += 1;
          } else {
            counts.open += 1;
          }
        }
      }
      ledger.prune();
      return counts;
    },

    /** Wipes the payer's key (when it owns one). The store stays open: it is the caller's. */
    close() {
      if (closed) return;
      closed = true;
      signer?.destroy();
    },
  };
}

function withoutBodyHeaders(headers) {
  const out = { ...headers };
  for (const name of ['content-type', 'content-length', 'content-encoding']) delete out[name];
  return out;
}

function jsonError(body) {
  try {
    const parsed = JSON.parse(body);
    const text = parsed?.error ?? parsed?.message;
    return typeof text === 'string' ? text.slice(0, 200) : null;
  } catch {
    return null;
  }
}

function responseFields(answer) {
  return {
    status: answer.status,
    headers: answer.headers,
    body: answer.body,
    truncated: answer.truncated,
    url: answer.url,
    redirects: answer.hops,
  };
}

function plainResult(answer) {
  return {
    ...responseFields(answer),
    timedOut: false,
    error: null,
    payment: null,
    offer: null,
    sessionTerms: null,
    paymentRequired: null,
  };
}

/** A request that got no answer: timed out, aborted, or the connection failed. */
function networkFailure(error, request, { payment, offer, sessionTerms, paid }) {
  if (error?.code === 'ERR_TOO_MANY_REDIRECTS' || error?.code === 'ERR_BAD_REDIRECT') {
    if (!paid) throw error;
  }
  const timedOut = error?.name === 'TimeoutError';
  const aborted = !timedOut && error?.name === 'AbortError';
  const where = `${request.method} ${request.url}`;
  const open = payment?.status === 'pending'
    ? ` The payment (${payment.amountDecimal} to ${payment.payTo}, nonce ${payment.nonce}) was sent and its outcome is unknown; ` +
      'calling again with the same request (or idempotencyKey) resends the same authorization, which can settle at most once.'
    : paid ? '' : ' Nothing was paid.';
  const message = timedOut
    ? `${where} timed out after ${request.timeoutMs} ms.${open}`
    : aborted
      ? `${where} was aborted.${open}`
      : `${where} failed: ${errorText(error)}.${open}`;
  return {
    status: null,
    headers: {},
    body: '',
    truncated: false,
    url: request.url,
    redirects: error?.hops ?? [],
    timedOut,
    error: { code: timedOut ? 'ERR_TIMEOUT' : aborted ? 'ERR_ABORTED' : error?.code?.startsWith?.('ERR_') ? error.code : 'ERR_FETCH_FAILED', message },
    payment,
    offer,
    sessionTerms,
    paymentRequired: null,
  };
}

/**
 * The official client, able to sign on the allowed networks only (v2 by
 * CAIP-2 id, v1 by name), with spend controls that allow the allowed assets
 * there up to the larger per-payment limit. The policy has already decided;
 * these controls are a second lock, not the first.
 */
function officialClient(config, account) {
  if (config.v1Network && EVM_NETWORK_CHAIN_ID_MAP[config.v1Network] === undefined) {
    // @x402/evm's v1 signer finds the chain id by name in this table, which has
    // no local chain (the devnet facilitator registers its name the same way).
    EVM_NETWORK_CHAIN_ID_MAP[config.v1Network] = config.chainId;
  }
  const { policy } = config;
  const cap = (policy.maxPerCall > policy.maxPerSession ? policy.maxPerCall : policy.maxPerSession).toString();
  const client = new x402Client();
  const allowedAssets = [];
  for (const network of policy.allowedNetworks) {
    const chainId = Number(network.slice('eip155:'.length));
    client.register(network, new ExactEvmScheme(account));
    const names = new Set();
    if (chainId === config.chainId && config.v1Network) names.add(config.v1Network);
    for (const [name, id] of Object.entries(EVM_NETWORK_CHAIN_ID_MAP)) if (id === chainId) names.add(name);
    for (const name of names) client.registerV1(name, new ExactEvmSchemeV1(account));
    for (const asset of policy.allowedAssets) {
      for (const where of [network, ...names]) allowedAssets.push({ network: where, asset, maxAmountPerPayment: cap });
    }
  }
  return client.setSpendControls({ allowedAssets });
}
