// The name of one logical send, as the durable sender keys its records
// (tx_sender.js): a hash of the parts that make two calls the same send, so
// the same call repeated after a crash or a lost answer resumes its
// transaction instead of signing another.
import { sha256Hex } from '../hashing.js';

/** sha256 (hex) of the JSON of `parts`: e.g. ['key-send', chainId, from, to, token, units, memo]. */
export function sendKey(parts) {
  return sha256Hex(JSON.stringify(parts));
}
