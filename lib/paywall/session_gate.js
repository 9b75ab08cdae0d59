// ClawPay 1.1 session tokens honoured server-side, bound to real payments.
//
// A token is the client's own claim ("I paid tx T; this is my session for
// endpoint E"), signed by its key. On its own it proves nothing a server
// should trust, so a token opens a route only when all of this holds:
//   the signature recovers (to the signer S)
//   now < the token's expiresAt
//   the request URL is within the token's endpoint and scope
//   T is a settlement this server recorded, as a session purchase on this
//     route, in the route's asset, network and payee
//   the receipt's payer is S
//   the resource that was paid for is within the token's endpoint and scope
//   the amount paid covers the route's session price
//   now < settlement time + the route's maxTtlSeconds (and the TTL sold)
//   the session was not revoked
// Forgeries and claims by the wrong key are 401; a token that simply does
// not entitle this request (expired, out of scope, unknown payment, revoked)
// gets a 402 with the route's offers, so the client can buy again.
import { scopeCovers } from '../url_scope.js';
import { recoverSessionToken } from '../session_token.js';
import { sameAddress } from '../hashing.js';
import { isStoreUnavailable, paywallStore } from './store.js';

export const SESSION_HEADER = 'x-session-token';
const CACHE_ENTRIES = 10_000;
export const RECEIPT_MAX_AGE_MS = 1000;
const HEX32 = /^0x[0-9a-fA-F]{64}$/;

// Verdicts are remembered and handed to every caller: frozen, so none can
// change another's.
function deny(status, error, message) {
  return Object.freeze({ ok: false, status, error, message });
}

/**
 * What a settled receipt buys on `route`, apart from the time: {refusal}
 * when it buys no session there (wrong route or terms, underpaid), else
 * {refusal: null, notAfter (when the session ends: the TTL sold, capped by
 * the route's current one), revoked (the refusal once revoked, or null)}.
 * Depends on the receipt and the route alone, so the gate keeps it.
 */
function entitlement(receipt, route) {
  const { terms } = route;
  if (receipt.kind !== 'session' || receipt.route !== route.id ||
      !sameAddress(receipt.asset, terms.asset) || receipt.network !== terms.network || !sameAddress(receipt.payTo, terms.payTo)) {
    return { refusal: deny(402, 'session_wrong_route', `Payment ${receipt.transaction} bought ${receipt.kind === 'session' ? 'a session' : 'one call'} on ${receipt.route}, not a session on ${route.id}`) };
  }
  if (BigInt(receipt.amount) < route.session.price) {
    return { refusal: deny(402, 'session_underpaid', `Payment ${receipt.transaction} was ${receipt.amount} base units; a session costs ${route.session.price}`) };
  }
  return {
    refusal: null,
    notAfter: receipt.settledAt + 1000 * Math.min(receipt.sessionTtlSeconds ?? 0, route.session.maxTtlSeconds),
    revoked: receipt.revokedAt !== undefined && receipt.revokedAt !== null
      ? deny(402, 'session_revoked', `The session bought with ${receipt.transaction} was revoked`)
      : null,
  };
}

/** Why an entitlement does not (or no longer) admit at `now`, or null. */
function refusalAt(terms, receipt, now) {
  if (terms.refusal) return terms.refusal;
  if (now >= terms.notAfter) return deny(402, 'session_expired', `The session bought with ${receipt.transaction} ended at ${new Date(terms.notAfter).toISOString()}`);
  return terms.revoked;
}

/** Why a settled receipt does not (or no longer) buy a session on `route`, or null. */
function entitlementRefusal(receipt, route, now) {
  return refusalAt(entitlement(receipt, route), receipt, now);
}

/** {ok: true, payload, signer, receipt} when the token is genuine and its payment real; else the refusal. */
function genuineOf(verdict, receipt) {
  if (!verdict.valid) {
    return deny(401, `session_${verdict.reason}`, `The session token is not valid (${verdict.reason}${verdict.detail ? `: ${verdict.detail}` : ''})`);
  }
  const { payload, signer } = verdict;
  if (!receipt || receipt.status !== 'settled') {
    return deny(402, 'session_unknown_payment', `This server recorded no settlement ${payload.paymentTxHash}`);
  }
  if (!sameAddress(receipt.payer, signer)) {
    return deny(401, 'session_wrong_signer', `The token is signed by ${signer}, but ${receipt.payer} paid for the session`);
  }
  return { ok: true, payload, signer, receipt };
}

