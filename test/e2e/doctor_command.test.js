// `clawpay doctor` as an operator runs it: the real command in a child
// process, with clawpay-mcp's environment, against one local world (anvil,
// our EIP-3009 USD Coin, the official facilitator, a paid API). A good setup
// is all ✔ and exit 0, and today's spend and the balances are the ledger's
// and the chain's after a real payment; each broken setting is exit 1 with
// the matching ✘ line. The key's hex digits and an RPC_URL's credentials are
// never printed. clawpay-mcp itself warns about the same misspelt variable
// and about an unset CHAIN_ID.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

import { freePort } from '../../lib/devnet/chain.js';
import { PER_CALL_PRICE } from '../../lib/devnet/paywall_server.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { AGENT_WALLET_FUNDS, describeWorld, startWorld } from '../../lib/devnet/world.js';
import { loadConfig } from '../../lib/pay/config.js';
import { createPayer } from '../../lib/pay/payer.js';
import { openPayStore } from '../../lib/pay/store.js';
import { runNode } from './support/run_node.js';

const CLAWPAY = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));
const CLAWPAY_MCP = fileURLToPath(new URL('../../bin/clawpay-mcp.js', import.meta.url));

describe('clawpay doctor', { timeout: 300_000 }, () => {
  let world;
  let info;
  let root;
  let env;
  const transcript = [];

  function run(bin, args, extra = {}, { drop = [], stdin = 'ignore' } = {}) {
    const childEnv = { PATH: process.env.PATH, HOME: root, ...env, ...extra };
    for (const name of drop) delete childEnv[name];
    return runNode(bin, args, { env: childEnv, stdin }).then((result) => {
      transcript.push(result.stdout, result.stderr);
      return { ...result, lines: result.stdout.trim().split('\n') };
    });
  }
  const doctor = (extra, options) => run(CLAWPAY, ['doctor'], extra, options);

  /** Exit 1, the ✘ line matching `pattern` there, and every other line ✔ but for `alsoFailing`. */
  function assertFails(result, pattern, alsoFailing = []) {
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const failing = result.lines.filter((line) => line.startsWith('✘ '));
    assert.ok(failing.some((line) => pattern.test(line)), `no ✘ line matches ${pattern}:\n${result.stdout}`);
    for (const line of failing) {
      assert.ok(pattern.test(line) || alsoFailing.some((p) => p.test(line)), `unexpected failure: ${line}`);
    }
    for (const line of result.lines) assert.match(line, /^[✔✘] /);
    assert.match(result.stderr, /clawpay doctor: \d+ of \d+ checks failed/);
  }

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    root = mkdtempSync(join(tmpdir(), 'clawpay-doctor-'));
    env = { ...info.mcpEnv, CLAWPAY_STATE_DIR: join(root, 'state') };
  });

  after(async () => {
    await world?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
    // Nothing any run printed holds the key's digits.
    const all = transcript.join('\n');
    assert.ok(!all.toLowerCase().includes(info.payer.privateKey.slice(2).toLowerCase()), 'the agent key was printed');
  });

  test('a good setup: every check ✔, exit 0; the state directory is created 0700', async () => {
    const result = await doctor();
    assert.equal(result.code, 0, result.stdout + result.stderr);
    for (const line of result.lines) assert.match(line, /^✔ /, line);
    const text = result.stdout;
    assert.match(text, /^✔ variables: every CLAWPAY_\* and AGENT_\* variable set is one clawpay-mcp reads$/m);
    assert.match(text, new RegExp(`^✔ configuration: key mode \\(wallet = payer ${info.payer.address}\\); chain ${info.chainId}; asset USD Coin ${info.asset.address}$`, 'm'));
    assert.match(text, new RegExp(`^✔ RPC ${info.rpcUrl} answers: chain ${info.chainId}, as CHAIN_ID says$`, 'm'));
    assert.match(text, /^✔ asset 0x[0-9a-fA-F]{40} on chain: name "USD Coin", version "2", 6 decimals, as configured$/m);
    assert.match(text, /^✔ balances: payer key 0x[0-9a-fA-F]{40} holds 100\.00 USD Coin \(100000000 base units\) and [0-9.]+ ETH$/m);
    assert.match(text, new RegExp(`^✔ state directory ${join(root, 'state')} \\(created\\): mode 0700, journals open \\(pay\\.records, sessions\\.journal\\)$`, 'm'));
    assert.match(text, /^✔ policy: at most 1\.00 USD Coin per call, 5\.00 USD Coin per session, 20\.00 USD Coin per UTC day; any payee; networks eip155:31337; today \(\d{4}-\d\d-\d\d\) 0\.00 USD Coin spent or reserved \(0 base units\), 20\.00 USD Coin left$/m);
    assert.equal(result.lines.length, 7);
    assert.match(result.stderr, /^clawpay doctor: all 7 checks hold\n$/);
  });

  test('after a real payment, today\'s spend is the ledger\'s and the balance the chain\'s, to the base unit', async () => {
    const config = loadConfig({ ...env, HOME: root });
    const store = await openPayStore(config);
    const before = await usdcBalance({ chain: world.chain, token: world.token, address: info.payer.address });
    const payer = createPayer({ config, store });
    try {
      const paid = await payer.fetch(info.routes.perCall);
      assert.equal(paid.status, 200);
    } finally {
      payer.close();
      store.close();
    }
    const afterPaying = await usdcBalance({ chain: world.chain, token: world.token, address: info.payer.address });
    assert.equal(before - afterPaying, PER_CALL_PRICE);

    const result = await doctor();
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`holds [0-9.]+ USD Coin \\(${afterPaying} base units\\)`));
    assert.match(result.stdout, new RegExp(`today \\(\\d{4}-\\d\\d-\\d\\d\\) 0\\.01 USD Coin spent or reserved \\(${PER_CALL_PRICE} base units\\), 19\\.99 USD Coin left`));
    assert.match(result.stdout, /state directory .*: mode 0700/); // existing now, not "(created)"
    assert.doesNotMatch(result.stdout, /\(created\)/);
  });

  test('the day\'s budget used up: ✘ on the policy line, with today\'s spend', async () => {
    const result = await doctor({ CLAWPAY_MAX_PER_DAY: '0.01' });
    assertFails(result, new RegExp(`^✘ policy: .* 0\\.01 USD Coin spent or reserved \\(${PER_CALL_PRICE} base units\\), 0\\.00 USD Coin left: the day's budget is used up`));
  });

  test('contract mode: the wallet\'s balances beside the key\'s, as the chain holds them', async () => {
    const wallet = info.agentWallet.address;
    const onChain = await usdcBalance({ chain: world.chain, token: world.token, address: wallet });
    assert.equal(onChain, AGENT_WALLET_FUNDS.usdc);
    const result = await doctor({ AGENT_WALLET_ADDRESS: wallet });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`^✔ configuration: contract wallet ${wallet}, operated by ${info.payer.address};`, 'm'));
    assert.match(result.stdout, new RegExp(`; contract wallet ${wallet} holds 20\\.00 USD Coin \\(${onChain} base units\\) and 0\\.20 ETH$`, 'm'));
  });

  test('a wrong CHAIN_ID: ✘ naming the RPC\'s chain and CHAIN_ID; asset and balances not checked', async () => {
    const result = await doctor({ CHAIN_ID: '31338' });
    assertFails(result, new RegExp(`^✘ RPC ${info.rpcUrl} is chain 31337, but CHAIN_ID is 31338`), [/^✘ asset and balances not checked/]);
  });

  test('no CHAIN_ID: the configuration line says Base mainnet, and the RPC is not Base', async () => {
    const result = await doctor({}, { drop: ['CHAIN_ID', 'CLAWPAY_V1_NETWORK'] });
    assert.match(result.stdout, /^✔ configuration: .*CHAIN_ID is not set: paying on Base mainnet \(chain 8453\), ClawPay's default/m);
    assertFails(result, /^✘ RPC .* is chain 31337, but CHAIN_ID is 8453/, [/^✘ asset and balances not checked/]);
  });

  test('an RPC that does not answer: ✘ naming its URL', async () => {
    const port = await freePort();
    const result = await doctor({ RPC_URL: `http://127.0.0.1:${port}` });
    assertFails(result, new RegExp(`^✘ RPC http://127\\.0\\.0\\.1:${port} does not answer: `), [/^✘ asset and balances not checked/]);
  });

  test('an RPC_URL with credentials, a key in its path and an API key in its query is shown without them', async () => {
    const port = new URL(info.rpcUrl).port;
    // (anvil answers on / only: the path token is tried on a port where nothing listens)
    const result = await doctor({ RPC_URL: `http://alice:pa55w0rdXYZ@127.0.0.1:${port}/?apikey=querysecret42` });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`^✔ RPC http://127\\.0\\.0\\.1:${port}/… answers`, 'm'));
    const down = await doctor({ RPC_URL: `http://alice:pa55w0rdXYZ@127.0.0.1:${await freePort()}/v3/pathtoken77?apikey=querysecret42` });
    assert.equal(down.code, 1);
    for (const output of [result.stdout + result.stderr, down.stdout + down.stderr]) {
      for (const secret of ['alice', 'pa55w0rdXYZ', 'pathtoken77', 'querysecret42']) assert.ok(!output.includes(secret), `${secret} printed:\n${output}`);
    }
  });

  for (const [variable, value, pattern] of [
    ['CLAWPAY_ASSET_NAME', 'USD Coins', /^✘ asset 0x[0-9a-fA-F]{40}: name\(\) is "USD Coin" but CLAWPAY_ASSET_NAME is "USD Coins"/],
    ['CLAWPAY_ASSET_VERSION', '1', /^✘ asset 0x[0-9a-fA-F]{40}: version\(\) is "2" but CLAWPAY_ASSET_VERSION is "1"/],
    ['CLAWPAY_ASSET_DECIMALS', '18', /^✘ asset 0x[0-9a-fA-F]{40}: decimals\(\) is 6 but CLAWPAY_ASSET_DECIMALS is 18/],
  ]) {
    test(`a wrong ${variable}: ✘ naming the chain's value and the configured one`, async () => {
      const result = await doctor({ [variable]: value });
      assertFails(result, pattern, [/^✘ balances not checked/]);
    });
  }

  test('an asset address with no contract: ✘', async () => {
    const result = await doctor({ CLAWPAY_ASSET_ADDRESS: '0x000000000000000000000000000000000000dEaD' });
    assertFails(result, /^✘ asset 0x000000000000000000000000000000000000dEaD has no contract code on chain 31337/, [/^✘ balances not checked/]);
  });

  test('a payer key that holds no USDC: ✘ on the balances line, in units with the symbol, saying it cannot pay x402', async () => {
    const key = generatePrivateKey();
    const { address } = privateKeyToAccount(key);
    const result = await doctor({ AGENT_PRIVATE_KEY: key, CLAWPAY_STATE_DIR: join(root, 'empty-key') });
    assertFails(result, new RegExp(`^✘ balances: payer key ${address} holds 0\\.00 USD Coin \\(0 base units\\) and 0\\.00 ETH;.*: the payer key holds no USD Coin, so it cannot pay x402`));
    assert.ok(!result.stdout.includes(key.slice(2)) && !result.stderr.includes(key.slice(2)), 'the key is not printed');
  });

  test('CLAWPAY_MAX_PER_CAL=5 (misspelt): ✘ naming CLAWPAY_MAX_PER_CALL, the default 1.00 still in force, the value never shown', async () => {
    const result = await doctor({ CLAWPAY_MAX_PER_CAL: '5' });
    assertFails(result, /^✘ CLAWPAY_MAX_PER_CAL is not a variable clawpay-mcp reads, so it has no effect; did you mean CLAWPAY_MAX_PER_CALL\?$/);
    assert.match(result.stdout, /^✔ policy: at most 1\.00 USD Coin per call/m);
    assert.doesNotMatch(result.stdout, /\b5\b.*CAL|CAL.*=/);
  });

  test('clawpay-mcp warns about the same misspelt variable and about an unset CHAIN_ID, one line each, at start', async () => {
    // stdin closed at once: clawpay-mcp starts, then shuts down cleanly (exit 0).
    const result = await run(CLAWPAY_MCP, [], { CLAWPAY_MAX_PER_CAL: '5' }, { drop: ['CHAIN_ID', 'CLAWPAY_V1_NETWORK'] });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr.split('\n');
    assert.equal(lines.filter((l) => l === 'clawpay-mcp: warning: CLAWPAY_MAX_PER_CAL is not a variable clawpay-mcp reads, so it has no effect; did you mean CLAWPAY_MAX_PER_CALL?').length, 1, result.stderr);
    assert.equal(lines.filter((l) => /^clawpay-mcp: CHAIN_ID is not set: paying on Base mainnet \(chain 8453\)/.test(l)).length, 1, result.stderr);
    const withChain = await run(CLAWPAY_MCP, []);
    assert.equal(withChain.code, 0, withChain.stderr);
    assert.doesNotMatch(withChain.stderr, /warning:|CHAIN_ID is not set/);
  });

  test('clawpay-mcp with an RPC that does not answer, or is another chain: a warning naming the URL (without its key) at start; the server still starts', async () => {
    const port = await freePort();
    const down = await run(CLAWPAY_MCP, [], { RPC_URL: `http://127.0.0.1:${port}/v3/0123456789abcdef` });
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr, /serving MCP over stdio/);
    assert.match(down.stderr, new RegExp(`^clawpay-mcp: warning: RPC http://127\\.0\\.0\\.1:${port}/… does not answer: .*\\(reading its chain id\\)$`, 'm'));
    assert.doesNotMatch(down.stderr, /0123456789abcdef/);
    const wrong = await run(CLAWPAY_MCP, [], { CHAIN_ID: '84532', CLAWPAY_V1_NETWORK: 'base-sepolia' });
    assert.match(wrong.stderr, /^clawpay-mcp: warning: RPC .* is chain 31337, but CHAIN_ID is 84532: payments would be signed for the wrong chain$/m);
  });

  test('a state directory that cannot be created: ✘ naming it and why; the policy not checked', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a directory');
    const result = await doctor({ CLAWPAY_STATE_DIR: join(file, 'state') });
    assertFails(result, new RegExp(`^✘ state directory ${join(file, 'state')} cannot be created: ENOTDIR$`), [/^✘ policy and today's spend not checked/]);
    // Under /proc (where Node 20's recursive mkdir would never return) it is told too.
    const proc = await doctor({ CLAWPAY_STATE_DIR: '/proc/clawpay-doctor/state' });
    assertFails(proc, /^✘ state directory \/proc\/clawpay-doctor\/state cannot be created: ENOENT$/, [/^✘ policy and today's spend not checked/]);
  });

  test('clawpay-mcp with a state directory that cannot be created stops at start with the reason (under /proc too, where it used to hang)', async () => {
    const result = await run(CLAWPAY_MCP, [], { CLAWPAY_STATE_DIR: '/proc/clawpay-mcp/state' });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^clawpay-mcp: cannot start: CLAWPAY_STATE_DIR \/proc\/clawpay-mcp\/state cannot be created or used: ENOENT \(mkdir \/proc\/clawpay-mcp\)/m);
  });

  test('a state directory others may read: ✘ naming its mode', async () => {
    const open = join(root, 'open-state');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    const result = await doctor({ CLAWPAY_STATE_DIR: open });
    assertFails(result, new RegExp(`^✘ state directory ${open} has mode 0755: others may read the payment records; chmod 700 it$`), [/^✘ policy and today's spend not checked/]);
  });

  test('a journal that does not open: ✘ naming it', async () => {
    const broken = join(root, 'broken-state');
    mkdirSync(join(broken, 'pay.records'), { recursive: true, mode: 0o700 }); // a directory where the file goes
    chmodSync(broken, 0o700);
    const result = await doctor({ CLAWPAY_STATE_DIR: broken });
    assertFails(result, new RegExp(`^✘ state directory ${broken}: pay\\.records does not open: `), [/^✘ policy and today's spend not checked/]);
  });

  test('a damaged journal: ✘ naming the file and the damage, and the file left as it was', async () => {
    const used = join(root, 'damaged-state');
    const first = await doctor({ CLAWPAY_STATE_DIR: used });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    truncateSync(join(used, 'pay.records'), 0); // emptied: the manifest says it held a journal
    const result = await doctor({ CLAWPAY_STATE_DIR: used });
    assertFails(result, new RegExp(`^✘ state directory ${used}: pay\\.records: DAMAGED: .*clawpay state verify ${used}`), [/^✘ policy and today's spend not checked/]);
    assert.equal(statSync(join(used, 'pay.records')).size, 0);
  });

  test('a bad configuration: ✘ per problem, naming the variable, never the key; nothing else checked', async () => {
    const badKey = `0x${'ab'.repeat(31)}zz`;
    const result = await doctor({ AGENT_PRIVATE_KEY: badKey, SESSION_TTL_SECONDS: '5' });
    assertFails(result, /^✘ configuration: AGENT_PRIVATE_KEY must be 0x \+ 64 hex digits/, [
      /^✘ configuration: SESSION_TTL_SECONDS must be an integer/, /^✘ RPC, asset, balances, state directory and policy not checked/,
    ]);
    assert.ok(!result.stdout.includes('ab'.repeat(31)));
  });
});
