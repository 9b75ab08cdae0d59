// Child process for the receipt ledger's durability tests (the pattern of
// cache_writer.js), on the journal at argv[2]:
//   settle [--count N]     begins and settles payments, printing each paymentId
//                          once settle() has returned
//   race --seed S --count N  prints "ready", waits for a line on stdin, then
//                          begins the N payments that S names and prints each
//                          paymentId that begin() claimed
import { createHash } from 'node:crypto';
import { once } from 'node:events';

import { ReceiptLedger } from '../../../lib/index.js';

const [path, mode, ...rest] = process.argv.slice(2);
const option = (name) => { const i = rest.indexOf(name); return i < 0 ? undefined : rest[i + 1]; };
const count = Number(option('--count') ?? Infinity);

const hash = (text) => `0x${createHash('sha256').update(text).digest('hex')}`;

/** The same intent for the same (seed, i) in every process. */
function raceIntent(seed, i) {
  return {
    paymentId: hash(`${seed}/${i}`), kind: 'call', route: 'GET /race', resource: `https://api.example.com/race/${i}`,
    method: 'GET', network: 'eip155:84532', asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', amount: '1000',
    decimals: 6, payer: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', payTo: '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    x402Version: 2, startedAt: 1_800_000_000_000 + i,
  };
}

async function main() {
  const ledger = new ReceiptLedger({ path });
  if (mode === 'settle') {
    const tag = `${process.pid}-${Date.now()}`;
    for (let i = 0; i < count; i++) {
      const intent = raceIntent(tag, i);
      if (!ledger.begin(intent)) throw new Error(`fresh payment ${intent.paymentId} was not claimable`);
      ledger.settle(intent.paymentId, { transaction: hash(`tx/${tag}/${i}`), settledAt: intent.startedAt + 1 });
      process.stdout.write(`${intent.paymentId}\n`);
    }
  } else if (mode === 'race') {
    const seed = option('--seed');
    process.stdout.write('ready\n');
    await once(process.stdin, 'data');
    const claimed = [];
    for (let i = 0; i < count; i++) {
      const intent = raceIntent(seed, i);
      if (ledger.begin(intent)) claimed.push(intent.paymentId);
    }
    process.stdout.write(`${claimed.join('\n')}\n`);
    process.stdin.destroy();
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  ledger.close();
}

await main();
