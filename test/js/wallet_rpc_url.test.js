// RPC_URL as it may be shown (doctor's RPC line, every chain error): scheme,
// host and port only; credentials, a path (Infura's /v3/<key>) or a query
// (?apikey=) become "/…". A failed read names the URL so shown and the read.
import assert from 'node:assert/strict';
import test from 'node:test';

import { HttpRequestError, RpcRequestError } from 'viem';

import { chainGuard, reading, rpcReadError, shownRpcUrl } from '../../lib/wallet/chain_client.js';

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

test('rpcReadError: ERR_RPC naming the URL as shown, the read (given, or as viem\'s error names it) and the node\'s answer', async () => {
  const url = 'https://base-mainnet.infura.io/v3/0123456789abcdef?apikey=s3cret';
  const cause = new HttpRequestError({ url, body: { method: 'eth_getBalance', params: [] }, details: 'fetch failed' });
  const named = rpcReadError(cause, url, 'the ETH balance of 0xabc (eth_getBalance)');
  assert.equal(named.code, 'ERR_RPC');
  assert.equal(named.message, 'RPC https://base-mainnet.infura.io/… failed while reading the ETH balance of 0xabc (eth_getBalance): HTTP request failed.');
  assert.match(rpcReadError(cause, url).message, /failed while reading eth_getBalance: HTTP request failed\.$/, 'the JSON-RPC method, from the error');
  const answered = new RpcRequestError({ url, body: { method: 'eth_blockNumber' }, error: { code: -32005, message: 'rate limited' } });
  // viem keeps no request body on a JSON-RPC error: the read is named where it is made (reading()).
  assert.match(rpcReadError(answered, url).message, /failed while reading the chain: RPC Request failed: rate limited$/);
  const labelled = await reading('the latest block number (eth_blockNumber)', async () => { throw answered; }).catch((e) => e);
  const guarded = await chainGuard(url)(async () => { throw labelled; }).catch((e) => e);
  assert.equal(guarded.code, 'ERR_RPC');
  assert.match(guarded.message, /^RPC https:\/\/base-mainnet\.infura\.io\/… failed while reading the latest block number \(eth_blockNumber\): /);
  for (const error of [named, guarded]) {
    for (const secret of ['0123456789abcdef', 's3cret', '/v3/']) assert.ok(!error.message.includes(secret), secret);
  }
  const plain = new Error('not the chain');
  assert.equal(await chainGuard(url)(async () => { throw plain; }).catch((e) => e), plain, 'only viem\'s errors are turned');
});
