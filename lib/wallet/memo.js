// A send's memo: kept locally (never on chain) and shown back in tool
// results, so it is short plain text.
import { maybeSecret } from '../secret_text.js';
import { walletError } from './errors.js';

export const MAX_MEMO_LENGTH = 200;

/** The memo, or null when there is none; throws ERR_WALLET_INPUT for one that is too long or holds control characters. */
export function checkMemo(memo) {
  if (memo === undefined || memo === null || memo === '') return null;
  if (typeof memo !== 'string') throw walletError('ERR_WALLET_INPUT', `memo must be text; got a ${typeof memo}`);
  if (memo.length > MAX_MEMO_LENGTH) throw walletError('ERR_WALLET_INPUT', `memo has ${memo.length} characters; at most ${MAX_MEMO_LENGTH}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(memo)) throw walletError('ERR_WALLET_INPUT', 'memo must not contain control characters');
  // A memo is kept and shown back: text that could be a key is never stored.
  if (maybeSecret(memo)) throw walletError('ERR_WALLET_INPUT', 'memo holds what looks like a private key (a run of 64 hex digits); it is not kept or shown');
  return memo;
}
