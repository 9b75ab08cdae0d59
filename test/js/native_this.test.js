// Native methods called on a foreign `this` (reachable by loading the addon
// directly) must throw, never reinterpret another object's native state.
import assert from 'node:assert/strict';
import test from 'node:test';

import { native } from '../../lib/native.js';

// V8 itself refuses most foreign receivers ("Illegal invocation", from the
// class signature napi_define_class sets); the addon's own type-tag check
// (ERR_INVALID_THIS) stands behind it. Either way: a TypeError, no crash.
const refused = (e) => e instanceof TypeError && (e.code === 'ERR_INVALID_THIS' || /Illegal invocation/.test(e.message));

test('native methods refuse a `this` of another native class or a plain object', () => {
  const signer = new native.NativeSigner();
  const store = new native.SessionStore();
  const hash = new Uint8Array(32).fill(1);
  for (const foreign of [store, {}, Object.create(native.NativeSigner.prototype)]) {
    assert.throws(() => native.NativeSigner.prototype.signHash.call(foreign, hash), refused);
    assert.throws(() => native.NativeSigner.prototype.destroy.call(foreign), refused);
  }
  for (const foreign of [signer, {}]) {
    assert.throws(() => native.SessionStore.prototype.get.call(foreign, 'x'), refused);
    assert.throws(() => native.SessionStore.prototype.close.call(foreign), refused);
  }
  // The real objects still work.
  assert.match(signer.signHash(hash), /^0x[0-9a-f]{130}$/);
  assert.equal(store.get('x'), null);
});
