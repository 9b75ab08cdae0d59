// RPC_URL as it may be shown (doctor's RPC line): scheme, host and port only;
// credentials, a path (Infura's /v3/<key>) or a query (?apikey=) become "/…".
import assert from 'node:assert/strict';
import test from 'node:test';

import { shownRpcUrl } from '../../lib/wallet/chain_client.js';

test('shownRpcUrl keeps scheme://host:port and cuts credentials, path, query and fragment', () => {
  assert.equal(shownRpcUrl('https://mainnet.base.org'), 'https://mainnet.base.org');
  assert.equal(shownRpcUrl('http://127.0.0.1:8545/'), 'http://127.0.0.1:8545');
  for (const [url, shown] of [
    ['https://base-mainnet.infura.io/v3/0123456789abcdef', 'https://base-mainnet.infura.io/…'],
    ['https://rpc.example.com/?apikey=s3cret', 'https://rpc.example.com/…'],
    ['http://alice:pa55@127.0.0.1:8545', 'http://127.0.0.1:8545/…'],
    ['http://alice:b%zz@h:1/x?k=1#f', 'http://h:1/…'],
    ['https://rpc.example.com/#token', 'https://rpc.example.com/…'],
  ]) {
    assert.equal(shownRpcUrl(url), shown, url);
    for (const secret of ['0123456789abcdef', 's3cret', 'alice', 'pa55', 'token']) assert.ok(!shownRpcUrl(url).includes(secret));
  }
  assert.equal(shownRpcUrl('not a url'), '(not a URL)');
});
