// Helpers the store tests share: scratch directories and error matchers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the OS temp dir, removed after test `t`. */
export function tempDir(t, prefix = 'clawpay-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** For assert.throws: an ErrorClass with this `code` whose message includes `text` (when given). */
export const hasCode = (ErrorClass, code, text) => (error) => {
  assert.ok(error instanceof ErrorClass, `${error} is a ${ErrorClass.name}`);
  assert.equal(error.code, code, error.message);
  if (text) assert.ok(error.message.includes(text), `"${error.message}" names ${text}`);
  return true;
};
