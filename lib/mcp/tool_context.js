// What every tool handler shares: the settings it reads, the one way a
// request goes through the payer, and the guard that turns a handler's
// failures into isError results.
import { DEFAULT_SESSION_TTL_SECONDS } from '../limits.js';
import { parseCallCap } from '../pay/policy.js';
import { rememberLast } from '../remember_last.js';
import { createChannelChain } from '../pay/channel_chain.js';
import { createChannelSessions } from '../pay/channel_sessions.js';
import { createSessions } from '../pay/sessions.js';
import { chainName } from './format.js';
import { createPaymentView } from './payment_view.js';
import { createSessionView } from './session_view.js';
import { requestHeaders, sessionHeaders } from './session_http.js';
import { ownHexValues, redactSecrets, safeErrorMessage } from '../secret_text.js';
import { errorMessage, failure } from './tool_result.js';
import { approvedSendsText } from './wallet_view.js';

/** The config values the tools read. */
export function settingsOf(config) {
  return {
    walletAddress: config.walletAddress,
    chainId: config.chainId,
    network: config.network,
    sessionTtlSeconds: config.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS,
    decimals: config.asset.decimals,
    assetName: config.asset.symbol ?? config.asset.name ?? 'USDC',
    assetAddress: config.asset.address,
  };
}

/**
 * The context the tools in ./tools/ are made with (see createClawpayTools in
 * server.js): the options, plus the helpers below.
 */
export function createToolContext({ config, payer, sessions, store = null, signer, wallet = null, now, log: writeLine, activity }) {
  // Diagnostics echo inputs (URLs, error stacks): never a key, only the tx
  // hashes and nonces the caller names as the line's own.
  const log = (line, keep = []) => writeLine(redactSecrets(line, { keep }), keep);
  const settings = settingsOf(config);
  const seconds = () => Math.floor(now() / 1000);
  const network = chainName(settings.chainId);

  // The call's own cap in base units of the configured asset: max_payment_eth
  // is read in asset units (ClawPay 1.1 scaled it by 1e18 against a
  // 6-decimal asset); with max_payment too, the smaller applies.
  const maxPaymentOf = (args) => parseCallCap({ max_payment_eth: args.max_payment_eth, max_payment: args.max_payment }, config.asset);

  // Whether the URL is absolute http(s), the last answer kept (remember_last.js).
  const isHttpUrl = rememberLast((url) => {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  });

  function checkRequest(args) {
    if (!isHttpUrl(args.url ?? args.endpoint)) return 'the URL must be an absolute http(s) URL';
    if (args.body !== undefined && (args.method === 'GET' || args.method === 'HEAD')) {
      return `a ${args.method} request cannot carry a body; use POST, PUT or PATCH to send one`;
    }
    return null;
  }

  // The session rules live in the library; the tools render them. Channels
  // need the payer's durable store (their vouchers are written ahead there).
  const channels = store && signer
    ? createChannelSessions({ paying: payer, store, signer, config, chain: config.rpcUrl ? createChannelChain({ rpcUrl: config.rpcUrl }) : null, now })
    : null;
  const paySessions = createSessions({
    payer, cache: sessions, signer, walletAddress: config.walletAddress, assetAddress: config.asset.address, now, store, channels,
  });

  /** A tool's HTTP request as the payer takes it (ClawPay 1.1's default headers added). */
  const requestOf = (args, timeoutMs = args.timeout_ms) => ({
    method: args.method ?? 'GET',
    headers: requestHeaders(args.headers, { body: args.body }),
    body: args.body,
    timeoutMs,
  });

  const { paymentBlock, paymentSection } = createPaymentView(settings);
  const { sessionBlock } = createSessionView(seconds, paySessions);

  function thrown(tool, error) {
    if (error?.code === 'ERR_POLICY_REFUSED') {
      const rule = error.rule ? ` (rule: ${error.rule})` : '';
      return failure(`${tool} refused: ${errorMessage(error)}${rule}\nNothing was paid.`,
        { error: 'policy_refused', rule: error.rule ?? null, message: errorMessage(error) });
    }
    if (error?.code === 'ERR_INVALID_ARG_VALUE' || error?.code === 'ERR_INVALID_ARG_TYPE' || error?.code === 'ERR_WALLET_INPUT') {
      return failure(`${tool} failed: ${errorMessage(error)}`, { error: 'invalid_input', message: errorMessage(error) });
    }
    if (!String(error?.code ?? '').startsWith('ERR_')) log(`${tool}: ${error?.stack ?? error}`, ownHexValues(error));
    return failure(`${tool} failed: ${errorMessage(error)}`, { error: error?.code ?? 'failed', message: errorMessage(error) });
  }

  /**
   * Sends what a person approved without the key (lib/wallet/approved_sends.js)
   * and says so: a text block for the tool's result (and stderr), or null.
   * Never throws: the tool's own work goes on regardless.
   */
  async function runApproved() {
    if (!wallet?.runApproved) return null;
    let results;
    try {
      results = await wallet.runApproved();
    } catch (error) {
      log(`sending approved queue items: ${error?.message ?? error}`);
      return null;
    }
    const note = approvedSendsText(results);
    if (!note) return null;
    const keep = results.map(({ item }) => item.txHash).filter(Boolean);
    log(approvedSendsText(results, { oneLine: true }), keep);
    return { type: 'text', text: redactSecrets(note, { keep }) };
  }

  // Each handler's failures become isError results. Approved sends go first,
  // so that what the tool reports (balances, limits, history) includes them.
  const guarded = (tool, handler) => (args) => {
    const work = (async () => {
      const note = await runApproved();
      let result;
      try {
        result = await handler(args);
      } catch (error) {
        result = thrown(tool, error);
      }
      return note ? { ...result, content: [...(result.content ?? []), note] } : result;
    })();
    activity?.track(work);
    return work;
  };

  /**
   * One request through the payer. With a clawpay `session`, its headers go
   * along to URLs the session covers (never elsewhere, redirects included).
   * `pay: false` never pays: a 402 comes back as an answer.
   */
  function send(url, args, { purpose = 'call', pay = true, session = null, idempotencyKey, timeoutMs = args.timeout_ms, beforePaying } = {}) {
    return payer.fetch(url, {
      ...requestOf(args, timeoutMs),
      maxPayment: pay ? maxPaymentOf(args) : null,
      purpose,
      pay,
      ...(beforePaying ? { beforePaying } : {}),
      // Only a clawpay session has a token; a siwx one lets the payer sign in.
      ...(session && paySessions.kindOf(session) === 'clawpay' ? {
        sessionHeaders: sessionHeaders(session),
        sessionScope: { endpoint: session.endpoint, scope: session.scope },
      } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
  }

  // A request that got no answer: a timeout, a reset, a refused connection.
  function noAnswer(tool, result, args, note = '') {
    const payment = paymentBlock(result.payment);
    const message = `${tool} failed: ${result.error ? safeErrorMessage(result.error, ownHexValues({ payment: result.payment })) : 'no answer'}${note}`;
    return result.timedOut
      ? failure(message, { error: 'timeout', timeoutMs: args.timeout_ms, payment })
      : failure(message, { error: result.error?.code ?? 'no_answer', payment });
  }

  return {
    config, payer, sessions, paySessions, signer, wallet, now, log,
    settings, seconds, network, maxPaymentOf, checkRequest, requestOf,
    paymentBlock, paymentSection, sessionBlock,
    guarded, send, noAnswer, runApproved,
  };
}
