// clawpay-native/pay's createPayer: what a Node agent imports to pay. One
// object over the paying fetch (payer.js), the ClawPay sessions
// (sessions.js), the ledger and the spend report (spend_report.js), with its
// own state directory, journal and key — the same state clawpay-mcp keeps, so
// both see the same payments, sessions and daily budget.
//
//   1. options (or the environment, fromEnv) become a config through
//      loadConfig: one set of rules and messages for both
//   2. the store and the sessions journal open in the state directory
//   3. one native Signer for the key signs payments and session tokens
//   4. fetch / startSession / sessions / payments / spend answer as data:
//      Responses, bigint base units beside formatted amounts, errors with codes
import { isAbsolute } from 'node:path';

import { SessionStore } from '../session_store.js';
import { Signer } from '../signer.js';
import { argError, expectObject, invalidValue } from '../validate.js';
import { batchCallCounts } from './call_counts.js';
import { formatUnits } from './amount.js';
import { loadConfig } from './config.js';
import { createMcpPayments, payingMcpClient } from './mcp_payments.js';
import { onlyKnownKeys } from './fetch_request.js';
import { createChannelChain } from './channel_chain.js';
import { createChannelSessions } from './channel_sessions.js';
import { createPayer as createPayingFetch } from './payer.js';
import { createSessionHandle, sessionInfo } from './session_handle.js';
import { purchaseSession } from './session_purchase.js';
import { sessionHeaders } from './session_wire.js';
import { createSessions, sessionsPathOf } from './sessions.js';
import { paymentInfo, paymentsSince, spendReport } from './spend_report.js';
import { noAnswer, toResponse } from './response.js';
import { openPayStore } from './store.js';

// Option → the clawpay-mcp variable it stands for (loadConfig checks them all).
const OPTION_VARIABLES = {
  chainId: 'CHAIN_ID',
  rpcUrl: 'RPC_URL',
  walletAddress: 'AGENT_WALLET_ADDRESS',
  stateDir: 'CLAWPAY_STATE_DIR',
  sessionTtlSeconds: 'SESSION_TTL_SECONDS',
  maxAuthorizationSeconds: 'CLAWPAY_MAX_AUTHORIZATION_SECONDS',
  v1Network: 'CLAWPAY_V1_NETWORK',
};
const ASSET_VARIABLES = {
  address: 'CLAWPAY_ASSET_ADDRESS', name: 'CLAWPAY_ASSET_NAME', version: 'CLAWPAY_ASSET_VERSION',
  decimals: 'CLAWPAY_ASSET_DECIMALS', symbol: 'CLAWPAY_ASSET_SYMBOL',
};
const POLICY_VARIABLES = {
  maxPerCall: 'CLAWPAY_MAX_PER_CALL', maxPerSession: 'CLAWPAY_MAX_PER_SESSION', maxPerDay: 'CLAWPAY_MAX_PER_DAY',
  allowedPayees: 'CLAWPAY_ALLOWED_PAYEES', allowedAssets: 'CLAWPAY_ALLOWED_ASSETS', allowedNetworks: 'CLAWPAY_ALLOWED_NETWORKS',
  maxPerSend: 'CLAWPAY_MAX_PER_SEND',
};
const OPTIONS = new Set(['privateKey', 'signer', 'asset', 'policy', 'memory', 'fetch', 'now', ...Object.keys(OPTION_VARIABLES)]);

