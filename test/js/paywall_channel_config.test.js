// Configuration of batch-settlement routes and the paywall's channel side,
// checked before anything is asked of a facilitator: each mistake gets a
// stable code and a message naming the field.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ReceiptLedger } from '../../lib/receipt_ledger.js';
import { ChannelClaims } from '../../lib/paywall/channel_claims.js';
import { recordChannelRevenue } from '../../lib/paywall/channel_revenue.js';
import { journalStore } from '../../lib/paywall/journal_store.js';
import { channelSchemes } from '../../lib/paywall/channel_seller.js';
import { normalizeRoute } from '../../lib/paywall/route.js';
import { RouteTable } from '../../lib/paywall/routes.js';
import { channelStorage } from '../../lib/paywall/store.js';

const price = {
  amount: 1000n, asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', network: 'eip155:84532',
  payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
};
const channelRoute = (extra = {}) => ({ scheme: 'batch-settlement', price, ...extra });

test('a batch-settlement route keeps its scheme, per-call price, withdraw delay and minimum deposit', () => {
  const route = normalizeRoute(channelRoute({ channel: { withdrawDelaySeconds: 3600, minDeposit: '150000' } }), 'GET /metered');
  assert.equal(route.scheme, 'batch-settlement');
  assert.equal(route.callPrice, 1000n);
  assert.deepEqual(route.channel, { withdrawDelaySeconds: 3600, minDeposit: 150000n });
  assert.deepEqual(normalizeRoute(channelRoute(), 'x').channel, { withdrawDelaySeconds: 900, minDeposit: 1000n });
  const exact = normalizeRoute({ price }, 'y');
  assert.equal(exact.scheme, 'exact');
  assert.equal(exact.channel, null);
});

test('bad channel routes are refused with ERR_INVALID_ROUTE, naming the field', () => {
  const refused = (config, message) => assert.throws(() => normalizeRoute(config, 'GET /m'), (e) => e.code === 'ERR_INVALID_ROUTE' && message.test(e.message));
  refused(channelRoute({ scheme: 'upto' }), /scheme must be one of exact, batch-settlement/);
  refused({ scheme: 'batch-settlement', session: { ...price, price: 5000n, maxTtlSeconds: 60 } }, /needs a per-request price and sells no session/);
  refused(channelRoute({ session: { price: 5000n, maxTtlSeconds: 60 } }), /sells no session/);
  refused({ price, channel: {} }, /channel terms need scheme: 'batch-settlement'/);
  refused(channelRoute({ channel: { withdrawDelaySeconds: 899 } }), /withdrawDelaySeconds/);
  refused(channelRoute({ channel: { withdrawDelaySeconds: 30 * 24 * 3600 + 1 } }), /to 2592000 \(30 days\), got 2592001/);
  refused(channelRoute({ channel: { minDeposit: 999n } }), /minDeposit \(999\) must cover at least one request \(1000\)/);
  refused(channelRoute({ channel: { minDeposit: -1 } }), /minDeposit/);
});

test('channel storage: a directory (the official file storage) or a ChannelStorage, never neither or both', () => {
  const storage = { get() {}, list() {}, updateChannel() {} };
  assert.equal(channelStorage({ storage }), storage);
  assert.equal(typeof channelStorage({ directory: '/tmp/x' }).updateChannel, 'function');
  assert.throws(() => channelStorage({}), (e) => e.code === 'ERR_INVALID_ARG_VALUE' && /channels\.directory/.test(e.message));
  assert.throws(() => channelStorage({ storage, directory: '/tmp/x' }), (e) => e.code === 'ERR_INVALID_ARG_VALUE');
  assert.throws(() => channelStorage({ storage: { get() {} } }), (e) => e.code === 'ERR_INVALID_ARG_TYPE' && /ChannelStorage \(get, list, updateChannel\)/.test(e.message));
});

