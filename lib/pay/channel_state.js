// A buyer's channels, durable in the payer's RecordStore (pay.records in the
// state directory, beside sessions.journal) as `channel/<channelId>`:
//
//   {channelId, network, endpoint, config, offer, resource, price,
//    state: 'opening' | 'open' | 'closed' | 'refused',   (opening: a deposit sent, its
//           outcome unknown — the chain settles it before anything new is signed, channel_resume.js;
//           prior: the state to go back to when it provably did not land)
//    balance   what the channel holds for us as we know it (deposits − refunds)
//    signed    the highest cumulative voucher ever given (written BEFORE it is sent)
//    charged   the server's running total as last confirmed
//    sessionId, holds: [{id, day}] (the deposits' budget reservations), refusal, refunds}
//
// The rules a crash cannot break: a voucher is recorded (fdatasync'ed, under
// the store's cross-process lock) before it leaves the process, and the next
// one is `charged + price`, refused when that is below `signed` (never a
// voucher below one given) or above `balance` (never above the deposit).
// A corrective 402's state is accepted only within what we signed, or what
// this wallet's own signature in it proves it signed (checkCorrection).
// The server's confirmed total is kept in memory and written with the next
// voucher's record (one fdatasync per request, not two): lost in a crash, it
// costs one resync with the seller (the same voucher again, then its
// corrective 402), never a voucher below one given.
//
// Processes sharing a channel (two buyers on one state directory) take turns:
// the voucher's write also takes the channel's in-flight lease (inFlight:
// {owner, pid, until}); another process finding it held by a live process
// records itself as waiting and polls. The holder, once its answer is in,
// hands the lease over with its confirmed total written (handOver) — only when
// someone waits, so a lone process still writes once per request. A lease
// ends by itself at `until` (the request's timeout and a margin) or when its
// process is gone.
//
// A holder between requests is idle, not mid-request: a newcomer must not
// wait for `until`. Releasing the lease after each answer would be a second
// fdatasync per voucher; instead the idle holder watches its record (a read:
// the journal caught up, no lock, nothing written) every IDLE_WATCH_MS until
// its lease ends, and hands the lease over as soon as someone is in line. The
// watch stops when this process takes the lease for its next request, loses
// it, or closes (flushAll gives up what it still holds).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { recoverVoucherSigner } from '../channels/voucher.js';
import { DEFAULT_TIMEOUT_MS } from '../limits.js';
import { sameAddress } from '../hashing.js';
import { processAlive } from '../process_alive.js';
import { PayError } from './errors.js';
import { whereOf } from './channel_payload.js';
import { CHANNEL_SCHEME } from './channel_offer.js';

const PREFIX = 'channel/';
const UINT = /^(0|[1-9][0-9]{0,38})$/;
/** A channel id as messages show it: 8 hex digits (never a 64-hex-digit run). */
export const shortChannelId = (channelId) => `${channelId.slice(0, 10)}…`;

/**
 * A channel record's amounts, bigint: deposit (what it holds for us),
 * charged (the seller's total), signed, remaining (deposit − charged, never
 * below 0), refunded (all refunds and withdrawals).
 */
export function channelAmounts(record) {
  const deposit = BigInt(record.balance);
  const charged = BigInt(record.charged);
  return {
    deposit,
    charged,
    signed: BigInt(record.signed),
    remaining: deposit > charged ? deposit - charged : 0n,
    refunded: record.refunds.reduce((sum, refund) => sum + BigInt(refund.amount), 0n),
  };
}

/** How long a lease on a channel lasts past its request's timeout, unless handed over sooner. */
export const LEASE_MARGIN_MS = 5_000;
const DEFAULT_LEASE_MS = DEFAULT_TIMEOUT_MS + LEASE_MARGIN_MS;
const LEASE_POLL_MS = 10;
const IDLE_WATCH_MS = 20;

/**
 * `take()` (nextVoucher or lease, for `ttlMs`) until the lease is ours,
 * polling; ERR_CHANNEL_BUSY (nothing signed) once another process has held
 * it past its own lease's time and a margin.
 */
