// The payment engine behind the paywall, shared by HTTP routes and MCP
// tools: it states a route's offers, matches a payment to one, verifies it
// with the facilitator, claims it in the durable receipt ledger, lets the
// caller serve, settles only what was served, and records the receipt.
//
// One payment pays for one response. A payment is identified by what makes
// an EIP-3009 authorization unique on chain — network, token, payer and
// nonce — so the same payload sent twice is the same payment:
// - while the first use is in flight, repeats wait for it and get its
//   outcome (the same response, marked as a replay), without running the
//   handler again;
// - after it was served, repeats for the same resource get the stored
//   response while it is remembered (bounded memory), while its
//   authorization is still valid (before validBefore) and for at most
//   `replayTtlSeconds`; otherwise 409 `payment_already_used` with the
//   original settlement — a stored response outliving its authorization
//   would be a paid body for anyone holding an expired header;
// - across processes and restarts the ledger's claim decides: the second
//   claimant gets 409;
// - a v2 payment may also name its payment intent with the
//   `payment-identifier` extension (payment_identifier.js): the same id with
//   another authorization gets 409 `payment_identifier_conflict`.
import { HTTPFacilitatorClient, x402ResourceServer } from '@x402/core/server';
import { ExactEvmScheme } from '@x402/evm/exact/server';

import { keccak256, sameAddress } from '../hashing.js';
import { HEX_ADDRESS, argError, expectSafeInteger } from '../validate.js';
import { assertFacilitatorSupports } from './facilitator_support.js';
import { buildOffers, SESSION_EXTRA, v1NetworkName, v1Requirements } from './offers.js';
import {
  PAYMENT_IDENTIFIER_MEMORY_MS, paymentIdentifierDeclaration, paymentIdentifierMode, paymentIdentifierNonce,
  paymentIdentifierOf,
} from './payment_identifier.js';

// A claim this old, and not in flight in this process, was abandoned.
export const STALE_CLAIM_MS = 60_000;
const MEMO_ENTRIES = 1000;
const MEMO_BYTES = 64 << 20;
/** How long a served response is given back to a replay of its payment, at most. */
export const DEFAULT_REPLAY_TTL_SECONDS = 300;
const MAX_REPLAY_TTL_SECONDS = 24 * 3600;
const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const UINT = /^(0|[1-9][0-9]{0,77})$/;

function replayTtlMs(seconds = DEFAULT_REPLAY_TTL_SECONDS) {
  expectSafeInteger(seconds, 'replayTtlSeconds', { min: 0 });
  if (seconds > MAX_REPLAY_TTL_SECONDS) {
    throw argError(RangeError, 'ERR_INVALID_ARG_VALUE', `replayTtlSeconds must be at most ${MAX_REPLAY_TTL_SECONDS} (a day), got ${seconds}`);
  }
  return seconds * 1000;
}

/** A refusal: no handler ran and nothing was settled. */
function refused(status, error, message, extra = {}) {
  return { kind: 'refused', status, error, message, ...extra };
}

/** The authorization inside an exact/EVM payload, checked for shape. */
function authorizationOf(payload) {
  const auth = payload?.payload?.authorization;
  if (auth === null || typeof auth !== 'object') return null;
  const { from, to, value, validAfter, validBefore, nonce } = auth;
  if (!HEX_ADDRESS.test(from ?? '') || !HEX_ADDRESS.test(to ?? '') || !HEX32.test(nonce ?? '')) return null;
  for (const n of [value, validAfter, validBefore]) if (typeof n !== 'string' || !UINT.test(n)) return null;
  if (typeof payload.payload.signature !== 'string') return null;
  return auth;
}

/**
 * Remembers served outcomes for replays, within a count and a byte budget,
 * each until its `expiresAt` (milliseconds).
 */
class OutcomeMemo {
  #entries = new Map();
  #bytes = 0;

  get(id) {
    return this.#entries.get(id);
  }

  delete(id) {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#bytes -= entry.bytes;
  }

  set(id, outcome, bytes, expiresAt) {
    if (bytes > MEMO_BYTES / 4) return;
    this.#entries.set(id, { outcome, bytes, expiresAt });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= MEMO_ENTRIES && this.#bytes <= MEMO_BYTES) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
  }
}

export class PaymentEngine {
  #resourceServer;
  #ledger;
  #now;
  #v1Names;
  #replayTtlMs;
  #identifierMode;
  #offers = new Map();
  #inflight = new Map();
  #memo = new OutcomeMemo();

