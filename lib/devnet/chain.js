// A local EVM chain: anvil (from the @foundry-rs/anvil-<platform> npm
// package, which ships the binary, or from PATH) on 127.0.0.1, with viem clients.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';

import { createPublicClient, defineChain, http, toHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';

/** Anvil's default mnemonic; its accounts are public knowledge, devnet only. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
const ACCOUNT_COUNT = 10;
/** anvil's own chain id, the devnet's unless told otherwise. */
export const DEFAULT_CHAIN_ID = 31337;

const READY_POLL_MS = 50;
const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 3_000;
const KEPT_OUTPUT_LINES = 40;
const SPAWN_ATTEMPTS = 3;

const require = createRequire(import.meta.url);

const ARCHES = { x64: 'amd64', arm64: 'arm64' };

function anvilNotFound(message) {
  const error = new Error(message);
  error.code = 'ERR_ANVIL_NOT_FOUND';
  return error;
}

// An executable file named anvil on PATH (Foundry's foundryup puts it there,
// as does `npm install -g` of the anvil package), or null.
function anvilOnPath() {
  const name = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * The anvil binary: $ANVIL_BINARY, else the one inside
 * @foundry-rs/anvil-<platform>-<arch> (a devDependency here, not installed
 * with the package), else anvil on PATH. Throws ERR_ANVIL_NOT_FOUND naming
 * the command that installs it.
 */
export function anvilBinary() {
  if (process.env.ANVIL_BINARY) return process.env.ANVIL_BINARY;
  const pkg = `@foundry-rs/anvil-${process.platform}-${ARCHES[process.arch] ?? process.arch}`;
  let dir = null;
  try {
    dir = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    // not installed: PATH, then the advice below
  }
  if (dir !== null) {
    const bin = join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
    if (!existsSync(bin)) {
      throw anvilNotFound(`anvil binary not found at ${bin} (package ${pkg} is installed but incomplete; reinstall it)`);
    }
    return bin;
  }
  const onPath = anvilOnPath();
  if (onPath) return onPath;
  throw anvilNotFound(
    `anvil not found: the devnet runs a local chain with Foundry's anvil, which clawpay-native does not install. ` +
      `Install it with \`npm install -g ${pkg}\` (in a project: \`npm install --save-dev ${pkg}\`), ` +
      `or put anvil on PATH (https://getfoundry.sh), or set ANVIL_BINARY to an anvil executable`,
  );
}

/** A TCP port free on 127.0.0.1 right now (anvil binds it a moment later). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

// Anvil's dev accounts, derived from the mnemonic as anvil does
// (m/44'/60'/0'/0/i), so callers get the private keys without scraping logs.
function devAccounts() {
  return Array.from({ length: ACCOUNT_COUNT }, (_, addressIndex) => {
    const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex });
    return { address: account.address, privateKey: toHex(account.getHdKey().privateKey) };
  });
}

// The child's stdout and stderr, kept as the last few lines for error messages.
function tail(child) {
  const lines = [];
  const keep = (chunk) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > KEPT_OUTPUT_LINES) lines.shift();
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return () => lines.join('\n');
}

async function rpc(url, method, params = []) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(Math.min(2_000, READY_TIMEOUT_MS)),
  });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

// Resolves once eth_chainId answers; rejects if anvil exits first or the
// bounded number of polls runs out.
async function waitUntilReady(url, child, output) {
  let exited = null;
  const onExit = (code, signal) => {
    exited = { code, signal };
  };
  child.once('exit', onExit);
  try {
    // Bounded by the clock, not a count: a port whose listener accepts but
    // never answers would otherwise cost 2 s per poll.
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited) {
        const how = exited.signal ? `signal ${exited.signal}` : `code ${exited.code}`;
        const error = new Error(`anvil exited (${how}) before answering on ${url}:\n${output()}`);
        error.code = 'ERR_ANVIL_EXITED';
        throw error;
      }
      try {
        return await rpc(url, 'eth_chainId');
      } catch {
        await new Promise((r) => setTimeout(r, READY_POLL_MS));
      }
    }
    throw new Error(`anvil did not answer on ${url} within ${READY_TIMEOUT_MS} ms:\n${output()}`);
  } finally {
    child.off('exit', onExit);
  }
}

function stopper(child) {
  const exited = new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
    // A binary that cannot be spawned emits 'error' and may never emit 'exit'.
    child.once('error', () => {
      if (child.pid === undefined) r();
    });
  });
  // If our process exits without stop(), do not leave anvil running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stopping;
  return () => {
    stopping ??= (async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        let timer;
        const timedOut = new Promise((r) => {
          timer = setTimeout(() => r(true), STOP_GRACE_MS);
        });
        if (await Promise.race([exited.then(() => false), timedOut])) child.kill('SIGKILL');
        clearTimeout(timer);
      }
      await exited;
    })();
    return stopping;
  };
}

async function launch({ port, chainId, blockTime }) {
  const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId),
    '--accounts', String(ACCOUNT_COUNT), '--mnemonic', ANVIL_MNEMONIC];
  if (blockTime !== undefined) args.push('--block-time', String(blockTime));

  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tail(child);
  const spawnFailed = new Promise((_, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start anvil: ${err.message}`, { cause: err })));
  });
  spawnFailed.catch(() => {}); // only raced while starting; later errors surface via exit

  const stop = stopper(child);
  const rpcUrl = `http://127.0.0.1:${port}`;
  try {
    const answered = await Promise.race([waitUntilReady(rpcUrl, child, output), spawnFailed]);
    if (Number(answered) !== chainId) {
      throw new Error(`anvil on ${rpcUrl} reports chain id ${Number(answered)}, expected ${chainId}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { rpcUrl, stop, output };
}

/**
 * Starts anvil and waits until it answers JSON-RPC.
 *
 * @param {{port?: number, chainId?: number, blockTime?: number}} [options]
 *   port 0 picks a free port; blockTime (seconds) switches from mining each
 *   transaction at once to interval mining.
 */
export async function startChain({ port = 0, chainId = DEFAULT_CHAIN_ID, blockTime } = {}) {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`startChain: "port" must be an integer in 0..65535, got ${port}`);
  }
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new RangeError(`startChain: "chainId" must be a positive integer, got ${chainId}`);
  }
  if (blockTime !== undefined && !(typeof blockTime === 'number' && blockTime > 0)) {
    throw new RangeError(`startChain: "blockTime" must be a positive number of seconds, got ${blockTime}`);
  }

  // A port picked by freePort() can be taken by someone else before anvil
  // binds it; then anvil exits at once and we try another one.
  let launched;
  for (let attempt = 1; ; attempt++) {
    const chosen = port === 0 ? await freePort() : port;
    try {
      launched = await launch({ port: chosen, chainId, blockTime });
      break;
    } catch (err) {
      if (port !== 0 || attempt >= SPAWN_ATTEMPTS || err.code !== 'ERR_ANVIL_EXITED') throw err;
    }
  }
  const { rpcUrl, stop, output } = launched;

  try {
    return await describeChain({ rpcUrl, chainId, stop, output });
  } catch (err) {
    await stop(); // anvil must not outlive a failed start
    throw err;
  }
}

async function describeChain({ rpcUrl, chainId, stop, output }) {
  const viemChain = defineChain({
    id: chainId,
    name: `anvil-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    contracts: { multicall3: { address: '0xcA11bde05977b3631167028862bE2a173976CA11' } },
  });
  const publicClient = createPublicClient({ chain: viemChain, transport: http(rpcUrl), pollingInterval: 50 });

  const accounts = devAccounts();
  const [first] = await publicClient.request({ method: 'eth_accounts' });
  if (first?.toLowerCase() !== accounts[0].address.toLowerCase()) {
    throw new Error(`anvil's first account ${first} does not match the one derived from its mnemonic (${accounts[0].address})`);
  }

  return {
    rpcUrl,
    chainId,
    /** CAIP-2 id, as x402 v2 names networks. */
    network: `eip155:${chainId}`,
    accounts,
    viemChain,
    publicClient,
    /** The last lines anvil printed, for diagnostics. */
    output,
    stop,
  };
}
