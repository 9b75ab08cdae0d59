// lib/pay/deadline.js: an exchange's deadline, the signal undici is given:
// aborts at its time with a TimeoutError, or with the caller's own reason
// when the caller's signal aborts; clear() disarms it; the AbortSignal asked
// of it says the same. Timed by events, not by the clock.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import test from 'node:test';

import { Deadline, abortSignalOf } from '../../lib/pay/deadline.js';

test('a deadline aborts with a TimeoutError, once, and its AbortSignal follows', async () => {
  const deadline = new Deadline(5);
  const signal = deadline.abortSignal();
  let aborts = 0;
  deadline.on('abort', () => { aborts += 1; });
  // The deadline's timer is unref'd (it must not hold a process open), so
  // while nothing else is pending Node could end the test file before it
  // fires: a ref'd timer keeps the loop alive for the wait.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    await once(signal, 'abort');
  } finally {
    clearInterval(keepAlive);
  }
  assert.equal(deadline.aborted, true);
  assert.equal(deadline.reason.name, 'TimeoutError');
  assert.equal(signal.reason, deadline.reason);
  assert.equal(aborts, 1);
  assert.equal(deadline.abortSignal(), signal, 'one AbortSignal, made once');
});

test('the caller\'s signal aborts it with the caller\'s reason, before or after it is made', () => {
  const caller = new AbortController();
  const deadline = new Deadline(60_000, caller.signal);
  assert.equal(deadline.aborted, false);
  const why = new Error('caller gave up');
  caller.abort(why);
  assert.equal(deadline.aborted, true);
  assert.equal(deadline.reason, why);
  assert.equal(deadline.abortSignal().aborted, true);
  assert.equal(deadline.abortSignal().reason, why);

  const early = new AbortController();
  early.abort('already');
  const late = new Deadline(60_000, early.signal);
  assert.equal(late.aborted, true);
  assert.equal(late.reason, 'already');
});

test('clear() disarms it: neither the timer nor the caller\'s signal aborts it afterwards', async () => {
  const caller = new AbortController();
  const deadline = new Deadline(1, caller.signal);
  deadline.clear();
  caller.abort(new Error('too late'));
  // A later timer of the same length has fired by the time this one resolves.
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(deadline.aborted, false);
});

test('abortSignalOf gives a transport an AbortSignal for a deadline, and passes anything else through', () => {
  const deadline = new Deadline(60_000);
  assert.ok(abortSignalOf(deadline) instanceof AbortSignal);
  const plain = new AbortController().signal;
  assert.equal(abortSignalOf(plain), plain);
  assert.equal(abortSignalOf(undefined), undefined);
  deadline.clear();
});
