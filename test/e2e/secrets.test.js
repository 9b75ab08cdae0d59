// A private key pasted into the wrong place, as people run things: the real
// clawpay-mcp binary with the key in each wrong variable (exit 2, the
// variable named, none of the key's digits on stdout or stderr); its tools,
// called by the official MCP client over stdio on the local world, with the
// key in their input fields (no result, structured or text, and no stderr
// line shows it; nothing is paid); and `clawpay approvals` / `clawpay
// receipts` with the key as an argument. "Shown" means any 16-digit window
// of the key's hex, in any case (test/js/support/secret_leak.js).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { keyForms, leakedWindow } from '../js/support/secret_leak.js';
import { BIN, ROOT, launchClawpay } from './support/clawpay_child.js';
import { runNode } from './support/run_node.js';

const CLAWPAY = join(ROOT, 'bin', 'clawpay.js');
const PASTED = randomBytes(32).toString('hex');
const FORMS = keyForms(PASTED);

// A configuration that loads; RPC_URL points nowhere, since every run below
// stops at the configuration.
const AGENT_KEY = `0x${'4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'}`;
const quietEnv = (home, extra = {}) => ({
  PATH: process.env.PATH,
  HOME: home,
  CLAWPAY_STATE_DIR: join(home, 'state'),
  AGENT_PRIVATE_KEY: AGENT_KEY,
  CHAIN_ID: '31337',
  RPC_URL: 'http://127.0.0.1:9/',
  CLAWPAY_ASSET_ADDRESS: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  CLAWPAY_ASSET_NAME: 'USD Coin',
  CLAWPAY_ASSET_VERSION: '2',
  CLAWPAY_ASSET_DECIMALS: '6',
  CLAWPAY_V1_NETWORK: 'devnet-31337',
  ...extra,
});

// The variables clawpay-mcp reads (lib/pay/config.js, lib/mcp/main.js) but
// the key's own, RPC_URL (never shown at all) and the paths (below).
const VARIABLES = [
  'AGENT_WALLET_ADDRESS', 'CHAIN_ID', 'FACTORY_ADDRESS', 'NFT_CONTRACT_ADDRESS', 'SESSION_TTL_SECONDS',
  'CLAWPAY_ASSET_ADDRESS', 'CLAWPAY_ASSET_NAME', 'CLAWPAY_ASSET_VERSION', 'CLAWPAY_ASSET_DECIMALS', 'CLAWPAY_ASSET_SYMBOL',
  'CLAWPAY_V1_NETWORK', 'CLAWPAY_MAX_PER_CALL', 'CLAWPAY_MAX_PER_SESSION', 'CLAWPAY_MAX_PER_DAY',
  'CLAWPAY_ALLOWED_PAYEES', 'CLAWPAY_ALLOWED_ASSETS', 'CLAWPAY_ALLOWED_NETWORKS',
  'CLAWPAY_MAX_PER_SEND', 'CLAWPAY_MAX_ETH_PER_SEND', 'CLAWPAY_MAX_ETH_PER_DAY', 'CLAWPAY_MAX_AUTHORIZATION_SECONDS',
];

const run = (script, args, env) => runNode(script, args, { env, cwd: ROOT, stdin: 'pipe' });

function assertNotShown(text, what) {
  const window = leakedWindow(text, PASTED);
  assert.equal(window, null, `${what}: ${window} of the key is shown in ${JSON.stringify(String(text).slice(0, 600))}`);
}

let home;
before(() => { home = mkdtempSync(join(tmpdir(), 'clawpay-secrets-e2e-')); });
after(() => rmSync(home, { recursive: true, force: true }));