const unavailable = (error) => deny(503, 'store_unavailable',
  `The paywall's store is unreachable, so the session cannot be checked (${error.message})`);

/**
 * Whether the entry's token scope covers `url`; the last URL's answer is
 * kept (a client keeps asking for the same one), and only that, so a token
 * costs one URL's memory whatever URLs it is shown with.
 */
function covers(entry, url) {
  if (url !== entry.coveredUrl) {
    const { payload } = entry.genuine;
    entry.covered = scopeCovers(payload.endpoint, payload.scope, url);
    entry.coveredUrl = url;
  }
  return entry.covered;
}

/** The entry's entitlement on `route`, with the admission it grants, worked out once per receipt read. */
function onRoute(entry, route) {
  let terms = entry.byRoute.get(route);
  if (terms === undefined) {
    const { payload, signer, receipt } = entry.genuine;
    terms = entitlement(receipt, route);
    if (!terms.refusal) {
      terms.admitted = Object.freeze({
        ok: true,
        session: Object.freeze({
          sessionId: payload.sessionId, payer: signer, transaction: receipt.transaction,
          endpoint: payload.endpoint, scope: payload.scope, expiresAt: Math.min(payload.expiresAt * 1000, terms.notAfter),
        }),
      });
    }
    entry.byRoute.set(route, terms);
  }
  return terms;
}

export class SessionGate {
  #store;
  #now;
  // token -> {verdict, receipt, fetchedAt, epoch}. Recovering the signer is
  // the costly part of a check and depends on the token alone, so it is
  // done once per token. With the journal store the receipt is re-read when
  // older than RECEIPT_MAX_AGE_MS or when this process revoked anything
  // since; a revocation made by another process sharing the ledger file
  // therefore takes effect here within that time. With a store shared by
  // replicas (Redis) the receipt is kept, and its revocation is read from
  // the store on every request: a token revoked at any replica is refused
  // here on the very next request. Time and URL are checked on every request;
  // what does not depend on them is worked out when the receipt is read and
  // kept in the entry: whether the token and receipt are genuine, per route
  // what the receipt buys and the admission to hand out, and whether the
  // token's scope covers the last URL it was shown with.
  #entries = new Map();
  #epoch = 0;

  /** `store` (a PaywallStore) or `ledger` (a ReceiptLedger: the journal store). */
  constructor({ store, ledger, now = Date.now }) {
    this.#store = paywallStore({ store, ledger }, 'SessionGate');
    this.#now = now;
  }

  async #newEntry(token) {
    // The token-only half of a verification; time and scope are checked per request.
    const entry = {
      verdict: recoverSessionToken(token), receipt: null, paidInScope: false, fetchedAt: -Infinity, epoch: -1,
      genuine: null, byRoute: new Map(), coveredUrl: null, covered: false,
    };
    if (this.#entries.size >= CACHE_ENTRIES) this.#entries.delete(this.#entries.keys().next().value);
    this.#entries.set(token, entry);
    return entry;
  }

  #stale(entry, now) {
    if (this.#store.sharedByReplicas && entry.receipt !== null && entry.epoch !== -1) return false;
    return entry.epoch !== this.#epoch || now - entry.fetchedAt >= RECEIPT_MAX_AGE_MS || now < entry.fetchedAt;
  }

