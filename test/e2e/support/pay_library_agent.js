// A Node agent that uses only clawpay-native/pay (imported by the package's
// own name): pays one call, buys a session, makes `calls` calls in it, ends
// it and reads its spend. Reads {world, stateDir, calls} as JSON on argv[2];
// prints one JSON line (bigints as decimal strings).
import { createPayer } from 'clawpay-native/pay';

const { world, stateDir, calls } = JSON.parse(process.argv[2]);
const since = Date.now();
const payer = await createPayer({
  privateKey: world.payer.privateKey,
  chainId: world.chainId,
  rpcUrl: world.rpcUrl,
  asset: { ...world.asset, symbol: 'USDC' },
  stateDir,
  policy: { maxPerCall: '0.10', maxPerSession: '0.10', maxPerDay: '1.00' },
});
try {
  const paid = await payer.fetch(world.routes.perCall);
  const perCall = { status: paid.status, body: await paid.json(), payment: paid.payment };

  const session = await payer.startSession(world.routes.session, { scope: 'prefix', ttlSeconds: 600, maxPayment: 100_000n });
  const statuses = [];
  for (let i = 0; i < calls; i += 1) {
    const res = await session.fetch(i % 2 ? world.routes.session : `${world.routes.session}?day=${i}`);
    statuses.push(res.status);
    await res.text();
  }
  const status = session.status();
  // Outside its scope: refused with a code, nothing sent.
  let outOfScope;
  try {
    await session.fetch(world.routes.perCall);
    outOfScope = 'no error';
  } catch (error) {
    outOfScope = error.code;
  }
  // payer.fetch uses the covering session too: not paid, counted.
  const covered = await payer.fetch(world.routes.session);
  const coveredInfo = { status: covered.status, payment: covered.payment, calls: covered.session?.callCount ?? null };
  const active = payer.sessions().map((s) => s.id);
  const ended = await session.end();
  let afterEnd;
  try {
    await session.fetch(world.routes.session);
    afterEnd = 'no error';
  } catch (error) {
    afterEnd = error.code;
  }
  const spend = await payer.spend({ since });
  const payments = payer.payments({ since });
  const out = {
    address: payer.address,
    perCall,
    session: { id: session.id, payment: session.payment, statuses, status, outOfScope, active, ended, afterEnd },
    covered: coveredInfo,
    spend,
    payments,
  };
  process.stdout.write(`${JSON.stringify(out, (key, value) => (typeof value === 'bigint' ? value.toString() : value))}\n`);
} finally {
  await payer.close();
}
