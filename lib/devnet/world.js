// A complete local x402 world in one call: anvil, our EIP-3009 "USD Coin",
// a funded payer, an AgentAccountV2 wallet the payer's key operates, the
// official facilitator, and paid services behind our paywall. `clawpay devnet` prints what describe() returns; tests use the
// same function.
import { parseEther } from 'viem';

import { Signer } from '../signer.js';
import { ReceiptLedger } from '../receipt_ledger.js';
import { expectSafeInteger } from '../validate.js';
import { compileAgentWalletSystem, createAgentWallet, deployAgentWalletSystem } from './agent_wallet.js';
import { DEFAULT_CHAIN_ID, startChain } from './chain.js';
import { startFacilitator } from './facilitator.js';
import { startPaidMcp } from './paid_mcp.js';
import { startPaywallServer } from './paywall_server.js';
import { assetEnv, deployUsdCoin, installMulticall3, mintUsdCoin, multicall3Artifact, usdCoinArtifact } from './token.js';

const USDC = 1_000_000n;
export const PAYER_FUNDS = 100n * USDC;
/** What the agent wallet holds at start: room for payments within and over its default limits. */
export const AGENT_WALLET_FUNDS = Object.freeze({ usdc: 20n * USDC, eth: parseEther('0.2') });

/**
 * Starts everything; `stop()` stops it all, in reverse order, even when a
 * later step failed to start.
 * @param {{ledgerPath?: string, chainPort?: number, chainId?: number, now?: () => number}} [options]
 *   ledgerPath: keep the receipt ledger on disk (in memory by default);
 *   chainId: the chain's id (31337 by default). A chain id x402 v1 has a name
 *   for (84532 is "base-sepolia") makes the world payable by legacy v1 clients.
 */
export async function startWorld({ ledgerPath, chainPort = 0, chainId = DEFAULT_CHAIN_ID, now } = {}) {
  expectSafeInteger(chainId, 'options.chainId', { min: 1 });
  const stops = [];
  const stop = async () => {
    for (const fn of stops.reverse()) {
      try {
        await fn();
      } catch {
        // keep stopping the rest
      }
    }
    stops.length = 0;
  };
  try {
    // The contracts ship compiled; reading them first means a missing or
    // stale artifact fails before anvil starts.
    const agentArtifacts = await compileAgentWalletSystem();
    usdCoinArtifact();
    multicall3Artifact();
    const chain = await startChain({ port: chainPort, chainId });
    stops.push(() => chain.stop());
    await installMulticall3(chain);
    // Index 4 owns the agent wallet; no other part of the world uses it.
    const [deployerAccount, payerAccount, relayerAccount, payToAccount, agentOwnerAccount] = chain.accounts;
    const deployer = Signer.fromPrivateKey(deployerAccount.privateKey);
    const agentOwner = Signer.fromPrivateKey(agentOwnerAccount.privateKey);
    let token;
    let agentWallet;
    try {
      token = await deployUsdCoin({ chain, deployer });
      await mintUsdCoin({ chain, token, owner: deployer, to: payerAccount.address, amount: PAYER_FUNDS });
      const system = await deployAgentWalletSystem({ chain, deployer, artifacts: agentArtifacts });
      // The payer's key is the wallet's operator: the agent key of contract mode.
      const created = await createAgentWallet({
        chain, system, owner: agentOwner, operator: payerAccount.address, token, tokenOwner: deployer,
        fundUsdc: AGENT_WALLET_FUNDS.usdc, fundEth: AGENT_WALLET_FUNDS.eth,
      });
      agentWallet = { ...created, owner: { address: agentOwnerAccount.address, privateKey: agentOwnerAccount.privateKey } };
    } finally {
      deployer.destroy();
      agentOwner.destroy();
    }

    const relayer = Signer.fromPrivateKey(relayerAccount.privateKey);
    const facilitator = await startFacilitator({ chain, relayer });
    stops.push(() => facilitator.stop());
    stops.push(() => relayer.destroy());

    const ledger = new ReceiptLedger(ledgerPath === undefined ? {} : { path: ledgerPath });
    stops.push(() => ledger.close());
    const v1Names = { [chain.network]: facilitator.v1Network };
    const payTo = payToAccount.address;
    const api = await startPaywallServer({ chain, token, facilitatorUrl: facilitator.url, payTo, ledger, v1Names, now });
    stops.push(() => api.stop());
    const mcp = await startPaidMcp({ engine: api.paywall.engine, token, network: chain.network, payTo });
    stops.push(() => mcp.stop());

    const world = { chain, token, facilitator, ledger, api, mcp, payer: payerAccount, payTo, agentWallet, v1Names, stop };
    return world;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The one JSON line `clawpay devnet` prints. Holds the payer's and the wallet owner's (test) keys. */
export function describeWorld(world) {
  const { chain, token, facilitator, api, mcp, payer, payTo, agentWallet } = world;
  return {
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    network: chain.network,
    v1Network: facilitator.v1Network,
    asset: { address: token.address, name: token.name, version: token.version, decimals: token.decimals },
    facilitatorUrl: facilitator.url,
    paidApiUrl: api.url,
    paidMcpUrl: mcp.url,
    routes: { perCall: api.routes.perCall, session: api.routes.session, sessionEndpoint: api.routes.sessionEndpoint },
    payer: { privateKey: payer.privateKey, address: payer.address },
    payTo,
    agentWallet: {
      address: agentWallet.address,
      tokenId: agentWallet.tokenId.toString(), // a uint256: a string keeps it exact in JSON
      owner: { address: agentWallet.owner.address, privateKey: agentWallet.owner.privateKey },
      nftContract: agentWallet.nft.address,
      factory: agentWallet.factory.address,
    },
    // What clawpay-mcp needs to pay on this world: ClawPay 1.1's variables,
    // plus the asset a local chain cannot have a default for. The wallet
    // stays the payer's own address (key mode); the factory and the NFT are
    // there for deploy_wallet, and agentWallet.address is the contract-mode
    // AGENT_WALLET_ADDRESS.
    mcpEnv: {
      AGENT_PRIVATE_KEY: payer.privateKey,
      AGENT_WALLET_ADDRESS: payer.address,
      CHAIN_ID: String(chain.chainId),
      RPC_URL: chain.rpcUrl,
      ...assetEnv(token),
      CLAWPAY_V1_NETWORK: facilitator.v1Network,
      FACTORY_ADDRESS: agentWallet.factory.address,
      NFT_CONTRACT_ADDRESS: agentWallet.nft.address,
    },
  };
}
