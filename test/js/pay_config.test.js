// loadConfig: ClawPay 1.1's variables and defaults, the asset and v1 network
// per chain, the state directory, the spend policy from env and file, exact
// decimal amounts, and one ERR_CONFIG problem per bad variable that never
// shows a secret.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import test from 'node:test';

import { Signer, getAddress } from '../../lib/index.js';
import { ConfigError, describeConfig, loadConfig } from '../../lib/pay/config.js';
import { formatUnits, parseDecimalUnits } from '../../lib/pay/amount.js';

// A fixed test key (never funded anywhere) and its address.
const KEY = `0x${'4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'}`;
const KEY_ADDRESS = (() => {
  const signer = Signer.fromPrivateKey(KEY);
  const { address } = signer;
  signer.destroy();
  return address;
})();
const WALLET = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const BASE_USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const LOCAL_TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

const base = (extra = {}) => ({ AGENT_PRIVATE_KEY: KEY, AGENT_WALLET_ADDRESS: WALLET, HOME: '/home/agent', ...extra });

const devnet = (extra = {}) => base({
  CHAIN_ID: '31337',
  RPC_URL: 'http://127.0.0.1:8545',
  CLAWPAY_ASSET_ADDRESS: LOCAL_TOKEN,
  CLAWPAY_ASSET_NAME: 'USD Coin',
  CLAWPAY_ASSET_VERSION: '2',
  CLAWPAY_ASSET_DECIMALS: '6',
  CLAWPAY_V1_NETWORK: 'devnet-31337',
  ...extra,
});

function problemsOf(env) {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'ERR_CONFIG');
    return error;
  }
  assert.fail('loadConfig accepted a bad configuration');
}

test('the two required variables alone give Base mainnet with USDC and safe limits', () => {
  const config = loadConfig(base());
  assert.equal(config.chainId, 8453);
  assert.equal(config.network, 'eip155:8453');
  assert.equal(config.v1Network, 'base');
  assert.equal(config.rpcUrl, 'https://mainnet.base.org');
  assert.deepEqual({ ...config.asset }, { address: BASE_USDC, name: 'USD Coin', version: '2', decimals: 6, symbol: 'USDC' });
  assert.equal(config.walletAddress, WALLET);
  assert.equal(config.agentAddress, KEY_ADDRESS);
  assert.equal(config.sessionTtlSeconds, 3600);
  assert.equal(config.stateDir, '/home/agent/.local/state/clawpay');
  assert.equal(config.factoryAddress, null);
  assert.equal(config.nftContractAddress, null);
  assert.equal(config.policy.maxPerCall, 1_000_000n);
  assert.equal(config.policy.maxPerSession, 5_000_000n);
  assert.equal(config.policy.maxPerDay, 20_000_000n);
  assert.equal(config.policy.allowedPayees, null);
  assert.deepEqual([...config.policy.allowedAssets], [BASE_USDC]);
  assert.deepEqual([...config.policy.allowedNetworks], ['eip155:8453']);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.policy) && Object.isFrozen(config.asset));
});

