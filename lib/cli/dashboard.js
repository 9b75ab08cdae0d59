// `clawpay dashboard`: a local web page of what the agent spends, for the
// person who runs it. Run with the same environment as clawpay-mcp.
//   clawpay dashboard [--port N] [--receipts FILE]
// It listens on 127.0.0.1 only and prints one URL holding a random bearer
// token: every request without that token (in the page URL's query, or as
// `Authorization: Bearer` from the page's script) is answered 401; the token
// is compared in constant time. A Host header other than 127.0.0.1:port is
// refused too (a web page elsewhere cannot reach it through DNS rebinding).
// --receipts (or CLAWPAY_RECEIPTS_PATH) adds a seller's receipt ledger.
// Stops on SIGINT/SIGTERM. Exit codes: 0 stopped, 1 it failed, 2 bad usage.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { createPayer } from '../pay/payer.js';
import { sessionsPathOf } from '../pay/sessions.js';
import { showInput } from '../secret_text.js';
import { commandOutput } from './command_output.js';
import { dashboardPage } from './dashboard_page.js';
import { dashboardState } from './dashboard_state.js';

const USAGE = 'clawpay dashboard [--port N] [--receipts FILE]';
const HELP = `${USAGE}
  --port N          the port on 127.0.0.1 (default: a free one)
  --receipts FILE   a seller's receipt ledger to show beside the spend (or CLAWPAY_RECEIPTS_PATH)
  prints the URL to open: it holds a random token, and every request without it is refused (401)`;

const { say, complain, usageError, loadAgentConfig, openAgentStore } = commandOutput('dashboard', USAGE);

const digest = (text) => createHash('sha256').update(String(text)).digest();

/** Whether `given` is the token, in time independent of where they differ (both hashed to equal lengths). */
export function tokenMatches(given, token) {
  return typeof given === 'string' && timingSafeEqual(digest(given), digest(token));
}

function parse(argv, env) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { port: { type: 'string' }, receipts: { type: 'string' }, help: { type: 'boolean' } }, strict: true }));
  } catch (error) {
    return usageError(String(error.message).split('\n')[0]);
  }
  if (values.help) return { help: true };
  const port = values.port === undefined ? 0 : /^[0-9]{1,5}$/.test(values.port) ? Number(values.port) : NaN;
  if (!Number.isInteger(port) || port > 65535) return usageError(`--port must be a port number from 0 to 65535, not ${showInput(values.port)}`);
  const receipts = values.receipts ?? (env.CLAWPAY_RECEIPTS_PATH?.trim() || undefined);
  if (receipts !== undefined && !existsSync(receipts)) return usageError(`no receipt ledger at ${showInput(receipts, 200)}`);
  return { port, receipts: receipts === undefined ? null : isAbsolute(receipts) ? receipts : resolve(receipts) };
}

function send(res, status, type, body, headers = {}) {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    ...headers,
  });
  res.end(body);
}

/** The dashboard's HTTP server; `state()` resolves to the page's JSON. */
export function createDashboardServer({ token, state, onError = () => {} }) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const { port } = server.address();
    if (req.headers.host !== `127.0.0.1:${port}`) {
      send(res, 421, 'text/plain; charset=utf-8', 'wrong Host: open the URL clawpay dashboard printed\n');
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!tokenMatches(bearer ?? url.searchParams.get('token'), token)) {
      send(res, 401, 'text/plain; charset=utf-8', 'unauthorized: open the URL clawpay dashboard printed (it holds the token)\n', { 'www-authenticate': 'Bearer' });
      return;
    }
    if (req.method !== 'GET') {
      send(res, 405, 'text/plain; charset=utf-8', 'GET only\n', { allow: 'GET' });
      return;
    }
    if (url.pathname === '/') {
      const nonce = randomBytes(16).toString('base64');
      send(res, 200, 'text/html; charset=utf-8', dashboardPage(nonce), {
        'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      });
      return;
    }
    if (url.pathname === '/api/state') {
      try {
        const body = JSON.stringify(await state());
        send(res, 200, 'application/json; charset=utf-8', body);
      } catch (error) {
        onError(error);
        send(res, 500, 'application/json; charset=utf-8', JSON.stringify({ error: 'the state could not be read; the dashboard\'s terminal says why' }));
      }
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  });
  return server;
}

/** `clawpay dashboard ...`; resolves to the exit code when stopped. */
export async function dashboardCommand(argv, env = process.env) {
  const options = parse(argv, env);
  if (typeof options === 'number') return options;
  if (options.help) {
    process.stdout.write(`usage: ${HELP}\n`);
    return 0;
  }
  const config = loadAgentConfig(env);
  if (!config) return 1;
  let sessionsPath;
  try {
    sessionsPath = sessionsPathOf(config, env);
  } catch (error) {
    complain(error.message);
    return 1;
  }
  const store = await openAgentStore(config);
  if (!store) return 1;
  const payer = createPayer({ config, store });
  const token = randomBytes(24).toString('base64url');
  const server = createDashboardServer({
    token,
    state: () => dashboardState({ config, payer, store, sessionsPath, receiptsPath: options.receipts }),
    onError: (error) => complain(`the state could not be read: ${error.message}`),
  });
  try {
    await new Promise((done, fail) => {
      server.once('error', fail);
      server.listen(options.port, '127.0.0.1', done);
    });
  } catch (error) {
    complain(`cannot listen on 127.0.0.1:${options.port}: ${error.code ?? error.message}`);
    payer.close();
    store.close();
    return 1;
  }
  say(`http://127.0.0.1:${server.address().port}/?token=${token}`);
  process.stderr.write('clawpay dashboard: open the URL above (it holds the access token; do not share it); Ctrl-C stops\n');
  await new Promise((done) => {
    for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, done);
  });
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  payer.close();
  store.close();
  return 0;
}
