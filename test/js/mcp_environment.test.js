// clawpay-mcp's environment: the list of variables it reads is the one
// loadConfig really reads (so a new variable cannot be missed by the
// misspelling check), a CLAWPAY_* / AGENT_* variable outside it is named with
// the closest real one and never with its value, and an unset CHAIN_ID is
// said to mean Base mainnet.
import assert from 'node:assert/strict';
import test from 'node:test';

import { closestName, editDistance } from '../../lib/closest_name.js';
import { CONFIG_VARIABLES, loadConfig } from '../../lib/pay/config.js';
import { MCP_VARIABLES, chainDefaultNote, unknownVariables } from '../../lib/mcp/environment.js';
import { sessionsPathOf } from '../../lib/pay/sessions.js';

const KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

/** The names loadConfig reads from `env`, whatever it decides. */
function readsOf(env) {
  const read = new Set();
  const proxy = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return target[name];
    },
  });
  try {
    loadConfig(proxy);
  } catch (error) {
    if (error.code !== 'ERR_CONFIG') throw error;
  }
  return read;
}

test('the variable list is exactly what loadConfig reads, across known and custom chains', () => {
  const setups = [
    { AGENT_PRIVATE_KEY: KEY },
    { AGENT_PRIVATE_KEY: KEY, CHAIN_ID: '84532', CLAWPAY_ASSET_NAME: 'x' },
    {
      AGENT_PRIVATE_KEY: KEY, CHAIN_ID: '31337', RPC_URL: 'http://127.0.0.1:8545', CLAWPAY_ASSET_ADDRESS: TOKEN,
      CLAWPAY_ASSET_NAME: 'USD Coin', CLAWPAY_ASSET_VERSION: '2', CLAWPAY_ASSET_DECIMALS: '6', CLAWPAY_STATE_DIR: '/tmp/x',
    },
  ];
  const read = new Set(setups.flatMap((env) => [...readsOf(env)]));
  for (const name of read) assert.ok(MCP_VARIABLES.includes(name), `loadConfig reads ${name}, which MCP_VARIABLES does not list`);
  for (const name of CONFIG_VARIABLES) assert.ok(read.has(name), `CONFIG_VARIABLES lists ${name}, which loadConfig never reads`);
  assert.ok(MCP_VARIABLES.includes('CLAWPAY_SESSIONS_PATH') && MCP_VARIABLES.includes('CLAWPAY_MCP_HTTP_TOKEN'));
  assert.equal(new Set(MCP_VARIABLES).size, MCP_VARIABLES.length);
});

test('a misspelt CLAWPAY_* or AGENT_* variable is named with the closest real one, never with its value', () => {
  const env = {
    CLAWPAY_MAX_PER_CAL: '5', AGENT_PRIVATE_KY: KEY, CLAWPAY_STATEDIR: '/x', CLAWPAY_MAX_PER_CALL: '1',
    RPC_URL: 'http://x', PATH: '/bin', OTHER_AGENT_X: '1',
  };
  const found = unknownVariables(env);
  assert.deepEqual(found.map((f) => [f.variable, f.closest]), [
    ['AGENT_PRIVATE_KY', 'AGENT_PRIVATE_KEY'],
    ['CLAWPAY_MAX_PER_CAL', 'CLAWPAY_MAX_PER_CALL'],
    ['CLAWPAY_STATEDIR', 'CLAWPAY_STATE_DIR'],
  ]);
  assert.equal(found[1].message, 'CLAWPAY_MAX_PER_CAL is not a variable clawpay-mcp reads, so it has no effect; did you mean CLAWPAY_MAX_PER_CALL?');
  for (const { message } of found) assert.ok(!message.includes(KEY.slice(2)) && !message.includes('/x'), message);
  assert.deepEqual(unknownVariables({ AGENT_PRIVATE_KEY: KEY, CLAWPAY_MCP_HTTP_TOKEN: 't', CLAWPAY_SESSIONS_PATH: '/s' }), []);
});

test('an unset or blank CHAIN_ID is said to mean Base mainnet (8453); a set one says nothing', () => {
  assert.match(chainDefaultNote({}), /CHAIN_ID is not set: paying on Base mainnet \(chain 8453\)/);
  assert.match(chainDefaultNote({ CHAIN_ID: '  ' }), /Base mainnet/);
  assert.equal(chainDefaultNote({ CHAIN_ID: '84532' }), null);
});

test('the sessions journal is CLAWPAY_SESSIONS_PATH or <stateDir>/sessions.journal; a relative one is ERR_CONFIG', () => {
  assert.equal(sessionsPathOf({ stateDir: '/s' }, {}), '/s/sessions.journal');
  assert.equal(sessionsPathOf({ stateDir: '/s' }, { CLAWPAY_SESSIONS_PATH: '/j/s.journal' }), '/j/s.journal');
  assert.throws(() => sessionsPathOf({ stateDir: '/s' }, { CLAWPAY_SESSIONS_PATH: 'rel/s' }), { code: 'ERR_CONFIG', message: /absolute path/ });
});

test('closestName picks the smallest edit distance, ignoring case; editDistance is Levenshtein', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('same', 'same'), 0);
  assert.equal(closestName('doctr', ['demo', 'doctor', 'devnet']), 'doctor');
  assert.equal(closestName('DEMO', ['demo', 'devnet']), 'demo');
  assert.equal(closestName('x', []), null);
});
