// rememberLast: the last answer of a pure function of one string is kept;
// a throwing call keeps nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { rememberLast } from '../../lib/remember_last.js';

test('rememberLast answers a repeated key from its last answer, computes a new key, and keeps nothing from a call that throws', () => {
  const calls = [];
  const parse = rememberLast((text) => {
    calls.push(text);
    if (text === 'bad') throw new Error('bad input');
    return { text };
  });
  const a = parse('a');
  assert.equal(parse('a'), a, 'the same object for the same key');
  assert.deepEqual(calls, ['a']);
  assert.deepEqual(parse('b'), { text: 'b' });
  assert.throws(() => parse('bad'), /bad input/);
  assert.throws(() => parse('bad'), /bad input/, 'a failure is computed again, not kept');
  assert.deepEqual(parse('b'), { text: 'b' });
  assert.deepEqual(calls, ['a', 'b', 'bad', 'bad']);
  const first = rememberLast(() => 'first');
  assert.equal(first(undefined), 'first', 'an undefined key is a key like any other');
});