/** The options as clawpay-mcp's environment, so that loadConfig is the one place they are checked. */
function environmentOf(options) {
  const env = {};
  onlyKnownKeys(options, OPTIONS, 'createPayer options');
  const text = (value) => (Array.isArray(value) ? value.join(',') : String(value));
  if (options.privateKey !== undefined) {
    if (typeof options.privateKey !== 'string') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a 0x-prefixed hex string for privateKey (the value is not shown)');
    env.AGENT_PRIVATE_KEY = options.privateKey;
  }
  for (const [option, variable] of Object.entries(OPTION_VARIABLES)) {
    if (options[option] !== undefined && options[option] !== null) env[variable] = text(options[option]);
  }
  if (options.asset !== undefined) {
    expectObject(options.asset, 'asset');
    for (const [field, variable] of Object.entries(ASSET_VARIABLES)) if (options.asset[field] !== undefined) env[variable] = text(options.asset[field]);
  }
  if (options.policy !== undefined) {
    expectObject(options.policy, 'policy');
    onlyKnownKeys(options.policy, new Set(Object.keys(POLICY_VARIABLES)), 'createPayer policy');
    const decimals = Number(options.asset?.decimals);
    for (const [field, variable] of Object.entries(POLICY_VARIABLES)) {
      const value = options.policy[field];
      if (value === undefined || value === null) continue;
      // A bigint is base units; text and numbers are asset units, as in the environment.
      if (typeof value === 'bigint') {
        if (!Number.isSafeInteger(decimals)) throw invalidValue('asset.decimals beside a bigint limit', `policy.${field}`, value);
        if (value < 0n) throw invalidValue('a non-negative amount', `policy.${field}`, value);
        env[variable] = formatUnits(value, decimals);
      } else {
        env[variable] = text(value);
      }
    }
  }
  return env;
}

// What fetch() takes; anything else (signal, redirect, ...) is refused rather than ignored.
const FETCH_INIT = new Set(['method', 'headers', 'body', 'timeoutMs', 'maxPayment', 'idempotencyKey', 'useSession']);

/**
 * A payer for a Node agent. Options mirror clawpay-mcp's environment:
 * {privateKey | signer, chainId, rpcUrl, asset: {address, name, version, decimals, symbol?},
 * stateDir, policy: {maxPerCall, maxPerSession, maxPerDay, allowedPayees, ...}, sessionTtlSeconds,
 * walletAddress, maxAuthorizationSeconds}; `memory: true` keeps nothing on disk.
 * Throws ConfigError (code ERR_CONFIG) naming each bad option's variable.
 */
export async function createPayer(options = {}) {
  expectObject(options, 'options');
  const { signer: givenSigner = null, memory = false, fetch, now = Date.now } = options;
  if (givenSigner !== null && !(givenSigner instanceof Signer)) throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a Signer for signer');
  if (givenSigner !== null && options.privateKey !== undefined) throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', 'createPayer takes {privateKey} or {signer}, not both');
  // Nothing from the process environment: only what was given (defaults as loadConfig has them).
  const env = environmentOf(options);
  if (!env.CLAWPAY_STATE_DIR && !memory) throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', 'createPayer needs {stateDir} (an absolute path), or {memory: true}');
  const config = loadConfig(env, { signer: givenSigner });
  return openPayer(config, { signer: givenSigner, memory, fetch, now });
}

/** The payer clawpay-mcp would be, from its environment (default process.env). */
createPayer.fromEnv = async function fromEnv(env = process.env, { fetch, now = Date.now } = {}) {
  const config = loadConfig(env);
  return openPayer(config, { sessionsPath: sessionsPathOf(config, env), fetch, now });
};

