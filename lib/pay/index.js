// The buyer side: configuration, spend policy, payment ledger and the paying
// fetch that the clawpay-mcp server (lib/mcp/) and Node agents build on.
export {
  ConfigError, DEFAULT_LIMITS, DEFAULT_MAX_AUTHORIZATION_SECONDS, KNOWN_CHAINS, MAX_AUTHORIZATION_SECONDS, MIN_AUTHORIZATION_SECONDS, describeConfig, loadConfig,
} from './config.js';
export { PolicyError, Reservation, RULES, SpendPolicy, parseCallCap, utcDay } from './policy.js';
export { PaymentLedger, callKey } from './payment_ledger.js';
export { createPayer, METHODS } from './payer.js';
export { DEFAULT_TIMEOUT_MS } from '../limits.js';
export { MemoryStore } from './memory_store.js';
export { openPayStore, RECORDS_FILE } from './store.js';
export { PayError } from './errors.js';
export { formatUnits, parseBaseUnits, parseDecimalUnits } from './amount.js';
export { PAYMENT_REQUIRED_LIMITS, SESSION_EXTRA, isSessionOffer, parsePaymentRequired } from './offers.js';
export { createChainReader } from './chain_reader.js';
