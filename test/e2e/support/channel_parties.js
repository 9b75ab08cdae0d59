// Who takes part in the channel e2e tests, made one way: the seller's
// receiver authorizer (anvil's account 5, which pays the claims' gas) and a
// fresh receiver; buyers with a fresh key funded with the world's USDC by its
// minter (account 0), each a clawpay-native/pay payer on its own state
// directory; temporary folders. close() undoes everything made. And the
// world most of those tests pay in: the official batch-settlement server on
// the devnet, with or without a proxy in front (startOfficialChannelWorld).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Signer } from '../../../lib/index.js';
import { mintUsdCoin } from '../../../lib/devnet/token.js';
import { startWorld } from '../../../lib/devnet/world.js';
import { createPayer } from '../../../lib/pay/public.js';
import { startChannelProxy } from './channel_proxy.js';
import { startOfficialChannelSeller } from './official_channel_seller.js';

const ONE_ETH = '0xde0b6b3a7640000';

/** Mints `amount` base units of the world's USDC to `address`. */
export async function fund(world, address, amount = 1_000_000n) {
  const minter = Signer.fromPrivateKey(world.chain.accounts[0].privateKey);
  try {
    await mintUsdCoin({ chain: world.chain, token: world.token, owner: minter, to: address, amount });
  } finally {
    minter.destroy();
  }
}

/** Moves anvil's clock `seconds` ahead and mines a block at the new time (a channel's withdraw delay passing). */
export async function passTime(world, seconds) {
  await world.chain.publicClient.request({ method: 'evm_increaseTime', params: [seconds] });
  await world.chain.publicClient.request({ method: 'evm_mine', params: [] });
}

/** The world's USDC as createPayer's `asset` takes it. */
export const assetOf = (world) => ({ address: world.token.address, name: world.token.name, version: world.token.version, decimals: 6 });

/**
 * The seller's side and the buyers' factory. `prefix` names the buyers'
 * state directories in the temporary folder.
 */
export function channelParties(world, { prefix = 'clawpay-channel-buyer-' } = {}) {
  const authorizer = Signer.fromPrivateKey(world.chain.accounts[5].privateKey);
  const receiver = Signer.generate();
  const undo = [];

  /**
   * A payer with a fresh key funded with `funds` (and 1 ETH for gas with
   * `eth`), `policy` and `now` passed to createPayer: {payer, buyer, stateDir}.
   */
  async function freshPayer({ policy, now, eth = false, funds = 1_000_000n } = {}) {
    const buyer = Signer.generate();
    undo.push(async () => buyer.destroy());
    await fund(world, buyer.address, funds);
    if (eth) await world.chain.publicClient.request({ method: 'anvil_setBalance', params: [buyer.address, ONE_ETH] });
    const stateDir = await tempDir(prefix);
    const payer = await createPayer({
      signer: buyer, chainId: world.chain.chainId, rpcUrl: world.chain.rpcUrl, stateDir, walletAddress: buyer.address,
      asset: assetOf(world), ...(policy ? { policy } : {}), ...(now ? { now } : {}),
    });
    undo.push(() => payer.close());
    return { payer, buyer, stateDir };
  }

  /** A temporary folder, removed by close(). */
  async function tempDir(name) {
    const dir = await mkdtemp(join(tmpdir(), name));
    undo.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  async function close() {
    for (const done of undo.reverse()) await done();
    authorizer.destroy();
    receiver.destroy();
  }

  return {
    authorizer, receiver, freshPayer, tempDir, close,
    /** Runs `fn` at close(), before what was made earlier is undone. */
    defer: (fn) => { undo.push(fn); },
  };
}

/**
 * A world with the official batch-settlement server selling one route
 * (support/official_channel_seller.js), paid to the parties' receiver, and
 * with `proxy` a channel proxy in front of it (support/channel_proxy.js):
 * {world, parties, seller, proxy, stop()}. stop() undoes it all, in order.
 */
export async function startOfficialChannelWorld({ price, minDeposit, withdrawDelay, proxy: withProxy = false, prefix }) {
  const world = await startWorld();
  const made = { world, parties: channelParties(world, { prefix }), seller: null, proxy: null };
  made.stop = async () => {
    await made.proxy?.stop();
    await made.seller?.stop();
    await made.parties.close();
    await world.stop();
  };
  try {
    const { parties } = made;
    const directory = await parties.tempDir('clawpay-channel-seller-');
    made.seller = await startOfficialChannelSeller({
      world, payTo: parties.receiver.address, authorizer: parties.authorizer, directory, price, minDeposit, ...(withdrawDelay ? { withdrawDelay } : {}),
    });
    if (withProxy) made.proxy = await startChannelProxy({ upstream: made.seller.url, chainId: world.chain.chainId });
  } catch (error) {
    await made.stop();
    throw error;
  }
  return made;
}
