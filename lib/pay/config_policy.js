// The spend policy's configuration: CLAWPAY_POLICY_FILE (a JSON object)
// overridden field by field by the CLAWPAY_MAX_* / CLAWPAY_ALLOWED_*
// variables; amounts parsed exactly to base units.
import { readFileSync } from 'node:fs';

import { EVM_NETWORK_CHAIN_ID_MAP } from '@x402/evm/v1';

import { maybeSecret, redactSecrets, showInput } from '../secret_text.js';
import { evmChainId } from '../validate.js';
import { formatUnits, parseDecimalUnits } from './amount.js';
import { address, secretProblem, shown } from './config_values.js';

/** Spend limits when nothing is configured, in the asset's units. */
export const DEFAULT_LIMITS = Object.freeze({
  maxPerCall: '1.00', maxPerSession: '5.00', maxPerDay: '20.00', maxPerSend: '1.00', maxEthPerSend: '0', maxEthPerDay: '0',
});
/** ETH has 18 decimals; the ETH send limits are read in ETH. */
const ETH_DECIMALS = 18;

/** Each policy field and the variable that sets it. */
export const POLICY_FIELDS = {
  maxPerCall: 'CLAWPAY_MAX_PER_CALL',
  maxPerSession: 'CLAWPAY_MAX_PER_SESSION',
  maxPerDay: 'CLAWPAY_MAX_PER_DAY',
  allowedPayees: 'CLAWPAY_ALLOWED_PAYEES',
  allowedAssets: 'CLAWPAY_ALLOWED_ASSETS',
  allowedNetworks: 'CLAWPAY_ALLOWED_NETWORKS',
  maxPerSend: 'CLAWPAY_MAX_PER_SEND',
  maxEthPerSend: 'CLAWPAY_MAX_ETH_PER_SEND',
  maxEthPerDay: 'CLAWPAY_MAX_ETH_PER_DAY',
};

/** How messages name the policy file: its path, unless that could hold a key. */
const policyFileName = (path) => (maybeSecret(path)
  ? 'CLAWPAY_POLICY_FILE (whose path holds a run of 64 hex digits, not shown)'
  : `CLAWPAY_POLICY_FILE (${path})`);

/** A list variable: an array (policy file) or a comma-separated string. */
function listOf(value) {
  if (Array.isArray(value)) return value.map((v) => String(v).trim()).filter(Boolean);
  return String(value).split(',').map((v) => v.trim()).filter(Boolean);
}

function readPolicyFile(path, report) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    report('CLAWPAY_POLICY_FILE', `${policyFileName(path)} could not be read: ${error.code ?? redactSecrets(error.message)}`);
    return {};
  }
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // V8's message may quote the text (a key written as a bare value); the position is enough.
    const at = /at position ([0-9]+)/.exec(error.message);
    report('CLAWPAY_POLICY_FILE', `${policyFileName(path)} is not valid JSON${at ? ` (at character ${at[1]})` : ''}`);
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    report('CLAWPAY_POLICY_FILE', `${policyFileName(path)} must hold a JSON object`);
    return {};
  }
  const unknown = Object.keys(parsed).filter((key) => !(key in POLICY_FIELDS));
  if (unknown.length > 0) {
    // A misspelt limit must not silently leave the default in force.
    report('CLAWPAY_POLICY_FILE', `${policyFileName(path)} has unknown field(s) ${unknown.map((k) => showInput(k, 60)).join(', ')}; ` +
      `the fields are ${Object.keys(POLICY_FIELDS).join(', ')}`);
  }
  return parsed;
}

