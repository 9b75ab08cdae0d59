// A devnet on chain 84532 is "base-sepolia" to x402 v1, the one kind of
// network legacy v1 clients accept: x402-fetch 1.x pays it with X-PAYMENT,
// @x402/fetch with v2, and clawpay-mcp with its configuration from mcpEnv
// (whose CLAWPAY_ASSET_* override the chain's real Base Sepolia USDC).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { decodePaymentResponseHeader } from '@x402/core/http';
import { ExactEvmScheme } from '@x402/evm/exact/client';
import { wrapFetchWithPayment as wrapFetchV2, x402Client } from '@x402/fetch';
import { decodeXPaymentResponse, wrapFetchWithPayment as wrapFetchV1 } from 'x402-fetch';

import { Signer, toViemAccount } from '../../lib/index.js';
import { KNOWN_CHAINS } from '../../lib/pay/config_asset.js';
import { PER_CALL_PRICE } from '../../lib/devnet/paywall_server.js';
import { usdcBalance, walletClientFor } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { launchClawpay } from './support/clawpay_child.js';

const PRICE = BigInt(PER_CALL_PRICE);
const BASE_SEPOLIA = 84532;

describe('a devnet on chain 84532 with v1 and v2 clients', { timeout: 180_000 }, () => {
  let world;
  let info;
  let signer;
  let stateDir;

  const balances = async () => Promise.all([world.payer.address, world.payTo].map(
    (address) => usdcBalance({ chain: world.chain, token: world.token, address })));

  // A fetch that keeps the payment headers of each request it sends
  // (x402-fetch passes them in init, @x402/fetch in a Request).
  function recording() {
    const sent = [];
    const fetchAndRecord = async (input, init) => {
      const headers = new Request(input, init).headers;
      sent.push({ xPayment: headers.get('x-payment'), paymentSignature: headers.get('payment-signature') });
      return fetch(input, init);
    };
    return { sent, fetch: fetchAndRecord };
  }

  before(async () => {
    world = await startWorld({ chainId: BASE_SEPOLIA });
    info = describeWorld(world);
    signer = Signer.fromPrivateKey(world.payer.privateKey);
    stateDir = mkdtempSync(join(tmpdir(), 'devnet-v1-clients-'));
  });

  after(async () => {
    signer?.destroy();
    await world?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  test('a chain id that is not a positive integer is refused before anything starts', async () => {
    for (const chainId of [0, -1, 1.5, '84532']) {
      await assert.rejects(startWorld({ chainId }), { code: 'ERR_INVALID_ARG_TYPE', message: /options\.chainId/ }, String(chainId));
    }
  });

  test('the world runs on 84532 and names it base-sepolia for v1', async () => {
    assert.equal(info.chainId, BASE_SEPOLIA);
    assert.equal(Number(await world.chain.publicClient.getChainId()), BASE_SEPOLIA);
    assert.equal(info.network, 'eip155:84532');
    assert.equal(info.v1Network, 'base-sepolia');
    assert.equal(info.mcpEnv.CHAIN_ID, '84532');
    assert.equal(info.mcpEnv.CLAWPAY_V1_NETWORK, 'base-sepolia');
    // Our token, not Base Sepolia's USDC, is what the buyer is told to pay.
    assert.equal(info.mcpEnv.CLAWPAY_ASSET_ADDRESS, world.token.address);
    assert.notEqual(world.token.address.toLowerCase(), KNOWN_CHAINS[BASE_SEPOLIA].asset.address.toLowerCase());

    const res = await fetch(info.routes.perCall);
    assert.equal(res.status, 402);
    const body = await res.json();
    assert.equal(body.x402Version, 1);
    assert.deepEqual(body.accepts.map((offer) => offer.network), ['base-sepolia']);
    assert.equal(body.accepts[0].maxAmountRequired, String(PRICE));
  });

  test('x402-fetch 1.x pays the per-call route with X-PAYMENT; exactly the price moves', async () => {
    const { sent, fetch: recordingFetch } = recording();
    const pay = wrapFetchV1(recordingFetch, walletClientFor(world.chain, signer), PRICE);
    const [payerBefore, payToBefore] = await balances();

    const res = await pay(info.routes.perCall);
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), { city: 'Lisbon', forecast: 'sunny', temperatureC: 21 });
    assert.equal(sent.length, 2);
    assert.ok(sent[1].xPayment, 'the retry carries X-PAYMENT');
    assert.equal(sent[1].paymentSignature, null, 'and no v2 header');
    assert.equal(JSON.parse(Buffer.from(sent[1].xPayment, 'base64').toString('utf8')).network, 'base-sepolia');

    const receipt = decodeXPaymentResponse(res.headers.get('x-payment-response'));
    assert.equal(receipt.success, true);
    assert.equal(receipt.network, 'base-sepolia');
    assert.equal(receipt.payer.toLowerCase(), world.payer.address.toLowerCase());
    const mined = await world.chain.publicClient.getTransactionReceipt({ hash: receipt.transaction });
    assert.equal(mined.status, 'success');
    assert.deepEqual(await balances(), [payerBefore - PRICE, payToBefore + PRICE]);
  });

  test('@x402/fetch pays the per-call route with v2; exactly the price moves', async () => {
    const { sent, fetch: recordingFetch } = recording();
    const client = new x402Client()
      .setSpendControls({ allowedAssets: [{ network: info.network, asset: world.token.address, maxAmountPerPayment: String(PRICE) }] })
      .register(info.network, new ExactEvmScheme(toViemAccount(signer)));
    const [payerBefore, payToBefore] = await balances();

    const res = await wrapFetchV2(recordingFetch, client)(info.routes.perCall);
    assert.equal(res.status, 200, await res.clone().text());
    assert.ok(sent.at(-1).paymentSignature, 'the retry carries PAYMENT-SIGNATURE');
    const receipt = decodePaymentResponseHeader(res.headers.get('payment-response'));
    assert.equal(receipt.success, true);
    assert.equal(receipt.network, 'eip155:84532');
    const mined = await world.chain.publicClient.getTransactionReceipt({ hash: receipt.transaction });
    assert.equal(mined.status, 'success');
    assert.deepEqual(await balances(), [payerBefore - PRICE, payToBefore + PRICE]);
  });

  test('clawpay-mcp with mcpEnv pays the devnet token, not Base Sepolia USDC', async () => {
    const child = await launchClawpay({ ...info.mcpEnv, CLAWPAY_STATE_DIR: stateDir, HOME: stateDir });
    try {
      const [payerBefore, payToBefore] = await balances();
      const result = await child.callOk('x402_pay', { url: info.routes.perCall });
      const out = result.structuredContent;
      assert.equal(out.status, 200);
      assert.equal(out.payment.amount, String(PRICE));
      assert.equal(out.payment.asset.toLowerCase(), world.token.address.toLowerCase());
      assert.equal(out.payment.network, 'eip155:84532');
      const mined = await world.chain.publicClient.getTransactionReceipt({ hash: out.payment.transaction });
      assert.equal(mined.status, 'success');
      assert.deepEqual(await balances(), [payerBefore - PRICE, payToBefore + PRICE]);
    } finally {
      await child.close();
    }
  });
});
