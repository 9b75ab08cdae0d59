// The paywall as node:http / Express middleware: `(req, res, next)`.
//
// For a request under a paid route, in this order:
//   PAYMENT-SIGNATURE (v2) or X-PAYMENT (v1)  pay for this response
//   X-Session-Token                            a session this server sold
//   SIGN-IN-WITH-X                             a wallet that bought a session
//   nothing                                    402 with the route's offers
// Requests outside every paid route pass straight to `next`. A paid
// response is held back until its settlement is recorded, then sent with
// PAYMENT-RESPONSE (v2) or X-PAYMENT-RESPONSE (v1).
import { encodePaymentRequiredHeader } from '@x402/core/http';
import { HTTPFacilitatorClient } from '@x402/core/server';

import { normalizeUrl } from '../url_scope.js';
import { argError, expectString } from '../validate.js';
import { captureResponse, sendStored } from './capture.js';
import { ChannelSeller, channelSchemes } from './channel_seller.js';
import { PaymentEngine } from './engine.js';
import { decodePaymentSignature, paymentResponseHeader } from './payment_headers.js';
import { RequestPaths } from './request_paths.js';
import { RouteTable } from './routes.js';
import { settledNotice } from './settlement_record.js';
import { SESSION_HEADER, SessionGate } from './session_gate.js';
import { createSiwxGate } from './siwx.js';
import { isStoreUnavailable, paywallStore } from './store.js';

const MAX_PAYMENT_HEADER = 16 * 1024;
const MAX_RESOURCE_URL = 4096;

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function originOf(publicUrl) {
  const parsed = normalizeUrl(expectString(publicUrl, 'publicUrl'));
  if (!parsed || parsed.path !== '/' || parsed.query !== null) {
    throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', `publicUrl must be an http(s) origin such as "https://api.example.com", got "${publicUrl}"`);
  }
  return parsed.origin;
}

function decodePayment(req) {
  const v2 = req.headers['payment-signature'];
  const v1 = req.headers['x-payment'];
  const header = v2 ?? v1;
  if (header === undefined) return null;
  if (typeof header !== 'string' || header.length > MAX_PAYMENT_HEADER || (v2 !== undefined && v1 !== undefined)) {
    return { error: 'Send one payment header (PAYMENT-SIGNATURE or X-PAYMENT) of at most 16 KiB' };
  }
  try {
    const payload = decodePaymentSignature(header);
    const expected = v2 !== undefined ? 2 : 1;
    if (payload?.x402Version !== expected) {
      return { error: `${v2 !== undefined ? 'PAYMENT-SIGNATURE' : 'X-PAYMENT'} carries x402Version ${payload?.x402Version}, expected ${expected}` };
    }
    return { payload };
  } catch {
    return { error: 'The payment header is not base64-encoded JSON' };
  }
}

/**
 * Creates the paywall.
 * @param {object} options
 * @param {string} [options.facilitatorUrl] or `facilitatorClient`
 * @param {object} options.routes  {"GET /weather": {price: {...}, session?: {...}}, "/api/*": {...}}
 * @param {import('./store.js').PaywallStore} [options.store] where claims, receipts, revocations,
 *   nonces and replays live: redisStore({url}) for replicas sharing one Redis
 * @param {import('../receipt_ledger.js').ReceiptLedger} [options.ledger] or a receipt
 *   ledger (the journal store: one machine)
 * @param {string | (() => string)} options.publicUrl the origin clients use to reach this
 *   server. Resource URLs and session scopes are built from it, never from the Host
 *   header, which the client controls.
 * @param {string} [options.revokePath] where a session's payer can end it (POST with X-Session-Token)
 * @param {boolean | object} [options.siwx] offer Sign-In-With-X on session routes (true, or
 *   createSiwxGate options such as a `nonceKey` shared by several instances)
 * @param {number} [options.replayTtlSeconds] how long a replayed payment gets its stored
 *   response, at most (default 300; never past the authorization's validBefore)
 * @param {boolean | 'required'} [options.paymentIdentifier] declare and honour x402's
 *   payment-identifier extension (default true)
 * @param {object} [options.channels] for batch-settlement routes: {directory | storage (an
 *   official ChannelStorage), receiverAuthorizer?: Signer, claimIntervalMs?, onClaimError?,
 *   rpcUrl? (the chain's JSON-RPC, one URL or one per network: the books are reconciled with it)}
 * Fails (ERR_FACILITATOR_UNSUPPORTED) when the facilitator's /supported lacks a
 * route's scheme, network or x402 version.
 */
