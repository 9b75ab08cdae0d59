// A complete local x402 world in one call: anvil, our EIP-3009 "USD Coin",
// a funded payer, the official facilitator, and paid services behind our
// paywall. `clawpay devnet` prints what describe() returns; tests use the
// same function.
import { Signer } from '../signer.js';
import { ReceiptLedger } from '../receipt_ledger.js';
import { startChain } from './chain.js';
import { startFacilitator } from './facilitator.js';
import { startPaidMcp } from './paid_mcp.js';
import { startPaywallServer } from './paywall_server.js';
import { deployUsdCoin, installMulticall3, mintUsdCoin } from './token.js';

const USDC = 1_000_000n;
export const PAYER_FUNDS = 100n * USDC;

/**
 * Starts everything; `stop()` stops it all, in reverse order, even when a
 * later step failed to start.
 * @param {{ledgerPath?: string, chainPort?: number, now?: () => number}} [options]
 *   ledgerPath: keep the receipt ledger on disk (in memory by default)
 */
export async function startWorld({ ledgerPath, chainPort = 0, now } = {}) {
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
    const chain = await startChain({ port: chainPort });
    stops.push(() => chain.stop());
    await installMulticall3(chain);
    const [deployerAccount, payerAccount, relayerAccount, payToAccount] = chain.accounts;
    const deployer = Signer.fromPrivateKey(deployerAccount.privateKey);
    const token = await deployUsdCoin({ chain, deployer });
    await mintUsdCoin({ chain, token, owner: deployer, to: payerAccount.address, amount: PAYER_FUNDS });
    deployer.destroy();

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

    const world = { chain, token, facilitator, ledger, api, mcp, payer: payerAccount, payTo, v1Names, stop };
    return world;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The one JSON line `clawpay devnet` prints. Holds the payer's (test) key. */
export function describeWorld(world) {
  const { chain, token, facilitator, api, mcp, payer, payTo } = world;
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
    // What clawpay-mcp needs to pay on this world: ClawPay 1.1's variables,
    // plus the asset a local chain cannot have a default for.
    mcpEnv: {
      AGENT_PRIVATE_KEY: payer.privateKey,
      AGENT_WALLET_ADDRESS: payer.address,
      CHAIN_ID: String(chain.chainId),
      RPC_URL: chain.rpcUrl,
      CLAWPAY_ASSET_ADDRESS: token.address,
      CLAWPAY_ASSET_NAME: token.name,
      CLAWPAY_ASSET_VERSION: token.version,
      CLAWPAY_ASSET_DECIMALS: String(token.decimals),
      CLAWPAY_V1_NETWORK: facilitator.v1Network,
    },
  };
}
