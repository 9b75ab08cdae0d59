// The paywall's view of a request path, remembered per path: the normalised
// resource URL under the current public origin, the paid route per method,
// and refusal of ambiguous spellings — the same answers on every lookup as
// on the first, and new answers when the origin changes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { RequestPaths } from '../../lib/paywall/request_paths.js';
import { RouteTable } from '../../lib/paywall/routes.js';

const price = {
  amount: 10_000n, asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3', network: 'eip155:31337',
  payTo: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', name: 'USD Coin', version: '2', decimals: 6,
};
const table = () => new RouteTable({ 'GET /paid/weather': { price }, 'POST /api/*': { price } });

describe('RequestPaths', () => {
  test('a path gives its resource URL and the route of each method, the same on every lookup', () => {
    const paths = new RequestPaths(table());
    for (let i = 0; i < 3; i++) {
      const known = paths.lookup('https://api.test', '/PAID/Weather/?city=paris');
      assert.equal(known.url, 'https://api.test/PAID/Weather/?city=paris');
      assert.equal(known.route('GET').route.id, 'GET /paid/weather');
      assert.equal(known.route('HEAD').route.id, 'GET /paid/weather');
      assert.equal(known.route('POST'), null);
      assert.equal(paths.lookup('https://api.test', '/api/x').route('POST').route.id, 'POST /api/*');
      assert.equal(paths.lookup('https://api.test', '/api/x').route('GET'), null);
    }
  });

  test('ambiguous spellings are refused on every lookup, remembered or not', () => {
    const paths = new RequestPaths(table());
    const long = `/paid/${'a'.repeat(600)}/../weather`;
    for (let i = 0; i < 3; i++) {
      for (const raw of ['/paid/../weather', '/paid/%2Fweather', '/paid\\weather', 'paid/weather', long]) {
        assert.equal(paths.lookup('https://api.test', raw), null, raw);
      }
    }
  });

  test('a new public origin gives new URLs: nothing remembered under the old one is reused', () => {
    const paths = new RequestPaths(table());
    assert.equal(paths.lookup('https://old.test', '/paid/weather').url, 'https://old.test/paid/weather');
    assert.equal(paths.lookup('https://new.test', '/paid/weather').url, 'https://new.test/paid/weather');
    assert.equal(paths.lookup('https://old.test', '/paid/weather').url, 'https://old.test/paid/weather');
  });

  test('each of many distinct paths gets its own answer, the first ones still right after the rest', () => {
    const paths = new RequestPaths(table());
    for (let i = 0; i < 5000; i++) {
      assert.equal(paths.lookup('https://api.test', `/paid/weather?n=${i}`).url, `https://api.test/paid/weather?n=${i}`);
    }
    assert.equal(paths.lookup('https://api.test', '/paid/weather?n=1').route('GET').route.id, 'GET /paid/weather');
  });
});