/** The policy from the file and the variables (`get` reads one, trimmed); each bad one reported. */
export function readPolicy({ get, asset, network, chainId, v1Network, report }) {
  const filePath = get('CLAWPAY_POLICY_FILE');
  const file = filePath === undefined ? {} : readPolicyFile(filePath, report);
  const source = (field) => {
    const variable = POLICY_FIELDS[field];
    const fromEnv = get(variable);
    if (fromEnv !== undefined) return { value: fromEnv, where: variable };
    if (file[field] !== undefined) {
      const where = `${field} in CLAWPAY_POLICY_FILE`;
      if (maybeSecret(JSON.stringify(file[field]))) report(where, secretProblem(where));
      return { value: file[field], where };
    }
    return null;
  };

  const limit = (field, decimals = asset.decimals) => {
    const given = source(field);
    const { units, error } = parseDecimalUnits(given ? given.value : DEFAULT_LIMITS[field], decimals);
    if (error) {
      report(given?.where ?? POLICY_FIELDS[field], `${given?.where ?? POLICY_FIELDS[field]} ${error}`);
      return null;
    }
    return units;
  };
  const maxPerCall = limit('maxPerCall');
  const maxPerSession = limit('maxPerSession');
  const maxPerDay = limit('maxPerDay');
  const maxPerSend = limit('maxPerSend');
  const maxEthPerSend = limit('maxEthPerSend', ETH_DECIMALS);
  const maxEthPerDay = limit('maxEthPerDay', ETH_DECIMALS);

  let allowedPayees = null; // any
  const payees = source('allowedPayees');
  if (payees) {
    const items = listOf(payees.value);
    if (!(items.length === 1 && items[0] === '*')) {
      allowedPayees = [];
      for (const item of items) {
        const checked = address(item, payees.where, report);
        if (checked) allowedPayees.push(checked);
      }
      if (items.length === 0) report(payees.where, `${payees.where} is empty: list payee addresses, or "*" for any payee`);
    }
  }

  let allowedAssets = asset.address ? [asset.address] : [];
  const assets = source('allowedAssets');
  if (assets) {
    const items = listOf(assets.value);
    allowedAssets = [];
    for (const item of items) {
      const checked = address(item, assets.where, report);
      if (checked) allowedAssets.push(checked);
    }
    if (items.length === 0) report(assets.where, `${assets.where} is empty: list token addresses`);
  }

  let allowedNetworks = network ? [network] : [];
  const networks = source('allowedNetworks');
  if (networks) {
    const items = listOf(networks.value);
    allowedNetworks = [];
    for (const item of items) {
      let id = evmChainId(item);
      if (id === null && item === v1Network) id = chainId;
      if (id === null && EVM_NETWORK_CHAIN_ID_MAP[item] !== undefined) id = EVM_NETWORK_CHAIN_ID_MAP[item];
      if (id === null) {
        report(networks.where, `${networks.where} has ${shown(item)}, which is neither a CAIP-2 EVM network ("eip155:8453") nor a known x402 v1 name`);
      } else if (!allowedNetworks.includes(`eip155:${id}`)) {
        allowedNetworks.push(`eip155:${id}`);
      }
    }
    if (items.length === 0) report(networks.where, `${networks.where} is empty: list networks such as eip155:8453`);
  }

  return Object.freeze({
    maxPerCall,
    maxPerSession,
    maxPerDay,
    allowedPayees: allowedPayees && Object.freeze(allowedPayees),
    allowedAssets: Object.freeze(allowedAssets),
    allowedNetworks: Object.freeze(allowedNetworks),
    maxPerSend,
    maxEthPerSend,
    maxEthPerDay,
  });
}

/** The policy as text: amounts in the asset's units (and base units), ETH in ETH (and wei). */
export function describePolicy(policy, decimals) {
  const amount = (units) => `${formatUnits(units, decimals)} (${units} base units)`;
  const eth = (wei) => `${formatUnits(wei, ETH_DECIMALS)} ETH (${wei} wei)`;
  return {
    maxPerCall: amount(policy.maxPerCall),
    maxPerSession: amount(policy.maxPerSession),
    maxPerDay: amount(policy.maxPerDay),
    allowedPayees: policy.allowedPayees ? [...policy.allowedPayees] : '*',
    allowedAssets: [...policy.allowedAssets],
    allowedNetworks: [...policy.allowedNetworks],
    maxPerSend: amount(policy.maxPerSend),
    maxEthPerSend: eth(policy.maxEthPerSend),
    maxEthPerDay: eth(policy.maxEthPerDay),
  };
}
