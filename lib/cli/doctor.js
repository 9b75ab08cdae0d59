// `clawpay doctor`: with the same environment as clawpay-mcp, checks what it
// needs and prints one line per check, "✔ …" when it holds, "✘ …" when not:
//   variables      every CLAWPAY_* / AGENT_* variable is one clawpay-mcp reads
//                  (a misspelt one is named with the closest real one)
//   configuration  loadConfig accepts the environment (every problem listed);
//                  an unset CHAIN_ID is said to mean Base mainnet
//   rpc            RPC_URL answers and its chain id is CHAIN_ID
//   asset          the token's name(), version() and decimals() on chain are
//                  the configured ones (the EIP-712 domain payments are signed in)
//   balances       the key's (and a contract wallet's) asset and ETH; a payer
//                  with none of the asset cannot pay
//   state          the state directory exists or can be created, is a
//                  directory of mode 0700 or stricter, and its journals open
//   policy         the limits in force and today's spend, from the payment ledger
// Exit codes: 0 when every check holds, 1 when one does not, 2 bad usage.
// Nothing secret is printed: not the key, and RPC_URL only as scheme://host:port.
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { erc20Abi, parseAbi } from 'viem';

import { sameAddress } from '../hashing.js';
import { chainDefaultNote, unknownVariables } from '../mcp/environment.js';
import { sessionsPathOf } from '../pay/sessions.js';
import { describeAmount, formatAmount, formatUnits } from '../pay/amount.js';
import { loadConfig } from '../pay/config.js';
import { SpendPolicy, utcDay } from '../pay/policy.js';
import { RECORDS_FILE, openPayStore } from '../pay/store.js';
import { SessionStore } from '../session_store.js';
import { ensureDir, shownPath } from '../state_dir.js';
import { createScrubber } from './command_output.js';
import { verifyStateDir } from './state.js';
import { probeRpc, reading, rpcReadError, shownRpcUrl } from '../wallet/chain_client.js';
import { ETH, balanceRead } from '../wallet/token_info.js';

const USAGE = 'clawpay doctor   (reads the same environment as clawpay-mcp)';
const RPC_TIMEOUT_MS = 5_000;
const DOMAIN_ABI = parseAbi([
  'function version() view returns (string)',
  // EIP-5267, for tokens that publish their domain instead of version()
  'function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)',
]);

/** Collects the check lines, each passed through `scrub` before it is printed. */
function createReport(out) {
  const { hide, scrub } = createScrubber();
  let failed = 0;
  let total = 0;
  const line = (mark, text) => {
    total += 1;
    out.write(`${mark} ${scrub(String(text).split('\n')[0])}\n`);
  };
  return {
    hide,
    ok: (text) => line('✔', text),
    fail: (text) => {
      failed += 1;
      line('✘', text);
    },
    get failed() { return failed; },
    get total() { return total; },
  };
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The state directory's health: exists (created 0700 when missing, as
 * clawpay-mcp does), is a directory, mode 0700 or stricter, and its journals
 * neither is damaged (`clawpay state verify`'s check) nor fails to open. The one
 * place doctor judges the state directory.
 * @returns {Promise<{ok: boolean, detail: string}>}
 */
export async function stateHealth(dir, { sessionsPath, config }) {
  let created = false;
  try {
    created = ensureDir(dir, 'CLAWPAY_STATE_DIR');
  } catch (error) {
    return { ok: false, detail: `state directory ${shownPath(dir)} cannot be created: ${error.cause?.code ?? error.message}` };
  }
  const stat = statSync(dir);
  if (!stat.isDirectory()) return { ok: false, detail: `state directory ${dir} is not a directory` };
  const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
  if ((stat.mode & 0o077) !== 0) {
    return { ok: false, detail: `state directory ${dir} has mode ${mode}: others may read the payment records; chmod 700 it` };
  }
  // Damage first, read only: opening the journals to write would refuse a
  // damaged one too, but `clawpay state verify` says where and what.
  const verdict = verifyStateDir(dir);
  if (verdict.damaged > 0) {
    const first = verdict.lines.find((line) => line.includes(': DAMAGED: ')).trim();
    return { ok: false, detail: `state directory ${dir}: ${first} (\`clawpay state verify ${dir}\` lists it all)` };
  }
  const opened = [];
  try {
    const store = await openPayStore(config);
    store.close();
    opened.push(RECORDS_FILE);
    const sessions = new SessionStore({ path: sessionsPath });
    sessions.close();
    opened.push(sessionsPath.startsWith(`${dir}/`) ? sessionsPath.slice(dir.length + 1) : sessionsPath);
  } catch (error) {
    const which = opened.length === 0 ? RECORDS_FILE : sessionsPath;
    return { ok: false, detail: `state directory ${dir}: ${which} does not open: ${error.message}` };
  }
  return { ok: true, detail: `state directory ${dir}${created ? ' (created)' : ''}: mode ${mode}, journals open (${opened.join(', ')})` };
}

// The parts of RPC_URL that may hold a provider's key, should any message
// (a node's error text, say) echo them; a plain scheme://host:port is none.
function rpcUrlSecrets(rpcUrl) {
  if (!shownRpcUrl(rpcUrl).endsWith('/…')) return [];
  const url = new URL(rpcUrl);
  const decoded = (text) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text; // a stray "%": hidden as written
    }
  };
  return [rpcUrl, url.username, url.password, decoded(url.username), decoded(url.password), url.pathname, url.search, url.search.slice(1), url.hash];
}