test('channel routes of one network share one payee, asset and withdraw delay; none means no channel side', () => {
  const table = (routes) => new RouteTable(routes).routes;
  assert.equal(channelSchemes(table({ 'GET /a': { price } }), undefined), null);
  const setup = channelSchemes(table({ 'GET /a': channelRoute(), 'GET /b': channelRoute({ price: { ...price, amount: 5000n } }) }), { directory: '/tmp/x' });
  assert.equal(setup.schemes.length, 1);
  assert.equal(setup.schemes[0].scheme.scheme, 'batch-settlement');
  assert.throws(() => channelSchemes(table({
    'GET /a': channelRoute(), 'GET /b': channelRoute({ price: { ...price, payTo: '0x0000000000000000000000000000000000000001' } }),
  }), { directory: '/tmp/x' }), (e) => e.code === 'ERR_INVALID_ROUTE' && /share one payTo, asset and withdrawDelaySeconds/.test(e.message));
  assert.throws(() => channelSchemes(table({ 'GET /a': channelRoute() }), { directory: '/tmp/x', receiverAuthorizer: '0x' + '11'.repeat(32) }),
    (e) => e.code === 'ERR_INVALID_ARG_TYPE' && /receiverAuthorizer/.test(e.message) && !/1111/.test(e.message));
});

test('channels.rpcUrl (where the books read settlements) is an http(s) URL, one for all networks or one per network', () => {
  const table = (routes) => new RouteTable(routes).routes;
  const routes = table({ 'GET /a': channelRoute() });
  assert.equal(channelSchemes(routes, { directory: '/tmp/x' }).schemes[0].rpcUrl, null);
  assert.equal(channelSchemes(routes, { directory: '/tmp/x', rpcUrl: false }).schemes[0].rpcUrl, null);
  assert.equal(channelSchemes(routes, { directory: '/tmp/x', rpcUrl: 'http://127.0.0.1:8545' }).schemes[0].rpcUrl, 'http://127.0.0.1:8545');
  assert.equal(channelSchemes(routes, { directory: '/tmp/x', rpcUrl: { 'eip155:84532': 'https://sepolia.base.org' } }).schemes[0].rpcUrl,
    'https://sepolia.base.org');
  const refused = (rpcUrl, code, message) => assert.throws(() => channelSchemes(routes, { directory: '/tmp/x', rpcUrl }),
    (e) => e.code === code && message.test(e.message));
  refused('ws://127.0.0.1:8545', 'ERR_INVALID_ARG_TYPE', /http:\/\/ or https:\/\/ URL for options\.channels\.rpcUrl/);
  refused(42, 'ERR_INVALID_ARG_TYPE', /options\.channels\.rpcUrl/);
  refused({ 'eip155:8453': 'https://mainnet.base.org' }, 'ERR_INVALID_ARG_TYPE', /options\.channels\.rpcUrl\['eip155:84532'\]/);
});

test('the claim interval is 0 (on demand) or at least 100 ms', () => {
  assert.throws(() => new ChannelClaims({ managers: [], intervalMs: 50 }), (e) => e.code === 'ERR_INVALID_ARG_VALUE' && /claimIntervalMs/.test(e.message));
  assert.throws(() => new ChannelClaims({ managers: [], intervalMs: -1 }), /claimIntervalMs/);
  assert.throws(() => new ChannelClaims({ managers: [], intervalMs: 1.5 }), /claimIntervalMs/);
});

// A facilitator other than the official one may settle without saying how
// much moved: the receipt is then refused by name, never guessed from claims.
test('channel revenue without the settled amount is refused with ERR_CHANNEL_REVENUE_UNKNOWN; with it, one receipt per settlement', async () => {
  const ledger = new ReceiptLedger();
  const store = journalStore(ledger);
  const routes = [normalizeRoute(channelRoute(), 'GET /metered')];
  const base = { store, routes, contract: '0x4020615294c913F045dc10f0a5cdEbd86c280001', transaction: `0x${'ab'.repeat(32)}`, now: () => 1_700_000_000_000 };
  for (const amount of [undefined, '', '-1', '01', 5]) {
    await assert.rejects(recordChannelRevenue({ ...base, amount }), { code: 'ERR_CHANNEL_REVENUE_UNKNOWN', message: /did not say how much it moved/ });
  }
  assert.deepEqual(ledger.list(), []);
  const told = [];
  const receipt = await recordChannelRevenue({ ...base, amount: '8000', onRecorded: (r) => told.push(r) });
  assert.deepEqual(told, [receipt]);
  assert.equal(receipt.status, 'settled');
  assert.equal(receipt.amount, '8000');
  assert.equal(receipt.payer, base.contract);
  assert.equal(receipt.method, 'GET');
  assert.equal(ledger.list().length, 1);
  ledger.close();
});