export async function awaitLease(channelId, ttlMs, take) {
  const deadline = Date.now() + ttlMs + LEASE_MARGIN_MS;
  for (;;) {
    const taken = take();
    if (!taken.busy) return taken;
    if (Date.now() >= deadline) {
      throw new PayError('ERR_CHANNEL_BUSY', `channel ${shortChannelId(channelId)}: another process has had a voucher or refund in flight on it for over ${Math.round(ttlMs / 1000)} s; nothing was signed. Retry shortly`);
    }
    await sleep(LEASE_POLL_MS);
  }
}

export function createChannelStates({ store, now = Date.now }) {
  // This process's name on the channels' in-flight leases.
  const owner = `${process.pid}/${randomUUID()}`;
  // channel id (lower case) → the timer watching an idle lease of ours for a newcomer.
  const watches = new Map();
  const idOf = (channelId) => `${PREFIX}${channelId.toLowerCase()}`;
  // channel id (lower case) → the server's running total confirmed since the record was last written.
  const confirmed = new Map();
  const withConfirmed = (record) => {
    const charged = record ? confirmed.get(record.channelId.toLowerCase()) : undefined;
    return charged === undefined ? record : { ...record, charged: charged.toString() };
  };
  const get = (channelId) => withConfirmed(store.get(idOf(channelId)));

  /** An update of the record as this process knows it (the confirmed total included, and then written). */
  function change(channelId, fn) {
    const written = store.update(idOf(channelId), (current) => {
      const next = fn(current ? withConfirmed(current) : current);
      return next === undefined ? undefined : { ...next, updatedAt: now() };
    });
    confirmed.delete(channelId.toLowerCase());
    return written;
  }

  /**
   * The channel's in-flight lease taken for this process (see above) until
   * `ttlMs` from now, with `fn(current)`'s changes to the open record written
   * in the same update (fn may throw: nothing is written). {record}, or
   * {busy: true} (nothing written but this process recorded as waiting)
   * while another live process holds it. ERR_CHANNEL_CLOSED when not open.
   */
  function takeLease(channelId, ttlMs, fn) {
    unwatch(channelId);
    let busy = false;
    const record = store.update(idOf(channelId), (raw) => {
      const t = Date.now();
      const live = (lease) => Boolean(lease) && lease.until > t && processAlive(lease.pid);
      const held = raw?.inFlight;
      const ours = held?.owner === owner;
      const waiting = raw?.waiting;
      // Held by another live process, or free with another process first in line: our turn comes after.
      if (!ours && (live(held) || (waiting?.owner !== owner && live(waiting)))) {
        busy = true;
        if (live(waiting)) return undefined; // in line already (we, or another before us)
        return { ...raw, waiting: { owner, pid: process.pid, until: t + ttlMs }, updatedAt: now() };
      }
      // Our confirmed total counts only while the lease stayed ours; else the record's, as its last holder wrote it.
      const current = ours || !held ? withConfirmed(raw) : raw;
      if (!current || current.state !== 'open') {
        throw new PayError('ERR_CHANNEL_CLOSED', `channel ${shortChannelId(channelId)} is ${current?.state ?? 'unknown'}: nothing more is signed on it`);
      }
      return {
        ...current, ...fn(current),
        inFlight: { owner, pid: process.pid, until: t + ttlMs }, waiting: current.waiting?.owner === owner ? null : current.waiting ?? null, updatedAt: now(),
      };
    });
    confirmed.delete(channelId.toLowerCase());
    return busy ? { busy: true } : { record };
  }

  /**
   * The next voucher's amount, recorded as signed before it is made:
   * charged + price, with the channel's lease (takeLease). {record, amount},
   * or {busy: true} (nothing signed). Throws ERR_CHANNEL_CLOSED,
   * ERR_CHANNEL_EXHAUSTED (above the balance) or ERR_CHANNEL_STATE (below a
   * voucher already given).
   */
  function nextVoucher(channelId, { ttlMs = DEFAULT_LEASE_MS } = {}) {
    let amount = null;
    const taken = takeLease(channelId, ttlMs, (current) => {
      const next = BigInt(current.charged) + BigInt(current.price);
      if (next < BigInt(current.signed)) {
        throw new PayError('ERR_CHANNEL_STATE', `channel ${shortChannelId(channelId)}: the next voucher (${next}) would be below one already given (${current.signed}); nothing was signed`);
      }
      if (next > BigInt(current.balance)) {
        throw new PayError('ERR_CHANNEL_EXHAUSTED', `channel ${shortChannelId(channelId)}: a voucher for ${next} base units would be above its balance of ${current.balance}; ` +
          'end the session (the rest is refunded) and start another. Nothing was signed');
      }
      amount = next;
      return { signed: (next > BigInt(current.signed) ? next : BigInt(current.signed)).toString() };
    });
    return taken.busy ? taken : { record: taken.record, amount };
  }

  /** The channel's lease for a refund (takeLease, nothing else written): {record} or {busy: true}. */
  const lease = (channelId, { ttlMs = DEFAULT_LEASE_MS } = {}) => takeLease(channelId, ttlMs, () => ({}));

  /**
   * The answer to this process's voucher is in: when another process waits
   * for the channel, the lease goes to it with the confirmed total written
   * (one more write); alone, nothing is written and the lease stays ours,
   * watched for a newcomer while idle (see above).
   */
  function handOver(channelId) {
    let ours = false;
    const handed = giveUp(channelId, (raw) => {
      ours = raw.inFlight.until > Date.now();
      return ours && someoneWaits(raw);
    });
    if (!handed && ours) watch(channelId);
  }

  /**
   * Gives this process's lease on the channel up, written with the confirmed
   * total, when `when(raw)` holds for its record (held by us); whether it wrote.
   */
  function giveUp(channelId, when) {
    unwatch(channelId);
    let wrote = false;
    store.update(idOf(channelId), (raw) => {
      if (raw?.inFlight?.owner !== owner || !when(raw)) return undefined;
      wrote = true;
      return { ...withConfirmed(raw), inFlight: null, updatedAt: now() };
    });
    if (wrote) confirmed.delete(channelId.toLowerCase());
    return wrote;
  }

  const someoneWaits = (raw) => {
    const waiting = raw?.waiting;
    return Boolean(waiting) && waiting.owner !== owner && waiting.until > Date.now() && processAlive(waiting.pid);
  };

  function unwatch(channelId) {
    const key = channelId.toLowerCase();
    clearInterval(watches.get(key));
    watches.delete(key);
  }

  /** Watches this process's idle lease on the channel (see above); unref'd: it keeps no process alive. */
  function watch(channelId) {
    unwatch(channelId);
    const timer = setInterval(() => {
      try {
        const raw = store.get(idOf(channelId));
        if (raw?.inFlight?.owner !== owner || raw.inFlight.until <= Date.now()) unwatch(channelId);
        else if (someoneWaits(raw)) handOver(channelId);
      } catch {
        unwatch(channelId); // the store closed under it: the lease ends by itself
      }
    }, IDLE_WATCH_MS);
    timer.unref();
    watches.set(channelId.toLowerCase(), timer);
  }

  /** Gives this process's lease up now, written (after a refund: nobody should wait for a closed channel). */
  const release = (channelId) => { giveUp(channelId, () => true); };

  /** The server confirmed its running total `charged` (within what we signed): kept until the next write. */
  function confirm(channelId, charged) {
    const current = store.get(idOf(channelId));
    if (!current || charged > BigInt(current.signed)) return;
    if (current.charged === charged.toString()) confirmed.delete(channelId.toLowerCase());
    else confirmed.set(channelId.toLowerCase(), charged);
  }

  /**
   * Our records are behind a voucher this wallet is proven to have signed
   * (checkCorrection's behindRecords): `signed` and the server's `charged`
   * written at once, since they say what we signed.
   */
  function adopt(channelId, { charged, signed }) {
    return change(channelId, (current) => (current ? {
      ...current, charged: charged.toString(), signed: (signed > BigInt(current.signed) ? signed : BigInt(current.signed)).toString(),
    } : undefined));
  }

  /** Writes what is only in memory (before a refund, at close). */
  function flush(channelId) {
    if (confirmed.has(channelId.toLowerCase())) change(channelId, (current) => current ?? undefined);
  }

  /** Closes the channel as refused by its seller: nothing more is signed on it. */
  function refuse(channelId, reason) {
    return change(channelId, (current) => (current ? { ...current, state: 'refused', refusal: { at: now(), reason } } : undefined));
  }

  return {
    get, change, nextVoucher, lease, handOver, release, confirm, adopt, flush, refuse,
    list: () => store.list(PREFIX).map(({ value }) => withConfirmed(value)),
    /** Before the store closes: the idle leases given up (written with the confirmed totals), the other totals written. */
    flushAll: () => {
      for (const id of [...watches.keys()]) {
        unwatch(id);
        release(id);
      }
      for (const id of [...confirmed.keys()]) flush(id);
    },
  };
}

