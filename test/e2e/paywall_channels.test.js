// Our paywall selling a batch-settlement route (payment channels), paid by
// the official @x402/fetch client with @x402/evm's batch-settlement client
// scheme, through the devnet facilitator, on the devnet's channel contract:
// 100 calls on one deposit, the batched claim, the cooperative refund, all
// asserted on chain to the base unit; then a hostile client's vouchers.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from '@x402/core/http';
import { toClientEvmSigner, voucherTypes, BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_DOMAIN } from '@x402/evm';
import { BatchSettlementEvmScheme as BatchSettlementClient } from '@x402/evm/batch-settlement/client';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { parseAbiItem } from 'viem';

import { Signer, toViemAccount } from '../../lib/index.js';
import { startWorld } from '../../lib/devnet/world.js';
import { mintUsdCoin, usdcBalance } from '../../lib/devnet/token.js';
import { startChannelSeller } from './support/channel_seller.js';

const PRICE = 1_000n; // 0.001 USDC per call
const CALLS = 100;
const DEPOSIT = PRICE * 150n; // the route's minimum deposit: room for 150 calls
const claimedEvent = parseAbiItem('event Claimed(bytes32 indexed channelId, address indexed sender, uint128 claimAmount, uint128 newTotalClaimed)');
const depositedEvent = parseAbiItem('event Deposited(bytes32 indexed channelId, address indexed sender, uint128 amount, uint128 newBalance)');

function officialBuyer(world, signer) {
  const scheme = new BatchSettlementClient(toClientEvmSigner(toViemAccount(signer), world.chain.publicClient));
  const client = new x402Client().setSpendControls({
    allowedAssets: [{ network: world.chain.network, asset: world.token.address, maxAmountPerPayment: String(DEPOSIT) }],
  });
  client.register(world.chain.network, scheme);
  return { scheme, pay: wrapFetchWithPayment(fetch, client) };
}

describe('our paywall sells batch-settlement to the official client', { timeout: 240_000 }, () => {
  let world;
  let seller;
  let directory;
  let payer;
  let authorizer;
  let receiver;
  let buyer;
  let startBlock;

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const read = (functionName, args) => world.chain.publicClient.readContract({
    address: world.batchSettlement.address, abi: world.batchSettlement.abi, functionName, args,
  });

  before(async () => {
    world = await startWorld();
    directory = await mkdtemp(join(tmpdir(), 'clawpay-paywall-channels-'));
    payer = Signer.fromPrivateKey(world.payer.privateKey);
    authorizer = Signer.fromPrivateKey(world.chain.accounts[5].privateKey);
    receiver = Signer.generate(); // a fresh payee: its balance is this test's alone
    seller = await startChannelSeller({
      facilitatorUrl: world.facilitator.url, token: world.token, network: world.chain.network, payTo: receiver.address,
      directory, authorizer, price: PRICE, minDeposit: DEPOSIT,
    });
    buyer = officialBuyer(world, payer);
    startBlock = await world.chain.publicClient.getBlockNumber();
  });

  after(async () => {
    await seller?.stop();
    await world?.stop();
    for (const s of [payer, authorizer, receiver]) s?.destroy();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  test('the 402 offers batch-settlement with the price per call, the minimum deposit and the withdraw delay', async () => {
    const response = await fetch(seller.url);
    assert.equal(response.status, 402);
    const [offer, ...rest] = decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')).accepts;
    assert.equal(rest.length, 0);
    assert.equal(offer.scheme, 'batch-settlement');
    assert.equal(offer.amount, String(PRICE));
    assert.equal(offer.payTo, receiver.address);
    assert.equal(offer.extra.minDeposit, String(DEPOSIT));
    assert.equal(offer.extra.withdrawDelay, 900);
    assert.equal(offer.extra.receiverAuthorizer, authorizer.address);
    assert.equal(seller.served(), 0);
  });

  test('100 paid calls on one deposit; the batched claim pays the payee 100 × price, the refund returns the rest, to the base unit', async () => {
    const payerStart = await balance(world.payer.address);
    const transactions = [];
    for (let i = 1; i <= CALLS; i++) {
      const response = await buyer.pay(seller.url);
      assert.equal(response.status, 200, `call ${i}: ${response.status} ${await response.clone().text()}`);
      assert.deepEqual(await response.json(), { served: i });
      const settle = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE'));
      assert.equal(settle.success, true);
      assert.equal(settle.extra.channelState.chargedCumulativeAmount, String(PRICE * BigInt(i)));
      if (settle.transaction) transactions.push(settle.transaction);
    }
    assert.equal(seller.served(), CALLS);
    const deposits = await world.chain.publicClient.getLogs({ address: world.batchSettlement.address, event: depositedEvent, fromBlock: startBlock });
    assert.equal(deposits.length, 1);
    assert.deepEqual(transactions, [deposits[0].transactionHash]);
    assert.equal(deposits[0].args.amount, DEPOSIT);
    const channelId = deposits[0].args.channelId;
    assert.equal(await balance(world.payer.address), payerStart - DEPOSIT);
    assert.equal(await balance(receiver.address), 0n);

    const stored = await seller.paywall.channels.storage.get(channelId);
    assert.equal(stored.chargedCumulativeAmount, String(PRICE * BigInt(CALLS)));

    const { claims, settlements } = await seller.paywall.channels.claim();
    assert.equal(claims.length, 1);
    assert.equal(claims[0].vouchers, 1);
    assert.equal(settlements.length, 1);
    assert.equal(await balance(receiver.address), PRICE * BigInt(CALLS));
    assert.deepEqual(await read('channels', [channelId]), [DEPOSIT, PRICE * BigInt(CALLS)]);
    // A second run finds nothing new to claim.
    assert.deepEqual((await seller.paywall.channels.claim()).claims, []);

    const refund = await buyer.scheme.refund(seller.url);
    assert.equal(refund.success, true, JSON.stringify(refund));
    assert.equal(BigInt(refund.amount), DEPOSIT - PRICE * BigInt(CALLS));
    assert.equal(await balance(world.payer.address), payerStart - PRICE * BigInt(CALLS));
    assert.equal(await balance(receiver.address), PRICE * BigInt(CALLS));
    assert.equal(await balance(world.batchSettlement.address), 0n);
    const claimed = await world.chain.publicClient.getLogs({ address: world.batchSettlement.address, event: claimedEvent, fromBlock: startBlock });
    assert.equal(claimed.reduce((sum, log) => sum + log.args.claimAmount, 0n), PRICE * BigInt(CALLS));
    assert.equal(seller.served(), CALLS);
  });
});