export async function createPaywall({
  facilitatorUrl, facilitatorClient, routes, store: storeOption, ledger, publicUrl, revokePath = '/x402/session/revoke',
  v1Names, now = Date.now, siwx: siwxOptions = false, replayTtlSeconds, paymentIdentifier, onSettled, log, channels: channelOptions,
}) {
  const table = new RouteTable(routes);
  const channelSetup = channelSchemes(table.routes, channelOptions);
  // The channel manager claims through the same facilitator the engine verifies with.
  if (channelSetup && !facilitatorClient) facilitatorClient = new HTTPFacilitatorClient({ url: facilitatorUrl });
  // The origin, checked once per distinct value publicUrl gives.
  let lastPublicUrl = null;
  let lastOrigin = null;
  const origin = () => {
    const value = typeof publicUrl === 'function' ? publicUrl() : publicUrl;
    if (value !== lastPublicUrl) {
      lastOrigin = originOf(value);
      lastPublicUrl = value;
    }
    return lastOrigin;
  };
  if (typeof publicUrl !== 'function') origin();
  const store = paywallStore({ store: storeOption, ledger });
  const engine = await PaymentEngine.create({
    facilitatorUrl, facilitatorClient, store, v1Names, now, replayTtlSeconds, paymentIdentifier, onSettled, log,
    routes: table.routes, schemes: channelSetup?.schemes,
  });
  const channels = channelSetup
    ? new ChannelSeller({ engine, facilitatorClient, setup: channelSetup, now, onRecorded: settledNotice(onSettled, log) })
    : null;
  // A settlement a previous process made but did not book is booked before the first request.
  await channels?.start();
  const sessions = new SessionGate({ store, now });
  const paths = new RequestPaths(table);
  const byId = new Map(table.routes.map((route) => [route.id, route]));
  // Sign-In-With-X lets a wallet that bought a session come back without a
  // token: "has paid" means a live, unrevoked session on that route.
  const siwx = siwxOptions ? createSiwxGate({
    ...(siwxOptions === true ? {} : siwxOptions),
    ledger: store,
    now,
    hasPaid: async (address, { routeId }) => sessions.hasSession(address, byId.get(routeId)),
  }) : null;

  // What a payment or a 402 describes; built only on those (slower) paths.
  const resourceOf = (entry, url) => ({ url, description: entry.route.description, mimeType: entry.route.mimeType });

  const sessionInfo = (entry) => ({
    endpoint: `${origin()}${entry.path === '/' ? '' : entry.path}`,
    revokeUrl: `${origin()}${revokePath}`,
  });

  async function paymentRequired(res, entry, resource, error, message, status = 402, paymentPayload = undefined) {
    const route = entry.route;
    const extensions = siwx && route.session
      ? { [siwx.extensionKey]: siwx.declare({ resourceUrl: resource.url, routeId: route.id, networks: [route.terms.network] }) }
      : undefined;
    const { v2, v1 } = await engine.paymentRequired(route, resource, {
      error, sessionInfo: route.session ? sessionInfo(entry) : undefined, extensions, paymentPayload,
    });
    sendJson(res, status, { ...v1, message }, { 'PAYMENT-REQUIRED': encodePaymentRequiredHeader(v2) });
  }

  async function revoke(req, res) {
    const outcome = await sessions.revoke(req.headers[SESSION_HEADER]);
    if (!outcome.ok) return sendJson(res, outcome.status === 402 ? 404 : outcome.status, { error: outcome.error, message: outcome.message });
    return sendJson(res, 200, { revoked: outcome.result !== 'not_found', result: outcome.result, transaction: outcome.transaction });
  }

  // Runs the downstream handler with its response held back.
  function serveCaptured(req, res, next) {
    return async () => {
      const capture = captureResponse(res);
      try {
        await next();
      } catch (error) {
        capture.restore();
        throw error;
      }
      const response = await capture.done;
      capture.restore();
      return { ok: response.status < 400, response, bytes: response.body.length };
    };
  }

  async function pay(req, res, next, entry, resource, payload) {
    const requestKey = `${req.method} ${resource.url}`;
    const outcome = entry.route.scheme === 'batch-settlement' ? await channels.pay({
      route: entry.route, payload, serve: serveCaptured(req, res, next),
    }) : await engine.pay({
      route: entry.route, resource, payload, requestKey, method: req.method,
      sessionInfo: entry.route.session ? sessionInfo(entry) : undefined,
      serve: serveCaptured(req, res, next),
    });
    const responseHeader = payload.x402Version === 1 ? 'X-PAYMENT-RESPONSE' : 'PAYMENT-RESPONSE';
    switch (outcome.kind) {
      case 'served':
        return sendStored(res, outcome.response, {
          [responseHeader]: paymentResponseHeader(outcome.settlement),
          ...(outcome.replayed ? { 'x-payment-replayed': 'true' } : {}),
        });
      case 'unsettled':
        return sendStored(res, outcome.response);
      default: {
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        const receipt = outcome.receipt?.status === 'settled' ? {
          [responseHeader]: paymentResponseHeader({
            success: true, transaction: outcome.receipt.transaction, network: outcome.receipt.network, payer: outcome.receipt.payer,
          }),
        } : {};
        if (outcome.status === 402) return paymentRequired(res, entry, resource, outcome.error, outcome.message, 402, outcome.payload);
        return sendJson(res, outcome.status, { error: outcome.error, message: outcome.message }, receipt);
      }
    }
  }

  // handle() and its helpers return a promise only when they have to wait:
  // a session the gate has seen before is admitted without one, and the
  // request's path is normalised and matched once per distinct path, which
  // keeps the paywall's share of a session request to a few microseconds.
  function handle(req, res, next) {
    const rawPath = req.originalUrl ?? req.url;
    const known = typeof rawPath === 'string' ? paths.lookup(origin(), rawPath) : null;
    if (!known) {
      // Ambiguous spellings (dot segments, encoded slashes) could mean a paid
      // path to the handler and a free one to us; refuse them outright.
      return sendJson(res, 400, { error: 'bad_url', message: 'The request path is not a plain, unambiguous URL path' });
    }
    if (req.method === 'POST' && known.path === revokePath) return revoke(req, res);
    const entry = known.route(req.method);
    if (!entry) return next();

    const { url } = known;
    if (url.length > MAX_RESOURCE_URL) {
      // The receipt names the resource; one too long to record is not sold.
      return sendJson(res, 414, { error: 'url_too_long', message: `Paid URLs are limited to ${MAX_RESOURCE_URL} characters` });
    }

    const payment = decodePayment(req);
    if (payment?.error) return paymentRequired(res, entry, resourceOf(entry, url), 'invalid_payment_header', payment.error, 400);
    if (payment) return pay(req, res, next, entry, resourceOf(entry, url), payment.payload);

    const session = sessions.check(req.headers, url, entry.route);
    return session instanceof Promise
      ? session.then((verdict) => afterSession(req, res, next, entry, url, verdict))
      : afterSession(req, res, next, entry, url, session);
  }

  function afterSession(req, res, next, entry, url, session) {
    if (session?.ok) {
      req.clawpay = { session: session.session };
      return next();
    }
    if (session && session.status !== 402) return sendJson(res, session.status, { error: session.error, message: session.message });
    const resource = resourceOf(entry, url);
    const header = siwx && entry.route.session ? req.headers[siwx.headerName.toLowerCase()] : undefined;
    if (header !== undefined) return signIn(req, res, next, entry, resource, header);
    return paymentRequired(res, entry, resource, session?.error ?? 'payment_required',
      session?.message ?? `${entry.route.description || resource.url} requires payment`);
  }

  async function signIn(req, res, next, entry, resource, header) {
    const signedIn = await siwx.check(header, { resourceUrl: resource.url, routeId: entry.route.id });
    if (signedIn.ok) {
      req.clawpay = { signedIn: { address: signedIn.address } };
      return next();
    }
    // Whatever went wrong, answer with a fresh 402: @x402/fetch only pays
    // after a 402, so any other status would strand a client that can pay.
    return paymentRequired(res, entry, resource, signedIn.error, signedIn.message);
  }

  function failed(res, error) {
    if (res.headersSent) {
      res.destroy(error);
      return;
    }
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    if (isStoreUnavailable(error)) {
      sendJson(res, 503, { error: 'store_unavailable', message: 'The paywall\'s store is unreachable; nothing was served or charged' });
      return;
    }
    sendJson(res, 500, { error: 'paywall_error', message: 'The paywall failed; nothing was charged' });
    // Operators see the cause; clients never see internals.
    process.emitWarning(`clawpay paywall: ${error.stack ?? error}`);
  }

  const middleware = (req, res, next = () => {}) => {
    let pending;
    try {
      pending = handle(req, res, next);
    } catch (error) {
      failed(res, error);
      return;
    }
    if (pending instanceof Promise) pending.catch((error) => failed(res, error));
  };

  return {
    middleware,
    engine,
    store,
    /** The ReceiptLedger of a journal store (undefined with Redis). */
    ledger: store.ledger,
    sessions,
    routes: table.routes,
    /** Ends the session a token stands for (the token must be genuine). */
    revokeSession: (token) => sessions.revoke(token),
    /** The batch-settlement side (null without channel routes): storage, claim(), close(). */
    channels,
    /** Claims and settles what channels owe (a last batch), then stops the claim timer: that run, or null without channels. */
    close: async () => (channels ? channels.close() : null),
  };
}