describe('clawpay-mcp with a key in the wrong variable', { timeout: 300_000 }, () => {
  for (const [index, variable] of VARIABLES.entries()) {
    // One of the four forms (0x / bare, lower / upper) each, in turn, so that every form is run five times
    // (test/js/secrets.test.js runs all four on every variable, in process).
    const form = FORMS[index % 4];
    test(`${variable}: exit 2, the variable named, none of the key's digits printed`, async () => {
      const { code, stdout, stderr } = await run(BIN, [], quietEnv(home, { [variable]: form }));
      assert.equal(code, 2, stderr);
      assert.match(stderr, new RegExp(`configuration error: .*${variable} holds what looks like a private key`));
      assertNotShown(stdout + stderr, `${variable}=${form}`);
    });
  }

  test('the policy file: a key as a field\'s value, as a field name, as the content, and in the path', async () => {
    const dir = join(home, 'policies');
    mkdirSync(join(dir, FORMS[1]), { recursive: true });
    const files = {
      value: [join(dir, 'value.json'), JSON.stringify({ maxPerCall: FORMS[0] })],
      list: [join(dir, 'list.json'), JSON.stringify({ allowedPayees: [FORMS[2]] })],
      name: [join(dir, 'name.json'), JSON.stringify({ [FORMS[3]]: '1.00' })],
      content: [join(dir, 'content.json'), FORMS[1]],
      path: [join(dir, FORMS[1], 'policy.json'), '{"maxPerCall": "lots"}'],
    };
    for (const [what, [path, content]] of Object.entries(files)) {
      writeFileSync(path, content);
      const { code, stdout, stderr } = await run(BIN, [], quietEnv(home, { CLAWPAY_POLICY_FILE: path }));
      assert.equal(code, 2, stderr);
      assert.match(stderr, /CLAWPAY_POLICY_FILE/, what);
      assertNotShown(stdout + stderr, `policy file ${what}`);
    }
    const missing = await run(BIN, [], quietEnv(home, { CLAWPAY_POLICY_FILE: join(dir, FORMS[0], 'none.json') }));
    assert.equal(missing.code, 2);
    assertNotShown(missing.stdout + missing.stderr, 'missing policy file');
  });

  test('CLAWPAY_STATE_DIR and CLAWPAY_SESSIONS_PATH given a relative key, and a key as an argument: exit 2, not printed', async () => {
    for (const [env, args, named] of [
      [{ CLAWPAY_STATE_DIR: FORMS[0] }, [], /CLAWPAY_STATE_DIR must be an absolute path/],
      [{ CLAWPAY_SESSIONS_PATH: FORMS[3] }, [], /CLAWPAY_SESSIONS_PATH must be an absolute path/],
      [{}, [FORMS[1]], /unknown argument/],
      [{}, ['--http', FORMS[2]], /--http takes a port/],
    ]) {
      const { code, stdout, stderr } = await run(BIN, args, quietEnv(home, env));
      assert.equal(code, 2, stderr);
      assert.match(stderr, named);
      assertNotShown(stdout + stderr, JSON.stringify({ env, args }));
    }
  });
});

describe('clawpay-mcp tools with a key in their input fields', { timeout: 600_000 }, () => {
  let world;
  let info;
  let agent;
  let contractAgent; // AGENT_WALLET_ADDRESS: the world's AgentAccountV2

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    agent = await launchClawpay({ ...info.mcpEnv, CLAWPAY_STATE_DIR: join(home, 'mcp'), HOME: home });
    contractAgent = await launchClawpay({
      ...info.mcpEnv, AGENT_WALLET_ADDRESS: info.agentWallet.address, CLAWPAY_STATE_DIR: join(home, 'mcp-contract'), HOME: home,
    });
  });

  after(async () => {
    await agent?.close().catch(() => {});
    await contractAgent?.close().catch(() => {});
    await world?.stop();
  });

  test('every refused call names the field and shows none of the key, in the result or on stderr; nothing is paid', async () => {
    const payer = info.payer.address;
    const balanceBefore = await usdcBalance({ chain: world.chain, token: world.token, address: payer });
    const url = info.routes.perCall;
    const recipient = info.payTo;
    const calls = [];
    for (const key of FORMS) {
      calls.push(
        ['x402_pay', { url: key }],
        ['x402_pay', { url: `ftp://${key}.example/` }],
        ['x402_pay', { url, max_payment: key }],
        ['x402_pay', { url, max_payment_eth: key }],
        ['x402_pay', { url, method: key }],
        ['x402_session_start', { endpoint: key }],
        ['x402_session_start', { endpoint: info.routes.session, label: key }],
        ['x402_session_start', { endpoint: info.routes.session, max_payment: `0.${key}` }],
        ['x402_session_fetch', { session_id: key, url }],
        ['x402_session_status', { session_id: key }],
        ['x402_session_end', { session_id: key }],
        ['send_payment', { to: key, amount_eth: '0.01' }],
        ['send_payment', { to: recipient, amount_eth: key }],
        ['send_payment', { to: recipient, amount_eth: '0.01', token: key }],
        ['send_payment', { to: recipient, amount_eth: '0.01', memo: `rent ${key}` }],
        ['check_spend_limit', { amount_eth: key }],
        ['check_spend_limit', { amount_eth: '0.01', token: key }],
        ['get_wallet_info', { token: key }],
        ['queue_approval', { action: 'approve', tx_id: key }],
        ['queue_approval', { action: 'cancel', tx_id: `#${key}` }],
        ['get_transaction_history', { from_block: key }],
        ['get_transaction_history', { to_block: `${key}z` }],
        ['deploy_wallet', { token_id: key }],
        ['deploy_wallet', { token_id: '1', factory_address: key }],
        ['deploy_wallet', { token_id: '1', nft_contract_address: key }],
      );
    }
    const contractCalls = FORMS.flatMap((key) => [
      ['queue_approval', { action: 'approve', tx_id: key }],
      ['queue_approval', { action: 'cancel', tx_id: `${key}1` }],
      ['send_payment', { to: key, amount_eth: '0.01' }],
      ['send_payment', { to: recipient, amount_eth: `1${key}` }],
      ['get_wallet_info', { token: key }],
    ]);
    for (const [child, list] of [[agent, calls], [contractAgent, contractCalls]]) {
      for (const [name, args] of list) {
        const result = await child.client.callTool({ name, arguments: args });
        const what = `${name} ${JSON.stringify(args)}`;
        assert.equal(result.isError, true, `${what} should have been refused: ${result.content?.[0]?.text}`);
        assert.ok(result.content[0].text.length > 10, what);
        assertNotShown(JSON.stringify(result), what);
      }
      assertNotShown(child.stderr(), 'clawpay-mcp stderr');
    }
    assert.equal(await usdcBalance({ chain: world.chain, token: world.token, address: payer }), balanceBefore, 'nothing was paid');
  });

  test('a refusal still says what is wrong: the field is named', async () => {
    const cases = [
      ['send_payment', { to: FORMS[0], amount_eth: '0.01' }, /\bto must be an address/],
      ['x402_pay', { url: info.routes.perCall, max_payment: FORMS[1] }, /max_payment/],
      ['x402_session_status', { session_id: FORMS[2] }, /Session not found: a value that looks like a private key/],
      ['x402_session_start', { endpoint: info.routes.session, label: FORMS[3] }, /label holds what looks like a private key/],
      ['get_transaction_history', { from_block: FORMS[0] }, /from_block must be a block number/],
    ];
    for (const [name, args, expected] of cases) {
      const result = await agent.client.callTool({ name, arguments: args });
      assert.match(result.content[0].text, expected, name);
    }
  });
});

