#!/usr/bin/env node
// Side-by-side benchmarks: clawpay-native against the JS libraries people use
// today (viem, @noble/curves; ClawPay 1.1's session lookup), on the same
// inputs in one process, plus the C++ floor for the two hot paths.
//   npm run bench            everything
//   npm run bench -- --quick  fewer sessions in the cache benchmark, fewer session-call rounds
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cacheRows } from './cache.js';
import { paywallRows, printPaywall } from './paywall.js';
import { formatNs, printTable } from './harness.js';
import { rawC } from './raw_c.js';
import { printSessionCall, sessionCallRows, sessionCallTargets } from './session_call.js';
import { signingRows } from './signing.js';
import { tokenRows } from './tokens.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');

console.log(`clawpay-native benchmarks — Node ${process.version}, ${availableParallelism()} cores, median of samples`);
const signing = await signingRows();
printTable('Signing, hashing, recovery', signing);
const { rows: tokens, batchSpeedup } = await tokenRows();
printTable('Session tokens', tokens);
printTable('Session cache', await cacheRows(quick ? 10_000 : 100_000));

const paywall = await paywallRows();
printPaywall(paywall);
const sessionCall = await sessionCallRows(quick ? { rounds: 4, calls: 100 } : {});
printSessionCall(sessionCall);

const find = (rows, name) => rows.find((r) => r.name.startsWith(name));
const verify = find(tokens, 'verify session token');
const typed = find(signing, 'signTypedData');
const ratio = (row) => row.candidates[1].ns / row.candidates[0].ns;
console.log('\nTargets');
const targets = [
  ['verify token ≥ 40× viem', ratio(verify) >= 40, `${ratio(verify).toFixed(1)}×`],
  ['sign typed data ≥ 15× viem', ratio(typed) >= 15, `${ratio(typed).toFixed(1)}×`],
  ['batch verify on all cores ≥ 1.7× one core', batchSpeedup >= 1.7, `${batchSpeedup.toFixed(2)}×`],
  ['session requests through the paywall ≥ 85% of the bare handler', paywall.ratio >= 0.85, `${(100 * paywall.ratio).toFixed(1)}%`],
];
const floor = rawC(root, 'BM_VerifySessionToken|BM_SignTransferWithAuthorizationFromJson|BM_RawSecp256k1');
if (floor) {
  const overVerify = verify.candidates[0].ns / floor.BM_VerifySessionToken;
  const overSign = typed.candidates[0].ns / floor.BM_SignTransferWithAuthorizationFromJson;
  targets.push([`verify token within 1.5× of C++ (${formatNs(floor.BM_VerifySessionToken)})`, overVerify <= 1.5, `${overVerify.toFixed(2)}×`]);
  targets.push([`sign typed data within 1.5× of C++ (${formatNs(floor.BM_SignTransferWithAuthorizationFromJson)})`, overSign <= 1.5, `${overSign.toFixed(2)}×`]);
  console.log(`  (raw libsecp256k1: sign ${formatNs(floor.BM_RawSecp256k1SignRecoverable)}, recover to address ${formatNs(floor.BM_RawSecp256k1RecoverToAddress)}, `
    + `${formatNs(floor.BM_RawSecp256k1RecoverToAddressDistinct)} over distinct signatures)`);
} else {
  console.log('  (C++ floor skipped: run `npm run test:cpp` once to configure build-test/)');
}
targets.push(...sessionCallTargets(sessionCall));
for (const [name, ok, figure] of targets) console.log(`  ${ok ? 'met ' : 'MISS'}  ${name.padEnd(58)} ${figure}`);
