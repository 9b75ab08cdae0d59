// The clawpay-mcp command: ClawPay MCP 1.1's command and environment, on
// stdio by default or on Streamable HTTP with --http.
//
//   clawpay-mcp                 MCP over stdio (what MCP clients launch)
//   clawpay-mcp --http [port]   MCP over Streamable HTTP at http://127.0.0.1:<port>/mcp
//                               (default port 8402; 0 picks a free one; loopback only)
//   --upstream NAME=URL         (repeatable; also CLAWPAY_UPSTREAMS) offer an upstream MCP
//                               server's tools as NAME_TOOL, paying them (lib/mcp/upstreams/)
//   clawpay-mcp --help | --version
//
// Configuration comes from the environment (lib/pay/config.js lists it;
// lib/mcp/environment.js has the whole list). A CLAWPAY_* or AGENT_* variable
// it does not read is a warning on stderr naming the closest real one; an
// unset CHAIN_ID (Base mainnet) is said on stderr too.
// State lives in CLAWPAY_STATE_DIR (created 0700): sessions.journal (the
// sessions, so they survive restarts; CLAWPAY_SESSIONS_PATH overrides it) and
// pay.records (the payer's ledger and daily spend). With --http, CLAWPAY_MCP_HTTP_TOKEN
// makes every request carry "Authorization: Bearer <token>".
//
// Exit codes: 0 after a clean shutdown (SIGINT, SIGTERM, stdin closed on
// stdio), 2 for bad arguments or configuration, 1 for anything else.
// stdout carries the protocol on stdio; everything else goes to stderr.
import { chmodSync, statSync } from 'node:fs';

import { serveStdio } from '@modelcontextprotocol/server/stdio';

import { ownHexValues, redactSecrets, showInput } from '../secret_text.js';
import { SessionStore } from '../session_store.js';
import { Signer } from '../signer.js';
import { ensureDir } from '../state_dir.js';
import { batchCallCounts } from '../pay/call_counts.js';
import { loadConfig } from '../pay/config.js';
import { createPayer } from '../pay/payer.js';
import { createSessions, sessionsPathOf } from '../pay/sessions.js';
import { createSessionStates } from '../pay/session_states.js';
import { openPayStore } from '../pay/store.js';
import { probeRpc } from '../wallet/chain_client.js';
import { openWallet } from '../wallet/index.js';
import { chainDefaultNote, unknownVariables } from './environment.js';
import { DEFAULT_HTTP_PORT, serveHttp } from './http_transport.js';
import { createClawpayServer, SERVER_NAME, SERVER_VERSION } from './server.js';
import { approvedSendsText } from './wallet_view.js';
import { parseUpstreams, startUpstreams, upstreamTimeoutOf } from './upstreams/index.js';

const USAGE = `Usage: clawpay-mcp [--http [port]] [--upstream NAME=URL]...

  (no options)     serve MCP over stdio
  --http [port]    serve MCP over Streamable HTTP at http://127.0.0.1:<port>/mcp
                   (default ${DEFAULT_HTTP_PORT}; 0 picks a free port; loopback only)
  --upstream NAME=URL
                   offer the tools of the MCP server at URL (Streamable HTTP) as NAME_TOOL,
                   paying those that ask for payment under the spend policy (repeatable;
                   also CLAWPAY_UPSTREAMS=NAME=URL,...; CLAWPAY_UPSTREAM_TIMEOUT_MS, default 30000)
  --help           show this help
  --version        show the version

Environment: AGENT_PRIVATE_KEY (or AGENT_PRIVATE_KEY_FILE, mode 0600), AGENT_WALLET_ADDRESS (optional: an AgentAccountV2), CHAIN_ID, RPC_URL,
SESSION_TTL_SECONDS, FACTORY_ADDRESS, NFT_CONTRACT_ADDRESS (as ClawPay MCP 1.1), and
CLAWPAY_STATE_DIR, CLAWPAY_ASSET_*, CLAWPAY_MAX_PER_CALL / _SESSION / _DAY, CLAWPAY_POLICY_FILE,
CLAWPAY_SESSIONS_PATH, CLAWPAY_MCP_HTTP_TOKEN (--http only), CLAWPAY_UPSTREAMS, CLAWPAY_UPSTREAM_TIMEOUT_MS.
\`clawpay doctor\` checks this environment: the chain, the asset, the balances, the state directory.
`;

// How long a shutdown waits for tool calls under way (a payment mid-flight).
const DRAIN_MS = 10_000;

class UsageError extends Error {}

