// Making the state directory (CLAWPAY_STATE_DIR) where it is missing: each
// missing level in turn, mode 0700. Not mkdirSync's recursive mode: on
// Node 20 it never returns for a path under /proc (it loops on ENOENT).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Creates `dir` and any missing parents, 0700; true when it made any. Throws the mkdir error (ENOENT, ENOTDIR, EACCES …). */
export function makeStateDirectory(dir) {
  const missing = [];
  for (let level = dir; !existsSync(level) && dirname(level) !== level; level = dirname(level)) missing.unshift(level);
  for (const level of missing) mkdirSync(level, { mode: 0o700 });
  return missing.length > 0;
}
