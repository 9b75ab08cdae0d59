// viem's SignableMessage: a string (signed as its UTF-8 bytes) or
// {raw: hex | Uint8Array}. Strings go to native code as they are; the
// binding encodes them exactly as TextEncoder does.
import { toBytes } from './bytes.js';
import { invalidArg } from './validate.js';

export function messageArg(message, name = 'message') {
  if (typeof message === 'string') return message;
  if (message !== null && typeof message === 'object' && 'raw' in message) {
    return toBytes(message.raw, `${name}.raw`);
  }
  throw invalidArg('a string or {raw: hex | Uint8Array}', name, message);
}