  /** Reads the token's receipt into the entry: synchronously from the journal, as a promise from Redis. */
  #fetchReceipt(entry, now) {
    const tx = entry.verdict.valid ? entry.verdict.payload.paymentTxHash : undefined;
    const keep = (receipt) => {
      entry.receipt = receipt;
      entry.paidInScope = receipt !== null &&
        scopeCovers(entry.verdict.payload.endpoint, entry.verdict.payload.scope, receipt.resource);
      entry.fetchedAt = now;
      entry.epoch = this.#epoch;
      entry.genuine = genuineOf(entry.verdict, receipt);
      entry.byRoute = new Map();
    };
    const receipt = HEX32.test(tx ?? '') ? this.#store.byTransaction(tx) : null;
    return receipt instanceof Promise ? receipt.then(keep) : keep(receipt);
  }

  /**
   * null when the request carries no session token; otherwise
   * {ok: true, session} or {ok: false, status, error, message} — directly
   * for a token seen before, else as a promise.
   */
  check(headers, url, route) {
    const token = headers[SESSION_HEADER];
    if (token === undefined || !route.session) return null;
    const entry = this.#entries.get(token);
    // Synchronous once the token is known, with the journal: the hot path of a session.
    if (entry) return this.#checkEntry(entry, url, route, this.#now());
    return this.#newEntry(token).then((fresh) => this.#checkEntry(fresh, url, route, this.#now()));
  }

  #checkEntry(entry, url, route, now) {
    if (this.#stale(entry, now)) {
      let fetched;
      try {
        fetched = this.#fetchReceipt(entry, now);
      } catch (error) {
        if (isStoreUnavailable(error)) return unavailable(error);
        throw error;
      }
      if (fetched instanceof Promise) {
        return fetched.then(() => this.#decide(entry, url, route, now), (error) => {
          if (isStoreUnavailable(error)) return unavailable(error);
          throw error;
        });
      }
    }
    const verdict = this.#decide(entry, url, route, now);
    return verdict.ok && this.#store.sharedByReplicas ? this.#unlessRevoked(verdict) : verdict;
  }

  /** Redis: whether any replica revoked the session, asked on every request. */
  async #unlessRevoked(verdict) {
    let revokedAt;
    try {
      revokedAt = await this.#store.revokedAt(verdict.session.transaction);
    } catch (error) {
      if (isStoreUnavailable(error)) return unavailable(error);
      throw error;
    }
    if (revokedAt !== null) return deny(402, 'session_revoked', `The session bought with ${verdict.session.transaction} was revoked`);
    return verdict;
  }

  #decide(entry, url, route, now) {
    const { genuine } = entry;
    if (!genuine.ok) return genuine;
    const { payload, receipt } = genuine;

    if (now >= payload.expiresAt * 1000) return deny(402, 'session_expired', `The session expired at ${new Date(payload.expiresAt * 1000).toISOString()}`);
    if (!covers(entry, url)) {
      return deny(402, 'session_out_of_scope', `${url} is not within the session's ${payload.scope} scope ${payload.endpoint}`);
    }
    if (!entry.paidInScope) {
      return deny(402, 'session_out_of_scope', `The paid resource ${receipt.resource} is not within the session's scope ${payload.endpoint}`);
    }
    const terms = onRoute(entry, route);
    return refusalAt(terms, receipt, now) ?? terms.admitted;
  }

  /** Whether `payer` bought a session on `route` that is still live (for Sign-In-With-X). */
  hasSession(payer, route) {
    if (!route?.session) return false;
    const now = this.#now();
    const live = (receipts) => receipts.some((receipt) => receipt.status === 'settled' && !entitlementRefusal(receipt, route, now));
    const receipts = this.#store.paidBy(payer);
    return receipts instanceof Promise ? receipts.then(live) : live(receipts);
  }

  /**
   * Ends the session a token stands for, for every token naming the same
   * payment. Only the payer may: the token must be genuine.
   */
  async revoke(token) {
    if (typeof token !== 'string') return deny(401, 'session_malformed', 'No session token given');
    const entry = this.#entries.get(token) ?? await this.#newEntry(token);
    entry.epoch = -1; // read the receipt afresh: revocation is not decided on a cached copy
    await this.#fetchReceipt(entry, this.#now());
    const { genuine } = entry;
    if (!genuine.ok) return genuine;
    const result = await this.#store.revoke(genuine.receipt.transaction, { at: this.#now() });
    this.#epoch += 1; // every cached receipt is read again
    return { ok: true, result, transaction: genuine.receipt.transaction };
  }
}
