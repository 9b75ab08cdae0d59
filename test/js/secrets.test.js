// A private key pasted into the wrong place is never shown: every variable
// loadConfig reads, every policy file field (as a value and as a field
// name), the policy file's path and content, and the library's argument
// messages. "Shown" is checked strictly: no 16-digit window of the key's hex
// appears anywhere in the error (message, stack, every property), in any case.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, describe, test } from 'node:test';

import { Signer } from '../../lib/index.js';
import { loadConfig } from '../../lib/pay/config.js';
import { parseBaseUnits, parseDecimalUnits } from '../../lib/pay/amount.js';
import { normalize } from '../../lib/pay/fetch_request.js';
import { errorMessage, failure, ok } from '../../lib/mcp/tool_result.js';
import { REDACTED, maybeSecret, redactSecrets, safeErrorMessage, showInput } from '../../lib/secret_text.js';
import { describe as describeValue, invalidArg, invalidValue } from '../../lib/validate.js';
import { checkMemo } from '../../lib/wallet/memo.js';
import { checkAddress, parseAmount } from '../../lib/wallet/token_info.js';
import { parseQueueId } from '../../lib/wallet/approval_queue.js';
import { checkEventType, parseBlock } from '../../lib/wallet/history_window.js';
import { keyForms, leakedWindow } from './support/secret_leak.js';

// The agent's own key, valid, so that only the variable under test is wrong.
const AGENT_KEY = `0x${'4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'}`;
// The key pasted into the wrong place: a fresh one each run.
const PASTED = randomBytes(32).toString('hex');

const devnet = (extra = {}) => ({
  AGENT_PRIVATE_KEY: AGENT_KEY,
  HOME: '/home/agent',
  CHAIN_ID: '31337',
  RPC_URL: 'http://127.0.0.1:8545',
  CLAWPAY_ASSET_ADDRESS: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  CLAWPAY_ASSET_NAME: 'USD Coin',
  CLAWPAY_ASSET_VERSION: '2',
  CLAWPAY_ASSET_DECIMALS: '6',
  CLAWPAY_V1_NETWORK: 'devnet-31337',
  ...extra,
});

// Every variable loadConfig reads but the key itself (lib/pay/config.js's
// list, which includes the wallet's send limits); the path variables are
// tested on their own below.
const VARIABLES = [
  'AGENT_WALLET_ADDRESS', 'CHAIN_ID', 'RPC_URL', 'FACTORY_ADDRESS', 'NFT_CONTRACT_ADDRESS', 'SESSION_TTL_SECONDS',
  'CLAWPAY_ASSET_ADDRESS', 'CLAWPAY_ASSET_NAME', 'CLAWPAY_ASSET_VERSION', 'CLAWPAY_ASSET_DECIMALS', 'CLAWPAY_ASSET_SYMBOL',
  'CLAWPAY_V1_NETWORK',
  'CLAWPAY_MAX_PER_CALL', 'CLAWPAY_MAX_PER_SESSION', 'CLAWPAY_MAX_PER_DAY',
  'CLAWPAY_ALLOWED_PAYEES', 'CLAWPAY_ALLOWED_ASSETS', 'CLAWPAY_ALLOWED_NETWORKS',
  'CLAWPAY_MAX_PER_SEND', 'CLAWPAY_MAX_ETH_PER_SEND', 'CLAWPAY_MAX_ETH_PER_DAY', 'CLAWPAY_MAX_AUTHORIZATION_SECONDS',
];
const POLICY_FIELDS = ['maxPerCall', 'maxPerSession', 'maxPerDay', 'allowedPayees', 'allowedAssets', 'allowedNetworks',
  'maxPerSend', 'maxEthPerSend', 'maxEthPerDay'];

/** Everything an error carries, as text: message, stack, every own property, inspected deeply. */
function everything(error) {
  const props = Object.fromEntries(Object.getOwnPropertyNames(error).map((name) => [name, error[name]]));
  return [error.message, error.stack, JSON.stringify(props), inspect(error, { depth: null, showHidden: true })].join('\n');
}