/**
 * A 402 answered to our voucher, judged: {state: null} when it carries no
 * channel state for batch-settlement; {refused: reason} when its state is
 * not for our channel, claims more than we signed, or carries a signature
 * that is not ours for the amount it names; else {charged} to resync to.
 */
export function checkCorrection(record, paymentRequired, payer) {
  const offer = paymentRequired?.accepts?.find?.((accept) => accept?.scheme === CHANNEL_SCHEME && accept?.extra?.channelState);
  if (!offer) return { state: null };
  const { channelState, voucherState } = offer.extra;
  const short = shortChannelId(record.channelId);
  if (typeof channelState.channelId !== 'string' || channelState.channelId.toLowerCase() !== record.channelId.toLowerCase()) {
    return { refused: `the seller's corrective 402 is for another channel than ${short}` };
  }
  const chargedText = channelState.chargedCumulativeAmount;
  if (typeof chargedText !== 'string' || !UINT.test(chargedText)) return { refused: 'the seller\'s corrective 402 names no readable charged amount' };
  const charged = BigInt(chargedText);
  const signed = BigInt(record.signed);
  // The voucher it carries, when it carries one: it must be this wallet's own, for at least what it charges.
  let vouched = null;
  if (voucherState?.signature !== undefined || voucherState?.signedMaxClaimable !== undefined) {
    const amount = voucherState.signedMaxClaimable;
    if (typeof amount !== 'string' || !UINT.test(amount) || BigInt(amount) < charged) {
      return { refused: `the seller's corrective 402 carries a voucher amount (${String(amount).slice(0, 40)}) below what it charged` };
    }
    let signer;
    try {
      signer = recoverVoucherSigner({ channelId: record.channelId, maxClaimableAmount: amount, signature: voucherState.signature }, whereOf(record.network));
    } catch {
      signer = null;
    }
    if (!signer || !sameAddress(signer, payer)) {
      return { refused: `the seller's corrective 402 carries a voucher for ${amount} on channel ${short} that this wallet did not sign` };
    }
    vouched = BigInt(amount);
  }
  const known = vouched !== null && vouched > signed ? vouched : signed;
  // Only one request is in flight per channel: an honest server is at most one voucher behind.
  const behind = charged + BigInt(record.price) < known
    ? { refused: `the seller's running total ${charged} on channel ${short} is more than one request behind the ${known} signed; the next voucher would be below one given` }
    : null;
  if (charged > signed || (vouched !== null && vouched > signed)) {
    if (vouched === null) {
      return { refused: `the seller claims ${charged} base units charged on channel ${short}, more than the ${signed} this wallet ever signed` };
    }
    if (behind) return behind;
    // This wallet did sign that much, and its records say less: they were lost or restored from an
    // older copy (a new state directory with the same key). The seller may claim it with our
    // signature anyway; the records catch up to it (adopt) rather than refuse a channel that holds our deposit.
    return { charged, signed: vouched, behindRecords: true };
  }
  return behind ?? { charged };
}
