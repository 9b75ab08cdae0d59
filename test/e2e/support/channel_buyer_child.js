// A buyer process for the kill -9 test: clawpay-native/pay on a state
// directory, continuing its live channel session (or starting one with
// CHANNEL_DEPOSIT), making CHANNEL_CALLS requests, printing one JSON line per
// request, then — with CHANNEL_END=1 — ending the session (the refund). With
// CHANNEL_STAY=1 it then stays alive, idle, its payer open, printing {idle:
// true}, until SIGTERM. CHANNEL_TIMEOUT_MS: each request's timeoutMs.
//   env: CHANNEL_KEY, CHANNEL_STATE_DIR, CHANNEL_URL, CHANNEL_CALLS, CHANNEL_DEPOSIT,
//        CHANNEL_END, CHANNEL_STAY, CHANNEL_TIMEOUT_MS, CHAIN_ID, RPC_URL, CHANNEL_ASSET (JSON {address, name, version})
import { Signer } from '../../../lib/index.js';
import { createPayer } from '../../../lib/pay/public.js';

const env = process.env;
const signer = Signer.fromPrivateKey(env.CHANNEL_KEY);
const asset = JSON.parse(env.CHANNEL_ASSET);
const payer = await createPayer({
  signer, chainId: Number(env.CHAIN_ID), rpcUrl: env.RPC_URL, stateDir: env.CHANNEL_STATE_DIR, walletAddress: signer.address,
  asset: { ...asset, decimals: 6 },
});
const print = (line) => process.stdout.write(`${JSON.stringify(line, (key, value) => (typeof value === 'bigint' ? value.toString() : value))}\n`);

const live = payer.sessions().find((info) => info.kind === 'channel');
const session = live ? payer.session(live.id) : await payer.startSession(env.CHANNEL_URL, { deposit: BigInt(env.CHANNEL_DEPOSIT) });
print({ session: session.id, resumed: Boolean(live), channel: session.status().channel.fullId });
for (let call = 1; call <= Number(env.CHANNEL_CALLS); call++) {
  const response = await session.fetch(env.CHANNEL_URL, env.CHANNEL_TIMEOUT_MS ? { timeoutMs: Number(env.CHANNEL_TIMEOUT_MS) } : {});
  print({ call, status: response.status, charged: session.status().channel.charged });
}
if (env.CHANNEL_END === '1') {
  const ended = await session.end();
  print({ refund: ended.refund, charged: ended.session.channel.charged });
}
if (env.CHANNEL_STAY === '1') {
  const alive = setInterval(() => {}, 1 << 30); // the payer's own timers keep no process alive
  const stop = new Promise((resolve) => process.once('SIGTERM', resolve));
  print({ idle: true });
  await stop;
  clearInterval(alive);
}
await payer.close();
signer.destroy();
print({ done: true });
