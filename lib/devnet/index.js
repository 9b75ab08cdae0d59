// clawpay-native/devnet: the local x402 world (anvil, an EIP-3009 "USD Coin",
// an AgentAccountV2 agent wallet, the official facilitator, a paid API and a
// paid MCP server) as a library.
export { startWorld, describeWorld, PAYER_FUNDS, AGENT_WALLET_FUNDS } from './world.js';
export { startChain } from './chain.js';
export { deployUsdCoin, mintUsdCoin, usdcBalance, installMulticall3 } from './token.js';
export { BATCH_SETTLEMENT_ADDRESS, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, installBatchSettlement } from './batch_settlement.js';
export {
  deployAgentWalletSystem, createAgentWallet, ownerCall, compileAgentWalletSystem,
  DEFAULT_USDC_POLICY, DEFAULT_ETH_POLICY,
} from './agent_wallet.js';
export { startFacilitator } from './facilitator.js';
export { PER_CALL_PRICE, SESSION_PRICE, SESSION_TTL_SECONDS } from './paywall_server.js';
