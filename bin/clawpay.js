#!/usr/bin/env node
// `clawpay` — the project's command:
//   demo       the native core end to end (a key, a session token built and
//              verified, scope checks, cache lookups, with timings), then the
//              local x402 world paid for real through clawpay-mcp over stdio:
//              a call, a session with 20 calls, status, end
//   devnet     a local x402 world (chain, token, facilitator, paid API and MCP)
//   receipts   export the paywall's receipt ledger
//   approvals  list, approve or cancel the key-mode wallet's queued sends
//   state      verify a state directory: what its journals hold, any damage
import { randomUUID } from 'node:crypto';

const [command = 'demo', ...args] = process.argv.slice(2);

async function demo() {
  const { Signer, buildSessionToken, verifySessionToken, verifySessionTokens, SessionCache, scopeCovers } =
    await import('../lib/index.js');
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

  const cache = new SessionCache();
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
  const { worldDemo } = await import('../lib/cli/world_demo.js');
  await worldDemo();
}

// A command is `async (args) => exit code` (undefined counts as 0); all but
// demo live in lib/cli/ and load only when run. The exit code is set, not
// forced, so that output still being piped to stdout is not cut off.
const commands = {
  demo,
  receipts: async (argv) => (await import('../lib/cli/receipts.js')).receiptsCommand(argv),
  devnet: async (argv) => (await import('../lib/cli/devnet.js')).devnetCommand(argv),
  approvals: async (argv) => (await import('../lib/cli/approvals.js')).approvalsCommand(argv),
  state: async (argv) => (await import('../lib/cli/state.js')).stateCommand(argv),
};
if (!Object.hasOwn(commands, command)) {
  console.error(`clawpay: unknown command "${command}". Commands: ${Object.keys(commands).join(', ')}`);
  process.exit(2);
}
commands[command](args).then((code) => {
  process.exitCode = code ?? 0;
}, (error) => {
  console.error(`clawpay ${command}: ${error.message}`);
  process.exit(1);
});
