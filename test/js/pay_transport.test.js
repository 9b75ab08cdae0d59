// The payer's own kept-alive connections (lib/pay/transport.js) against real
// node:http servers on loopback: connections are reused, belong to one
// origin (a session token never reaches another origin on them, redirects
// included), redirects behave as with fetch, bodies stay bounded, timeouts
// are ERR_TIMEOUT, and payer.close() closes every connection.
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { once } from 'node:events';
import { createServer } from 'node:http';
import test from 'node:test';

import { createPayer, loadConfig } from '../../lib/pay/index.js';
import { RecordStore } from '../../lib/record_store.js';

const KEY = `0x${'4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'}`;
const config = loadConfig({
  AGENT_PRIVATE_KEY: KEY,
  AGENT_WALLET_ADDRESS: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  CHAIN_ID: '31337',
  RPC_URL: 'http://127.0.0.1:1',
  CLAWPAY_ASSET_ADDRESS: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  CLAWPAY_ASSET_NAME: 'USD Coin',
  CLAWPAY_ASSET_VERSION: '2',
  CLAWPAY_ASSET_DECIMALS: '6',
  CLAWPAY_V1_NETWORK: 'devnet-31337',
  CLAWPAY_STATE_DIR: '/tmp/clawpay-unused',
});
const TOKEN = 'eyJzZXNzaW9uIjoidGVzdCJ9.0xabc';

