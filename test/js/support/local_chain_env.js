// The test identity the unit suites share: a fixed key (never funded
// anywhere), a token and a payee at the addresses the devnet deploys to, and
// the environment of a payer on a local chain (31337) whose RPC is never
// dialled.
export const TEST_KEY = `0x${'4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'}`;
export const LOCAL_TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
export const PAY_TO = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';

/** loadConfig's environment for a payer of LOCAL_TOKEN on chain 31337; `extra` adds or overrides. */
export const localChainEnv = (extra = {}) => ({
  AGENT_PRIVATE_KEY: TEST_KEY,
  CHAIN_ID: '31337',
  RPC_URL: 'http://127.0.0.1:1',
  CLAWPAY_ASSET_ADDRESS: LOCAL_TOKEN,
  CLAWPAY_ASSET_NAME: 'USD Coin',
  CLAWPAY_ASSET_VERSION: '2',
  CLAWPAY_ASSET_DECIMALS: '6',
  CLAWPAY_V1_NETWORK: 'devnet-31337',
  CLAWPAY_STATE_DIR: '/tmp/clawpay-unused',
  ...extra,
});
