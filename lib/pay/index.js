// The buyer side: configuration, spend policy, payment ledger and the paying
// fetch that the clawpay-mcp server (lib/mcp/) and Node agents build on.
export { ConfigError, describeConfig, loadConfig } from './config.js';
export { KNOWN_CHAINS } from './config_asset.js';
export { DEFAULT_LIMITS } from './config_policy.js';
export { DEFAULT_MAX_AUTHORIZATION_SECONDS, DEFAULT_TIMEOUT_MS, MAX_AUTHORIZATION_SECONDS, MIN_AUTHORIZATION_SECONDS } from '../limits.js';
export { PolicyError, Reservation, RULES, SpendPolicy, parseCallCap, utcDay } from './policy.js';
export { PaymentLedger, callKey } from './payment_ledger.js';
export { createPayer, METHODS } from './payer.js';
export { openPayStore, RECORDS_FILE } from './store.js';
export { PayError } from './errors.js';
export { formatUnits, parseBaseUnits, parseDecimalUnits } from './amount.js';
export { PAYMENT_REQUIRED_LIMITS, SESSION_EXTRA, isSessionOffer, parsePaymentRequired } from './payment_required.js';
export { createChainReader } from './chain_reader.js';
