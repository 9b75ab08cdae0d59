// The buyer side's configuration, from the environment: ClawPay 1.1's
// variables (so an existing clawpay-mcp setup keeps working) plus the
// CLAWPAY_* ones for the asset, the state directory and the spend policy.
//
// Every bad variable is reported, all at once, in one ConfigError (code
// ERR_CONFIG) that names each variable; a secret's value is never shown,
// nor is any value, field name or path that could be a private key (a run
// of 64 hex digits, lib/secret_text.js): the message says which variable is
// wrong and why, not what it holds.
//
// Variables and defaults:
//   AGENT_PRIVATE_KEY        required, 0x + 64 hex; the key that signs payments
//   AGENT_PRIVATE_KEY_FILE   instead of it: a file holding the key, mode 0600 or stricter
//   AGENT_WALLET_ADDRESS     0x + 40 hex: an AgentAccountV2 contract wallet the key operates
//                            (walletMode "contract"); absent or the key's own address:
//                            walletMode "key". Session tokens name it; x402 payments
//                            always come from the key's own address, `agentAddress`
//   CHAIN_ID                 8453 (Base); 84532 (Base Sepolia); any other positive integer
//                            needs RPC_URL and the CLAWPAY_ASSET_* variables
//   RPC_URL                  8453: https://mainnet.base.org, 84532: https://sepolia.base.org
//   FACTORY_ADDRESS, NFT_CONTRACT_ADDRESS   optional addresses, for the wallet tools
//   SESSION_TTL_SECONDS      3600, from 60 to 2592000 (30 days)
//   CLAWPAY_MAX_AUTHORIZATION_SECONDS  300, from 10 to 86400 (24 hours): a signed
//                            payment authorization expires at most this long after
//                            signing, whatever maxTimeoutSeconds the seller asks for
//   CLAWPAY_ASSET_ADDRESS / _NAME / _VERSION / _DECIMALS
//                            the token payments are made in; USDC by default on 8453 and
//                            84532; when the address is set, name, version and decimals
//                            are required too (the EIP-712 domain must be the token's own);
//                            CLAWPAY_ASSET_SYMBOL (optional, default: the name) names it in messages
//   CLAWPAY_V1_NETWORK       the chain's x402 v1 network name ("base", "base-sepolia",
//                            "devnet-31337"); known chains have a default
//   CLAWPAY_STATE_DIR        $XDG_STATE_HOME/clawpay, else ~/.local/state/clawpay
//   CLAWPAY_POLICY_FILE      a JSON file {maxPerCall, maxPerSession, maxPerDay,
//                            allowedPayees, allowedAssets, allowedNetworks, maxPerSend,
//                            maxEthPerSend, maxEthPerDay}; the env variables below
//                            override it field by field
//   CLAWPAY_MAX_PER_CALL     "1.00"  (asset units: 1.00 USDC) the most one call may pay
//   CLAWPAY_MAX_PER_SESSION  "5.00"  the most one session purchase may cost
//   CLAWPAY_MAX_PER_DAY      "20.00" the most all payments may total per UTC day
//   CLAWPAY_ALLOWED_PAYEES   comma list of addresses, or "*" (default: any payee)
//   CLAWPAY_ALLOWED_ASSETS   comma list of token addresses (default: the configured asset)
//   CLAWPAY_ALLOWED_NETWORKS comma list of CAIP-2 ids or v1 names (default: the configured chain)
//   CLAWPAY_MAX_PER_SEND     "1.00"  key-mode wallet: the most one send of the asset may move
//                            without a person's approval; sends count toward CLAWPAY_MAX_PER_DAY
//   CLAWPAY_MAX_ETH_PER_SEND "0"     (ETH) the most one ETH send may move without approval
//   CLAWPAY_MAX_ETH_PER_DAY  "0"     (ETH) the most ETH sends may total per UTC day
// Amounts are decimals in the asset's units, parsed exactly to base units;
// more decimal places than the asset has are refused. The asset is read by
// config_asset.js, the policy by config_policy.js, their ranges are
// lib/limits.js's.
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

import { EVM_NETWORK_CHAIN_ID_MAP } from '@x402/evm/v1';