async function openPayer(config, { signer: givenSigner = null, memory = false, sessionsPath, fetch, now }) {
  const closers = [];
  // Resolves when what closes asynchronously (the payer's connections) has closed.
  const closeAll = () => {
    const pending = [];
    for (const close of closers.splice(0).reverse()) {
      try {
        const done = close();
        if (done instanceof Promise) pending.push(done.catch(() => {}));
      } catch {
        // closing the rest matters more
      }
    }
    return Promise.all(pending);
  };
  let paying;
  let sessions;
  let channels;
  try {
    const store = await openPayStore(config, { memory });
    closers.push(() => store.close());
    const cachePath = memory ? null : sessionsPath ?? sessionsPathOf(config, {});
    if (cachePath !== null && !isAbsolute(cachePath)) throw invalidValue('an absolute path', 'CLAWPAY_SESSIONS_PATH', cachePath);
    // Call counts are journaled in batches, off the call's path (call_counts.js).
    const cache = batchCallCounts(new SessionStore(cachePath ? { path: cachePath } : {}));
    closers.push(() => cache.close());
    const signer = givenSigner ?? Signer.fromPrivateKey(config.privateKey);
    if (!givenSigner) closers.push(() => signer.destroy());
    paying = createPayingFetch({ config, store, signer, now, ...(fetch ? { fetch } : {}) });
    closers.push(() => paying.close());
    channels = createChannelSessions({ paying, store, signer, config, chain: config.rpcUrl ? createChannelChain({ rpcUrl: config.rpcUrl }) : null, now });
    closers.push(() => channels.flush());
    sessions = createSessions({ payer: paying, cache, signer, walletAddress: config.walletAddress, assetAddress: config.asset.address, now, store, channels });
    sessions.prune();
  } catch (error) {
    closeAll();
    throw error;
  }
  const asset = config.asset;
  let closed = false;
  const open = () => {
    if (closed) throw argError(Error, 'ERR_CLOSED', 'The payer is closed');
  };
  // Payments a crash left open are settled from the chain first; a failure
  // there leaves them open (reconcileOpen asks again before every limit check).
  const reconciled = paying.reconcile().catch(() => null);

  const mcpCall = createMcpPayments({
    paying, sessions, paymentOf: (payment) => paymentInfo(payment, asset), sessionOf: (record) => sessionInfo(record, sessions, asset),
  });

  const handleOf = (record, start) => createSessionHandle({ record, sessions, asset, open, start });
  const infoOf = (record) => sessionInfo(record, sessions, asset);

  return {
    /** The address payments come from. */
    address: paying.address,
    walletAddress: config.walletAddress,
    network: config.network,
    asset,

    /**
     * fetch() that pays under the policy: a Response (status, headers, body)
     * with `payment` (null when nothing was paid), `session` (the covering
     * session used, or null) and `signedIn`. With `useSession` (default true)
     * a live session covering the URL is used, as x402_pay does: a clawpay
     * one sends its token first, a siwx one signs in; a 402 in spite of it is
     * paid in the same call, not counted, and the session is closed as
     * refused by the server (never sent again).
     * Rejects (PayError, code ERR_TIMEOUT / ERR_FETCH_FAILED / ...) when no answer came.
     */
    async fetch(url, init = {}) {
      open();
      await reconciled;
      const { useSession = true, ...request } = onlyKnownKeys(init === undefined || init === null ? {} : expectObject(init, 'init'), FETCH_INIT, 'payer.fetch init');
      const record = useSession ? sessions.covering(String(url)) : null;
      if (record && sessions.kindOf(record) === 'channel') {
        // A channel session pays with its next voucher, as session.fetch does.
        const { method, headers, body, timeoutMs } = request;
        const { result, counted, record: after, refused, payment } = await sessions.call(record, String(url), { method, headers, body, timeoutMs });
        if (result.status === null) throw noAnswer(result);
        return toResponse(result, { payment: payment ? paymentInfo(payment, asset) : null, session: infoOf(after), counted, refused, signedIn: null });
      }
      // A clawpay session's token goes first; a siwx one lets the payer sign in on the 402.
      const token = record && sessions.kindOf(record) === 'clawpay';
      const result = await paying.fetch(String(url), {
        ...request,
        purpose: 'call',
        ...(token ? { sessionHeaders: sessionHeaders(record), sessionScope: { endpoint: record.endpoint, scope: record.scope } } : {}),
      });
      if (result.status === null) throw noAnswer(result);
      const used = sessions.countIfUsed(record, result);
      if (!used) sessions.dropIfRefused(record, result);
      return toResponse(result, {
        payment: result.payment ? paymentInfo(result.payment, asset) : null,
        session: used ? sessionInfo(used, sessions, asset) : null,
        signedIn: result.signedIn ?? null,
      });
    },

    /**
     * An MCP Client (SDK 2.x or 1.x, connected) whose paid tools are paid:
     * {url} names the server (its MCP endpoint) in the payment ledger.
     * callTool(params, {maxPayment, timeoutMs, idempotencyKey}) resolves to
     * {result, payment, settlement}; see lib/pay/mcp_payments.js.
     */
    mcpClient(client, options) {
      open();
      return payingMcpClient(async (...call) => {
        open();
        await reconciled;
        return mcpCall(...call);
      }, client, options, async (...call) => {
        open();
        await reconciled;
        const purchase = (endpoint, sessionOptions, carrier) => purchaseSession({ sessions, paying, config, endpoint, options: sessionOptions, now, carrier, channels });
        const { record, response, payment, result } = await mcpCall.startSession(purchase, ...call);
        return { session: handleOf(record, { response, payment }), result, payment };
      });
    },

    /**
     * Pays `endpoint` once for a session and keeps it (on disk unless
     * memory); its kind (clawpay, else channel — a batch-settlement deposit
     * of options.deposit, by default 100 requests' worth within the limits —,
     * else siwx) comes from the seller's 402.
     * Rejects with PayError: ERR_SESSION_NOT_OFFERED (the seller sells
     * neither; nothing paid; `offered` says what it sells), ERR_SESSION_NOT_SOLD (the endpoint
     * answered without asking for payment), ERR_SESSION_NOT_PAID (a refusal or
     * another status; nothing paid), ERR_SESSION_NOT_SETTLED (paid, not
     * settled; a repeat resends the same authorization), ERR_SESSION_NOT_KEPT
     * (paid and settled, the session could not be kept); PolicyError.
     */
    async startSession(endpoint, options = {}) {
      open();
      await reconciled;
      const { record, response, payment } = await purchaseSession({ sessions, paying, config, endpoint, options, now, channels });
      return handleOf(record, { response, payment });
    },

    /** The Session for an id (any state), or null. */
    session(sessionId) {
      open();
      const record = sessions.get(String(sessionId));
      return record ? handleOf(record) : null;
    },

    /** The active sessions (SessionInfo). */
    sessions() {
      open();
      return sessions.list().map((record) => sessionInfo(record, sessions, asset));
    },

    /** Payments recorded since `since` (Date or ms; default all), oldest first. */
    payments({ since } = {}) {
      open();
      return paymentsSince(paying.ledger, since).map((record) => paymentInfo(record, asset));
    },

    /**
     * What was paid since `since` (default all): settled payments' total
     * (bigint base units, and formatted with the asset's symbol), byDay and
     * byPayee; `pending` what open authorizations may still move; `today` the
     * budget as the spend policy counts it (after asking the chain).
     */
    async spend({ since } = {}) {
      open();
      await reconciled;
      const today = await paying.spend();
      return spendReport(paying.ledger, { since, asset, today });
    },

    /**
     * This wallet's payment channels: list({blocks}) (the state directory's
     * records, then those only the chain knows, short ids) and withdraw(id),
     * the timed withdrawal without the seller: initiates it, says it is
     * waiting, or finalizes it once the channel's delay has passed on chain
     * (see lib/pay/channel_withdrawal.js).
     */
    channels: {
      async list(options) {
        open();
        return channels.listing(options);
      },
      async withdraw(id) {
        open();
        await reconciled;
        return channels.withdraw(id);
      },
    },

    /** Cancels an open authorization on chain (see payer.js). */
    cancel(paymentId) {
      open();
      return paying.cancel(paymentId);
    },

    /**
     * Closes the journal, the store and its connections, and wipes the key it
     * owns (a given signer stays its owner's).
     */
    async close() {
      if (closed) return;
      closed = true;
      await reconciled;
      await closeAll();
    },
  };
}
