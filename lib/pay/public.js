// clawpay-native/pay: what a Node agent imports to pay with x402 and buy
// ClawPay sessions (the same state and rules as clawpay-mcp).
export { createPayer } from './agent_payer.js';
export { ConfigError, loadConfig } from './config.js';
export { PayError } from './errors.js';
export { mcpSessionFetch } from './mcp_session_fetch.js';
export { PolicyError } from './policy.js';
export { formatUnits, parseDecimalUnits } from './amount.js';
