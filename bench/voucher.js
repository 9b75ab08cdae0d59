// Batch-settlement vouchers: the seller's per-request check, ours (native,
// VoucherVerifier) beside the official @x402/evm server's (its onBeforeVerify
// hook: viem's channel-id hashes and verifyTypedData) on the same 64
// channels and vouchers, in alternating rounds; the signature check alone
// (ours vs viem's verifyTypedData), the channel id and the buyer's signing.
//   node bench/voucher.js       this table alone
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_DOMAIN, voucherTypes } from '@x402/evm';
import { computeChannelId, signVoucher as officialSignVoucher } from '@x402/evm/batch-settlement/client';
import { verifyTypedData } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { Signer, VoucherVerifier, channelIdOf, recoverVoucherSigner, signVoucher } from '../lib/index.js';
import { channelConfig, officialServer, officialVerify } from '../test/js/support/official_voucher.js';
import { compare, formatNs, printTable } from './harness.js';
import { rawC } from './raw_c.js';

const CHAIN_ID = 84532;
const PRICE = 1000n;
const CHANNELS = 64;

async function fixtures() {
  const out = [];
  for (let i = 0; i < CHANNELS; i++) {
    const key = `0x${randomBytes(32).toString('hex')}`;
    const account = privateKeyToAccount(key);
    const config = channelConfig(account.address, account.address, `0x${randomBytes(32).toString('hex')}`);
    const channelId = channelIdOf(config, { chainId: CHAIN_ID });
    const charged = BigInt(1000 * (i + 1));
    const channel = { channelId, channelConfig: config, balance: '1000000000', totalClaimed: '0', chargedCumulativeAmount: String(charged) };
    const amount = String(charged + PRICE);
    const voucher = await officialSignVoucher(account, channelId, amount, `eip155:${CHAIN_ID}`);
    out.push({ key, account, config, channel, voucher, payload: { channelConfig: config, voucher } });
  }
  return out;
}

export async function voucherRows() {
  const inputs = await fixtures();
  const scheme = await officialServer(inputs.map((x) => x.channel));
  const verifier = new VoucherVerifier({ chainId: CHAIN_ID });
  const at = (i) => inputs[i % CHANNELS];
  // Both sides accept every input before anything is timed.
  for (const x of inputs) {
    if (!verifier.check(x.payload, x.channel, { price: PRICE }).valid) throw new Error('ours refused a bench voucher');
    if (!(await officialVerify(scheme, CHAIN_ID, PRICE, x.config, x.voucher)).isValid) throw new Error('official refused a bench voucher');
  }
  const domain = { ...BATCH_SETTLEMENT_DOMAIN, chainId: CHAIN_ID, verifyingContract: BATCH_SETTLEMENT_ADDRESS };
  const where = { chainId: CHAIN_ID };
  const signer = Signer.fromPrivateKey(inputs[0].key);

  const rows = [];
  rows.push({
    name: 'voucher check per request (seller)',
    candidates: await compare([
      { label: 'native', fn: (i) => verifier.check(at(i).payload, at(i).channel, { price: PRICE }) },
      { label: '@x402/evm server', fn: (i) => officialVerify(scheme, CHAIN_ID, PRICE, at(i).config, at(i).voucher), isAsync: true },
    ]),
  });
  rows.push({
    name: 'voucher signature alone (digest + recovery)',
    candidates: await compare([
      { label: 'native', fn: (i) => recoverVoucherSigner(at(i).voucher, where) },
      {
        label: 'viem verifyTypedData',
        isAsync: true,
        fn: (i) => verifyTypedData({
          address: at(i).account.address, domain, types: voucherTypes, primaryType: 'Voucher',
          message: { channelId: at(i).voucher.channelId, maxClaimableAmount: BigInt(at(i).voucher.maxClaimableAmount) }, signature: at(i).voucher.signature,
        }),
      },
    ]),
  });
  rows.push({
    name: 'channel id of a ChannelConfig',
    candidates: await compare([
      { label: 'native', fn: (i) => channelIdOf(at(i).config, where) },
      { label: '@x402/evm computeChannelId', fn: (i) => computeChannelId(at(i).config, CHAIN_ID) },
    ]),
  });
  rows.push({
    name: 'sign a voucher (buyer)',
    candidates: await compare([
      { label: 'native', fn: (i) => signVoucher(signer, { channelId: at(i).voucher.channelId, maxClaimableAmount: BigInt(i + 1) }, where) },
      { label: '@x402/evm signVoucher', fn: (i) => officialSignVoucher(inputs[0].account, at(i).voucher.channelId, String(i + 1), `eip155:${CHAIN_ID}`), isAsync: true },
    ]),
  });
  signer.destroy();
  rows.cpu = await cpuRatio(
    (i) => verifier.check(at(i).payload, at(i).channel, { price: PRICE }),
    (i) => officialVerify(scheme, CHAIN_ID, PRICE, at(i).config, at(i).voucher),
  );
  return rows;
}

// The main row again in CPU time (process.cpuUsage) instead of wall time: on
// a shared machine another job's load stretches wall time unevenly, CPU time
// much less. Alternating rounds of a fixed count each; medians per operation.
async function cpuRatio(ours, official, { rounds = 7, oursCount = 2000, officialCount = 60 } = {}) {
  const perOp = async (fn, count) => {
    const start = process.cpuUsage();
    for (let i = 0; i < count; i++) await fn(i);
    const used = process.cpuUsage(start);
    return ((used.user + used.system) * 1000) / count;
  };
  const a = [];
  const b = [];
  for (let r = 0; r < rounds; r++) {
    a.push(await perOp(ours, oursCount));
    b.push(await perOp(official, officialCount));
  }
  const median = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return { ours: median(a), official: median(b) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await voucherRows();
  printTable('Batch-settlement vouchers', rows);
  const ours = rows[0].candidates[0].ns;
  console.log(`  voucher check: ${(rows[0].candidates[1].ns / ours).toFixed(1)}× the @x402/evm server (goal ≥ 20×); `
    + `in CPU time ${formatNs(rows.cpu.ours)} vs ${formatNs(rows.cpu.official)}, ${(rows.cpu.official / rows.cpu.ours).toFixed(1)}×`);
  const floor = rawC(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'BM_RawSecp256k1RecoverToAddressDistinct|BM_VoucherCheck');
  if (floor) {
    const recover = floor.BM_RawSecp256k1RecoverToAddressDistinct;
    console.log(`  floor: raw libsecp256k1 recovery ${formatNs(recover)}; the check from JS ${(ours / recover).toFixed(2)}× it, C++ alone ${(floor.BM_VoucherCheck / recover).toFixed(2)}×`);
  } else {
    console.log('  (raw libsecp256k1 floor skipped: run `npm run test:cpp` once to configure build-test/)');
  }
}
