// The payment engine behind the paywall, shared by HTTP routes and MCP
// tools: it states a route's offers, matches a payment to one, verifies it
// with the facilitator, claims it in the paywall's store (store.js: the
// journal or Redis), lets the caller serve, settles only what was served,
// and records the receipt.
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
// - across processes, replicas and restarts the store's claim decides: the
//   second claimant gets 409; a store shared by replicas (Redis) also shares
//   the stored responses, so a replay at another replica gets the same one;
// - a v2 payment may also name its payment intent with the
//   `payment-identifier` extension (payment_identifier.js): the same id with
//   another authorization gets 409 `payment_identifier_conflict`.
import { HTTPFacilitatorClient, x402ResourceServer } from '@x402/core/server';
import { ExactEvmScheme } from '@x402/evm/exact/server';

import { keccak256 } from '../hashing.js';
import { argError, expectSafeInteger } from '../validate.js';
import { assertFacilitatorSupports } from './facilitator_support.js';
import { buildOffers, SESSION_EXTRA, v1NetworkName, v1Requirements } from './offers.js';
import { matchPayment, paymentIdOf, refused } from './payment_match.js';
import {
  PAYMENT_IDENTIFIER_MEMORY_MS, paymentIdentifierDeclaration, paymentIdentifierMode, paymentIdentifierNonce,
  paymentIdentifierOf,
} from './payment_identifier.js';
import { decodeOutcome, encodeOutcome, MAX_REPLAY_BYTES, OutcomeMemo } from './replay_outcome.js';
import { isStoreUnavailable, paywallStore } from './store.js';
import { recordSettlement, settledNotice } from './settlement_record.js';

// A claim this old, and not in flight in this process, was abandoned.
export const STALE_CLAIM_MS = 60_000;
/** How long a served response is given back to a replay of its payment, at most. */
export const DEFAULT_REPLAY_TTL_SECONDS = 300;
const MAX_REPLAY_TTL_SECONDS = 24 * 3600;

function replayTtlMs(seconds = DEFAULT_REPLAY_TTL_SECONDS) {
  expectSafeInteger(seconds, 'replayTtlSeconds', { min: 0 });
  if (seconds > MAX_REPLAY_TTL_SECONDS) {
    throw argError(RangeError, 'ERR_INVALID_ARG_VALUE', `replayTtlSeconds must be at most ${MAX_REPLAY_TTL_SECONDS} (a day), got ${seconds}`);
  }
  return seconds * 1000;
}

export class PaymentEngine {
  #resourceServer;
  #store;
  #now;
  #settled;
  #v1Names;
  #replayTtlMs;
  #identifierMode;
  #offers = new Map();
  #inflight = new Map();
  #memo = new OutcomeMemo();

