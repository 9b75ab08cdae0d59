// The paying fetch: an HTTP request that, when answered 402, pays with x402
// within the spend policy and retries — once per logical call, whatever
// happens on the way.
//
//   1. send the request (redirects followed by hand; see request.js)
//   2. on 402 to a call that offers Sign-In-With-X, answer its challenge once
//      with the account's EIP-191 signature (same origin only; no money moves,
//      nothing reserved): a 2xx is the result (signedIn), any other answer
//      goes on to step 3 in place of the first (sign_in.js)
//   3. on 402, read the offers (v2 PAYMENT-REQUIRED or the v1 body), pick one
//      for the purpose, and check it against the policy and the call's cap —
//      a refusal means nothing is signed (offer_choice.js)
//   4. reserve the amount in today's budget, record the intent, sign with the
//      official x402Client (@x402/evm exact, v2 and v1) through our native
//      Signer, valid for at most maxAuthorizationSeconds whatever the seller's
//      maxTimeoutSeconds (authorization_window.js), record the signed header
//      (payment_signature.js)
//   5. send the paid request and record the outcome from PAYMENT-RESPONSE /
//      X-PAYMENT-RESPONSE — or, when the answer leaves it open (timeout, reset,
//      5xx without a settlement header), keep the payment "sent, outcome
//      unknown": calling again with the same key resends the SAME header (same
//      EIP-3009 nonce, which settles at most once), never a new one (delivery.js).
//
// When the server has answered but not with a settlement (a 402/4xx refusal,
// or a 2xx without PAYMENT-RESPONSE), the chain is asked (authorizationState
// of the nonce, and its AuthorizationUsed / AuthorizationCanceled log): used
// means paid, whatever the server said. A refusal is not proof that nothing
// will be paid — the seller holds a signed authorization it can still submit
// — so a refused, unused payment stays open ("refused"), its reservation
// counted as spent-pending, until the chain shows it used (settled after
// refusal), cancelled (payer.cancel, `clawpay payments cancel`), or expired
// unused; only then is the day's budget given back. No answer at all, or a
// 5xx, leaves the payment open — resending the same header is how the caller
// gets the response it paid for (a seller replays a payment it settled).
// The chain is asked in reconciliation.js, at start and before every limit
// check while open authorizations exist.
//
// Keys (see payment_ledger.js): by default a call's key is (purpose, method,
// url, body), so an identical call after an ambiguous outcome resends, while
// an identical call after a settled one buys again; an explicit idempotencyKey
// is never paid twice.
//
// The steps run in payment_flow.js; the arguments are checked in
// fetch_request.js, and the results shaped in fetch_result.js.
import { DEFAULT_MAX_AUTHORIZATION_SECONDS, MAX_AUTHORIZATION_SECONDS, MIN_AUTHORIZATION_SECONDS } from '../limits.js';
import { Signer } from '../signer.js';
import { toViemAccount } from '../viem_account.js';
import { argError, invalidValue } from '../validate.js';
import { createChainClients } from '../wallet/chain_client.js';
import { createTxSender } from '../wallet/tx_sender.js';
import { createCancellation } from './cancellation.js';
import { createChainReader } from './chain_reader.js';
import { createDelivery } from './delivery.js';
import { DEFAULT_MAX_BODY_BYTES, normalize } from './fetch_request.js';
import { createPaymentFlow } from './payment_flow.js';
import { OPEN_STATES, PaymentLedger } from './payment_ledger.js';
import { officialClient } from './payment_signature.js';
import { paymentView } from './fetch_result.js';
import { SpendPolicy, utcDay } from './policy.js';
import { createConnectionPool, fetchTransport } from './transport.js';
import { createReconciliation } from './reconciliation.js';
import { createSignIn } from './sign_in.js';

export {
  METHODS, MAX_TIMEOUT_MS, MAX_REDIRECTS, DEFAULT_MAX_BODY_BYTES, MAX_URL_LENGTH,
} from './fetch_request.js';

/**
 * Creates a payer.
 * @param {object} options
 * @param {object} options.config from loadConfig()
 * @param {object} options.store a RecordStore (lib/record_store.js), journaled or in memory
 * @param {typeof fetch} [options.fetch] sends through this fetch instead of the payer's own
 *   kept-alive connections (transport.js), which close() closes
 * @param {() => number} [options.now] milliseconds since the epoch
 * @param {object} [options.account] a viem-style account to sign with instead of
 *   config.privateKey (tests; a hardware wallet). The payer then owns no Signer.
 * @param {Signer} [options.signer] a native Signer to sign with instead of config.privateKey,
 *   shared with its owner (clawpay-mcp's one Signer for the key): the payer never destroys it.
 * @param {object | null} [options.chainReader] {network, authorizationUsed, findTransaction};
 *   by default one on config.rpcUrl for config.network; null: never ask the chain
 * @param {number} [options.maxBodyBytes] response bodies beyond this are cut (truncated: true)
 * @param {number} [options.maxAuthorizationSeconds] a signed authorization is valid for at most
 *   this long, whatever the seller's maxTimeoutSeconds; default config.maxAuthorizationSeconds
 *   (CLAWPAY_MAX_AUTHORIZATION_SECONDS, 300)
 * @param {object | null} [options.sender] a createTxSender() for the account's key, to send
 *   cancelAuthorization transactions; by default one on config.rpcUrl when the payer owns its key
 */
