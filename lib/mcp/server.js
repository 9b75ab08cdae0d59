// clawpay-mcp's tools on the official MCP SDK: ClawPay MCP 1.1's eleven
// tool names and input fields, with x402 payments made by the payer (lib/pay)
// and ClawPay 1.1 sessions kept in the native SessionCache.
//
// Where this differs from ClawPay 1.1, on purpose:
// - a session is used only for URLs its endpoint and scope really cover
//   (the native URL scope rules: same origin, no user info, path equal to the
//   endpoint's or continuing it at "/", no dot segments), the best one wins
//   (exact, then the longest prefix), and the token never goes along on a
//   redirect out of scope;
// - a session is created only when the paid request succeeded and settled,
//   and lasts no longer than the server sells;
// - a 402 inside a session is reported, not counted as a call;
// - ending a session also revokes it on the server when it offered a way;
// - timeouts are reported as timeouts;
// - sessions are kept on disk and survive restarts.
// Tool failures are results with isError, never protocol errors.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';

import { McpServer } from '@modelcontextprotocol/server';

import { buildSessionToken } from '../session_token.js';
import { normalizeUrl, scopeCovers } from '../url_scope.js';
import { formatUnits } from '../pay/amount.js';
import { parseCallCap } from '../pay/policy.js';
import {
  bodySection, chainName, describeBody, describeRefusal, formatTtl, headerOf, isoTime, paymentRefusalOf,
} from './format.js';
import {
  sessionStartInput, sessionEndInput, sessionFetchInput, sessionStatusInput, walletToolInputs, x402PayInput,
} from './schemas.js';
import { requestHeaders, sameOrigin, sessionHeaders, whyNotCovered } from './session_http.js';

export const SERVER_NAME = 'clawpay-mcp';
export const SERVER_VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

const DEFAULT_SESSION_TTL_SECONDS = 3600;
const REVOKE_TIMEOUT_MS = 10_000;
// How much of a revocation answer a result keeps.
const MAX_ANSWER_CHARS = 4000;
const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

const WALLET_TOOL_DESCRIPTIONS = {
  deploy_wallet: 'Deploy a new AgentAccountV2 wallet via the factory contract (CREATE2, owned by an NFT).',
  get_wallet_info: 'Wallet address, balance, spend limits, remaining period allowance and queue depth.',
  send_payment: 'Send ETH or an ERC-20 token from the AgentAccountV2 wallet, within its spend limits.',
  check_spend_limit: "Check whether an amount is within the wallet's autonomous spend limits.",
  queue_approval: 'List, approve or cancel over-limit transactions queued for owner review.',
  get_transaction_history: "The wallet's recent on-chain activity from its event logs.",
};

function text(value) {
  return { type: 'text', text: value };
}

function ok(textValue, structured) {
  return { content: [text(textValue)], structuredContent: structured };
}

function failure(textValue, structured) {
  return structured === undefined
    ? { isError: true, content: [text(textValue)] }
    : { isError: true, content: [text(textValue)], structuredContent: structured };
}

const stripNulls = (object) => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== null));
const errorMessage = (error) => (error instanceof Error ? error.message : String(error));

