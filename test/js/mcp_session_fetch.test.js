// mcpSessionFetch: the session headers of the paying call under way go on the
// MCP transport's requests that the session covers, never elsewhere, never
// across a redirect, and `sent` tells whether they went.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';

import { mcpSessionFetch, withSessionHeaders } from '../../lib/pay/mcp_session_fetch.js';

let server;
let base;
const seen = [];

before(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url, token: req.headers['x-session-token'] ?? null });
    if (req.url === '/mcp/redirect') res.writeHead(302, { location: '/elsewhere' }).end();
    else res.writeHead(200).end('ok');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => new Promise((resolve) => server.close(resolve)));

const useFor = (endpoint) => ({ headers: { 'X-Session-Token': 'tok' }, scope: { endpoint, scope: 'prefix' }, sent: false });

test('outside a paying call nothing is added', async () => {
  seen.length = 0;
  await (await mcpSessionFetch()(`${base}/mcp`, { method: 'POST' })).text();
  assert.deepEqual(seen, [{ url: '/mcp', token: null }]);
});

test('within one, a covered request carries the headers and is marked sent; the caller\'s headers stay', async () => {
  seen.length = 0;
  const use = useFor(`${base}/mcp`);
  const answer = await withSessionHeaders(use, () => mcpSessionFetch()(`${base}/mcp`, { method: 'POST', headers: { accept: 'text/plain' } }));
  assert.equal(await answer.text(), 'ok');
  assert.deepEqual(seen, [{ url: '/mcp', token: 'tok' }]);
  assert.equal(use.sent, true);
});

test('a request the session does not cover goes without them and is not marked', async () => {
  seen.length = 0;
  const use = useFor(`${base}/mcp`);
  await withSessionHeaders(use, async () => (await mcpSessionFetch()(`${base}/other`)).text());
  assert.deepEqual(seen, [{ url: '/other', token: null }]);
  assert.equal(use.sent, false);
});

test('a redirect is refused rather than followed with the token', async () => {
  seen.length = 0;
  const use = useFor(`${base}/mcp`);
  await assert.rejects(withSessionHeaders(use, () => mcpSessionFetch()(`${base}/mcp/redirect`)));
  assert.deepEqual(seen, [{ url: '/mcp/redirect', token: 'tok' }], 'the redirect target was never asked');
});

test('a fetch that is not a function is refused with a code', () => {
  assert.throws(() => mcpSessionFetch(1), { code: 'ERR_INVALID_ARG_TYPE' });
});
