// Child process for the durability tests: adds sessions to the journal at
// argv[2] and prints each id once add() has returned. With --calls ID it
// also records one call on that session per add.
import { SessionStore } from '../../../lib/index.js';

const [path, ...rest] = process.argv.slice(2);
const option = (name) => { const i = rest.indexOf(name); return i < 0 ? undefined : rest[i + 1]; };
const count = Number(option('--count') ?? Infinity);
const callsOn = option('--calls');
const cache = new SessionStore({ path });
for (let i = 0; i < count; i++) {
  const sessionId = crypto.randomUUID();
  cache.add({
    sessionId, endpoint: `https://api.example.com/s/${i}`, scope: 'prefix', walletAddress: '0x00', createdAt: 1,
    expiresAt: 4_000_000_000, paymentTxHash: '0x', paymentAmount: '1', paymentToken: '0x', paymentRecipient: '0x',
    sessionToken: 't', signature: '0x', callCount: 0, lastUsedAt: 1,
  });
  if (callsOn) cache.recordCall(callsOn, { now: 2 });
  process.stdout.write(`${sessionId}\n`);
}
cache.close();