test('Base Sepolia has its own USDC, RPC and v1 name', () => {
  const config = loadConfig(base({ CHAIN_ID: '84532' }));
  assert.equal(config.rpcUrl, 'https://sepolia.base.org');
  assert.equal(config.v1Network, 'base-sepolia');
  assert.deepEqual({ ...config.asset }, { address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', name: 'USDC', version: '2', decimals: 6, symbol: 'USDC' });
});

test('the devnet mcpEnv configures a local chain completely', () => {
  const config = loadConfig(devnet());
  assert.equal(config.chainId, 31337);
  assert.equal(config.network, 'eip155:31337');
  assert.equal(config.v1Network, 'devnet-31337');
  assert.equal(config.rpcUrl, 'http://127.0.0.1:8545');
  assert.equal(config.asset.address, LOCAL_TOKEN);
  assert.equal(config.asset.name, 'USD Coin');
  assert.deepEqual([...config.policy.allowedAssets], [LOCAL_TOKEN]);
  assert.deepEqual([...config.policy.allowedNetworks], ['eip155:31337']);
});

test('the private key never shows: not in JSON, inspect, spreads, or any error', () => {
  const config = loadConfig(base());
  assert.equal(config.privateKey, KEY);
  assert.ok(!JSON.stringify(config).includes(KEY.slice(2, 20)));
  assert.deepEqual(JSON.parse(JSON.stringify(config)), describeConfig(config));
  assert.ok(!inspect(config, { depth: 5 }).includes(KEY.slice(2, 20)));
  assert.equal({ ...config }.privateKey, undefined);
  assert.ok(!JSON.stringify(describeConfig(config)).includes(KEY.slice(2, 20)));

  const wrongLength = `${KEY}00`;
  const error = problemsOf(base({ AGENT_PRIVATE_KEY: wrongLength }));
  assert.equal(error.variable, 'AGENT_PRIVATE_KEY');
  assert.ok(!error.message.includes(wrongLength.slice(2, 20)), error.message);
  const zero = `0x${'0'.repeat(64)}`;
  const zeroError = problemsOf(base({ AGENT_PRIVATE_KEY: zero }));
  assert.match(zeroError.message, /AGENT_PRIVATE_KEY is not a valid secp256k1 private key/);
  const order = '0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141';
  assert.match(problemsOf(base({ AGENT_PRIVATE_KEY: order })).message, /not a valid secp256k1/);
  assert.ok(!problemsOf(base({ AGENT_PRIVATE_KEY: order })).message.includes('BAAEDCE6'));
});

test('RPC_URL may hold an API key: a bad one is named, never shown', () => {
  const secret = 'ftp://rpc.example.com/v2/SECRET-API-KEY';
  const error = problemsOf(base({ RPC_URL: secret }));
  assert.equal(error.variable, 'RPC_URL');
  assert.ok(!error.message.includes('SECRET-API-KEY'));
});

test('the required key is named when missing', () => {
  const error = problemsOf({ HOME: '/h' });
  assert.deepEqual(error.problems.map((p) => p.variable), ['AGENT_PRIVATE_KEY']);
});

test('the wallet mode: key when AGENT_WALLET_ADDRESS is absent or the key\'s own address, else contract', () => {
  const own = loadConfig({ AGENT_PRIVATE_KEY: KEY, HOME: '/h' });
  assert.equal(own.walletMode, 'key');
  assert.equal(own.walletAddress, own.agentAddress);
  const same = loadConfig({ AGENT_PRIVATE_KEY: KEY, AGENT_WALLET_ADDRESS: own.agentAddress.toLowerCase(), HOME: '/h' });
  assert.equal(same.walletMode, 'key');
  const contract = loadConfig(base());
  assert.equal(contract.walletMode, 'contract');
  assert.equal(contract.walletAddress, getAddress(WALLET));
});

test('every bad variable is reported once, by name, in one error', () => {
  const error = problemsOf(base({
    AGENT_WALLET_ADDRESS: '0x1234',
    CHAIN_ID: '0',
    SESSION_TTL_SECONDS: '59',
    FACTORY_ADDRESS: 'factory',
    NFT_CONTRACT_ADDRESS: '0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAEd', // bad checksum (mixed case)
    CLAWPAY_MAX_PER_CALL: '-1',
    CLAWPAY_STATE_DIR: 'relative/dir',
  }));
  assert.deepEqual(error.problems.map((p) => p.variable).sort(), [
    'AGENT_WALLET_ADDRESS', 'CHAIN_ID', 'CLAWPAY_MAX_PER_CALL', 'CLAWPAY_STATE_DIR', 'FACTORY_ADDRESS', 'NFT_CONTRACT_ADDRESS', 'SESSION_TTL_SECONDS',
  ]);
  for (const { variable, message } of error.problems) assert.ok(message.includes(variable), message);
});

test('CHAIN_ID: positive integers only; unknown chains need RPC_URL and the asset', () => {
  for (const bad of ['-1', '1.5', 'base', '08453', '99999999999999999999']) {
    assert.equal(problemsOf(base({ CHAIN_ID: bad })).variable, 'CHAIN_ID', bad);
  }
  const error = problemsOf(base({ CHAIN_ID: '10' }));
  assert.deepEqual(error.problems.map((p) => p.variable), ['RPC_URL', 'CLAWPAY_ASSET_ADDRESS']);
  const partial = problemsOf(devnet({ CLAWPAY_ASSET_NAME: undefined, CLAWPAY_ASSET_DECIMALS: undefined }));
  assert.deepEqual(partial.problems.map((p) => p.variable), ['CLAWPAY_ASSET_NAME', 'CLAWPAY_ASSET_DECIMALS']);
  assert.equal(problemsOf(devnet({ CLAWPAY_ASSET_DECIMALS: '37' })).variable, 'CLAWPAY_ASSET_DECIMALS');
});

test('the asset of a known chain is overridden only with its full domain', () => {
  assert.equal(problemsOf(base({ CLAWPAY_ASSET_NAME: 'Other' })).variable, 'CLAWPAY_ASSET_NAME');
  assert.equal(problemsOf(base({ CLAWPAY_ASSET_ADDRESS: LOCAL_TOKEN })).variable, 'CLAWPAY_ASSET_NAME');
  // Naming the default address keeps the default domain.
  assert.equal(loadConfig(base({ CLAWPAY_ASSET_ADDRESS: BASE_USDC.toLowerCase() })).asset.name, 'USD Coin');
  const other = loadConfig(base({
    CLAWPAY_ASSET_ADDRESS: LOCAL_TOKEN, CLAWPAY_ASSET_NAME: 'Euro Coin', CLAWPAY_ASSET_VERSION: '1', CLAWPAY_ASSET_DECIMALS: '2',
  }));
  assert.deepEqual({ ...other.asset }, { address: LOCAL_TOKEN, name: 'Euro Coin', version: '1', decimals: 2, symbol: 'Euro Coin' });
  assert.equal(loadConfig(devnet({ CLAWPAY_ASSET_SYMBOL: 'dUSDC' })).asset.symbol, 'dUSDC');
  assert.equal(other.policy.maxPerCall, 100n); // "1.00" of a 2-decimal token
});

test('CLAWPAY_V1_NETWORK must not name another chain', () => {
  assert.equal(problemsOf(devnet({ CLAWPAY_V1_NETWORK: 'base' })).variable, 'CLAWPAY_V1_NETWORK');
  assert.equal(problemsOf(devnet({ CLAWPAY_V1_NETWORK: 'Not A Name' })).variable, 'CLAWPAY_V1_NETWORK');
  assert.equal(loadConfig(devnet({ CLAWPAY_V1_NETWORK: undefined })).v1Network, null);
});

test('SESSION_TTL_SECONDS is 60 to 2592000', () => {
  assert.equal(loadConfig(base({ SESSION_TTL_SECONDS: '60' })).sessionTtlSeconds, 60);
  assert.equal(loadConfig(base({ SESSION_TTL_SECONDS: '2592000' })).sessionTtlSeconds, 2_592_000);
  for (const bad of ['59', '2592001', '1e3', '3600.5']) {
    assert.equal(problemsOf(base({ SESSION_TTL_SECONDS: bad })).variable, 'SESSION_TTL_SECONDS', bad);
  }
});

test('CLAWPAY_MAX_AUTHORIZATION_SECONDS is 10 to 86400, default 300, and a bad value is named but a long one not echoed', () => {
  assert.equal(loadConfig(base()).maxAuthorizationSeconds, 300);
  assert.equal(loadConfig(base({ CLAWPAY_MAX_AUTHORIZATION_SECONDS: '10' })).maxAuthorizationSeconds, 10);
  assert.equal(loadConfig(base({ CLAWPAY_MAX_AUTHORIZATION_SECONDS: '86400' })).maxAuthorizationSeconds, 86_400);
  assert.equal(describeConfig(loadConfig(base({ CLAWPAY_MAX_AUTHORIZATION_SECONDS: '60' }))).maxAuthorizationSeconds, 60);
  for (const bad of ['9', '86401', '0', '-5', '1e3', '300.5', 'soon']) {
    const problem = problemsOf(base({ CLAWPAY_MAX_AUTHORIZATION_SECONDS: bad }));
    assert.equal(problem.variable, 'CLAWPAY_MAX_AUTHORIZATION_SECONDS', bad);
    assert.match(problem.message, /CLAWPAY_MAX_AUTHORIZATION_SECONDS must be an integer from 10 to 86400/);
  }
  const pasted = KEY;
  const problem = problemsOf(base({ CLAWPAY_MAX_AUTHORIZATION_SECONDS: pasted }));
  assert.equal(problem.variable, 'CLAWPAY_MAX_AUTHORIZATION_SECONDS');
  assert.ok(!problem.message.includes(pasted.slice(2, 14)), problem.message);
});

test('the state directory follows CLAWPAY_STATE_DIR, then an absolute XDG_STATE_HOME', () => {
  assert.equal(loadConfig(base({ CLAWPAY_STATE_DIR: '/var/lib/clawpay' })).stateDir, '/var/lib/clawpay');
  assert.equal(loadConfig(base({ XDG_STATE_HOME: '/xdg/state' })).stateDir, '/xdg/state/clawpay');
  assert.equal(loadConfig(base({ XDG_STATE_HOME: 'relative' })).stateDir, '/home/agent/.local/state/clawpay');
});

test('decimal amounts parse exactly to base units; extra decimals are refused', () => {
  assert.equal(parseDecimalUnits('0.10', 6).units, 100_000n);
  assert.equal(parseDecimalUnits('0.000001', 6).units, 1n);
  assert.equal(parseDecimalUnits('123456789.123456', 6).units, 123_456_789_123_456n);
  assert.equal(parseDecimalUnits('5', 0).units, 5n);
  // 0.1 + 0.2 style float error never enters: the digits are the digits.
  assert.equal(parseDecimalUnits('0.3', 18).units, 300_000_000_000_000_000n);
  assert.equal(parseDecimalUnits(0.01, 6).units, 10_000n);
  assert.match(parseDecimalUnits('0.0000001', 6).error, /7 decimal places, but the asset has only 6/);
  assert.match(parseDecimalUnits(1e-7, 6).error, /plain non-negative decimal/);
  for (const bad of ['-1', '+1', '1e3', '.5', '5.', '1,5', '0x10', '', ' ', 'NaN', '01']) {
    assert.ok(parseDecimalUnits(bad, 6).error, bad);
  }
  assert.equal(formatUnits(10_000n, 6), '0.01');
  assert.equal(formatUnits(1_000_000n, 6), '1.00');
  assert.equal(formatUnits(1n, 6), '0.000001');
  assert.equal(formatUnits(5n, 0), '5');

  const config = loadConfig(base({ CLAWPAY_MAX_PER_CALL: '0.10', CLAWPAY_MAX_PER_SESSION: '0.000001', CLAWPAY_MAX_PER_DAY: '0' }));
  assert.equal(config.policy.maxPerCall, 100_000n);
  assert.equal(config.policy.maxPerSession, 1n);
  assert.equal(config.policy.maxPerDay, 0n);
  const error = problemsOf(base({ CLAWPAY_MAX_PER_DAY: '1.0000001' }));
  assert.equal(error.variable, 'CLAWPAY_MAX_PER_DAY');
  assert.match(error.message, /CLAWPAY_MAX_PER_DAY has 7 decimal places/);
});

test('allow lists: payees, assets and networks from comma lists', () => {
  const config = loadConfig(base({
    CLAWPAY_ALLOWED_PAYEES: ` ${WALLET.toLowerCase()} , ${KEY_ADDRESS}`,
    CLAWPAY_ALLOWED_ASSETS: `${BASE_USDC},${LOCAL_TOKEN}`,
    CLAWPAY_ALLOWED_NETWORKS: 'base, eip155:84532,base-sepolia',
  }));
  assert.deepEqual([...config.policy.allowedPayees], [WALLET, KEY_ADDRESS]);
  assert.deepEqual([...config.policy.allowedAssets], [BASE_USDC, LOCAL_TOKEN]);
  assert.deepEqual([...config.policy.allowedNetworks], ['eip155:8453', 'eip155:84532']);
  assert.equal(loadConfig(base({ CLAWPAY_ALLOWED_PAYEES: '*' })).policy.allowedPayees, null);
  assert.equal(problemsOf(base({ CLAWPAY_ALLOWED_PAYEES: `${WALLET},nobody` })).variable, 'CLAWPAY_ALLOWED_PAYEES');
  assert.equal(problemsOf(base({ CLAWPAY_ALLOWED_NETWORKS: 'mars' })).variable, 'CLAWPAY_ALLOWED_NETWORKS');
  assert.equal(problemsOf(base({ CLAWPAY_ALLOWED_ASSETS: ' , ' })).variable, 'CLAWPAY_ALLOWED_ASSETS');
  // The devnet's own v1 name is understood in the network list.
  assert.deepEqual([...loadConfig(devnet({ CLAWPAY_ALLOWED_NETWORKS: 'devnet-31337' })).policy.allowedNetworks], ['eip155:31337']);
});

test('CLAWPAY_POLICY_FILE sets the policy; env variables override it field by field', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pay-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'policy.json');
  writeFileSync(file, JSON.stringify({
    maxPerCall: '0.05', maxPerSession: 2, maxPerDay: '3.5', allowedPayees: [WALLET], allowedNetworks: ['eip155:8453'],
  }));
  const config = loadConfig(base({ CLAWPAY_POLICY_FILE: file, CLAWPAY_MAX_PER_DAY: '7' }));
  assert.equal(config.policy.maxPerCall, 50_000n);
  assert.equal(config.policy.maxPerSession, 2_000_000n);
  assert.equal(config.policy.maxPerDay, 7_000_000n);
  assert.deepEqual([...config.policy.allowedPayees], [WALLET]);

  writeFileSync(file, JSON.stringify({ maxPerCal: '0.05' }));
  const typo = problemsOf(base({ CLAWPAY_POLICY_FILE: file }));
  assert.equal(typo.variable, 'CLAWPAY_POLICY_FILE');
  assert.match(typo.message, /unknown field\(s\) "maxPerCal"/);

  writeFileSync(file, '{"maxPerCall": "0.0000001"}');
  assert.match(problemsOf(base({ CLAWPAY_POLICY_FILE: file })).message, /maxPerCall in CLAWPAY_POLICY_FILE has 7 decimal places/);
  writeFileSync(file, '{not json');
  assert.match(problemsOf(base({ CLAWPAY_POLICY_FILE: file })).message, /not valid JSON/);
  assert.match(problemsOf(base({ CLAWPAY_POLICY_FILE: join(dir, 'missing.json') })).message, /could not be read.*ENOENT/);
});

test('describeConfig is JSON-safe and names amounts in both units', () => {
  const described = describeConfig(loadConfig(base({ CLAWPAY_MAX_PER_CALL: '0.25' })));
  assert.equal(described.policy.maxPerCall, '0.25 (250000 base units)');
  assert.equal(described.policy.allowedPayees, '*');
  assert.doesNotThrow(() => JSON.stringify(described));
});