/** The ConfigError loadConfig throws for `env`; fails the test when it loads. */
function configError(env) {
  try {
    loadConfig(env);
  } catch (error) {
    assert.equal(error.code, 'ERR_CONFIG', error.message);
    return error;
  }
  return assert.fail('loadConfig should have refused this configuration');
}

function assertNotShown(text, key, what) {
  const window = leakedWindow(text, key);
  assert.equal(window, null, `${what}: ${window} of the key is shown in ${JSON.stringify(text.slice(0, 400))}`);
}

const dir = mkdtempSync(join(tmpdir(), 'clawpay-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function policyFile(content, name = 'policy.json') {
  const folder = join(dir, String((files += 1)));
  mkdirSync(folder, { recursive: true });
  const path = join(folder, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('the secret rule (lib/secret_text.js)', () => {
  test('maybeSecret finds a run of 64 hex digits with or without 0x, in any case, inside longer text and in longer runs', () => {
    for (const form of keyForms(PASTED)) {
      assert.equal(maybeSecret(form), true, form);
      assert.equal(maybeSecret(`key=${form};`), true);
      assert.equal(maybeSecret(`/tmp/${form}/policy.json`), true);
    }
    assert.equal(maybeSecret(`${PASTED}ab`), true, '66 hex digits');
    assert.equal(maybeSecret(PASTED.slice(0, 63)), false, '63 hex digits are not a key');
    assert.equal(maybeSecret('0x5FbDB2315678afecb367f032d93F642f64180aa3'), false, 'an address');
    assert.equal(maybeSecret(`${PASTED.slice(0, 32)}-${PASTED.slice(32)}`), false);
  });

  test('redactSecrets replaces every run, keeps the ones named in keep, and leaves other text alone', () => {
    const other = randomBytes(32).toString('hex');
    const text = `a 0x${PASTED} b ${other.toUpperCase()} c ${PASTED}ffff`;
    const out = redactSecrets(text, { keep: [`0x${other}`] });
    assertNotShown(out, PASTED, 'redacted');
    assert.equal(out, `a ${REDACTED} b ${other.toUpperCase()} c ${REDACTED}`);
    assert.equal(redactSecrets('nothing to hide 0x1234'), 'nothing to hide 0x1234');
  });

  test('showInput quotes ordinary input and describes key-like input without any of its digits', () => {
    assert.equal(showInput('abc'), '"abc"');
    assert.equal(showInput('x'.repeat(50), 10), `"${'x'.repeat(10)}…"`);
    for (const form of keyForms(PASTED)) {
      const out = showInput(`${'z'.repeat(30)}${form}`, 40);
      assertNotShown(out, PASTED, form);
      assert.match(out, /looks like a private key/);
    }
  });

  test('safeErrorMessage keeps the tx hash and nonce an error carries as its own, not a key in its text', () => {
    const txHash = `0x${randomBytes(32).toString('hex')}`;
    const nonce = `0x${randomBytes(32).toString('hex')}`;
    const error = Object.assign(new Error(`Transaction ${txHash} (nonce ${nonce}) failed for input 0x${PASTED}`), { txHash, payment: { nonce } });
    const out = safeErrorMessage(error);
    assertNotShown(out, PASTED, 'error message');
    assert.ok(out.includes(txHash) && out.includes(nonce), out);
  });
});

describe('MCP tool results (lib/mcp/tool_result.js), the last line of defence', () => {
  const txHash = `0x${randomBytes(32).toString('hex')}`;

  test('a failure shows no key in its text or structuredContent, and keeps its own payment\'s tx hash', () => {
    const result = failure(`x402_pay failed after paying (tx ${txHash}) for https://api.example/?k=${PASTED}`, {
      error: 'failed', url: `https://api.example/?k=${PASTED}`, list: [`0x${PASTED}`], [PASTED]: 1, payment: { transaction: txHash },
    });
    assertNotShown(JSON.stringify(result), PASTED, 'failure');
    assert.ok(result.content[0].text.includes(txHash));
    assert.equal(result.structuredContent.payment.transaction, txHash);
    assert.equal(result.isError, true);
  });

  test('errorMessage keeps an error\'s own tx hash and drops a key; a successful result is left as it is', () => {
    const error = Object.assign(new Error(`Transaction ${txHash} refused for ${PASTED}`), { txHash });
    const message = errorMessage(error);
    assertNotShown(message, PASTED, 'errorMessage');
    assert.ok(message.includes(txHash));
    const success = ok(`TX Hash: ${txHash}`, { transaction: txHash });
    assert.equal(success.content[0].text, `TX Hash: ${txHash}`);
  });
});

describe('loadConfig never shows a key given to the wrong variable', () => {
  for (const variable of VARIABLES) {
    test(`${variable}: refused, named, and none of the key's digits shown`, () => {
      for (const form of keyForms(PASTED)) {
        const error = configError(devnet({ [variable]: form }));
        assert.ok(error.problems.some((p) => p.variable === variable), `${variable} named in ${error.message}`);
        assert.match(error.problems.find((p) => p.variable === variable).message, new RegExp(`^${variable} `));
        assertNotShown(everything(error), PASTED, `${variable}=${form}`);
      }
    });
  }

  test('a key inside a longer value (a list item, text around it) is refused without being shown', () => {
    const lists = {
      CLAWPAY_ALLOWED_PAYEES: `0x5FbDB2315678afecb367f032d93F642f64180aa3,0x${PASTED}`,
      CLAWPAY_ALLOWED_NETWORKS: `eip155:31337, ${PASTED}`,
      CHAIN_ID: `84532${PASTED}`,
      CLAWPAY_MAX_PER_CALL: `1.${PASTED}`,
    };
    for (const [variable, value] of Object.entries(lists)) {
      const error = configError(devnet({ [variable]: value }));
      assert.equal(error.variable, variable);
      assertNotShown(everything(error), PASTED, variable);
    }
  });

  test('AGENT_PRIVATE_KEY malformed around a key (a stray character, three digits too many) is refused without being shown', () => {
    for (const value of [`0x${PASTED}z`, `0x${PASTED}abc`, ` ${PASTED}0`, `0X${PASTED.toUpperCase()}`]) {
      const error = configError(devnet({ AGENT_PRIVATE_KEY: value }));
      assert.equal(error.variable, 'AGENT_PRIVATE_KEY');
      assertNotShown(everything(error), PASTED, value);
    }
  });

  test('CLAWPAY_STATE_DIR: a relative key is refused unshown; an absolute path through a key-named folder loads and describes itself redacted', () => {
    for (const form of keyForms(PASTED)) {
      const error = configError(devnet({ CLAWPAY_STATE_DIR: form }));
      assert.equal(error.variable, 'CLAWPAY_STATE_DIR');
      assertNotShown(everything(error), PASTED, form);
      const config = loadConfig(devnet({ CLAWPAY_STATE_DIR: `/var/lib/${form}/clawpay` }));
      assert.equal(config.stateDir, `/var/lib/${form}/clawpay`, 'the path itself is kept as given');
      assertNotShown(JSON.stringify(config), PASTED, 'JSON of the config');
    }
  });
});

describe('the policy file never shows a key', () => {
  for (const field of POLICY_FIELDS) {
    test(`${field} in CLAWPAY_POLICY_FILE: a key as its value (and as a list item) is refused, named, and not shown`, () => {
      for (const form of keyForms(PASTED)) {
        const values = field.startsWith('allowed') ? [form, [form], ['0x5FbDB2315678afecb367f032d93F642f64180aa3', form]] : [form, [form]];
        for (const value of values) {
          const error = configError(devnet({ CLAWPAY_POLICY_FILE: policyFile({ [field]: value }) }));
          assert.equal(error.variable, `${field} in CLAWPAY_POLICY_FILE`, error.message);
          assertNotShown(everything(error), PASTED, `${field}: ${JSON.stringify(value)}`);
        }
      }
    });
  }

  test('a key as a field name is refused as an unknown field without being shown', () => {
    for (const form of keyForms(PASTED)) {
      const error = configError(devnet({ CLAWPAY_POLICY_FILE: policyFile({ maxPerCall: '0.50', [form]: '1.00' }) }));
      assert.equal(error.variable, 'CLAWPAY_POLICY_FILE');
      assert.match(error.message, /unknown field/);
      assertNotShown(everything(error), PASTED, form);
    }
  });

  test('a key in the policy file\'s path is not shown when the file is missing, unreadable JSON, or wrong', () => {
    for (const form of keyForms(PASTED)) {
      const cases = [
        join(dir, form, 'missing.json'),
        policyFile('{"maxPerCall": ', `${form}.json`),
        policyFile('[1, 2]', `${form}.json`),
        policyFile({ maxPerCall: 'lots' }, `${form}.json`),
      ];
      for (const path of cases) {
        const error = configError(devnet({ CLAWPAY_POLICY_FILE: path }));
        assert.match(error.message, /CLAWPAY_POLICY_FILE/);
        assertNotShown(everything(error), PASTED, path);
      }
    }
  });

  test('a file that is a bare key, or a key as a bare JSON value, is "not valid JSON" without any of it shown', () => {
    for (const form of keyForms(PASTED)) {
      for (const content of [form, `{"maxPerCall": ${form}}`, `{"${form}": 1,}`]) {
        const error = configError(devnet({ CLAWPAY_POLICY_FILE: policyFile(content) }));
        assert.equal(error.variable, 'CLAWPAY_POLICY_FILE');
        assertNotShown(everything(error), PASTED, content);
      }
    }
  });
});

describe('argument messages across the library never show a key', () => {
  const checks = {
    'validate.describe': () => { throw invalidValue('an amount', 'amount', `0x${PASTED}`); },
    'validate.invalidArg': () => { throw invalidArg('a number', 'limit', PASTED.toUpperCase()); },
    'amount.parseDecimalUnits': () => { throw new Error(parseDecimalUnits(`0x${PASTED}`, 6).error); },
    'amount.parseDecimalUnits (all digits)': () => { throw new Error(parseDecimalUnits(`1.${'7'.repeat(70)}`, 6).error); },
    'amount.parseBaseUnits': () => { throw new Error(parseBaseUnits(PASTED).error); },
    'wallet checkAddress': () => checkAddress(`0x${PASTED}`, 'to'),
    'wallet parseAmount': () => parseAmount(`-${PASTED}`, { decimals: 6, symbol: 'USDC' }, { field: 'amount_eth' }),
    'wallet checkMemo': () => checkMemo(`pay rent, key ${PASTED}`),
    'wallet parseQueueId': () => parseQueueId(`#${PASTED}`),
    'wallet parseBlock': () => parseBlock(`0x${PASTED}z`, 'from_block'),
    'wallet checkEventType': () => checkEventType(PASTED),
    'payer url': () => normalize(`api.example/${PASTED}`, {}),
    'payer method': () => normalize('https://api.example/', { method: PASTED }),
    'payer purpose': () => normalize('https://api.example/', { purpose: `0x${PASTED}` }),
    'payer header value': () => normalize('https://api.example/', { headers: { 'x-note': `a\n${PASTED}` } }),
    'payer header name': () => normalize('https://api.example/', { headers: { [`x ${PASTED}`]: '1' } }),
  };
  for (const [name, check] of Object.entries(checks)) {
    test(`${name}: the error names the problem and shows none of the key`, () => {
      let caught = null;
      try {
        check();
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof Error, `${name} should have thrown`);
      assert.ok(caught.message.length > 10);
      if (name !== 'amount.parseDecimalUnits (all digits)') assertNotShown(everything(caught), PASTED, name);
      else assert.doesNotMatch(caught.message, /7{64}/);
    });
  }

  test('describe still shows ordinary strings', () => {
    assert.equal(describeValue('abc'), '"abc" (string of length 3)');
    assert.match(describeValue(`0x${PASTED}`), /looks like a private key .* \(string of length 66\)/);
  });

  test('a Signer\'s own key never appears in its error for a bad key', () => {
    let caught = null;
    try {
      Signer.fromPrivateKey(`0x${PASTED}00`);
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof Error);
    assertNotShown(everything(caught), PASTED, 'Signer.fromPrivateKey');
  });
});