export function createPayer({
  config, store, fetch, now = Date.now, account, signer: sharedSigner, chainReader, maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  maxAuthorizationSeconds = config?.maxAuthorizationSeconds ?? DEFAULT_MAX_AUTHORIZATION_SECONDS, sender,
}) {
  if (!config?.policy || !config.asset) throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'createPayer needs {config} from loadConfig()');
  if (!store) throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'createPayer needs {store}: a RecordStore (journaled or in memory)');
  if (fetch !== undefined && typeof fetch !== 'function') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a function for fetch');
  if (!Number.isSafeInteger(maxAuthorizationSeconds) || maxAuthorizationSeconds < MIN_AUTHORIZATION_SECONDS || maxAuthorizationSeconds > MAX_AUTHORIZATION_SECONDS) {
    throw invalidValue(`an integer from ${MIN_AUTHORIZATION_SECONDS} to ${MAX_AUTHORIZATION_SECONDS} (seconds)`, 'maxAuthorizationSeconds', maxAuthorizationSeconds);
  }

  // The key lives in native memory once per owner: a shared Signer is used, not copied.
  let signer = null;
  let ownsSigner = false;
  if (sharedSigner !== undefined && sharedSigner !== null) {
    if (account) throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'createPayer takes {signer} or {account}, not both');
    if (!(sharedSigner instanceof Signer)) throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a Signer for signer');
    signer = sharedSigner;
    account = toViemAccount(signer);
  } else if (!account) {
    signer = Signer.fromPrivateKey(config.privateKey);
    ownsSigner = true;
    account = toViemAccount(signer);
  }
  const policy = SpendPolicy.fromConfig(config, store, { now });
  const ledger = new PaymentLedger({ store, now });
  const reader = chainReader === undefined
    ? (config.rpcUrl ? createChainReader({ rpcUrl: config.rpcUrl, network: config.network }) : null)
    : chainReader;
  const chain = { v1Network: config.v1Network, chainId: config.chainId, asset: config.asset };
  const client = officialClient(config, account, { maxAuthorizationSeconds });
  const keyLocks = new Map();
  let closed = false;
  const transport = fetch === undefined ? createConnectionPool() : fetchTransport(fetch);

  const {
    chainOutcome, apply, resolve, fail, resolveExpired, expired, reconcile, reconcileOpen,
  } = createReconciliation({ ledger, policy, reader, now });
  const { deliver } = createDelivery({ transport, maxBodyBytes, ledger, chainOutcome, apply });
  const { signIn } = createSignIn({ transport, maxBodyBytes, account, allowedNetworks: config.policy.allowedNetworks });
  const { pay } = createPaymentFlow({
    config, transport, now, maxBodyBytes, maxAuthorizationSeconds, policy, ledger, chain, client, expired, resolveExpired, fail, deliver,
    signIn, reconcileOpen,
  });
  let txSender = sender;
  const senderOf = () => {
    if (txSender === undefined) {
      txSender = signer && config.rpcUrl
        ? createTxSender({ store, signer, clients: createChainClients(config, { signer }), now, rpcUrl: config.rpcUrl })
        : null;
    }
    return txSender;
  };
  const { cancel } = createCancellation({ ledger, account, sender: senderOf, resolve });

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
      if (request.key === null) return pay(request); // may not pay: nothing to serialize
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

    /** Settles what the ledger left open; returns the counts (see reconciliation.js). */
    reconcile,

    /**
     * Today's spend as the chain has it, after asking the chain about open
     * authorizations: {day, limit, total, spent, pending, remaining} (bigints)
     * and `open`, the open payments (paymentView). Pending counts against the limit.
     */
    async spend() {
      await reconcileOpen();
      const day = utcDay(now());
      return { ...policy.daySpend(ledger.pendingAmount(day), day), open: ledger.open().map((record) => paymentView(record)) };
    },

    /** Asks the chain about open authorizations (bounded; nothing when none is open). */
    reconcileOpen,

    /** The durable transaction sender for the payer's key (lib/wallet/tx_sender.js), or null (no RPC, or no key of its own). */
    txSender: senderOf,

    /** Asks the chain about one payment, when it is open, and applies the answer: its record (or null). */
    async resolvePayment(paymentId) {
      const record = ledger.get(paymentId);
      return record && OPEN_STATES.includes(record.state) ? resolve(record) : record;
    },

    /**
     * Cancels an open authorization on chain (EIP-3009 cancelAuthorization,
     * sent by this payer's key); see cancellation.js.
     */
    cancel(paymentId) {
      if (closed) throw argError(Error, 'ERR_CLOSED', 'The payer is closed');
      return cancel(paymentId);
    },

    /**
     * Wipes the payer's key (when it owns one; a shared Signer is its owner's)
     * and closes its connections; resolves when they are closed. The store
     * stays open: it is the caller's.
     */
    close() {
      if (!closed) {
        closed = true;
        if (ownsSigner) signer.destroy();
      }
      return transport.close();
    },
  };
}
