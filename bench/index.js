#!/usr/bin/env node
// Side-by-side benchmarks: clawpay-native against the JS libraries people use
// today (viem, @noble/curves; ClawPay 1.1's session lookup), on the same
// inputs in one process, plus the C++ floor for the two hot paths, and the
// paywall under load: alone, and as replicas on one Redis (bench/redis.js).
//   npm run bench            everything
//   npm run bench -- --quick  fewer sessions in the session store benchmark, fewer session-call rounds
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { sessionStoreRows } from './session_store.js';
import { PAYWALL_TARGET, paywallRows, printPaywall } from './paywall.js';
import { CHANNEL_ROUTE_TARGET, channelRouteRows, printChannelRoute } from './channel_route.js';
import { printRedis, redisRows } from './redis.js';
import { formatNs, printTable } from './harness.js';
import { floorTargets } from './native_floor.js';
import { printSessionKinds, sessionKindRows } from './session_kinds.js';
import { printSessionCall, sessionCallRows, sessionCallTargets } from './session_call.js';
import { signingRows } from './signing.js';
import { tokenRows } from './tokens.js';
import { voucherRows } from './voucher.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');

console.log(`clawpay-native benchmarks — Node ${process.version}, ${availableParallelism()} cores, median of samples`);
const signing = await signingRows();
printTable('Signing, hashing, recovery', signing);
const vouchers = await voucherRows();
printTable('Batch-settlement vouchers', vouchers);
const { rows: tokens, batchSpeedup } = await tokenRows();
printTable('Session tokens', tokens);
const store = await sessionStoreRows(quick ? 10_000 : 100_000);
printTable('Session store', store);

const paywall = await paywallRows();
printPaywall(paywall);
printRedis(await redisRows());
const channelRoute = await channelRouteRows();
printChannelRoute(channelRoute);
printSessionKinds(await sessionKindRows({ samples: quick ? 10 : 30 }));
const sessionCall = await sessionCallRows(quick ? { rounds: 4, calls: 100 } : {});
printSessionCall(sessionCall);

const find = (rows, name) => rows.find((r) => r.name.startsWith(name));
const seen = find(tokens, 'verify a token already seen');
const verify = find(tokens, 'verify session token');
const typed = find(signing, 'signTypedData');
const lookup = find(store, 'findForUrl');
const voucherCheck = find(vouchers, 'voucher check per request');
const ours = (row) => row.candidates[0].ns;
const ratio = (row) => row.candidates[1].ns / row.candidates[0].ns;
console.log('\nTargets (ratios to raw libsecp256k1 are measured in this run)');
const targets = [
  ['verify a token already seen (paywall cache) ≤ 2 µs', ours(seen) <= 2000, formatNs(ours(seen))],
  [`findForUrl among ${lookup.name.match(/among ([\d,]+)/)[1]} sessions ≤ 3 µs`, ours(lookup) <= 3000, formatNs(ours(lookup))],
  ['batch verify on all cores ≥ 1.7× one core', batchSpeedup >= 1.7, `${batchSpeedup.toFixed(2)}×`],
  [`session requests through the paywall ≥ ${100 * PAYWALL_TARGET}% of the bare handler`, paywall.ratio >= PAYWALL_TARGET, `${(100 * paywall.ratio).toFixed(1)}%`],
  [`channel route ≥ ${100 * CHANNEL_ROUTE_TARGET}% of the bare handler`, channelRoute.ratio >= CHANNEL_ROUTE_TARGET, `${(100 * channelRoute.ratio).toFixed(1)}% (${channelRoute.toOfficial.toFixed(2)}× the official server)`],
  ['voucher check per request ≥ 20× the @x402/evm server', ratio(voucherCheck) >= 20, `${ratio(voucherCheck).toFixed(1)}× (${formatNs(ours(voucherCheck))}; in CPU time ${(vouchers.cpu.official / vouchers.cpu.ours).toFixed(1)}×)`],
];
targets.unshift(...await floorTargets(root, { rounds: quick ? 5 : 9 }));
targets.push(...sessionCallTargets(sessionCall));
console.log(`  (side by side: verify ${ratio(verify).toFixed(1)}× viem, signTypedData ${ratio(typed).toFixed(1)}× viem)`);
for (const [name, ok, figure] of targets) console.log(`  ${ok ? 'met ' : 'MISS'}  ${name.padEnd(66)} ${figure}`);
