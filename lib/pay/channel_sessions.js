// Buyer sessions of kind `channel`: x402 batch-settlement payment channels.
//
//   open    a 402 offering batch-settlement: the deposit is checked and
//           reserved by the spend policy (the whole deposit counts when made),
//           recorded in the payment ledger as the session's payment (its
//           ERC-3009 nonce reconciled on chain like any authorization), the
//           first voucher recorded in the channel's state, then sent
//   call    per request, the next cumulative voucher (charged + price),
//           recorded before it is sent; a corrective 402 is checked against
//           what we signed (channel_state.js) — accepted: one resync and retry;
//           refused: the channel and session are closed, nothing more signed
//   refund  at the end, the voucher at the server's total with a `refund`
//           payload; once the chain shows the refund mined, what came back
//           returns to the day's budget
//
// Calls on one channel run one after another in this process (the seller
// keeps one pending request per channel, and a voucher builds on the last).
import { randomUUID } from 'node:crypto';

import { channelIdOf } from '../channels/voucher.js';
import { DEFAULT_MAX_AUTHORIZATION_SECONDS, DEFAULT_TIMEOUT_MS } from '../limits.js';
import { PayError } from './errors.js';
import { PolicyError } from './policy.js';
import { paymentView } from './fetch_result.js';
import { callKey } from './payment_ledger.js';
import { channelConfigOf, channelOfferOf, depositFor } from './channel_offer.js';
import {
  PAYMENT_HEADER, depositPayload, paymentHeader, voucherFields, voucherPayload, whereOf,
} from './channel_payload.js';
import { createDepositResume } from './channel_resume.js';
import { createChannelWithdrawal } from './channel_withdrawal.js';
import {
  awaitLease, checkCorrection, createChannelStates, LEASE_MARGIN_MS, shortChannelId,
} from './channel_state.js';
import { chargedIn, sellerText, settlementOf } from './channel_answer.js';
import { createChannelRefund } from './channel_refund.js';

/**
 * @param {object} options
 * @param {object} options.paying the paying fetch (payer.js): its fetch, policy, ledger, reconcileOpen
 * @param {object} options.store the payer's RecordStore
 * @param {object} options.signer the native Signer (vouchers and deposits are signed natively)
 * @param {object} options.config loadConfig()'s
 * @param {object | null} options.chain createChannelChain(), to see refunds mined; null: refunds are not asked
 */
