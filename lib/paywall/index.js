// clawpay-native/paywall: the sell side. x402 payments and ClawPay sessions
// for node:http / Express routes and for MCP tools, settled through any
// facilitator and recorded in the paywall's store: a durable receipt ledger
// (one machine) or Redis (replicas).
export { createPaywall } from './middleware.js';
export { DEFAULT_REPLAY_TTL_SECONDS, PaymentEngine } from './engine.js';
export { PAYMENT_IDENTIFIER_MEMORY_MS } from './payment_identifier.js';
export { SessionGate, SESSION_HEADER, RECEIPT_MAX_AGE_MS } from './session_gate.js';
export { createSiwxGate, SIWX_ERRORS, SIWX_HEADER } from './siwx.js';
export { paidTool, createPaidMcpHttpHandler, PAYMENT_META_KEY, PAYMENT_REQUIRED_META_KEY, PAYMENT_RESPONSE_META_KEY } from './mcp.js';
export { normalizeRoute } from './route.js';
export { SESSION_EXTRA } from './offers.js';
export { ReceiptLedger, formatReceipts } from '../receipt_ledger.js';
export { redisStore } from './redis_store.js';
export { FileChannels } from './file_channels.js';
export { RedisChannels } from './redis_channel_storage.js';
export { journalStore } from './journal_store.js';
export { STORE_OPERATIONS } from './store.js';