function checkVariables(report, env) {
  const unknown = unknownVariables(env);
  for (const { message } of unknown) report.fail(message);
  if (unknown.length === 0) report.ok('variables: every CLAWPAY_* and AGENT_* variable set is one clawpay-mcp reads');
}

function checkConfiguration(report, env) {
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error?.code !== 'ERR_CONFIG') throw error;
    for (const problem of error.problems ?? [{ message: error.message }]) report.fail(`configuration: ${problem.message}`);
    return null;
  }
  report.hide(config.privateKey, config.privateKey.slice(2), ...rpcUrlSecrets(config.rpcUrl));
  let sessionsPath;
  try {
    sessionsPath = sessionsPathOf(config, env);
  } catch (error) {
    report.fail(`configuration: ${error.message}`);
    return null;
  }
  const wallet = config.walletMode === 'key'
    ? `key mode (wallet = payer ${config.agentAddress})`
    : `contract wallet ${config.walletAddress}, operated by ${config.agentAddress}`;
  const chain = chainDefaultNote(env) ?? `chain ${config.chainId}`;
  report.ok(`configuration: ${wallet}; ${chain}; asset ${config.asset.symbol} ${config.asset.address}`);
  return { config, sessionsPath };
}

/** The RPC's chain id, checked against CHAIN_ID; the client when it is the right chain. */
async function checkRpc(report, config) {
  const { publicClient, chainId, problem } = await probeRpc(config, { timeoutMs: RPC_TIMEOUT_MS });
  if (problem) {
    report.fail(problem);
    return null;
  }
  report.ok(`RPC ${shownRpcUrl(config.rpcUrl)} answers: chain ${chainId}, as CHAIN_ID says`);
  return publicClient;
}

async function readDomainVersion(publicClient, address) {
  try {
    return await publicClient.readContract({ address, abi: DOMAIN_ABI, functionName: 'version' });
  } catch {
    const domain = await publicClient.readContract({ address, abi: DOMAIN_ABI, functionName: 'eip712Domain' });
    return domain[2];
  }
}

async function checkAsset(report, config, publicClient) {
  const { asset, rpcUrl } = config;
  const where = `asset ${asset.address}`;
  try {
    const code = await publicClient.getCode({ address: asset.address });
    if (!code || code === '0x') {
      report.fail(`${where} has no contract code on chain ${config.chainId}: check CLAWPAY_ASSET_ADDRESS and CHAIN_ID`);
      return false;
    }
    const read = (functionName) => publicClient.readContract({ address: asset.address, abi: erc20Abi, functionName });
    const [name, version, decimals] = await Promise.all([read('name'), readDomainVersion(publicClient, asset.address), read('decimals')]);
    const wrong = [];
    if (name !== asset.name) wrong.push(`name() is ${JSON.stringify(name)} but CLAWPAY_ASSET_NAME is ${JSON.stringify(asset.name)}`);
    if (version !== asset.version) wrong.push(`version() is ${JSON.stringify(version)} but CLAWPAY_ASSET_VERSION is ${JSON.stringify(asset.version)}`);
    if (Number(decimals) !== asset.decimals) wrong.push(`decimals() is ${decimals} but CLAWPAY_ASSET_DECIMALS is ${asset.decimals}`);
    if (wrong.length > 0) {
      report.fail(`${where}: ${wrong.join('; ')} (a payment signed with the wrong domain is refused, a wrong decimals misreads every amount)`);
      return false;
    }
    report.ok(`${where} on chain: name "${name}", version "${version}", ${decimals} decimals, as configured`);
    return true;
  } catch (error) {
    report.fail(`${where}: ${rpcReadError(error, rpcUrl, `the code, name(), version() and decimals() of ${where}`).message}`);
    return false;
  }
}

