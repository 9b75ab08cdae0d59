// URL scope through the public API: the confusion forms that leaked
// ClawPay 1.1's bearer tokens are covered by nothing.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import test from 'node:test';

import { normalizeUrl, scopeCovers } from '../../lib/index.js';

const ENDPOINT = 'https://api.example.com/v1';

test('a prefix session does not cover other hosts, userinfo tricks, sibling paths, dot escapes or another scheme', () => {
  for (const url of [
    'https://api.example.com.evil.io/', 'https://api.example.com.evil.io/v1', 'https://api.example.com@evil.io/',
    'https://api.example.com@evil.io/v1', 'https://user:pass@api.example.com/v1', 'https://api.example.com/v10',
    'https://api.example.com/v1/../admin', 'https://api.example.com/v1/%2e%2e/admin', 'https://api.example.com/v1/.%2E/admin',
    'http://api.example.com/v1', 'https://api.example.com:8443/v1', 'https://api.example.com/v1%2F..%2Fadmin',
    'https://api.example.com\\v1', 'https://api.example.com/v1\\..\\admin', 'https://api.example.com/\tv1',
    'https://api.example.com/v1x', 'ftp://api.example.com/v1', '//api.example.com/v1', '/v1', '', 'https://', 'https:///v1',
    'https://api.example.com:99999/v1', 'https://ápi.example.com/v1', 'https://%61pi.example.com/v1',
    'https://api.example.com/v1/a/../b', 'https://api.example.com/v1/./x', 'https://api.example.com/admin/.x/../../v1/a',
  ]) {
    assert.equal(scopeCovers(ENDPOINT, 'prefix', url), false, url);
  }
});

test('a prefix session covers its path and everything below it, in any spelling that fetch sends as such', () => {
  for (const url of [
    'https://api.example.com/v1', 'https://api.example.com/v1/', 'https://api.example.com/v1/items/7?x=1#frag',
    'https://API.Example.COM/v1/x', 'https://api.example.com:443/v1/x', 'https://api.example.com/%76%31/x',
    'https://api.example.com/v1/%7Euser', 'https://api.example.com/v1/.well-known/x',
  ]) {
    assert.equal(scopeCovers(ENDPOINT, 'prefix', url), true, url);
  }
  assert.equal(scopeCovers('https://api.example.com/v1/', 'prefix', 'https://api.example.com/v1'), false);
  assert.equal(scopeCovers('https://api.example.com', 'prefix', 'https://api.example.com/anything'), true);
  assert.equal(scopeCovers('http://127.0.0.1:8080/paid', 'prefix', 'http://127.0.0.1:8080/paid/x'), true);
  assert.equal(scopeCovers('http://[::1]:8080/paid', 'prefix', 'http://[::1]:8080/paid/x'), true);
});

test('an exact session covers only the same normalized URL, query included', () => {
  const endpoint = 'https://api.example.com/v1/item?id=1';
  assert.equal(scopeCovers(endpoint, 'exact', 'https://API.example.com:443/v1/item?id=1#x'), true);
  assert.equal(scopeCovers(endpoint, 'exact', 'https://api.example.com/v1/item?id=%31'), true);
  assert.equal(scopeCovers(endpoint, 'exact', 'https://api.example.com/v1/./item?id=1'), false);
  for (const url of ['https://api.example.com/v1/item?id=2', 'https://api.example.com/v1/item', 'https://api.example.com/v1/item/?id=1',
    'https://api.example.com/v1/item?id=1&x=2']) {
    assert.equal(scopeCovers(endpoint, 'exact', url), false, url);
  }
});

test('an unknown scope or non-string arguments cover nothing or throw a TypeError', () => {
  assert.equal(scopeCovers(ENDPOINT, 'wide', ENDPOINT), false);
  assert.equal(scopeCovers(ENDPOINT, 'Prefix', ENDPOINT), false);
  assert.throws(() => scopeCovers(ENDPOINT, 'prefix', 42), TypeError);
  assert.throws(() => scopeCovers(null, 'prefix', ENDPOINT), TypeError);
});

test('the same question asked again, or a different one in between, gets its own answer each time', () => {
  const endpoint = 'https://api.example.com/v1';
  for (let i = 0; i < 3; i++) {
    assert.equal(scopeCovers(endpoint, 'prefix', 'https://api.example.com/v1/x'), true);
    assert.equal(scopeCovers(endpoint, 'prefix', 'https://api.example.com/v1/x'), true);
    assert.equal(scopeCovers(endpoint, 'exact', 'https://api.example.com/v1/x'), false);
    assert.equal(scopeCovers('https://api.example.com/v2', 'prefix', 'https://api.example.com/v1/x'), false);
    assert.equal(scopeCovers(endpoint, 'prefix', 'https://api.example.com.evil.io/v1/x'), false);
    assert.throws(() => scopeCovers(endpoint, 'prefix', 42), TypeError);
  }
});

test('normalizeUrl shows what is compared: origin without default port, resolved path, canonical escapes', () => {
  assert.deepEqual(normalizeUrl('HTTPS://API.example.com:443/a/%7e%41?q=%7e#f'), {
    origin: 'https://api.example.com', path: '/a/~A', query: 'q=~',
    prefixKey: 'https://api.example.com/a/~A', exactKey: 'https://api.example.com/a/~A?q=~',
  });
  assert.equal(normalizeUrl('http://h:8080').origin, 'http://h:8080');
  assert.equal(normalizeUrl('http://h:8080').path, '/');
  assert.equal(normalizeUrl('https://a@b/'), null);
  assert.equal(normalizeUrl('javascript:alert(1)'), null);
});

test('what a covered URL is checked as is what reaches the server; dot-segment spellings are refused', async () => {
  const seen = [];
  const server = createServer((req, res) => { seen.push(req.url); res.end('ok'); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  try {
    for (const path of ['/v1/a', '/V1/a', '/v1//a', '/v1/%61?x=1', '/v1/a?', '/v1/a#f', '/x/../v1/a', '/v1/./a',
      '/v1/%2e/a', '/admin/.x/../../v1/a', '/b/.c/../v1/a']) {
      const url = `${origin}${path}`;
      await (await fetch(url)).text();
      const sent = seen.at(-1).split('?')[0];
      const covered = scopeCovers(`${origin}/v1`, 'prefix', url);
      if (covered) {
        // Compared path and sent path agree up to escapes of unreserved characters.
        assert.equal(decodeURIComponent(sent), decodeURIComponent(normalizeUrl(url).path), url);
        assert.ok(sent === '/v1' || sent.startsWith('/v1/'), `${url} was sent as ${sent}`);
      }
      if (/(^|\/)(\.|%2e){1,2}(\/|$|\?|#)/i.test(path)) assert.equal(covered, false, `${url} has a dot segment`);
    }
    // Node 20 sends this one unresolved: a resolving check would have said /v1/a.
    assert.ok(seen.includes('/admin/.x/../../v1/a') || seen.includes('/v1/a'));
  } finally {
    server.close();
  }
});