import {
  DEFAULT_MAX_AUTHORIZATION_SECONDS, DEFAULT_SESSION_TTL_SECONDS, MAX_AUTHORIZATION_SECONDS, MAX_SESSION_TTL_SECONDS,
  MIN_AUTHORIZATION_SECONDS, MIN_SESSION_TTL_SECONDS,
} from '../limits.js';
import { maybeSecret, redactSecrets } from '../secret_text.js';
import { Signer } from '../signer.js';
import { KNOWN_CHAINS, readAsset } from './config_asset.js';
import { POLICY_FIELDS, describePolicy, readPolicy } from './config_policy.js';
import { address, secretProblem, shown } from './config_values.js';
import { readKeyFile } from './key_file.js';

/** Every environment variable loadConfig reads (clawpay doctor and clawpay-mcp flag unknown CLAWPAY_* / AGENT_* ones). */
export const CONFIG_VARIABLES = Object.freeze([
  'AGENT_PRIVATE_KEY', 'AGENT_PRIVATE_KEY_FILE', 'AGENT_WALLET_ADDRESS', 'CHAIN_ID', 'RPC_URL', 'FACTORY_ADDRESS', 'NFT_CONTRACT_ADDRESS',
  'SESSION_TTL_SECONDS', 'CLAWPAY_ASSET_ADDRESS', 'CLAWPAY_ASSET_NAME', 'CLAWPAY_ASSET_VERSION', 'CLAWPAY_ASSET_DECIMALS',
  'CLAWPAY_ASSET_SYMBOL', 'CLAWPAY_V1_NETWORK', 'CLAWPAY_STATE_DIR', 'XDG_STATE_HOME', 'HOME', 'CLAWPAY_POLICY_FILE',
  'CLAWPAY_MAX_AUTHORIZATION_SECONDS',
  ...Object.values(POLICY_FIELDS),
]);

export class ConfigError extends Error {
  constructor(problems) {
    const message = problems.length === 1
      ? problems[0].message
      : `${problems.length} configuration problems:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`;
    super(message);
    this.name = 'ConfigError';
    this.code = 'ERR_CONFIG';
    /** [{variable, message}] — one per bad variable. */
    this.problems = problems;
    /** The first bad variable. */
    this.variable = problems[0].variable;
  }
}

const HEX_KEY = /^0x[0-9a-fA-F]{64}$/;
const POSITIVE_INTEGER = /^[1-9][0-9]*$/;
const V1_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

// Variables that may hold 64 hex digits of their own: the key itself, and
// RPC_URL (a provider's API key), which are never shown, and the paths
// (a directory may be named by a hash), which are shown only redacted.
const MAY_HOLD_HEX = new Set(['AGENT_PRIVATE_KEY', 'AGENT_PRIVATE_KEY_FILE', 'RPC_URL', 'CLAWPAY_STATE_DIR', 'CLAWPAY_POLICY_FILE']);

/** Where state lives without CLAWPAY_STATE_DIR: $XDG_STATE_HOME/clawpay, else ~/.local/state/clawpay. */
export function defaultStateDir(env) {
  const xdg = env.XDG_STATE_HOME;
  // The XDG spec says relative paths there are invalid and must be ignored.
  if (xdg && isAbsolute(xdg)) return join(xdg, 'clawpay');
  return join(env.HOME || homedir(), '.local', 'state', 'clawpay');
}

/**
 * Reads the configuration. Throws ConfigError (code ERR_CONFIG) listing every
 * bad variable. The result is frozen; `privateKey` is non-enumerable, so it is
 * left out of JSON.stringify, console.log and object spreads.
 * @param {Record<string, string | undefined>} [env]
 */