export function parseArgs(argv) {
  const options = { http: false, port: DEFAULT_HTTP_PORT, help: false, version: false, upstreams: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--version' || arg === '-v') options.version = true;
    else if (arg === '--http' || arg.startsWith('--http=')) {
      options.http = true;
      let value = arg.startsWith('--http=') ? arg.slice('--http='.length) : undefined;
      if (value === undefined && argv[i + 1] !== undefined && !argv[i + 1].startsWith('-')) value = argv[(i += 1)];
      if (value !== undefined) {
        if (!/^[0-9]{1,5}$/.test(value) || Number(value) > 65535) throw new UsageError(`--http takes a port from 0 to 65535, got ${showInput(value)}`);
        options.port = Number(value);
      }
    } else if (arg === '--upstream' || arg.startsWith('--upstream=')) {
      const value = arg === '--upstream' ? argv[(i += 1)] : arg.slice('--upstream='.length);
      if (value === undefined) throw new UsageError('--upstream takes NAME=URL');
      options.upstreams.push(value);
    } else {
      throw new UsageError(`unknown argument ${showInput(arg)}`);
    }
  }
  return options;
}

// Every line on stderr may echo configuration, paths or error text: a run of
// 64 hex digits in it is never shown, but for the tx hashes and nonces a
// line names as its own (`keep`; lib/secret_text.js has the rule).
const say = (line, keep = []) => process.stderr.write(`${SERVER_NAME}: ${redactSecrets(line, { keep })}\n`);

/** The state directory, created 0700 (or tightened to it when it is ours). */
function openStateDir(dir) {
  ensureDir(dir, 'CLAWPAY_STATE_DIR');
  const stat = statSync(dir);
  if ((stat.mode & 0o077) !== 0 && typeof process.getuid === 'function' && stat.uid === process.getuid()) chmodSync(dir, 0o700);
}

/**
 * Runs the command until it is told to stop. Resolves once serving began
 * (the process then lives on its open handles); sets process.exitCode on a
 * usage or configuration error.
 * @param {string[]} argv  the arguments after the script
 * @param {{env?: Record<string, string|undefined>}} [options]
 */