/** The config values the tools read. */
function settingsOf(config) {
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
 * The server's MCP tools over one payer and one session cache. Cheap to call:
 * the SDK builds a server per HTTP request (and per stdio connection), and
 * all state lives in `payer` and `sessions`.
 *
 * @param {object} options
 * @param {object} options.config   from loadConfig()
 * @param {object} options.payer    from createPayer(): fetch(url, options), close()
 * @param {import('../session_cache.js').SessionCache} options.sessions
 * @param {import('../signer.js').Signer} options.signer  the agent key: signs session tokens
 * @param {() => number} [options.now]  Unix milliseconds
 * @param {(line: string) => void} [options.log]  diagnostics (stderr in main.js)
 * @param {{track: (work: Promise<unknown>) => void}} [options.activity]  told of every tool call
 *   under way, so a shutdown can let a payment finish
 */
export function createClawpayServer({ config, payer, sessions, signer, now = Date.now, log = () => {}, activity }) {
  const tools = createClawpayTools({ config, payer, sessions, signer, now, log, activity });
  const server = new McpServer({ name: SERVER_NAME, version: SERVER_VERSION });
  for (const [name, tool] of Object.entries(tools)) {
    server.registerTool(name, { title: tool.title, description: tool.description, inputSchema: tool.inputSchema, annotations: tool.annotations },
      tool.handler);
  }
  return server;
}

/** The tools as {name: {title, description, inputSchema, annotations, handler}}, in ClawPay 1.1's order. */
export function createClawpayTools({ config, payer, sessions, signer, now = Date.now, log = () => {}, activity }) {
  const settings = settingsOf(config);
  const seconds = () => Math.floor(now() / 1000);
  const network = chainName(settings.chainId);

  // The call's own cap in base units of the configured asset: max_payment_eth
  // is read in asset units (ClawPay 1.1 scaled it by 1e18 against a
  // 6-decimal asset); with max_payment too, the smaller applies.
  const maxPaymentOf = (args) => parseCallCap({ max_payment_eth: args.max_payment_eth, max_payment: args.max_payment }, config.asset);

  function checkRequest(args) {
    let parsed;
    try {
      parsed = new URL(args.url ?? args.endpoint);
    } catch {
      parsed = null;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return 'the URL must be an absolute http(s) URL';
    if (args.body !== undefined && (args.method === 'GET' || args.method === 'HEAD')) {
      return `a ${args.method} request cannot carry a body; use POST, PUT or PATCH to send one`;
    }
    return null;
  }

  const amountText = (payment) => {
    const decimal = payment.amountDecimal ?? formatUnits(BigInt(payment.amount), settings.decimals);
    return `${decimal} ${settings.assetName} (${payment.amount} base units)`;
  };

  function paymentBlock(payment) {
    if (!payment) return null;
    return {
      amount: String(payment.amount),
      amountDecimal: payment.amountDecimal ?? formatUnits(BigInt(payment.amount), settings.decimals),
      asset: payment.asset ?? null,
      network: payment.network ?? null,
      payTo: payment.payTo ?? null,
      payer: payment.payer ?? null,
      transaction: payment.transaction ?? null,
      x402Version: payment.x402Version ?? null,
      status: payment.status ?? null,
      ...(payment.failure ? { failure: payment.failure } : {}),
    };
  }

  function paymentSection(payment, title = 'Payment Made') {
    let out = `${title}\n`;
    out += `  Amount:    ${amountText(payment)}\n`;
    if (payment.asset) out += `  Asset:     ${payment.asset}\n`;
    out += `  Recipient: ${payment.payTo}\n`;
    if (payment.payer) out += `  Payer:     ${payment.payer}\n`;
    out += `  TX Hash:   ${payment.transaction ?? '(none)'}\n`;
    if (payment.status && payment.status !== 'settled') {
      out += `  State:     ${payment.status === 'pending' ? 'sent, outcome not known yet (a retry of this same call resends the same authorization, which settles at most once)' : `not paid${payment.failure ? ` (${payment.failure})` : ''}`}\n`;
    }
    if (payment.network) out += `  Network:   ${payment.network}\n`;
    if (payment.x402Version) out += `  x402:      v${payment.x402Version}\n`;
    return out;
  }

  function sessionBlock(record) {
    return {
      sessionId: record.sessionId,
      label: record.label ?? null,
      endpoint: record.endpoint,
      scope: record.scope,
      callCount: record.callCount,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      ttlSeconds: Math.max(0, record.expiresAt - seconds()),
      lastUsedAt: record.lastUsedAt,
      endedAt: record.endedAt ?? null,
      paymentTxHash: record.paymentTxHash,
      paymentAmount: record.paymentAmount,
      paymentToken: record.paymentToken,
      paymentRecipient: record.paymentRecipient,
      revokeUrl: record.revokeUrl ?? null,
    };
  }

  function responseBlock(response, shown) {
    return {
      status: response.status,
      statusText: STATUS_CODES[response.status] ?? '',
      contentType: shown.contentType,
      bytes: shown.bytes,
      body: shown.text,
      bodyTruncated: shown.truncated,
      bodyBinary: shown.binary,
      bodyIncomplete: shown.incomplete,
    };
  }

  const statusLine = (response) => `${response.status}${STATUS_CODES[response.status] ? ` ${STATUS_CODES[response.status]}` : ''}`;

  function thrown(tool, error) {
    if (error?.code === 'ERR_POLICY_REFUSED') {
      const rule = error.rule ? ` (rule: ${error.rule})` : '';
      return failure(`${tool} refused: ${errorMessage(error)}${rule}\nNothing was paid.`,
        { error: 'policy_refused', rule: error.rule ?? null, message: errorMessage(error) });
    }
    if (error?.code === 'ERR_INVALID_ARG_VALUE' || error?.code === 'ERR_INVALID_ARG_TYPE') {
      return failure(`${tool} failed: ${errorMessage(error)}`, { error: 'invalid_input', message: errorMessage(error) });
    }
    if (!String(error?.code ?? '').startsWith('ERR_')) log(`${tool}: ${error?.stack ?? error}`);
    return failure(`${tool} failed: ${errorMessage(error)}`, { error: error?.code ?? 'failed', message: errorMessage(error) });
  }

  // Each handler's failures become isError results.
  const guarded = (tool, handler) => (args) => {
    const work = (async () => {
      try {
        return await handler(args);
      } catch (error) {
        return thrown(tool, error);
      }
    })();
    activity?.track(work);
    return work;
  };

  /**
   * One request through the payer. With `session`, its headers go along to
   * URLs the session covers (never elsewhere, redirects included).
   * `pay: false` never pays: a 402 comes back as an answer.
   */
  function send(url, args, { purpose = 'call', pay = true, session = null, idempotencyKey, timeoutMs = args.timeout_ms } = {}) {
    return payer.fetch(url, {
      method: args.method ?? 'GET',
      headers: requestHeaders(args.headers, { body: args.body }),
      body: args.body,
      timeoutMs,
      maxPayment: pay ? maxPaymentOf(args) : null,
      purpose,
      pay,
      ...(session ? {
        sessionHeaders: sessionHeaders(session),
        sessionScope: { endpoint: session.endpoint, scope: session.scope },
      } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
  }

  // A request that got no answer: a timeout, a reset, a refused connection.
  function noAnswer(tool, result, args, note = '') {
    const payment = paymentBlock(result.payment);
    const message = `${tool} failed: ${result.error?.message ?? 'no answer'}${note}`;
    return result.timedOut
      ? failure(message, { error: 'timeout', timeoutMs: args.timeout_ms, payment })
      : failure(message, { error: result.error?.code ?? 'no_answer', payment });
  }

  function responseOf(result) {
    const shown = describeBody(result.body, headerOf(result.headers, 'content-type'), { incomplete: result.truncated === true });
    return { shown, block: responseBlock(result, shown) };
  }

  function redirectLines(result, pad) {
    if (!result.redirects?.length) return '';
    return result.redirects.map((hop) => `  Redirect:${pad}${hop.status} ${hop.from} -> ${hop.to}${hop.crossOrigin ? ' (another origin: no credentials sent there)' : ''}\n`).join('');
  }

  // ── x402_pay ────────────────────────────────────────────────────────────

  function sessionUsedResult(args, record, result, startedAt) {
    const { shown, block } = responseOf(result);
    const ttl = Math.max(0, record.expiresAt - seconds());
    let out = `x402 Fetch Result (session)\n\n`;
    out += `  URL:        ${args.url}\n`;
    out += `  Method:     ${args.method}\n`;
    out += `  Status:     ${statusLine(result)}\n`;
    out += `  Network:    ${network}\n`;
    out += `  Time:       ${now() - startedAt} ms\n`;
    out += redirectLines(result, '   ');
    out += `\nSession Used (no payment)\n`;
    out += `  Session ID: ${record.sessionId}\n`;
    if (record.label) out += `  Label:      ${record.label}\n`;
    out += `  Endpoint:   ${record.endpoint} (${record.scope})\n`;
    out += `  TTL:        ${formatTtl(ttl)} remaining\n`;
    out += `  Calls:      ${record.callCount}\n\n`;
    out += bodySection(shown);
    return ok(out, {
      url: args.url,
      finalUrl: result.url,
      method: args.method,
      network: settings.network,
      elapsedMs: now() - startedAt,
      ...block,
      payment: null,
      session: sessionBlock(record),
      callCount: record.callCount,
    });
  }

  async function x402Pay(args) {
    const startedAt = now();
    const problem = checkRequest(args);
    if (problem) return failure(`x402_pay failed: ${problem}`, { error: 'invalid_input', message: problem });
    maxPaymentOf(args); // a bad cap is refused before any request

    // The best live session covering the URL (exact, then the longest prefix).
    let record = args.skip_session_check ? null : sessions.findForUrl(args.url, { now: seconds() });
    if (record && !scopeCovers(record.endpoint, record.scope, args.url)) record = null;

    // With a session, its headers go first; a 402 in spite of them is paid
    // in the same call, and not counted as a session call.
    const result = await send(args.url, args, { purpose: 'call', session: record });
    if (result.status === null) return noAnswer('x402_pay', result, args);
    const payment = paymentBlock(result.payment);
    if (record && !payment && result.status !== 402) {
      sessions.recordCall(record.sessionId, { now: seconds() });
      return sessionUsedResult(args, sessions.get(record.sessionId) ?? record, result, startedAt);
    }
    const sessionRefusal = record
      ? { sessionId: record.sessionId, error: result.paymentRequired?.error ?? null }
      : null;
    if (sessionRefusal) log(`x402_pay: session ${record.sessionId} refused by the server (${sessionRefusal.error ?? 'no reason given'})`);
    if (payment?.transaction) log(`x402_pay: paid ${payment.amount} base units to ${payment.payTo} for ${args.url} (tx ${payment.transaction})`);

    const { shown, block } = responseOf(result);
    const structured = {
      url: args.url,
      finalUrl: result.url,
      method: args.method,
      network: settings.network,
      elapsedMs: now() - startedAt,
      ...block,
      payment,
      session: null,
      sessionRefused: sessionRefusal,
    };
    let out = `x402 Fetch Result\n\n`;
    out += `  URL:     ${args.url}\n`;
    out += `  Method:  ${args.method}\n`;
    out += `  Status:  ${statusLine(result)}\n`;
    out += `  Network: ${network}\n`;
    out += `  Time:    ${structured.elapsedMs} ms\n`;
    out += redirectLines(result, '');
    if (sessionRefusal) {
      out += `\nSession ${sessionRefusal.sessionId} was not accepted by the server (${sessionRefusal.error ?? 'no reason given'}); paid instead.\n`;
    }
    if (result.status === 402) {
      const refusal = paymentRefusalOf(result.body);
      out += `\nPayment Required, and the payment was not accepted: ${describeRefusal(refusal)}\n`;
      if (payment) out += `\n${paymentSection(payment, 'Payment Attempted')}`;
      out += `\n${bodySection(shown)}`;
      return failure(out, { ...structured, error: refusal.error ?? 'payment_required' });
    }
    if (payment) {
      out += `\n${paymentSection(payment)}`;
      out += `\nTip: use x402_session_start to pay once for a session and skip per-call payments.\n`;
    } else {
      out += `\nNo payment required\n`;
    }
    out += `\n${bodySection(shown)}`;
    return ok(out, structured);
  }

  // ── x402_session_start ──────────────────────────────────────────────────

  async function sessionStart(args) {
    const startedAt = now();
    const problem = checkRequest(args);
    if (problem) return failure(`x402_session_start failed: ${problem}`, { error: 'invalid_input', message: problem });
    if (!normalizeUrl(args.endpoint)) {
      const message = 'the endpoint is not a plain absolute http(s) URL (no user info, dot segments, encoded slashes or backslashes), so no session could be scoped to it';
      return failure(`x402_session_start failed: ${message}`, { error: 'invalid_input', message });
    }
    maxPaymentOf(args);
    const ttlWanted = args.ttl_seconds ?? settings.sessionTtlSeconds;

    // No explicit idempotency key: the payer keys the call on the request, so
    // a retry after a lost answer resends the same authorization, never a new one.
    const result = await send(args.endpoint, args, { purpose: 'session' });
    if (result.status === null) return noAnswer('x402_session_start', result, args, ' No session was created.');
    const payment = paymentBlock(result.payment);
    if (payment?.transaction) log(`x402_session_start: paid ${payment.amount} base units to ${payment.payTo} for ${args.endpoint} (tx ${payment.transaction})`);
    const { shown, block } = responseOf(result);
    // A resent session purchase the seller settled but no longer holds the
    // response for (it restarted) is answered 409 with this payment's
    // settlement: the session was bought all the same (the seller honours a
    // token by its settlement, not by the response).
    const boughtEarlier = result.status === 409 && result.payment?.replayed === true && result.payment.kind === 'session' &&
      result.payment.status === 'settled';
    const success = (result.status >= 200 && result.status < 300) || boughtEarlier;
    const base = {
      endpoint: args.endpoint,
      method: args.method,
      network: settings.network,
      elapsedMs: now() - startedAt,
      ...block,
      payment,
      session: null,
    };

    if (!payment) {
      if (success) {
        let out = `No Payment Required\n\n`;
        out += `  Endpoint: ${args.endpoint}\n`;
        out += `  Status:   ${statusLine(result)}\n\n`;
        out += `The endpoint answered without asking for payment, so no session was created.\n`;
        out += `Use x402_pay for free endpoints.\n\n`;
        out += bodySection(shown);
        return ok(out, base);
      }
      const refusal = result.status === 402 ? paymentRefusalOf(result.body) : null;
      let out = `x402_session_start failed: ${result.status === 402
        ? `payment required and not made (${describeRefusal(refusal)})`
        : `the endpoint answered ${statusLine(result)}`}. Nothing was paid and no session was created.\n\n`;
      out += bodySection(shown);
      return failure(out, { ...base, error: refusal?.error ?? `http_${result.status}` });
    }
    const settled = result.payment.status === 'settled' && typeof payment.transaction === 'string';
    if (!success || !settled) {
      const why = !success ? `answered ${statusLine(result)}`
        : result.payment.status === 'pending' ? 'was sent but its settlement is not known yet' : 'was not settled';
      const charged = result.payment.status === 'failed' ? ' Nothing was charged.' : '';
      let out = `x402_session_start failed: the paid request ${why}, so no session was created.${charged}\n\n`;
      out += paymentSection(payment, settled ? 'Payment Made' : 'Payment Attempted');
      if (result.payment.status === 'pending') {
        out += `\nCalling x402_session_start again with the same arguments resends the same authorization (it settles at most once).\n`;
      }
      out += `\n${bodySection(shown)}`;
      return failure(out, { ...base, error: !success ? `http_${result.status}` : 'not_settled' });
    }

    // A settled payment for a successful response: the session exists.
    const terms = result.sessionTerms ?? null;
    const serverTtl = Number.isSafeInteger(terms?.maxTtlSeconds) && terms.maxTtlSeconds > 0 ? terms.maxTtlSeconds : null;
    const ttl = serverTtl === null ? ttlWanted : Math.min(ttlWanted, serverTtl);
    // The server counts the session from its settlement, which came after
    // the request began: counting from the start never outlives it.
    const createdAt = Math.floor(startedAt / 1000);
    const expiresAt = createdAt + ttl;
    const sessionId = randomUUID();
    const payload = {
      version: 'clawpay/1.1',
      sessionId,
      walletAddress: settings.walletAddress,
      endpoint: args.endpoint,
      scope: args.scope,
      createdAt,
      expiresAt,
      paymentTxHash: payment.transaction,
      paymentAmount: payment.amount,
    };
    let token;
    let signature;
    const revokeUrl = typeof terms?.revokeUrl === 'string' && sameOrigin(terms.revokeUrl, args.endpoint) ? terms.revokeUrl : null;
    try {
      ({ token, signature } = await buildSessionToken(payload, signer));
    } catch (error) {
      return paidButNoSession(error, payment, base);
    }
    const record = {
      sessionId,
      endpoint: args.endpoint,
      scope: args.scope,
      walletAddress: settings.walletAddress,
      createdAt,
      expiresAt,
      paymentTxHash: payment.transaction,
      paymentAmount: payment.amount,
      paymentToken: payment.asset ?? settings.assetAddress ?? ZERO_ADDRESS,
      paymentRecipient: payment.payTo ?? '',
      sessionToken: token,
      signature,
      ...(args.label !== undefined ? { label: args.label } : {}),
      callCount: 0,
      lastUsedAt: 0,
      // Beyond ClawPay 1.1's record: where the server revokes it, and what it sold.
      ...(revokeUrl ? { revokeUrl } : {}),
      ...(payment.network ? { network: payment.network } : {}),
      ...(typeof terms?.endpoint === 'string' ? { serverEndpoint: terms.endpoint } : {}),
      ...(serverTtl !== null ? { serverMaxTtlSeconds: serverTtl } : {}),
    };
    try {
      sessions.add(record);
    } catch (error) {
      return paidButNoSession(error, payment, base);
    }

    let out = `x402 Session Established\n\n`;
    out += `  Session ID:    ${sessionId}\n`;
    out += `  Endpoint:      ${args.endpoint}\n`;
    out += `  Scope:         ${args.scope}\n`;
    if (args.label !== undefined) out += `  Label:         ${args.label}\n`;
    out += `  Network:       ${network}\n`;
    out += `  TTL:           ${formatTtl(ttl)} (expires ${isoTime(expiresAt)})`;
    out += serverTtl !== null && serverTtl < ttlWanted ? `; the server sells at most ${serverTtl}s\n` : '\n';
    if (!terms) out += `  Note:          the server did not advertise ClawPay sessions; it may not honour the token\n`;
    else if (terms.revokeUrl && !revokeUrl) out += `  Note:          the server's revocation URL is on another origin and is ignored\n`;
    out += `\n${paymentSection(payment, 'Session Payment')}`;
    out += `\nNext Steps\n`;
    out += `  Use x402_session_fetch with session_id="${sessionId}" for requests to ${args.endpoint}`;
    out += args.scope === 'prefix' ? ' and the paths below it' : '';
    out += ` - no further payments are made during the session.\n`;
    out += `  x402_pay also uses it for URLs it covers. Check it with x402_session_status; end it with x402_session_end.\n\n`;
    out += bodySection(shown, `Initial Response (${statusLine(result)})`);
    return ok(out, { ...base, sessionId, session: sessionBlock(record) });
  }

  // The payment went through but the session could not be made or kept.
  function paidButNoSession(error, payment, base) {
    log(`x402_session_start: paid (tx ${payment.transaction}) but the session could not be kept: ${error?.stack ?? error}`);
    let out = `x402_session_start failed after paying: ${errorMessage(error)}. The session could not be kept.\n\n`;
    out += paymentSection(payment, 'Payment Made');
    return failure(out, { ...base, error: error?.code ?? 'session_not_kept', message: errorMessage(error) });
  }

  // ── x402_session_fetch ──────────────────────────────────────────────────

  function unusable(tool, id, record) {
    if (!record) {
      return failure(`${tool} failed: Session not found: "${id}"\n\nCreate a session with x402_session_start first.`,
        { error: 'session_not_found', sessionId: id });
    }
    if (record.endedAt !== undefined) {
      return failure(`${tool} failed: Session ${id} was ended at ${isoTime(record.endedAt)}.\n\nStart a new one with x402_session_start.`,
        { error: 'session_ended', session: sessionBlock(record) });
    }
    if (seconds() >= record.expiresAt) {
      return failure(`${tool} failed: Session ${id} expired at ${isoTime(record.expiresAt)} (endpoint ${record.endpoint}).\n\n` +
        'Call x402_session_start to establish a new session.', { error: 'session_expired', session: sessionBlock(record) });
    }
    return null;
  }

  async function sessionFetch(args) {
    const startedAt = now();
    const record = sessions.get(args.session_id);
    const refusal = unusable('x402_session_fetch', args.session_id, record);
    if (refusal) return refusal;
    const problem = checkRequest(args);
    if (problem) return failure(`x402_session_fetch failed: ${problem}`, { error: 'invalid_input', message: problem });
    const why = whyNotCovered(record.endpoint, record.scope, args.url);
    if (why) {
      let out = `x402_session_fetch failed: URL not covered by this session: ${why}.\n\n`;
      out += `  Session endpoint: ${record.endpoint}\n`;
      out += `  Session scope:    ${record.scope}\n`;
      out += `  Requested URL:    ${args.url}\n\n`;
      out += 'Nothing was sent. Start a session for this URL with x402_session_start, or use x402_pay for a one-time request.';
      return failure(out, { error: 'out_of_scope', reason: why, session: sessionBlock(record) });
    }

    // Never pays; a fresh key keeps it apart from any paid call to the same URL.
    const result = await send(args.url, args, { pay: false, session: record, idempotencyKey: `session-call:${randomUUID()}` });
    if (result.status === null) return noAnswer('x402_session_fetch', result, args, ` (session ${record.sessionId}; the call was not counted)`);
    if (result.status === 402) {
      const reason = { error: result.paymentRequired?.error ?? null, message: null, ...stripNulls(paymentRefusalOf(result.body)) };
      const { shown, block } = responseOf(result);
      let out = `x402_session_fetch: the server answered 402 - session not accepted (${describeRefusal(reason)})\n\n`;
      out += `  URL:        ${args.url}\n`;
      out += `  Session ID: ${record.sessionId}\n`;
      out += `  Calls:      ${record.callCount} (this one was not counted)\n\n`;
      out += 'The server does not honour this session token (revoked, expired on its side, or it does not support ClawPay sessions).\n';
      out += 'Nothing was paid. Use x402_pay for a one-time payment, or x402_session_start for a new session.\n\n';
      out += bodySection(shown);
      return failure(out, { error: reason.error ?? 'payment_required', serverMessage: reason.message, ...block, session: sessionBlock(record) });
    }
    sessions.recordCall(record.sessionId, { now: seconds() });
    const updated = sessions.get(record.sessionId) ?? record;
    const { shown, block } = responseOf(result);
    const ttl = Math.max(0, updated.expiresAt - seconds());
    let out = `x402 Session Fetch (call #${updated.callCount})\n\n`;
    out += `  Session ID:  ${updated.sessionId}\n`;
    if (updated.label) out += `  Label:       ${updated.label}\n`;
    out += `  URL:         ${args.url}\n`;
    out += `  Method:      ${args.method}\n`;
    out += `  Status:      ${statusLine(result)}\n`;
    out += `  Time:        ${now() - startedAt} ms\n`;
    out += redirectLines(result, '    ');
    out += `  Session TTL: ${formatTtl(ttl)} remaining\n`;
    out += `  No payment - session token used\n\n`;
    out += bodySection(shown);
    return ok(out, {
      url: args.url,
      finalUrl: result.url,
      method: args.method,
      elapsedMs: now() - startedAt,
      ...block,
      payment: null,
      callCount: updated.callCount,
      session: sessionBlock(updated),
    });
  }

  // ── x402_session_status ─────────────────────────────────────────────────

  function stateOf(record) {
    if (record.endedAt !== undefined) return 'ended';
    return seconds() >= record.expiresAt ? 'expired' : 'active';
  }

  async function sessionStatus(args) {
    const at = seconds();
    if (args.session_id !== undefined && args.session_id !== '') {
      const record = sessions.get(args.session_id);
      if (!record) {
        return failure(`Session not found: "${args.session_id}"\n\nUse x402_session_status with no arguments to list active sessions.`,
          { error: 'session_not_found', sessionId: args.session_id });
      }
      const state = stateOf(record);
      let out = `Session Details\n\n`;
      out += `  Session ID:    ${record.sessionId}\n`;
      if (record.label) out += `  Label:         ${record.label}\n`;
      out += `  Status:        ${state === 'active' ? 'Active' : state === 'ended' ? `Ended (${isoTime(record.endedAt)})` : 'Expired'}\n`;
      out += `  Endpoint:      ${record.endpoint}\n`;
      out += `  Scope:         ${record.scope}\n`;
      out += `  Wallet:        ${record.walletAddress}\n\n`;
      out += `Timing\n`;
      out += `  Created:       ${isoTime(record.createdAt)}\n`;
      out += `  Expires:       ${isoTime(record.expiresAt)}\n`;
      if (state === 'active') out += `  TTL Remaining: ${formatTtl(record.expiresAt - at)}\n`;
      out += `  Last Used:     ${record.lastUsedAt > 0 ? isoTime(record.lastUsedAt) : 'never'}\n`;
      out += `  Call Count:    ${record.callCount}\n\n`;
      out += `Session Payment\n`;
      out += `  TX Hash:       ${record.paymentTxHash}\n`;
      out += `  Amount:        ${formatUnits(BigInt(record.paymentAmount), settings.decimals)} ${settings.assetName} (${record.paymentAmount} base units)\n`;
      out += `  Recipient:     ${record.paymentRecipient}\n`;
      out += `  Token:         ${record.paymentToken === ZERO_ADDRESS ? 'ETH (native)' : record.paymentToken}\n`;
      if (record.network) out += `  Network:       ${record.network}\n`;
      out += `\nToken Info\n`;
      out += `  Protocol:      clawpay/1.1\n`;
      out += `  Signature:     ${record.signature.slice(0, 20)}...${record.signature.slice(-8)}\n`;
      out += `  Revocation:    ${record.revokeUrl ?? 'the server offered none'}\n`;
      return ok(out, { session: { ...sessionBlock(record), state, walletAddress: record.walletAddress } });
    }

    const active = sessions.list({ now: at });
    if (active.length === 0) {
      const out = `Active Sessions\n\nNo active sessions. Use x402_session_start to establish one.\n\n` +
        `Sessions are kept on disk and survive restarts. Default TTL: ${settings.sessionTtlSeconds} seconds (SESSION_TTL_SECONDS).`;
      return ok(out, { count: 0, sessions: [] });
    }
    let out = `Active x402 Sessions (${active.length})\n\n`;
    for (const record of active) {
      out += `-------------------------------------\n`;
      out += `  ID:       ${record.sessionId}\n`;
      if (record.label) out += `  Label:    ${record.label}\n`;
      out += `  Endpoint: ${record.endpoint}\n`;
      out += `  Scope:    ${record.scope}\n`;
      out += `  TTL:      ${formatTtl(record.expiresAt - at)}\n`;
      out += `  Calls:    ${record.callCount}\n`;
      out += `  Payment:  ${record.paymentAmount} base units, TX ${record.paymentTxHash}\n\n`;
    }
    out += `Use x402_session_fetch with a session_id to make calls within a session without paying.\n`;
    out += `Use x402_session_status with session_id="..." for full details.`;
    return ok(out, { count: active.length, sessions: active.map(sessionBlock) });
  }

  // ── x402_session_end ────────────────────────────────────────────────────

  /** POSTs the token to the server's revocation URL; {ok, status, answer, error}. */
  async function revoke(record) {
    let result;
    try {
      result = await payer.fetch(record.revokeUrl, {
        method: 'POST',
        headers: { accept: 'application/json' },
        sessionHeaders: sessionHeaders(record),
        timeoutMs: REVOKE_TIMEOUT_MS,
        pay: false,
        idempotencyKey: `session-revoke:${randomUUID()}`,
      });
    } catch (error) {
      return { ok: false, status: null, answer: null, error: errorMessage(error) };
    }
    if (result.status === null) return { ok: false, status: null, answer: null, error: result.error?.message ?? 'no answer' };
    let answer = result.body.length > MAX_ANSWER_CHARS ? `${result.body.slice(0, MAX_ANSWER_CHARS)}…` : result.body;
    try {
      answer = JSON.parse(result.body.length > MAX_ANSWER_CHARS ? '' : result.body);
    } catch {
      // keep the text
    }
    const ok2xx = result.status >= 200 && result.status < 300;
    return { ok: ok2xx, status: result.status, answer, error: ok2xx ? null : `HTTP ${statusLine(result)}` };
  }

  async function sessionEnd(args) {
    const record = sessions.get(args.session_id);
    if (!record) return failure(`x402_session_end failed: Session not found: "${args.session_id}"`, { error: 'session_not_found', sessionId: args.session_id });
    if (record.endedAt !== undefined) {
      return ok(`Session ${record.sessionId} was already ended at ${isoTime(record.endedAt)}.\nEndpoint: ${record.endpoint}`,
        { ended: true, alreadyEnded: true, session: sessionBlock(record), revocation: null });
    }
    const expired = seconds() >= record.expiresAt;
    // Locally first: the session is unusable here whatever the server says.
    sessions.end(record.sessionId, { now: seconds() });
    const ended = sessions.get(record.sessionId) ?? record;
    let revocation = null;
    if (record.revokeUrl && !expired) {
      revocation = { url: record.revokeUrl, ...(await revoke(record)) };
      if (!revocation.ok) log(`x402_session_end: revoking ${record.sessionId} at ${record.revokeUrl} failed: ${revocation.error}`);
    }

    let out = `Session Closed\n\n`;
    out += `  Session ID: ${record.sessionId}\n`;
    out += `  Endpoint:   ${record.endpoint}\n`;
    out += `  Calls made: ${record.callCount}\n`;
    if (expired) out += `  Note:       it had already expired at ${isoTime(record.expiresAt)}\n`;
    out += '\n';
    if (revocation) {
      const answer = typeof revocation.answer === 'string' ? revocation.answer : JSON.stringify(revocation.answer);
      out += revocation.ok
        ? `Server revocation: done (HTTP ${revocation.status}${answer ? `: ${answer.slice(0, 500)}` : ''})\n`
        : `Server revocation: FAILED (${revocation.error}${answer ? `: ${answer.slice(0, 500)}` : ''}). ` +
          'The session is ended here, but the server may still accept its token until it expires.\n';
    } else if (!expired) {
      out += `Server revocation: the server offered no revocation URL; its token stays valid there until ${isoTime(record.expiresAt)}.\n`;
    }
    out += `\nThe session can no longer be used from here. Use x402_session_start to establish a new one.`;
    return ok(out, { ended: true, alreadyEnded: false, session: sessionBlock(ended), revocation });
  }

  // ── The wallet tools (not in this version) ──────────────────────────────

  const notAvailable = (name) => async () => failure(
    `${name} is not available in this version of clawpay-mcp (clawpay-native). The AgentAccountV2 wallet tools ` +
    '(deploy_wallet, get_wallet_info, send_payment, check_spend_limit, queue_approval, get_transaction_history) ' +
    'come in a later release; x402_pay and the x402_session_* tools work.',
    { error: 'not_available', tool: name });

  const walletTool = (name) => ({
    title: name,
    description: `${WALLET_TOOL_DESCRIPTIONS[name]} Not available in this version of clawpay-native: answers with an error.`,
    inputSchema: walletToolInputs[name],
    handler: notAvailable(name),
  });

  return {
    deploy_wallet: walletTool('deploy_wallet'),
    get_wallet_info: walletTool('get_wallet_info'),
    send_payment: walletTool('send_payment'),
    check_spend_limit: walletTool('check_spend_limit'),
    queue_approval: walletTool('queue_approval'),
    x402_pay: {
      title: 'Fetch a URL, paying with x402 if asked',
      description: 'Fetch a URL and handle HTTP 402 Payment Required: pays the x402 price (a USDC authorization, settled ' +
        'on chain by the server) and retries. If an active session covers the URL, its token is sent instead and ' +
        'nothing is paid; if the server refuses the session, the request is paid. Refuses to pay more than ' +
        'max_payment_eth / max_payment (in the asset\'s units) or the configured spend limits. ' +
        'Tip: use x402_session_start to pay once for many calls.',
      inputSchema: x402PayInput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      handler: guarded('x402_pay', x402Pay),
    },
    get_transaction_history: walletTool('get_transaction_history'),
    x402_session_start: {
      title: 'Pay once for a session',
      description: 'Establish a ClawPay session: pay the endpoint once (its session price, when it sells sessions) and ' +
        'receive a session token signed by the agent key. Calls with x402_session_fetch (or x402_pay) to URLs the ' +
        'session covers then pay nothing until it expires. Returns a session_id. The session is kept on disk.',
      inputSchema: sessionStartInput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      handler: guarded('x402_session_start', sessionStart),
    },
    x402_session_fetch: {
      title: 'Fetch within a session',
      description: 'Make an HTTP request within a session from x402_session_start - no payment. The session headers ' +
        '(X-Session-Token, X-Session-Wallet, PAYMENT-SESSION) are added; the URL must be covered by the session\'s ' +
        'endpoint and scope. A 402 answer is reported and not counted as a call.',
      inputSchema: sessionFetchInput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      handler: guarded('x402_session_fetch', sessionFetch),
    },
    x402_session_status: {
      title: 'Session status',
      description: 'Without arguments, list the active sessions with their remaining time and call counts. With a ' +
        'session_id, show that session in full: state, timing, calls, payment and revocation.',
      inputSchema: sessionStatusInput,
      annotations: { readOnlyHint: true, openWorldHint: false },
      handler: guarded('x402_session_status', sessionStatus),
    },
    x402_session_end: {
      title: 'End a session',
      description: 'End a session before it expires: here at once, and on the server too when it offered a ' +
        'revocation URL (its answer is reported). Later x402_session_fetch calls with it fail.',
      inputSchema: sessionEndInput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
      handler: guarded('x402_session_end', sessionEnd),
    },
  };
}
