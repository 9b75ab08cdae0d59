// The channel books' search for a missing settlement is bounded: a payee
// whose contract total no receipt or recent Settled event explains (older
// settlements, another seller on the same payee) has SCAN_DEPTH blocks read,
// in SCAN_BLOCKS spans, once per process, and is warned of; not the whole
// chain at every start. The chain here is a stand-in that records what it
// is asked: the bound is ChannelBooks' arithmetic, and reading a real chain
// of a million blocks back is what the bound exists to avoid.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';

import { ChannelBooks } from '../../lib/paywall/channel_books.js';

const PAYEE = '0x00000000000000000000000000000000000000aa';
const TOKEN = '0x00000000000000000000000000000000000000bb';
const CONTRACT = '0x00000000000000000000000000000000000000cc';

function books({ head, scanBlocks, scanDepth }) {
  const asked = [];
  const chain = {
    head: async () => head,
    settledTotal: async () => 7_000n, // settled long ago, by no event the scan can reach
    settledBetween: async (from, to) => {
      asked.push([from, to]);
      return [];
    },
    settledIn: async () => [],
  };
  const store = { list: async () => [], get: async () => undefined };
  const revenue = { routes: [{ terms: { payTo: PAYEE, asset: TOKEN, network: 'eip155:84532' } }], contract: CONTRACT, now: Date.now };
  return { asked, books: new ChannelBooks({ store, chain, revenue, scanBlocks, scanDepth }) };
}

test('a total no recent event explains: SCAN_DEPTH blocks back in spans, warned once, not searched again', async () => {
  const { asked, books: channelBooks } = books({ head: 1_000_000n, scanBlocks: 5_000n, scanDepth: 20_000n });
  const warned = once(process, 'warning');
  assert.deepEqual(await channelBooks.reconcile(), []);
  assert.deepEqual(asked, [[995_001n, 1_000_000n], [990_001n, 995_000n], [985_001n, 990_000n], [980_001n, 985_000n]]);
  const [warning] = await warned;
  assert.match(warning.message, /settled 7000 base units more to the payee than the receipts and the Settled events of the last 20000 blocks show/);
  await channelBooks.reconcile();
  assert.equal(asked.length, 4, 'what was not found is not looked for again');
});

test('a chain younger than the depth is read to its first block, in spans that stop there', async () => {
  const { asked, books: channelBooks } = books({ head: 7_499n, scanBlocks: 5_000n, scanDepth: 100_000n });
  const warned = once(process, 'warning');
  await channelBooks.reconcile();
  await warned;
  assert.deepEqual(asked, [[2_500n, 7_499n], [0n, 2_499n]]);
});