export async function main(argv, { env = process.env } = {}) {
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    say(error.message);
    process.stderr.write(USAGE);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (options.version) {
    process.stdout.write(`${SERVER_NAME} ${SERVER_VERSION}\n`);
    return;
  }

  // A misspelt variable has no effect: said before anything else, without its value.
  for (const { message } of unknownVariables(env)) say(`warning: ${message}`);

  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error?.code !== 'ERR_CONFIG') throw error;
    // One line, naming each bad variable; a secret's value is never in it.
    const problems = error.problems?.map((p) => p.message) ?? [error.message];
    say(`configuration error: ${problems.join('; ')}`);
    process.exitCode = 2;
    return;
  }

  let sessionsPath;
  try {
    sessionsPath = sessionsPathOf(config, env);
  } catch (error) {
    if (error?.code !== 'ERR_CONFIG') throw error;
    say(`configuration error: ${error.message}`);
    process.exitCode = 2;
    return;
  }
  let upstreamList;
  let upstreamTimeoutMs;
  try {
    upstreamList = parseUpstreams(options.upstreams, env.CLAWPAY_UPSTREAMS);
    upstreamTimeoutMs = upstreamTimeoutOf(env.CLAWPAY_UPSTREAM_TIMEOUT_MS);
  } catch (error) {
    if (error?.code !== 'ERR_UPSTREAM') throw error;
    say(`configuration error: ${error.message}`);
    process.exitCode = 2;
    return;
  }
  const chainNote = chainDefaultNote(env);
  if (chainNote) say(chainNote);

  const closers = [];
  const closeAll = () => {
    for (const close of closers.reverse()) {
      try {
        close();
      } catch (error) {
        say(`while shutting down: ${error.message}`);
      }
    }
    closers.length = 0;
  };

  let signer;
  let payer;
  let sessions;
  let store;
  let wallet;
  try {
    openStateDir(config.stateDir);
    // Call counts are journaled in batches, off the call's path (call_counts.js).
    sessions = batchCallCounts(new SessionStore({ path: sessionsPath }));
    closers.push(() => sessions.close());
    store = await openPayStore(config);
    closers.push(() => store.close());
    // Closed sessions' states stay in the store; the cache keeps live ones.
    const pruned = createSessionStates({ store, cache: sessions, seconds: () => Math.floor(Date.now() / 1000) }).prune();
    if (pruned > 0) say(`moved ${pruned} expired or ended session(s) out of ${sessionsPath}`);
    signer = Signer.fromPrivateKey(config.privateKey);
    closers.push(() => signer.destroy());
    // One Signer for the key: the payer, the session tokens and the wallet share it.
    payer = await createPayer({ config, store, signer });
    closers.push(() => payer.close());
    wallet = openWallet({ config, store, signer });
  } catch (error) {
    closeAll();
    say(`cannot start: ${error.message}`);
    process.exitCode = 1;
    return;
  }

  // Tool calls under way, so that a shutdown lets a payment finish.
  const inflight = new Set();
  const activity = {
    track(promise) {
      inflight.add(promise);
      promise.finally(() => inflight.delete(promise)).catch(() => {});
    },
  };
  const log = (line, keep) => say(line, keep);
  let upstreams = null;
  if (upstreamList.length > 0) {
    // The upstreams' calls use the same sessions (a clawpay session covering an upstream's URL shows its token there).
    const paySessions = createSessions({ payer, cache: sessions, signer, walletAddress: config.walletAddress, assetAddress: config.asset.address, store });
    upstreams = await startUpstreams({ list: upstreamList, timeoutMs: upstreamTimeoutMs, payer, sessions: paySessions, config, version: SERVER_VERSION, log, activity });
    closers.push(() => upstreams.close());
  }
  const factory = () => createClawpayServer({ config, payer, sessions, store, signer, wallet, log, activity, upstreamTools: upstreams?.tools });
  const onerror = (error) => say(`MCP transport: ${error?.message ?? error}`);

  let stopServing;
  if (options.http) {
    const token = env.CLAWPAY_MCP_HTTP_TOKEN?.trim() || null;
    let http;
    try {
      http = await serveHttp(factory, { port: options.port, token, onerror });
    } catch (error) {
      closeAll();
      say(`cannot listen on 127.0.0.1:${options.port}: ${error.code ?? error.message}`);
      process.exitCode = 1;
      return;
    }
    stopServing = () => http.close();
    say(`${SERVER_VERSION} serving MCP over Streamable HTTP at ${http.url}${token ? ' (bearer token required)' : ''}; ` +
      `wallet ${config.walletAddress} (${config.walletMode} mode), payer ${config.agentAddress}, ${config.network}`);
  } else {
    const handle = serveStdio(factory, { onerror });
    stopServing = () => handle.close();
    say(`${SERVER_VERSION} serving MCP over stdio; wallet ${config.walletAddress} (${config.walletMode} mode), payer ${config.agentAddress}, ${config.network}`);
  }

  // An RPC that is down or on another chain is said at once (the server
  // still starts: the tools that need the chain say so when called).
  activity.track(probeRpc(config).then(({ problem }) => {
    if (problem) say(`warning: ${problem}`);
  }, (error) => say(`warning: could not check the RPC: ${error.message}`)));

  // Payments a crash left with an unknown outcome are settled from the chain
  // (their EIP-3009 nonce used or not) in the background.
  if (typeof payer.reconcile === 'function') {
    activity.track(payer.reconcile().then((counts) => {
      if (counts.settled || counts.failed || counts.open) {
        say(`earlier payments: ${counts.settled} settled, ${counts.failed} not paid, ${counts.open} still open` +
          (counts.settledAfterRefusal ? `; ${counts.settledAfterRefusal} settled on chain by a seller that had refused them` : ''));
      }
    }, (error) => say(`could not check earlier payments: ${error.message}`, ownHexValues(error))));
  }

  // Wallet transactions a crash left signed or sent get their outcome from
  // the chain, so a repeated send resumes them instead of paying again.
  // Then the sends a person approved without the key while this server was
  // not running (`clawpay approvals approve`); later ones go at each tool call.
  activity.track(wallet.reconcile().then((counts) => {
    if (counts && Object.values(counts).some((n) => n > 0)) say(`earlier wallet transactions: ${JSON.stringify(counts)}`);
  }, (error) => say(`could not check earlier wallet transactions: ${error.message}`, ownHexValues(error)))
    .then(() => wallet.runApproved())
    .then((results) => {
      const line = approvedSendsText(results, { oneLine: true });
      if (line) say(line, results.map(({ item }) => item.txHash).filter(Boolean));
    }, (error) => say(`could not send the approved queue items: ${error.message}`, ownHexValues(error))));

  let stopping = false;
  const shutdown = async (why) => {
    if (stopping) return;
    stopping = true;
    say(`shutting down (${why})`);
    // A second signal, or a drain that hangs, ends the process regardless.
    const force = setTimeout(() => process.exit(0), DRAIN_MS + 5000);
    force.unref();
    try {
      await stopServing();
    } catch (error) {
      say(`while stopping the transport: ${error.message}`);
    }
    if (inflight.size > 0) {
      const drained = Promise.allSettled([...inflight]);
      const timer = new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref());
      await Promise.race([drained, timer]);
    }
    closeAll();
    process.exit(0);
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  if (!options.http) {
    // The MCP stdio binding: the client closing our stdin means "exit".
    process.stdin.once('end', () => shutdown('stdin closed'));
    process.stdin.once('close', () => shutdown('stdin closed'));
  }
}
