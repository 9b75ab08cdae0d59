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
  recoverSessionToken,
  verifySessionTokens,
  TOKEN_REASONS,
} from './session_token.js';
export { normalizeUrl, scopeCovers } from './url_scope.js';
export { SessionStore } from './session_store.js';
// The name before 0.2: one concept, one name through src/, binding/, lib/.
export { SessionStore as SessionCache } from './session_store.js';
export { ReceiptLedger, formatReceipts } from './receipt_ledger.js';
export { RecordStore } from './record_store.js';
export {
  BATCH_SETTLEMENT_ADDRESS,
  voucherDigest,
  signVoucher,
  recoverVoucherSigner,
  channelIdOf,
} from './channels/voucher.js';
export { VoucherVerifier, VOUCHER_REASONS, VOUCHER_INVALID_REASONS } from './channels/voucher_verifier.js';