export function loadConfig(env = process.env, { signer = null } = {}) {
  const problems = [];
  // One problem per variable: the first thing wrong with it.
  const report = (variable, message) => {
    if (!problems.some((p) => p.variable === variable)) problems.push({ variable, message });
  };
  const get = (name) => {
    const value = env[name];
    if (value === undefined || value.trim() === '') return undefined;
    // Reported first, so that this is the variable's one problem; the checks
    // below then quote nothing of it.
    if (!MAY_HOLD_HEX.has(name) && maybeSecret(value)) report(name, secretProblem(name));
    return value.trim();
  };

  // AGENT_PRIVATE_KEY: checked by loading it into a native Signer, which also
  // tells us the address payments come from. Its value is never shown.
  // With a native Signer (clawpay-native/pay's createPayer({signer})), the
  // key is already loaded: it is the agent, and no key is in the config.
  let privateKey = get('AGENT_PRIVATE_KEY');
  const keyFile = get('AGENT_PRIVATE_KEY_FILE');
  let keyFileProblem = null;
  if (keyFile !== undefined) {
    const read = privateKey === undefined && signer === null ? readKeyFile(keyFile) : {};
    keyFileProblem = privateKey !== undefined || signer !== null
      ? `set one of AGENT_PRIVATE_KEY and AGENT_PRIVATE_KEY_FILE${signer ? ' (or give a signer)' : ''}, not both; no value is shown`
      : read.problem ?? null;
    privateKey = read.key;
  }
  let agentAddress = null;
  if (keyFileProblem !== null) {
    report('AGENT_PRIVATE_KEY_FILE', keyFileProblem);
  } else if (signer !== null) {
    if (privateKey !== undefined) report('AGENT_PRIVATE_KEY', 'AGENT_PRIVATE_KEY must not be set when a signer is given (one key, one owner); the value is not shown');
    else agentAddress = signer.address;
  } else if (privateKey === undefined) {
    report('AGENT_PRIVATE_KEY', 'AGENT_PRIVATE_KEY is required: the agent\'s private key, 0x + 64 hex digits');
  } else if (!HEX_KEY.test(privateKey)) {
    report('AGENT_PRIVATE_KEY', `AGENT_PRIVATE_KEY must be 0x + 64 hex digits (the value, ${privateKey.length} characters, is not shown)`);
  } else {
    try {
      const signer = Signer.fromPrivateKey(privateKey);
      agentAddress = signer.address;
      signer.destroy();
    } catch {
      report('AGENT_PRIVATE_KEY', 'AGENT_PRIVATE_KEY is not a valid secp256k1 private key (zero, or not below the curve order); the value is not shown');
    }
  }

  // AGENT_WALLET_ADDRESS: an AgentAccountV2 contract wallet the key operates
  // ("contract" mode), or absent / the key's own address ("key" mode).
  const walletText = get('AGENT_WALLET_ADDRESS');
  const walletAddress = walletText === undefined ? agentAddress : address(walletText, 'AGENT_WALLET_ADDRESS', report);
  const walletMode = walletAddress !== null && walletAddress === agentAddress ? 'key' : 'contract';

  let chainId = 8453;
  const chainText = get('CHAIN_ID');
  if (chainText !== undefined) {
    if (!POSITIVE_INTEGER.test(chainText) || !Number.isSafeInteger(Number(chainText))) {
      report('CHAIN_ID', `CHAIN_ID must be a positive integer such as 8453 (Base) or 84532 (Base Sepolia); got ${shown(chainText)}`);
      chainId = null;
    } else {
      chainId = Number(chainText);
    }
  }
  const known = chainId === null ? null : KNOWN_CHAINS[chainId] ?? null;
  const network = chainId === null ? null : `eip155:${chainId}`;

  // RPC_URL may embed a provider's API key: never shown.
  let rpcUrl = get('RPC_URL') ?? known?.rpcUrl ?? null;
  if (get('RPC_URL') !== undefined) {
    let parsed = null;
    try {
      parsed = new URL(rpcUrl);
    } catch {
      // reported below
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      report('RPC_URL', 'RPC_URL must be an http(s) URL (the value is not shown)');
      rpcUrl = null;
    }
  } else if (chainId !== null && !known) {
    report('RPC_URL', `RPC_URL is required for CHAIN_ID ${chainId} (defaults exist only for 8453 and 84532)`);
  }

  const optionalAddress = (name) => {
    const value = get(name);
    return value === undefined ? null : address(value, name, report);
  };
  const factoryAddress = optionalAddress('FACTORY_ADDRESS');
  const nftContractAddress = optionalAddress('NFT_CONTRACT_ADDRESS');

  let sessionTtlSeconds = DEFAULT_SESSION_TTL_SECONDS;
  const ttlText = get('SESSION_TTL_SECONDS');
  if (ttlText !== undefined) {
    const ttl = Number(ttlText);
    if (!/^[0-9]+$/.test(ttlText) || ttl < MIN_SESSION_TTL_SECONDS || ttl > MAX_SESSION_TTL_SECONDS) {
      report('SESSION_TTL_SECONDS', `SESSION_TTL_SECONDS must be an integer from ${MIN_SESSION_TTL_SECONDS} to ${MAX_SESSION_TTL_SECONDS} (30 days); got ${shown(ttlText)}`);
    } else {
      sessionTtlSeconds = ttl;
    }
  }

  let maxAuthorizationSeconds = DEFAULT_MAX_AUTHORIZATION_SECONDS;
  const authText = get('CLAWPAY_MAX_AUTHORIZATION_SECONDS');
  if (authText !== undefined) {
    const seconds = Number(authText);
    if (!/^[0-9]+$/.test(authText) || seconds < MIN_AUTHORIZATION_SECONDS || seconds > MAX_AUTHORIZATION_SECONDS) {
      report('CLAWPAY_MAX_AUTHORIZATION_SECONDS', `CLAWPAY_MAX_AUTHORIZATION_SECONDS must be an integer from ${MIN_AUTHORIZATION_SECONDS} to ${MAX_AUTHORIZATION_SECONDS} (24 hours); got ${authText.length <= 12 ? shown(authText) : `${authText.length} characters (not shown: a pasted key must not be echoed)`}`);
    } else {
      maxAuthorizationSeconds = seconds;
    }
  }

  const asset = readAsset(get, known, chainId, report);

  // The v1 name of the chain: known chains have one; the devnet prints its own.
  let v1Network = known?.v1Network ?? null;
  const v1Text = get('CLAWPAY_V1_NETWORK');
  if (v1Text !== undefined) {
    const tableChain = EVM_NETWORK_CHAIN_ID_MAP[v1Text];
    if (!V1_NAME.test(v1Text)) {
      report('CLAWPAY_V1_NETWORK', `CLAWPAY_V1_NETWORK must be an x402 v1 network name such as "base" or "devnet-31337"; got ${shown(v1Text)}`);
    } else if (chainId !== null && tableChain !== undefined && tableChain !== chainId) {
      report('CLAWPAY_V1_NETWORK', `CLAWPAY_V1_NETWORK "${v1Text}" is chain ${tableChain}, not CHAIN_ID ${chainId}`);
    } else {
      v1Network = v1Text;
    }
  }

  let stateDir = get('CLAWPAY_STATE_DIR') ?? defaultStateDir(env);
  if (!isAbsolute(stateDir)) {
    report('CLAWPAY_STATE_DIR', `CLAWPAY_STATE_DIR must be an absolute path; got ${shown(stateDir)}`);
    stateDir = null;
  }

  const policy = readPolicy({ get, asset, network, chainId, v1Network, report });

  if (problems.length > 0) throw new ConfigError(problems);

  const config = {
    walletAddress,
    walletMode,
    agentAddress,
    chainId,
    network,
    v1Network,
    rpcUrl,
    factoryAddress,
    nftContractAddress,
    sessionTtlSeconds,
    maxAuthorizationSeconds,
    asset: Object.freeze(asset),
    stateDir,
    policy,
  };
  Object.defineProperty(config, 'privateKey', { value: privateKey, enumerable: false });
  // JSON.stringify(config) gives the safe description (amounts as text, no key).
  Object.defineProperty(config, 'toJSON', { value: () => describeConfig(config), enumerable: false });
  return Object.freeze(config);
}

/** The configuration as safe, JSON-ready text fields (no key; amounts as decimals). */
export function describeConfig(config) {
  const { asset, policy } = config;
  return {
    agentAddress: config.agentAddress,
    walletAddress: config.walletAddress,
    walletMode: config.walletMode,
    chainId: config.chainId,
    network: config.network,
    v1Network: config.v1Network,
    asset: { ...asset },
    stateDir: redactSecrets(config.stateDir),
    sessionTtlSeconds: config.sessionTtlSeconds,
    maxAuthorizationSeconds: config.maxAuthorizationSeconds,
    policy: describePolicy(policy, asset.decimals),
  };
}