async function checkBalances(report, config, publicClient) {
  const { asset } = config;
  const holders = [['payer key', config.agentAddress]];
  if (!sameAddress(config.walletAddress, config.agentAddress)) holders.push(['contract wallet', config.walletAddress]);
  try {
    const parts = [];
    let payerUnits = null;
    for (const [label, address] of holders) {
      const [units, wei] = await Promise.all([
        reading(balanceRead({ symbol: asset.symbol, token: asset.address }, address),
          () => publicClient.readContract({ address: asset.address, abi: erc20Abi, functionName: 'balanceOf', args: [address] })),
        reading(balanceRead(ETH, address), () => publicClient.getBalance({ address })),
      ]);
      if (payerUnits === null) payerUnits = units;
      parts.push(`${label} ${address} holds ${describeAmount(units, asset)} and ${formatUnits(wei, 18)} ETH`);
    }
    if (payerUnits === 0n) {
      report.fail(`balances: ${parts.join('; ')}: the payer key holds no ${asset.symbol}, so it cannot pay x402 (payments come from the key's own address)`);
      return;
    }
    report.ok(`balances: ${parts.join('; ')}`);
  } catch (error) {
    report.fail(`balances could not be read: ${rpcReadError(error, config.rpcUrl).message}`);
  }
}

async function checkPolicy(report, config) {
  const { policy, asset } = config;
  const amount = (units) => formatAmount(units, asset);
  let store;
  try {
    store = await openPayStore(config);
    const spent = SpendPolicy.fromConfig(config, store).spent();
    const left = spent >= policy.maxPerDay ? 0n : policy.maxPerDay - spent;
    const payees = policy.allowedPayees === null ? 'any payee' : plural(policy.allowedPayees.length, 'allowed payee');
    const text = `policy: at most ${amount(policy.maxPerCall)} per call, ${amount(policy.maxPerSession)} per session, ` +
      `${amount(policy.maxPerDay)} per UTC day; ${payees}; networks ${policy.allowedNetworks.join(', ')}; ` +
      `today (${utcDay(Date.now())}) ${amount(spent)} spent or reserved (${spent} base units), ${amount(left)} left`;
    if (left === 0n) report.fail(`${text}: the day's budget is used up, payments are refused until 00:00 UTC`);
    else report.ok(text);
  } catch (error) {
    report.fail(`policy: today's spend could not be read from ${RECORDS_FILE}: ${error.message}`);
  } finally {
    store?.close();
  }
}

/** `clawpay doctor [--help]`; resolves to the exit code. */
export async function doctorCommand(argv, env = process.env, { out = process.stdout } = {}) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    process.stderr.write(`clawpay doctor: ${String(error.message).split('\n')[0]} (usage: ${USAGE})\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`usage: ${USAGE}\n  checks, one ✔/✘ line each: variables, configuration, RPC and chain id, the asset on chain,\n` +
      '  balances, the state directory, the policy and today\'s spend; exit 0 only when all hold\n');
    return 0;
  }

  const report = createReport(out);
  await runChecks(report, env);
  process.stderr.write(report.failed === 0
    ? `clawpay doctor: all ${report.total} checks hold\n`
    : `clawpay doctor: ${report.failed} of ${report.total} checks failed\n`);
  return report.failed === 0 ? 0 : 1;
}

/** Each check in turn; one that needs an earlier one is reported as not checked when that failed. */
async function runChecks(report, env) {
  checkVariables(report, env);
  const loaded = checkConfiguration(report, env);
  if (!loaded) {
    report.fail('RPC, asset, balances, state directory and policy not checked: the configuration must load first');
    return;
  }
  const { config, sessionsPath } = loaded;

  const publicClient = await checkRpc(report, config);
  if (publicClient) {
    if (await checkAsset(report, config, publicClient)) await checkBalances(report, config, publicClient);
    else report.fail('balances not checked: the asset must be the configured one first');
  } else {
    report.fail('asset and balances not checked: the RPC must answer for CHAIN_ID first');
  }

  const state = await stateHealth(config.stateDir, { sessionsPath, config });
  if (state.ok) {
    report.ok(state.detail);
    await checkPolicy(report, config);
  } else {
    report.fail(state.detail);
    report.fail('policy and today\'s spend not checked: the state directory must be healthy first');
  }
}
