// AGENT_PRIVATE_KEY_FILE: the agent's key read from a file instead of the
// environment (where every child process and `ps e` can see it). The file
// must be readable by its owner only — mode 0600 or stricter, as ssh demands
// of its keys — and hold 0x + 64 hex digits (a trailing newline is fine).
// Nothing of its content is ever put in a message.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

import { maybeSecret } from '../secret_text.js';

/** The longest file read: a key and some whitespace. */
const MAX_BYTES = 256;
const HEX_KEY = /^0x[0-9a-fA-F]{64}$/;

const named = (path) => (maybeSecret(path) ? 'AGENT_PRIVATE_KEY_FILE (whose path holds a run of 64 hex digits, not shown)' : `AGENT_PRIVATE_KEY_FILE ${path}`);

/** {key} from the file at `path`, or {problem}: a message naming the path and what is wrong, never the content. */
export function readKeyFile(path) {
  let fd;
  try {
    // O_NOFOLLOW: the mode checked is the key file's own, not a link's target elsewhere.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const why = error.code === 'ENOENT' ? 'does not exist' : error.code === 'ELOOP' ? 'is a symbolic link (give the file itself)' : `cannot be read (${error.code ?? 'error'})`;
    return { problem: `${named(path)} ${why}` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { problem: `${named(path)} is not a regular file` };
    const mode = stat.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      return { problem: `${named(path)} has mode ${mode.toString(8).padStart(4, '0')}: others can read it; it must be 0600 or stricter (chmod 600 the file)` };
    }
    const buffer = Buffer.alloc(MAX_BYTES + 1);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, length).toString('latin1').trim();
    buffer.fill(0);
    if (length > MAX_BYTES || !HEX_KEY.test(text)) return { problem: `${named(path)} must hold 0x + 64 hex digits and nothing else (the content is not shown)` };
    return { key: text };
  } finally {
    closeSync(fd);
  }
}