describe('clawpay approvals and clawpay receipts with a key as an argument', { timeout: 120_000 }, () => {
  test('approvals: a key as the subcommand, the id, an option, or in a wrong variable is refused and never printed', async () => {
    const env = quietEnv(home, { CLAWPAY_STATE_DIR: join(home, 'approvals') });
    for (const [args, extra, code] of [
      [[FORMS[0]], {}, 2],
      [['approve', FORMS[1]], {}, 2],
      [['cancel', `#${FORMS[2]}`], {}, 2],
      [['list', `--${FORMS[3]}`], {}, 2],
      [['list', FORMS[0]], {}, 2],
      [['list'], { CLAWPAY_MAX_PER_SEND: FORMS[1] }, 1],
      [['list'], { AGENT_WALLET_ADDRESS: FORMS[2] }, 1],
    ]) {
      const out = await run(CLAWPAY, ['approvals', ...args], { ...env, ...extra });
      assert.equal(out.code, code, out.stderr);
      assert.ok(out.stderr.length > 10);
      assertNotShown(out.stdout + out.stderr, `approvals ${JSON.stringify(args)} ${JSON.stringify(extra)}`);
    }
  });

  test('receipts: a key as the subcommand, the format, an option or in the ledger path is refused and never printed', async () => {
    for (const [args, code] of [
      [[FORMS[0]], 2],
      [['export', '--path', join(home, 'ledger'), '--format', FORMS[1]], 2],
      [['export', `--${FORMS[2]}`], 2],
      [['export', '--path', join(home, FORMS[3], 'receipts.ledger')], 1],
    ]) {
      const out = await run(CLAWPAY, ['receipts', ...args], { PATH: process.env.PATH, HOME: home });
      assert.equal(out.code, code, out.stderr);
      assert.ok(out.stderr.length > 10);
      assertNotShown(out.stdout + out.stderr, `receipts ${JSON.stringify(args)}`);
    }
  });

  test('clawpay with a key as the command: exit 2, not printed', async () => {
    const out = await run(CLAWPAY, [FORMS[1]], { PATH: process.env.PATH, HOME: home });
    assert.equal(out.code, 2);
    assert.match(out.stderr, /unknown command/);
    assertNotShown(out.stdout + out.stderr, 'clawpay <key>');
  });
});
