// `clawpay demo` (what `npm run demo` runs): the native core end to end — a
// key, a session token built and verified, scope checks, cache lookups, with
// timings — then the local x402 world paid for real through clawpay-mcp over
// stdio: a call, a session with 20 calls, status, end.
import { randomUUID } from 'node:crypto';

const USAGE = 'clawpay demo';

async function runDemo() {
  const { Signer, buildSessionToken, verifySessionToken, verifySessionTokens, SessionStore, scopeCovers } =
    await import('../index.js');
  const time = (fn) => {
    const start = process.hrtime.bigint();
    const value = fn();
    return [value, Number(process.hrtime.bigint() - start) / 1000];
  };
  const timeAsync = async (fn) => {
    const start = process.hrtime.bigint();
    const value = await fn();
    return [value, Number(process.hrtime.bigint() - start) / 1000];
  };

  const [signer, genUs] = time(() => Signer.generate());
  console.log(`key      generated in native memory (${genUs.toFixed(0)} µs, first call sets up libsecp256k1), address ${signer.address}`);

  const now = Math.floor(Date.now() / 1000);
  const payload = {
    version: 'clawpay/1.1',
    sessionId: randomUUID(),
    walletAddress: signer.address,
    endpoint: 'https://api.example.com/v1',
    scope: 'prefix',
    createdAt: now,
    expiresAt: now + 3600,
    paymentTxHash: `0x${'ab'.repeat(32)}`,
    paymentAmount: '10000',
  };
  const [built, buildUs] = await timeAsync(() => buildSessionToken(payload, signer));
  console.log(`token    built and signed in ${buildUs.toFixed(0)} µs (${built.token.length} chars)`);
  console.log(`         ${built.token.slice(0, 72)}…`);

  const url = 'https://api.example.com/v1/search?q=x402';
  const [verdict, verifyUs] = await timeAsync(() => verifySessionToken(built.token, { wallet: signer.address, url }));
  const [, warmUs] = await timeAsync(async () => {
    for (let i = 0; i < 1000; i++) await verifySessionToken(built.token, { wallet: signer.address, url });
  });
  console.log(`verify   ${verdict.valid ? 'valid' : verdict.reason} for ${url}: first call ${verifyUs.toFixed(0)} µs, then ${(warmUs / 1000).toFixed(1)} µs on average`);
  for (const hostile of ['https://api.example.com.evil.io/v1', 'https://api.example.com@evil.io/v1',
    'https://api.example.com/v10', 'https://api.example.com/v1/../admin']) {
    console.log(`scope    ${scopeCovers(payload.endpoint, 'prefix', hostile) ? 'COVERS ' : 'refuses'} ${hostile}`);
  }

  const tokens = Array.from({ length: 2000 }, () => built.token);
  const [, batchUs] = await timeAsync(() => verifySessionTokens(tokens, { url }));
  console.log(`batch    2000 tokens verified on all cores in ${(batchUs / 1000).toFixed(1)} ms (${(batchUs / 2000).toFixed(1)} µs each)`);

  const cache = new SessionStore();
  const [, fillUs] = time(() => {
    for (let i = 0; i < 10000; i++) {
      cache.add({ ...payload, sessionId: randomUUID(), endpoint: `https://api${i % 100}.example.com/v${i}`,
        paymentToken: '0x', paymentRecipient: '0x', sessionToken: built.token, signature: built.signature,
        callCount: 0, lastUsedAt: now });
    }
  });
  const found = cache.findForUrl('https://api42.example.com/v4242/items/7');
  const [, lookupsUs] = time(() => {
    for (let i = 0; i < 10000; i++) cache.findForUrl(`https://api${i % 100}.example.com/v${i}/items/${i}`);
  });
  console.log(`cache    10000 sessions added in ${(fillUs / 1000).toFixed(0)} ms; URL lookup ${(lookupsUs / 10000).toFixed(1)} µs on average`);
  console.log(`         https://api42.example.com/v4242/items/7 -> session for ${found?.endpoint}`);
  cache.close();
  signer.destroy();
  console.log('signer   destroyed (key wiped)');

  console.log('\nThe local x402 world, paid for real through clawpay-mcp:');
  const { worldDemo } = await import('./world_demo.js');
  await worldDemo();
}

/** `clawpay demo [--help]`; resolves to the exit code. */
export async function demoCommand(argv) {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    process.stdout.write(`usage: ${USAGE}\n  the native core with timings, then the local x402 world paid through clawpay-mcp\n`);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`clawpay demo: takes no arguments, got "${argv[0]}" (usage: ${USAGE})\n`);
    return 2;
  }
  await runDemo();
  return 0;
}
