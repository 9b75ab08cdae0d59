// A complete local x402 world in one call: anvil, our EIP-3009 "USD Coin",
// a funded payer, an AgentAccountV2 wallet the payer's key operates, the
// official facilitator, and paid services behind our paywall. `clawpay devnet` prints what describe() returns; tests use the
// same function.
import { fileURLToPath } from 'node:url';

import { parseEther } from 'viem';

import { Signer } from '../signer.js';
import { ReceiptLedger } from '../receipt_ledger.js';
import { connectRedisStore } from '../paywall/redis_store.js';
import { argError, expectSafeInteger } from '../validate.js';
import { compileAgentWalletSystem, createAgentWallet, deployAgentWalletSystem } from './agent_wallet.js';
import { batchSettlementArtifact, installBatchSettlement } from './batch_settlement.js';
import { DEFAULT_CHAIN_ID, startChain } from './chain.js';
import { startFacilitator } from './facilitator.js';
import { startPaidMcp } from './paid_mcp.js';
import { startPaywallServer } from './paywall_server.js';
import { canonicalUsdcOf, deployCanonicalUsdc } from './canonical_usdc.js';
import { assetEnv, deployUsdCoin, installMulticall3, mintUsdCoin, multicall3Artifact, usdCoinArtifact } from './token.js';

const USDC = 1_000_000n;
const MCP_BIN = fileURLToPath(new URL('../../bin/clawpay-mcp.js', import.meta.url));
export const PAYER_FUNDS = 100n * USDC;
/** What the agent wallet holds at start: room for payments within and over its default limits. */
export const AGENT_WALLET_FUNDS = Object.freeze({ usdc: 20n * USDC, eth: parseEther('0.2') });

/**
 * Starts everything; `stop()` stops it all, in reverse order, even when a
 * later step failed to start.
 * @param {{ledgerPath?: string, redisUrl?: string, chainPort?: number, chainId?: number, canonicalUsdc?: boolean, now?: () => number}} [options]
 *   ledgerPath: keep the receipt ledger on disk (in memory by default);
 *   redisUrl: keep the paywall's state in this Redis instead (world.ledger is then undefined);
 *   chainId: the chain's id (31337 by default). A chain id x402 v1 has a name
 *   for (84532 is "base-sepolia") makes the world payable by legacy v1 clients;
 *   canonicalUsdc: our token at the chain's canonical USDC address, under that
 *   asset's EIP-712 name (84532: 0x036C…CF7e, "USDC"), for peers that pay or
 *   price only that asset (canonical_usdc.js).
 */
export async function startWorld({ ledgerPath, redisUrl, chainPort = 0, chainId = DEFAULT_CHAIN_ID, canonicalUsdc = false, now } = {}) {
  expectSafeInteger(chainId, 'options.chainId', { min: 1 });
  if (typeof canonicalUsdc !== 'boolean') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a boolean for options.canonicalUsdc');
  if (canonicalUsdc && !canonicalUsdcOf(chainId)) {
    throw argError(RangeError, 'ERR_INVALID_ARG_VALUE', `options.canonicalUsdc: chain ${chainId} has no canonical USDC that @x402/evm knows (84532 has)`);
  }
  if (ledgerPath !== undefined && redisUrl !== undefined) {
    throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', 'startWorld takes ledgerPath or redisUrl, not both');
  }
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
    batchSettlementArtifact();
    const chain = await startChain({ port: chainPort, chainId });
    stops.push(() => chain.stop());
    await installMulticall3(chain);
    // Payment channels (x402 batch-settlement) at the official addresses.
    const batchSettlement = await installBatchSettlement(chain);
    // Index 4 owns the agent wallet; no other part of the world uses it.
    const [deployerAccount, payerAccount, relayerAccount, payToAccount, agentOwnerAccount] = chain.accounts;
    const deployer = Signer.fromPrivateKey(deployerAccount.privateKey);
    const agentOwner = Signer.fromPrivateKey(agentOwnerAccount.privateKey);
    let token;
    let agentWallet;
    try {
      token = canonicalUsdc ? await deployCanonicalUsdc({ chain, deployer }) : await deployUsdCoin({ chain, deployer });
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

    const ledger = redisUrl === undefined ? new ReceiptLedger(ledgerPath === undefined ? {} : { path: ledgerPath }) : undefined;
    const store = ledger === undefined ? await connectRedisStore({ url: redisUrl }) : undefined;
    stops.push(() => (ledger ?? store).close());
    const v1Names = { [chain.network]: facilitator.v1Network };
    const payTo = payToAccount.address;
    const api = await startPaywallServer({ chain, token, facilitatorUrl: facilitator.url, payTo, ledger, store, v1Names, now });
    stops.push(() => api.stop());
    const mcp = await startPaidMcp({ engine: api.paywall.engine, token, network: chain.network, payTo });
    stops.push(() => mcp.stop());

    const world = { chain, token, batchSettlement, facilitator, ledger, store: api.paywall.store, api, mcp, payer: payerAccount, payTo, agentWallet, v1Names, stop };
    return world;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The one JSON line `clawpay devnet` prints. Holds the payer's and the wallet owner's (test) keys. */
export function describeWorld(world) {
  const { chain, token, batchSettlement, facilitator, api, mcp, payer, payTo, agentWallet } = world;
  return {
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    network: chain.network,
    v1Network: facilitator.v1Network,
    asset: { address: token.address, name: token.name, version: token.version, decimals: token.decimals },
    // x402 batch-settlement's channel contract and its ERC-3009 deposit collector.
    batchSettlement: { address: batchSettlement.address, erc3009Collector: batchSettlement.erc3009Collector },
    facilitatorUrl: facilitator.url,
    paidApiUrl: api.url,
    paidMcpUrl: mcp.url,
    // sessionStart is the URL to pass as x402_session_start's `endpoint` (it
    // sells the session); sessionScope is the prefix the bought session
    // covers. `session` and `sessionEndpoint` are their old names, kept for
    // scripts written against them: sessionEndpoint is NOT the `endpoint`.
    routes: {
      perCall: api.routes.perCall,
      sessionStart: api.routes.session,
      sessionScope: api.routes.sessionEndpoint,
      session: api.routes.session,
      sessionEndpoint: api.routes.sessionEndpoint,
    },
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
    mcpEnv: mcpEnvOf(world),
    // Ready to paste into Claude Desktop's claude_desktop_config.json.
    claudeDesktop: { mcpServers: { 'clawpay-devnet': { command: process.execPath, args: [MCP_BIN], env: mcpEnvOf(world) } } },
  };
}

/** clawpay-mcp's environment on the world. */
function mcpEnvOf({ chain, token, facilitator, payer, agentWallet }) {
  return {
    AGENT_PRIVATE_KEY: payer.privateKey,
    AGENT_WALLET_ADDRESS: payer.address,
    CHAIN_ID: String(chain.chainId),
    RPC_URL: chain.rpcUrl,
    ...assetEnv(token),
    CLAWPAY_V1_NETWORK: facilitator.v1Network,
    FACTORY_ADDRESS: agentWallet.factory.address,
    NFT_CONTRACT_ADDRESS: agentWallet.nft.address,
  };
}