  /**
   * @param {object} options
   * @param {x402ResourceServer} options.resourceServer initialised, with the networks registered
   * @param {import('../receipt_ledger.js').ReceiptLedger} options.ledger
   * @param {Record<string,string>} [options.v1Names] v1 names for CAIP-2 networks the
   *   @x402/evm table lacks (a local chain)
   * @param {() => number} [options.now] milliseconds since the epoch
   * @param {number} [options.replayTtlSeconds] how long a served response is given
   *   back to a replay of its payment, at most (never past the authorization's validBefore)
   * @param {boolean | 'required'} [options.paymentIdentifier] declare and honour x402's
   *   payment-identifier extension (default true: declared, optional)
   */
  constructor({
    resourceServer, ledger, v1Names = {}, now = Date.now, replayTtlSeconds, paymentIdentifier,
  }) {
    this.#resourceServer = resourceServer;
    this.#ledger = ledger;
    this.#v1Names = v1Names;
    this.#now = now;
    this.#replayTtlMs = replayTtlMs(replayTtlSeconds);
    this.#identifierMode = paymentIdentifierMode(paymentIdentifier);
  }

  /**
   * An engine on the official resource server, reaching the facilitator over
   * HTTP. Fails when the facilitator is unreachable or does not support what
   * a route offers (`routes`, or bare `networks`).
   */
  static async create({
    facilitatorUrl, facilitatorClient, routes = [], networks = routes.map((r) => r.terms.network), ledger, v1Names,
    now, replayTtlSeconds, paymentIdentifier,
  }) {
    // Options are checked before the facilitator is asked anything.
    replayTtlMs(replayTtlSeconds);
    paymentIdentifierMode(paymentIdentifier);
    const client = facilitatorClient ?? new HTTPFacilitatorClient({ url: facilitatorUrl });
    const resourceServer = new x402ResourceServer(client);
    for (const network of new Set(networks)) {
      resourceServer.register(network, new ExactEvmScheme());
      // The resource server looks v1 payments up by v1's network name.
      const v1Name = v1NetworkName(network, v1Names);
      if (v1Name) resourceServer.register(v1Name, new ExactEvmScheme());
    }
    // Fails here, not on the first paying request, when the facilitator is
    // unreachable or cannot settle on a route's network.
    await resourceServer.initialize();
    const checked = routes.length > 0 ? routes : [...new Set(networks)].map((network) => ({ id: network, terms: { network } }));
    await assertFacilitatorSupports(resourceServer, client, checked, v1Names);
    return new PaymentEngine({ resourceServer, ledger, v1Names, now, replayTtlSeconds, paymentIdentifier });
  }

  get ledger() {
    return this.#ledger;
  }

