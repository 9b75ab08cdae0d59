// Child process for the state damage tests: opens one state file of a state
// directory the way the product does, in a process of its own.
//
//   node state_child.js write KIND DIR   writes a few records (3-4) and exits 0
//   node state_child.js read KIND DIR    prints what the file holds as JSON on
//                                        stdout and exits 0, or prints the
//                                        error ("<code>: <message>") on stderr
//                                        and exits 1
// KIND: records (pay.records through openPayStore), sessions
// (sessions.journal), receipts (receipts.journal). Notices (a torn record
// cut) go to stderr, as in the product.
import { join } from 'node:path';

import { sha256Hex } from '../../../lib/hashing.js';
import { ReceiptLedger } from '../../../lib/receipt_ledger.js';
import { SessionStore } from '../../../lib/session_store.js';
import { openPayStore } from '../../../lib/pay/store.js';

const hash = (text) => `0x${sha256Hex(text)}`;

const FILES = { records: 'pay.records', sessions: 'sessions.journal', receipts: 'receipts.journal' };

const kinds = {
  records: {
    open: (dir) => openPayStore({ stateDir: dir }),
    write(store) {
      store.put('payment/1', { state: 'settled', amount: '10000' });
      store.update('spend/day/2026-12-06', (c) => ({ day: '2026-12-06', spent: String(BigInt(c?.spent ?? 0) + 10000n), count: (c?.count ?? 0) + 1 }));
      store.put('payment/2', { state: 'failed', amount: '2500' });
      store.update('spend/day/2026-12-06', (c) => ({ day: '2026-12-06', spent: String(BigInt(c?.spent ?? 0) + 2500n), count: (c?.count ?? 0) + 1 }));
    },
    read: (store) => store.list(''),
  },
  sessions: {
    open: (dir) => new SessionStore({ path: join(dir, FILES.sessions) }),
    write(cache) {
      for (let i = 0; i < 3; i += 1) {
        cache.add({
          sessionId: `s-${i}`, endpoint: `https://api.example.com/s/${i}`, scope: 'prefix', walletAddress: '0x00', createdAt: 1,
          expiresAt: 4_000_000_000, paymentTxHash: '0x', paymentAmount: '1', paymentToken: '0x', paymentRecipient: '0x',
          sessionToken: 't', signature: '0x', callCount: 0, lastUsedAt: 1,
        });
      }
      cache.recordCall('s-0', { now: 2 });
    },
    read: (cache) => cache.list({ includeExpired: true, now: 3 }),
  },
  receipts: {
    open: (dir) => new ReceiptLedger({ path: join(dir, FILES.receipts) }),
    write(ledger) {
      for (let i = 0; i < 2; i += 1) {
        const intent = {
          paymentId: hash(`state/${i}`), kind: 'call', route: 'GET /paid', resource: `https://api.example.com/paid/${i}`,
          method: 'GET', network: 'eip155:84532', asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', amount: '1000',
          decimals: 6, payer: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', payTo: '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
          x402Version: 2, startedAt: 1_800_000_000_000 + i,
        };
        ledger.begin(intent);
        ledger.settle(intent.paymentId, { transaction: hash(`tx/${i}`), settledAt: intent.startedAt + 1 });
      }
    },
    read: (ledger) => ledger.list(),
  },
};

async function main() {
  const [mode, kind, dir] = process.argv.slice(2);
  let store;
  try {
    store = await kinds[kind].open(dir);
  } catch (error) {
    process.stderr.write(`${error.code}: ${error.message}\n`);
    process.exit(1);
  }
  if (mode === 'write') kinds[kind].write(store);
  else process.stdout.write(`${JSON.stringify(kinds[kind].read(store))}\n`);
  store.close();
}

await main();