/** A server recording every request: {method, url, headers, socket (an id per connection)}. */
async function recordingServer(t, handler = (req, res) => res.end('ok')) {
  const seen = [];
  const sockets = new Set();
  let nextSocket = 0;
  const server = createServer((req, res) => {
    req.socket.id ??= ++nextSocket;
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, socket: req.socket.id, body });
      handler(req, res, body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${server.address().port}`, seen, sockets };
}

function payerOf(t) {
  const payer = createPayer({ config, store: new RecordStore(), chainReader: null });
  t.after(() => payer.close());
  return payer;
}

const session = (endpoint) => ({
  sessionHeaders: { 'X-Session-Token': TOKEN, 'X-Session-Wallet': '0x90F79bf6EB2c4f870365E785982E1f101E93b906', 'PAYMENT-SESSION': 'sid' },
  sessionScope: { endpoint, scope: 'prefix' },
  pay: false,
});

test('requests to one origin reuse kept-alive connections', async (t) => {
  const a = await recordingServer(t);
  const payer = payerOf(t);
  for (let i = 0; i < 5; i++) assert.equal((await payer.fetch(`${a.url}/api/${i}`)).status, 200);
  assert.equal(a.seen.length, 5);
  // undici may open a second connection while the first is being freed, then alternates.
  assert.ok(new Set(a.seen.map((r) => r.socket)).size <= 2, `connections used: ${a.seen.map((r) => r.socket)}`);
});

test('a pooled connection never carries a session token to another origin, redirects included', async (t) => {
  const b = await recordingServer(t);
  const a = await recordingServer(t, (req, res) => {
    if (req.url.startsWith('/api/away')) {
      res.writeHead(302, { location: `${b.url}/landing` }).end();
    } else {
      res.end('ok');
    }
  });
  const payer = payerOf(t);
  // Warm both origins' connections, then alternate between them.
  for (let i = 0; i < 3; i++) {
    assert.equal((await payer.fetch(`${a.url}/api/x`, session(`${a.url}/api`))).status, 200);
    assert.equal((await payer.fetch(`${b.url}/plain`)).status, 200);
    const moved = await payer.fetch(`${a.url}/api/away`, session(`${a.url}/api`));
    assert.equal(moved.status, 200);
    assert.equal(moved.url, `${b.url}/landing`);
  }
  assert.equal(a.seen.length, 6);
  for (const r of a.seen) assert.equal(r.headers['x-session-token'], TOKEN, `${r.url} on A carried the token`);
  assert.equal(b.seen.length, 6);
  for (const r of b.seen) {
    for (const name of ['x-session-token', 'x-session-wallet', 'payment-session']) {
      assert.equal(r.headers[name], undefined, `${name} reached the other origin (${r.url})`);
    }
  }
  assert.ok(new Set(a.seen.map((r) => r.socket)).size <= 2, 'A kept its connections');
  assert.ok(new Set(b.seen.map((r) => r.socket)).size <= 2, 'B kept its own');
});

test('redirects behave as before: 303 turns a POST into a GET without its body; the token stays within its scope', async (t) => {
  const a = await recordingServer(t, (req, res) => {
    if (req.url === '/api/form') res.writeHead(303, { location: '/api/done' }).end();
    else if (req.url === '/api/out') res.writeHead(307, { location: '/other/place' }).end();
    else res.end(`${req.method} ${req.url}`);
  });
  const payer = payerOf(t);
  const posted = await payer.fetch(`${a.url}/api/form`, {
    ...session(`${a.url}/api`), method: 'POST', body: '{"q":1}', headers: { 'content-type': 'application/json' },
  });
  assert.equal(posted.status, 200);
  assert.equal(posted.body, 'GET /api/done');
  assert.deepEqual(posted.redirects.map((h) => h.status), [303]);
  const [form, done] = a.seen;
  assert.equal(form.body, '{"q":1}');
  assert.equal(done.method, 'GET');
  assert.equal(done.body, '');
  assert.equal(done.headers['content-type'], undefined);
  assert.equal(done.headers['x-session-token'], TOKEN);
  // Same origin, outside the session's scope: the token is left off.
  const out = await payer.fetch(`${a.url}/api/out`, session(`${a.url}/api`));
  assert.equal(out.body, 'GET /other/place');
  assert.equal(a.seen.at(-1).headers['x-session-token'], undefined);
  assert.equal(a.seen.at(-2).headers['x-session-token'], TOKEN);
});

test('a body beyond maxBodyBytes is cut, and the connection still serves the next request', async (t) => {
  const a = await recordingServer(t, (req, res) => res.end(req.url === '/big' ? 'x'.repeat(100_000) : 'small'));
  const payer = createPayer({ config, store: new RecordStore(), chainReader: null, maxBodyBytes: 1000 });
  t.after(() => payer.close());
  const big = await payer.fetch(`${a.url}/big`);
  assert.equal(big.truncated, true);
  assert.equal(big.body.length, 1000);
  const next = await payer.fetch(`${a.url}/small`);
  assert.equal(next.body, 'small');
  assert.equal(next.truncated, false);
});

test('a body sent in pieces is read whole, a character split between two pieces included', async (t) => {
  const text = `${'a'.repeat(5000)}é${'b'.repeat(5000)}`;
  const bytes = Buffer.from(text);
  const split = 5001; // inside the two bytes of é
  const a = await recordingServer(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.write(bytes.subarray(0, split));
    setImmediate(() => res.end(bytes.subarray(split)));
  });
  const result = await payerOf(t).fetch(`${a.url}/pieces`);
  assert.equal(result.status, 200);
  assert.equal(result.body, text);
  assert.equal(result.truncated, false);
});

test('a body that stops halfway is ERR_TIMEOUT at the deadline, nothing paid', async (t) => {
  const a = await recordingServer(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('the first half');
  });
  const result = await payerOf(t).fetch(`${a.url}/half`, { timeoutMs: 100 });
  assert.equal(result.status, null);
  assert.equal(result.timedOut, true);
  assert.equal(result.error.code, 'ERR_TIMEOUT');
});

test('a connection cut in the middle of a body is a failed request, not a crash', async (t) => {
  const a = await recordingServer(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
    res.write('only ten b', () => res.socket.destroy());
  });
  const payer = payerOf(t);
  const result = await payer.fetch(`${a.url}/cut`);
  assert.equal(result.status, null);
  assert.equal(result.timedOut, false);
  assert.equal(result.error.code, 'ERR_FETCH_FAILED');
  // The pool still serves the origin.
  const b = await recordingServer(t);
  assert.equal((await payer.fetch(`${b.url}/next`)).body, 'ok');
});

test('a server that never answers is ERR_TIMEOUT, nothing paid', async (t) => {
  const a = await recordingServer(t, () => {});
  const payer = payerOf(t);
  const result = await payer.fetch(`${a.url}/hang`, { timeoutMs: 100 });
  assert.equal(result.timedOut, true);
  assert.equal(result.status, null);
  assert.equal(result.error.code, 'ERR_TIMEOUT');
  assert.match(result.error.message, /timed out after 100 ms\. Nothing was paid\./);
});

test('each answered request clears its deadline: no timer is left armed for the rest of its timeout', async (t) => {
  const a = await recordingServer(t);
  const payer = payerOf(t);
  await payer.fetch(`${a.url}/warm`, { timeoutMs: 60_000 });
  // Only timers of the deadline's length: the pool's keep-alive timers and the
  // session's call-count flush come and go with the machine's load.
  const armed = new Set();
  const hook = createHook({
    init(id, type, trigger, resource) { if (type === 'Timeout' && resource._idleTimeout === 60_000) armed.add(id); },
    destroy(id) { armed.delete(id); },
  }).enable();
  try {
    for (let i = 0; i < 20; i++) {
      const result = await payer.fetch(`${a.url}/r${i}`, { timeoutMs: 60_000, ...session(a.url) });
      assert.equal(result.status, 200);
    }
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    hook.disable();
  }
  // 20 one-minute deadlines would all still be here.
  assert.equal(armed.size, 0, `${armed.size} one-minute deadline timers still armed after 20 answered requests`);
});

test('payer.close() closes every kept-alive connection; the payer then refuses requests', async (t) => {
  const a = await recordingServer(t);
  const b = await recordingServer(t);
  const payer = createPayer({ config, store: new RecordStore(), chainReader: null });
  await payer.fetch(`${a.url}/one`);
  await payer.fetch(`${b.url}/two`);
  const open = [...a.sockets, ...b.sockets];
  assert.equal(open.length, 2);
  const closed = open.map((socket) => once(socket, 'close'));
  await payer.close();
  await Promise.all(closed);
  assert.equal(a.sockets.size + b.sockets.size, 0);
  await assert.rejects(payer.fetch(`${a.url}/three`), { code: 'ERR_CLOSED' });
});