  async #offersFor(route, sessionInfo) {
    const key = `${route.id}\n${sessionInfo?.endpoint ?? ''}`;
    let offers = this.#offers.get(key);
    if (!offers) {
      offers = buildOffers(this.#resourceServer, route, sessionInfo);
      this.#offers.set(key, offers);
      offers.catch(() => this.#offers.delete(key));
    }
    return offers;
  }

  /**
   * What the 402 carries: the v2 PaymentRequired (for the PAYMENT-REQUIRED
   * header or an MCP tool result) and the v1 body.
   */
  async paymentRequired(route, resource, { error = 'payment_required', sessionInfo, extensions } = {}) {
    const offers = await this.#offersFor(route, sessionInfo);
    const v2 = await this.#resourceServer.createPaymentRequiredResponse(
      offers.map((o) => o.requirement), resource, error,
      { ...paymentIdentifierDeclaration(this.#identifierMode), ...extensions },
    );
    const v1 = {
      x402Version: 1,
      error,
      accepts: v1Requirements(offers, v1NetworkName(route.terms.network, this.#v1Names), resource),
    };
    return { v2, v1 };
  }

  /** Which offer a payload takes, or a refusal saying why none. */
  async #match(route, resource, payload, sessionInfo) {
    const offers = await this.#offersFor(route, sessionInfo);
    const auth = authorizationOf(payload);
    if (!auth) return refused(400, 'invalid_payment', 'The payment is not an exact/EVM EIP-3009 authorization');
    let offer;
    if (payload.x402Version === 2) {
      const requirement = this.#resourceServer.findMatchingRequirements(offers.map((o) => o.requirement), payload);
      offer = offers.find((o) => o.requirement === requirement);
    } else if (payload.x402Version === 1) {
      // v1 payloads do not echo the offer; scheme, network and the amount
      // pick it (normalizeRoute keeps the two amounts different).
      const v1Network = v1NetworkName(route.terms.network, this.#v1Names);
      offer = payload.scheme === 'exact' && payload.network === v1Network
        ? offers.find((o) => o.amount === BigInt(auth.value))
        : undefined;
      if (offer) offer = { ...offer, v1: v1Requirements([offer], v1Network, resource)[0] };
    } else {
      return refused(400, 'unsupported_version', `x402Version ${payload.x402Version} is not supported (1 or 2)`);
    }
    if (!offer) {
      return refused(402, 'no_matching_offer',
        `The payment matches none of this route's offers (${route.terms.network}, asset ${route.terms.asset}, ` +
        `payTo ${route.terms.payTo}, amounts ${offers.map((o) => o.amount).join(' or ')})`);
    }
    // The facilitator checks these too; checking here keeps the payment id
    // (which trusts them) honest even if a facilitator were lax.
    if (!sameAddress(auth.to, route.terms.payTo)) return refused(402, 'wrong_payee', `The payment pays ${auth.to}, not ${route.terms.payTo}`);
    if (BigInt(auth.value) !== offer.amount) {
      return refused(402, 'amount_mismatch', `The payment is for ${auth.value} base units; this offer costs ${offer.amount}`);
    }
    return { offer, auth };
  }

  /** The id of a payment: one per EIP-3009 authorization on chain. */
  paymentId(route, auth) {
    const key = [route.terms.network, route.terms.asset, auth.from, auth.nonce].join('|').toLowerCase();
    return keccak256(new TextEncoder().encode(key));
  }

  /**
   * Runs one paid request. `serve(payment)` runs the handler and resolves to
   * {ok, response, bytes}: `ok` false means the handler failed and nothing
   * is charged. `requestKey` names what was asked for (method and URL, or the
   * tool and its arguments): a replayed payment gets the stored response
   * only for the same request. Resolves to an outcome:
   *   {kind: 'served', response, settlement, receipt, replayed}
   *   {kind: 'unsettled', response}          the handler failed; no charge
   *   {kind: 'refused', status, error, message, receipt?}
   */
  async pay({ route, resource, payload, method = 'GET', requestKey, sessionInfo, serve }) {
    const matched = await this.#match(route, resource, payload, sessionInfo);
    if (matched.kind === 'refused') return matched;
    const identifier = paymentIdentifierOf(payload, this.#identifierMode);
    if (identifier.error) return refused(400, identifier.error, identifier.message);
    const id = this.paymentId(route, matched.auth);
    // A stored response is given back only for the identical payload and
    // request: a copy with another signature, or the same payment presented
    // for something else, is a different request that this payment cannot pay.
    const originalKey = requestKey;
    requestKey = `${requestKey}\n${keccak256(new TextEncoder().encode(JSON.stringify(payload)))}`;

    let earlier = this.#inflight.get(id);
    if (!earlier) {
      const remembered = this.#memo.get(id);
      if (remembered && this.#now() >= remembered.expiresAt) {
        this.#memo.delete(id);
        return this.#alreadyUsed(id, 'This payment was settled; its authorization or replay window has expired, so it gets no stored response');
      }
      earlier = remembered?.outcome;
    }
    if (earlier) {
      const done = await earlier;
      if (done.requestKey === requestKey) return { ...done, replayed: true };
      if (done.kind === 'served') return this.#alreadyUsed(id);
      // The earlier use charged nothing and was another request: this one
      // gets its own turn rather than someone else's refusal or error page.
      return this.pay({ route, resource, payload, method, requestKey: originalKey, sessionInfo, serve });
    }

    // Every outcome names its request, so a repeat can tell whether it is the same.
    const outcome = this.#process({
      id, route, resource, payload, method, requestKey, serve, identifier: identifier.id, ...matched,
    }).then((result) => ({ ...result, requestKey }));
    this.#inflight.set(id, outcome);
    try {
      const result = await outcome;
      if (result.kind === 'served') this.#memo.set(id, result, result.bytes ?? 0, this.#replayUntil(matched.auth));
      return result;
    } finally {
      this.#inflight.delete(id);
    }
  }

  /**
   * A claim left pending by a process that stopped between claiming and
   * recording (a crash, a kill): the payment would otherwise be stuck, paid
   * for nothing. It is taken over when it is older than STALE_CLAIM_MS and
   * not in flight here, and only because the facilitator has just verified
   * the payment as still valid — its authorization unused on chain, so the
   * earlier attempt never settled. Two processes racing for one stale claim
   * can at worst both run the handler; the chain settles the authorization
   * once, and the loser's response is withheld.
   */
  #takeOver(id, intent) {
    const claim = this.#ledger.get(id);
    if (claim?.status !== 'pending' || this.#now() - claim.startedAt < STALE_CLAIM_MS) return false;
    this.#ledger.fail(id, { reason: 'abandoned: still unsettled on chain when the payment came back', at: this.#now() });
    return this.#ledger.begin(intent);
  }

  /** Until when (ms) a served response may be given back: within the TTL and the authorization's validity. */
  #replayUntil(auth) {
    return Math.min(this.#now() + this.#replayTtlMs, Number(auth.validBefore) * 1000);
  }

  /**
   * Claims a payment identifier for this authorization, or says it names
   * another one. An authorization the ledger already knows keeps its own
   * rules (replay, 409, a retry after a failure), whatever id it carries.
   * The claim is made after verification, so only the payer's own signed
   * payment can take an id, and synchronously just before the ledger claim,
   * so two payments with one id cannot both pass.
   */
  #claimIdentifier(id, identifier, route, auth) {
    if (identifier === null || this.#ledger.get(id) !== null) return true;
    const now = this.#now();
    return this.#ledger.useNonce(
      paymentIdentifierNonce({ network: route.terms.network, asset: route.terms.asset, payer: auth.from, id: identifier }),
      { expiresAt: now + PAYMENT_IDENTIFIER_MEMORY_MS, now },
    );
  }

  #alreadyUsed(id, message = 'This payment was already settled for another response') {
    const receipt = this.#ledger.get(id);
    if (receipt?.status === 'pending') {
      return refused(409, 'payment_pending',
        'This payment is being settled, or its settlement was interrupted; it pays for nothing else', { receipt });
    }
    return refused(409, 'payment_already_used', message, { receipt });
  }

  async #process({ id, route, resource, payload, method, requestKey, serve, identifier, offer, auth }) {
    const requirement = offer.v1 ?? offer.requirement;
    let verified;
    try {
      verified = await this.#resourceServer.verifyPayment(payload, requirement);
    } catch (error) {
      return refused(502, 'facilitator_unavailable', `The facilitator could not verify the payment: ${error.message}`);
    }
    if (!verified.isValid) {
      // A payment this server already claimed fails verification because its
      // authorization was used — by us. Say so (409, with the receipt),
      // rather than a 402 that invites the client to pay a second time.
      const known = this.#ledger.get(id);
      if (known?.status === 'settled' || known?.status === 'pending') return this.#alreadyUsed(id);
      return refused(402, verified.invalidReason ?? 'invalid_payment', verified.invalidMessage ?? 'The facilitator refused the payment');
    }

    const intent = {
      paymentId: id,
      kind: offer.kind,
      route: route.id,
      resource: resource.url,
      method: method.slice(0, 16),
      network: route.terms.network,
      asset: route.terms.asset,
      amount: offer.amount,
      decimals: route.terms.decimals,
      payer: auth.from,
      payTo: route.terms.payTo,
      x402Version: payload.x402Version,
      startedAt: this.#now(),
      ...(offer.kind === 'session' ? { sessionTtlSeconds: route.session.maxTtlSeconds } : {}),
    };
    if (!this.#claimIdentifier(id, identifier, route, auth)) {
      return refused(409, 'payment_identifier_conflict',
        'This payment identifier already names another payment; a new payment needs a new identifier');
    }
    if (!this.#ledger.begin(intent) && !this.#takeOver(id, intent)) return this.#alreadyUsed(id);

    let served;
    try {
      served = await serve({ id, kind: offer.kind, payer: auth.from, amount: offer.amount });
    } catch (error) {
      this.#ledger.fail(id, { reason: `handler threw: ${error.message}`.slice(0, 512), at: this.#now() });
      throw error;
    }
    if (!served.ok) {
      this.#ledger.fail(id, { reason: 'handler_failed', at: this.#now() });
      return { kind: 'unsettled', response: served.response, requestKey };
    }

    let settlement;
    try {
      settlement = await this.#resourceServer.settlePayment(payload, requirement);
    } catch (error) {
      // The transaction may or may not have landed: keep the claim pending
      // (so the payment can never pay twice) and say so.
      return refused(502, 'settlement_unknown',
        `Settlement did not complete (${error.message}); the payment is held and will not be charged twice`, { paymentId: id });
    }
    if (!settlement.success) {
      this.#ledger.fail(id, { reason: settlement.errorReason ?? 'settlement_failed', at: this.#now() });
      return refused(402, settlement.errorReason ?? 'settlement_failed', settlement.errorMessage ?? 'Settlement failed');
    }
    const receipt = this.#ledger.settle(id, { transaction: settlement.transaction, settledAt: this.#now() });
    return {
      kind: 'served', response: served.response, bytes: served.bytes, settlement, receipt, requestKey, replayed: false,
    };
  }
}

export { SESSION_EXTRA };