export function createChannelSessions({ paying, store, signer, config, chain, now = Date.now }) {
  const states = createChannelStates({ store, now });
  const { resumeOpening } = createDepositResume({ paying, states, chain });
  const locks = new Map();
  const where = { v1Network: config.v1Network, chainId: config.chainId, asset: config.asset };

  async function serialized(channelId, fn) {
    const before = locks.get(channelId) ?? Promise.resolve();
    const run = before.then(fn);
    const done = run.catch(() => {});
    locks.set(channelId, done);
    try {
      return await run;
    } finally {
      if (locks.get(channelId) === done) locks.delete(channelId);
    }
  }

  // An accepted corrective 402: the server's total kept (and, when our own
  // signature in it shows our records were behind, what we signed written).
  const resync = (channelId, verdict) => (verdict.behindRecords ? states.adopt(channelId, verdict) : states.confirm(channelId, verdict.charged));

  const send = (url, request, header, sessionScope = null) => paying.fetch(url, {
    method: request.method, headers: request.headers, body: request.body, timeoutMs: request.timeoutMs,
    maxPayment: null, purpose: 'call', pay: false, sessionHeaders: { [PAYMENT_HEADER]: header }, ...(sessionScope ? { sessionScope } : {}),
  });

  /** Whether the 402 sells a channel this payer can open (session_kind.js asks). */
  const offered = (paymentRequired) => channelOfferOf(paymentRequired, where, config.policy) !== null;

  /**
   * Opens (or tops up) the channel the 402 offers with a deposit and pays the
   * endpoint's first request from it. {result (the paying fetch's shape,
   * `payment` the deposit), channelId}. Throws PolicyError before anything is
   * signed, or PayError. `live(sessionId)`: whether the session holding the
   * channel is still usable (an expired or ended one lets it go).
   */
  async function open({ url, paymentRequired, request, deposit: wanted = null, cap = null, topUp = null, live = () => true }) {
    const read = channelOfferOf(paymentRequired, where, config.policy);
    if (!read) throw new PayError('ERR_SESSION_NOT_OFFERED', `${url} offers no batch-settlement channel this wallet can open`);
    const channelConfig = channelConfigOf(paying.address, read);
    const { network } = read.terms;
    const channelId = channelIdOf(channelConfig, whereOf(network));
    return serialized(channelId, async () => {
      const known = states.get(channelId);
      if (known?.state === 'refused') {
        throw new PayError('ERR_CHANNEL_REFUSED', `channel ${shortChannelId(channelId)} with this seller was closed as refused: ${known.refusal?.reason}; nothing was signed`);
      }
      if (known?.state === 'withdrawing') {
        throw new PayError('ERR_CHANNEL_WITHDRAWING', `channel ${shortChannelId(channelId)} with this seller is being withdrawn (finalize after ${new Date(known.withdrawal.finalizeAfter * 1000).toISOString()}: payer.channels.withdraw / clawpay channel withdraw); nothing was signed`);
      }
      if (known?.state === 'open' && known.sessionId && live(known.sessionId)) {
        throw new PayError('ERR_CHANNEL_IN_USE', `channel ${shortChannelId(channelId)} with this seller is in use by session ${known.sessionId}; end it first. Nothing was signed`);
      }
      // A deposit whose answer was lost: the chain says whether it landed before anything new is signed.
      const resumed = known?.state === 'opening' ? await resumeOpening(channelId, known) : false;
      // An open channel a past session left (expired, not refunded), or one a lost deposit opened,
      // serves the new one as it is: no new deposit, the first request paid by its next voucher.
      const usable = resumed || (known?.state === 'open' && wanted === null && BigInt(known.balance) - BigInt(known.charged) >= BigInt(known.price));
      if (usable) {
        states.change(channelId, (current) => ({
          ...current, topUp: topUp === null ? null : topUp.toString(), sessionDeposits: resumed ? current.depositAmount : '0',
        }));
        const paid = await voucherRequest(channelId, url, request);
        if (paid.refused) throw new PayError('ERR_CHANNEL_REFUSED', `channel ${shortChannelId(channelId)}: ${paid.refused}; nothing more is signed`);
        const made = paying.ledger.get(states.get(channelId).depositPaymentId);
        return { result: { ...paid.result, payment: made ? paymentView(made) : null, paymentRequired }, channelId };
      }
      // What the channel holds is the chain's word (a deposit whose answer was lost shows there); the
      // running total is our own record's, or what the seller claimed on chain when that is more.
      const onChain = await chain?.channel(channelId);
      const latest = states.get(channelId) ?? null;
      const balance = onChain?.balance ?? BigInt(latest?.balance ?? '0');
      const claimed = onChain?.totalClaimed ?? 0n;
      const base = latest && BigInt(latest.charged) > claimed ? BigInt(latest.charged) : claimed;
      const price = read.terms.amount;

      await paying.reconcileOpen();
      const day = paying.policy.daySpend();
      const limits = paying.policy.limits;
      let ceiling = limits.maxPerSession < day.remaining ? limits.maxPerSession : day.remaining;
      if (cap !== null && cap < ceiling) ceiling = cap;
      const amount = depositFor(read, { wanted, ceiling });
      const terms = { ...read.terms, amount };
      const reservation = paying.policy.reserve(terms, { kind: 'session', cap }); // PolicyError: nothing signed
      const result = await deposit({
        channelId, channelConfig, offer: read.offer, resource: paymentRequired.resource ?? null, network, terms, url, request, reservation, balance, base, price,
        topUp,
      });
      return { result: { ...result, paymentRequired }, channelId };
    });
  }

  /**
   * Deposits `terms.amount` (reserved as `reservation`) on the channel with
   * the voucher for base + price, paying `url`'s request: the paying fetch's
   * result with `payment` the deposit. Write-ahead: the channel is `opening`
   * and the voucher on record before anything is signed; a lost answer leaves
   * it so until the chain settles it (channel_resume.js). A top-up keeps the
   * session that holds the channel (`sessionId`) and its scope.
   */
  async function deposit({
    channelId, channelConfig, offer, resource, network, terms, url, request, reservation, balance, base, price, sessionId = null, scope = null, topUp = null,
  }) {
    const { amount } = terms;
    const voucherAmount = base + price;
    let record;
    try {
      if (voucherAmount > balance + amount) {
        throw new PayError('ERR_CHANNEL_DEPOSIT', `a deposit of ${amount} base units does not cover one request of ${price} on channel ${shortChannelId(channelId)}; nothing was signed`);
      }
      const method = request.method ?? 'GET';
      record = paying.ledger.begin({
        ...callKey({ idempotencyKey: `channel-deposit:${randomUUID()}`, purpose: 'session', method, url, body: request.body }),
        explicitKey: true, kind: 'session', url, payUrl: url, method, payMethod: method, x402Version: 2, offer,
        network, asset: terms.asset, payTo: terms.payTo, amount, decimals: config.asset.decimals, reservation: reservation.toJSON(),
      });
    } catch (error) {
      reservation.release();
      throw error;
    }
    states.change(channelId, (current) => ({
      channelId, network, endpoint: url, config: channelConfig, offer, resource,
      price: price.toString(), refunds: [], holds: [], ...current,
      ...(current?.offer ? {} : { endpoint: url, offer, resource, price: price.toString() }), // a channel found on chain had none
      state: 'opening', prior: current?.state ?? null, balance: balance.toString(), charged: base.toString(),
      signed: (current && BigInt(current.signed) > voucherAmount ? BigInt(current.signed) : voucherAmount).toString(),
      sessionId, depositPaymentId: record.paymentId, depositAmount: amount.toString(),
      ...(sessionId === null ? { topUp: topUp === null ? null : topUp.toString(), sessionDeposits: amount.toString() }
        : { sessionDeposits: (BigInt(current.sessionDeposits ?? '0') + amount).toString() }),
    }));
    const validBefore = Math.floor(now() / 1000) + Math.min(offer.maxTimeoutSeconds, config.maxAuthorizationSeconds ?? DEFAULT_MAX_AUTHORIZATION_SECONDS);
    const signed = depositPayload({ signer, channelId, config: channelConfig, offer, deposit: amount, voucherAmount, validBefore });
    const header = paymentHeader(signed.payload, offer, resource);
    record = paying.ledger.signed(record.paymentId, { header, headerName: PAYMENT_HEADER, nonce: signed.nonce, validBefore, payer: paying.address });
    paying.ledger.sent(record.paymentId);
    let voucherAt = voucherAmount;
    let result = await send(url, request, header, scope);
    // The seller is further along this channel than our records (a lost or restored state directory):
    // its corrective 402, proven by this wallet's own signature (checkCorrection), gives its total, and
    // the same authorization goes once more with the voucher after it, written first as every voucher is.
    if (result.status === 402) {
      const verdict = checkCorrection(states.get(channelId), result.paymentRequired, paying.address);
      if (verdict.behindRecords && verdict.charged + price <= balance + amount) {
        voucherAt = verdict.charged + price;
        states.adopt(channelId, { charged: verdict.charged, signed: verdict.signed > voucherAt ? verdict.signed : voucherAt });
        const again = { ...signed.payload, voucher: voucherFields(signer, channelId, voucherAt, network) };
        result = await send(url, request, paymentHeader(again, offer, resource), scope);
      }
    }
    const settlement = result.status === null ? null : settlementOf(result);
    if (result.status >= 200 && result.status < 300 && settlement?.success === true && settlement.transaction) {
      record = paying.ledger.settled(record.paymentId, { transaction: settlement.transaction, network, payer: paying.address });
      const charged = chargedIn(settlement) ?? voucherAt;
      states.change(channelId, (current) => ({
        ...current, state: 'open', balance: (balance + amount).toString(),
        charged: (charged <= voucherAt ? charged : voucherAt).toString(),
        holds: [...current.holds, { id: reservation.id, day: reservation.day, paymentId: record.paymentId }],
      }));
    } else if (result.status !== null && result.status < 500) {
      // Refused: the ledger keeps the authorization open until the chain
      // shows it used, cancelled or expired (reconciliation.js).
      const reason = settlement?.errorReason ?? result.paymentRequired?.error;
      record = paying.ledger.refused(record.paymentId, `refused by the server: ${reason ? sellerText(reason) : `HTTP ${result.status}`}`) ?? paying.ledger.get(record.paymentId);
    }
    return { ...result, payment: paymentView(paying.ledger.get(record.paymentId)) };
  }

  /** The session now holds the channel it opened. */
  function attach(channelId, sessionId) {
    states.change(channelId, (current) => (current ? { ...current, sessionId } : undefined));
  }

  /**
   * A request within a channel session: {result, counted, refused: reason | null, voucher: amount | null,
   * payment}. `payment` is null (the deposit paid for it) unless a top-up was deposited with it: that
   * deposit's paymentView; `channel` says where it stands.
   */
  function call(session, url, request) {
    const { channelId } = session;
    const scope = { endpoint: session.endpoint, scope: session.scope };
    return serialized(channelId, async () => {
      // A top-up whose answer was lost: the chain settles it first.
      const known = states.get(channelId);
      if (known?.state === 'opening') await resumeOpening(channelId, known);
      try {
        return await voucherRequest(channelId, url, request, scope);
      } catch (error) {
        const record = states.get(channelId);
        if (error.code !== 'ERR_CHANNEL_EXHAUSTED' || !record.topUp) throw error;
        return topUpRequest(record, url, request, scope, session.sessionId);
      }
    });
  }

  /**
   * The session opted in (startSession's topUp): the next voucher would pass
   * the deposit, so `topUp` base units more are deposited on the same channel
   * with it (the scheme's deposit payload on an existing channel), within the
   * limits: the per-session limit counts all the session's deposits, the day
   * the top-up, reserved when made. PolicyError before anything is signed.
   */
  async function topUpRequest(record, url, request, scope, sessionId) {
    const amount = BigInt(record.topUp);
    const made = BigInt(record.sessionDeposits ?? '0');
    const sessionLimit = paying.policy.limits.maxPerSession;
    if (made + amount > sessionLimit) {
      throw new PolicyError('per_session', `Refused by the per_session rule: a top-up of ${amount} base units would bring this session's deposits to ${made + amount}, ` +
        `above the per-session limit (CLAWPAY_MAX_PER_SESSION) of ${sessionLimit}; nothing was signed. End the session (the rest is refunded) and start another`,
      { limit: sessionLimit, amount });
    }
    await paying.reconcileOpen();
    const terms = { network: record.network, asset: record.config.token, payTo: record.config.receiver, amount };
    const reservation = paying.policy.reserve(terms, { kind: 'session' }); // PolicyError: nothing signed
    const result = await deposit({
      channelId: record.channelId, channelConfig: record.config, offer: record.offer, resource: record.resource, network: record.network, terms, url, request,
      reservation, balance: BigInt(record.balance), base: BigInt(record.charged), price: BigInt(record.price), sessionId, scope,
    });
    const ok = states.get(record.channelId).state === 'open';
    // The top-up's payment (the ledger's view: settled, or refused with its authorization open) is the request's.
    return { result, counted: ok, refused: null, voucher: BigInt(record.charged) + BigInt(record.price), topUp: ok ? amount : null, payment: result.payment };
  }

  /** One request paid by the channel's next voucher (the caller holds the channel's lock). */
  async function voucherRequest(channelId, url, request, scope = null) {
    try {
      return await leasedRequest(channelId, url, request, scope);
    } finally {
      states.handOver(channelId);
    }
  }

  /** The next voucher, once no other process has one in flight on the channel (channel_state.js); bounded. */
  function leasedVoucher(channelId, request) {
    const ttlMs = (request.timeoutMs ?? DEFAULT_TIMEOUT_MS) + LEASE_MARGIN_MS;
    return awaitLease(channelId, ttlMs, () => states.nextVoucher(channelId, { ttlMs }));
  }

  async function leasedRequest(channelId, url, request, scope) {
    let result = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      const { record, amount } = await leasedVoucher(channelId, request);
      const header = paymentHeader(voucherPayload({ signer, channelId, config: record.config, network: record.network, amount }), record.offer, record.resource);
      result = await send(url, request, header, scope);
      if (result.status === null) return { result, counted: false, refused: null, voucher: amount };
      if (result.status === 402) {
        const verdict = checkCorrection(states.get(channelId), result.paymentRequired, paying.address);
        if (verdict.refused) {
          states.refuse(channelId, verdict.refused);
          return { result, counted: false, refused: verdict.refused, voucher: amount };
        }
        if (verdict.state === null) return { result, counted: false, refused: null, voucher: amount };
        resync(channelId, verdict);
        continue; // resynced: the next voucher builds on the server's total
      }
      const settlement = settlementOf(result);
      const ok = result.status >= 200 && result.status < 300 && settlement?.success === true;
      if (ok) states.confirm(channelId, chargedIn(settlement) ?? amount);
      return { result, counted: ok, refused: null, voucher: amount };
    }
    return { result, counted: false, refused: null, voucher: null };
  }

  const exits = createChannelWithdrawal({ paying, states, chain, network: config.network, exclusive: serialized, now });
  const { refund } = createChannelRefund({ paying, states, signer, chain, send, exclusive: serialized, resync, now });

  return {
    offered, open, attach, call, refund, get: states.get, list: states.list,
    /** The channels as listed (channel_withdrawal.js channelListing). */
    listing: exits.list,
    /** The timed withdrawal: initiates, waits or finalizes (channel_withdrawal.js). */
    withdraw: exits.withdraw,
    /** Writes the running totals confirmed since the last voucher (close it before the store). */
    flush: () => states.flushAll(),
  };
}
