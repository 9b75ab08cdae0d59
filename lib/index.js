// clawpay-native: the public API.
export { Signer } from './signer.js';
export { toViemAccount } from './viem_account.js';
export {
  keccak256,
  hashMessage,
  hashTypedData,
  recoverAddress,
  recoverMessageAddress,
  recoverTypedDataAddress,
  getAddress,
} from './hashing.js';
export {
  buildSessionToken,
  decodeSessionToken,
  verifySessionToken,
  verifySessionTokens,
  TOKEN_REASONS,
} from './session_token.js';
export { normalizeUrl, scopeCovers } from './url_scope.js';
export { SessionCache } from './session_cache.js';
export { ReceiptLedger, formatReceipts } from './receipt_ledger.js';
export { RecordStore } from './record_store.js';