  /**
   * @param {object} options
   * @param {x402ResourceServer} options.resourceServer initialised, with the networks registered
   * @param {import('./store.js').PaywallStore} [options.store] where claims and receipts live
   * @param {import('../receipt_ledger.js').ReceiptLedger} [options.ledger] or a ledger (the journal store)
   * @param {Record<string,string>} [options.v1Names] v1 names for CAIP-2 networks the
   *   @x402/evm table lacks (a local chain)
   * @param {() => number} [options.now] milliseconds since the epoch
   * @param {number} [options.replayTtlSeconds] how long a served response is given
   *   back to a replay of its payment, at most (never past the authorization's validBefore)
   * @param {boolean | 'required'} [options.paymentIdentifier] declare and honour x402's
   *   payment-identifier extension (default true: declared, optional)
   * @param {(receipt: object) => void} [options.onSettled] called with each settled receipt
   * @param {(line: string) => void} [options.log] one line per settlement
   * (create() also takes `schemes`: [{network, scheme}] registered beside exact.)
   */
  constructor({
    resourceServer, store, ledger, v1Names = {}, now = Date.now, replayTtlSeconds, paymentIdentifier, onSettled = null, log = null,
  }) {
    this.#settled = settledNotice(onSettled, log);
    this.#resourceServer = resourceServer;
    this.#store = paywallStore({ store, ledger }, 'PaymentEngine');
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
    facilitatorUrl, facilitatorClient, routes = [], networks = routes.map((r) => r.terms.network), store, ledger, v1Names,
    now, replayTtlSeconds, paymentIdentifier, onSettled, log, schemes = [],
  }) {
    // Options are checked before the facilitator is asked anything.
    replayTtlMs(replayTtlSeconds);
    paymentIdentifierMode(paymentIdentifier);
    const checkedStore = paywallStore({ store, ledger }, 'PaymentEngine.create');
    const client = facilitatorClient ?? new HTTPFacilitatorClient({ url: facilitatorUrl });
    const resourceServer = new x402ResourceServer(client);
    for (const network of new Set(networks)) {
      resourceServer.register(network, new ExactEvmScheme());
      // The resource server looks v1 payments up by v1's network name.
      const v1Name = v1NetworkName(network, v1Names);
      if (v1Name) resourceServer.register(v1Name, new ExactEvmScheme());
    }
    // Further schemes (batch-settlement: channel_seller.js), v2 only.
    for (const { network, scheme } of schemes) resourceServer.register(network, scheme);
    // Fails here, not on the first paying request, when the facilitator is
    // unreachable or cannot settle on a route's network.
    await resourceServer.initialize();
    const checked = routes.length > 0 ? routes : [...new Set(networks)].map((network) => ({ id: network, terms: { network } }));
    await assertFacilitatorSupports(resourceServer, client, checked, v1Names);
    return new PaymentEngine({ resourceServer, store: checkedStore, v1Names, now, replayTtlSeconds, paymentIdentifier, onSettled, log });
  }

  /** The PaywallStore behind this engine. */
  get store() {
    return this.#store;
  }

  /** The ReceiptLedger of a journal store (undefined for another backend). */
  get ledger() {
    return this.#store.ledger;
  }

  /** The official x402 resource server behind this engine. */
  get resourceServer() {
    return this.#resourceServer;
  }

  /** A route's offers: [{kind, amount, requirement}], built once. */
  offers(route, sessionInfo) {
    return this.#offersFor(route, sessionInfo);
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
  async paymentRequired(route, resource, { error = 'payment_required', sessionInfo, extensions, paymentPayload } = {}) {
    const offers = await this.#offersFor(route, sessionInfo);
    // With the refused payload, a scheme may add its state (batch-settlement's corrective 402).
    const v2 = await this.#resourceServer.createPaymentRequiredResponse(
      offers.map((o) => o.requirement), resource, error,
      { ...paymentIdentifierDeclaration(this.#identifierMode), ...extensions }, undefined, paymentPayload,
    );
    const v1 = {
      x402Version: 1,
      error,
      accepts: v1Requirements(offers, v1NetworkName(route.terms.network, this.#v1Names), resource),
    };
    return { v2, v1 };
  }

  /** The id of a payment: one per EIP-3009 authorization on chain. */
  paymentId(route, auth) {
    return paymentIdOf(route, auth);
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
   * A store that cannot be reached gives 503 store_unavailable before
   * anything is served.
   */
  async pay(request) {
    try {
      return await this.#pay(request);
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      return refused(503, 'store_unavailable', `The paywall's store is unreachable; nothing was served or charged (${error.message})`);
    }
  }

  async #pay({ route, resource, payload, method = 'GET', requestKey, sessionInfo, serve }) {
    const offers = await this.#offersFor(route, sessionInfo);
    const matched = matchPayment({ resourceServer: this.#resourceServer, offers, route, resource, payload, v1Names: this.#v1Names });
    if (matched.kind === 'refused') return matched;
    const identifier = paymentIdentifierOf(payload, this.#identifierMode);
    if (identifier.error) return refused(400, identifier.error, identifier.message);
    const id = paymentIdOf(route, matched.auth);
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
    if (!earlier && this.#store.sharedByReplicas) {
      // Served by another replica: its stored outcome, kept until the replay window ends.
      const shared = await this.#store.replayOf(id);
      if (shared) earlier = { ...decodeOutcome(shared), receipt: null };
    }
    if (earlier) {
      const done = await earlier;
      if (done.requestKey === requestKey) return { ...done, replayed: true };
      if (done.kind === 'served') return this.#alreadyUsed(id);
      // The earlier use charged nothing and was another request: this one
      // gets its own turn rather than someone else's refusal or error page.
      return this.#pay({ route, resource, payload, method, requestKey: originalKey, sessionInfo, serve });
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
  async #takeOver(id, intent) {
    const claim = await this.#store.get(id);
    if (claim?.status !== 'pending' || this.#now() - claim.startedAt < STALE_CLAIM_MS) return false;
    await this.#store.fail(id, { reason: 'abandoned: still unsettled on chain when the payment came back', at: this.#now() });
    return this.#store.begin(intent);
  }

  /** Until when (ms) a served response may be given back: within the TTL and the authorization's validity. */
  #replayUntil(auth) {
    return Math.min(this.#now() + this.#replayTtlMs, Number(auth.validBefore) * 1000);
  }

  /**
   * Claims a payment identifier for this authorization, or says it names
   * another one. An authorization the store already knows keeps its own
   * rules (replay, 409, a retry after a failure), whatever id it carries.
   * The claim is made after verification, so only the payer's own signed
   * payment can take an id, and just before the payment's claim; the
   * nonce's single use is what keeps two payments from sharing one id.
   */
  async #claimIdentifier(id, identifier, route, auth) {
    if (identifier === null || (await this.#store.get(id)) !== null) return true;
    const now = this.#now();
    return this.#store.useNonce(
      paymentIdentifierNonce({ network: route.terms.network, asset: route.terms.asset, payer: auth.from, id: identifier }),
      { expiresAt: now + PAYMENT_IDENTIFIER_MEMORY_MS, now },
    );
  }

  async #alreadyUsed(id, message = 'This payment was already settled for another response') {
    const receipt = await this.#store.get(id);
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
      const known = await this.#store.get(id);
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
    if (!(await this.#claimIdentifier(id, identifier, route, auth))) {
      return refused(409, 'payment_identifier_conflict',
        'This payment identifier already names another payment; a new payment needs a new identifier');
    }
    if (!(await this.#store.begin(intent)) && !(await this.#takeOver(id, intent))) return this.#alreadyUsed(id);

    let served;
    try {
      served = await serve({ id, kind: offer.kind, payer: auth.from, amount: offer.amount });
    } catch (error) {
      await this.#store.fail(id, { reason: `handler threw: ${error.message}`.slice(0, 512), at: this.#now() });
      throw error;
    }
    if (!served.ok) {
      await this.#store.fail(id, { reason: 'handler_failed', at: this.#now() });
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
      await this.#store.fail(id, { reason: settlement.errorReason ?? 'settlement_failed', at: this.#now() });
      return refused(402, settlement.errorReason ?? 'settlement_failed', settlement.errorMessage ?? 'Settlement failed');
    }
    const outcome = { kind: 'served', response: served.response, bytes: served.bytes, settlement, requestKey, replayed: false };
    const replay = this.#store.sharedByReplicas && (served.bytes ?? 0) <= MAX_REPLAY_BYTES
      ? { outcome: encodeOutcome(outcome), expiresAt: this.#replayUntil(auth) }
      : undefined;
    const recorded = await recordSettlement(this.#store, id, {
      transaction: settlement.transaction, settledAt: this.#now(), ...(replay ? { replay } : {}),
    }, { onRecorded: this.#settled });
    if (!recorded.ok) {
      return refused(503, 'settlement_unrecorded',
        `The payment settled on chain (${settlement.transaction}) but the paywall's store is unreachable; the response is held ` +
        'and a retry of this same payment gets it once the settlement is recorded', { paymentId: id });
    }
    return { ...outcome, receipt: recorded.receipt };
  }
}

export { SESSION_EXTRA };
