// Hand-written declarations for clawpay-native/devnet.
import type { Address, Hex } from '../index.js';

export interface WorldDescription {
  rpcUrl: string;
  chainId: number;
  network: `eip155:${number}`;
  v1Network: string;
  asset: { address: Address; name: string; version: string; decimals: number };
  /** x402 batch-settlement's channel contract and ERC-3009 deposit collector, at @x402/evm's addresses. */
  batchSettlement: { address: Address; erc3009Collector: Address };
  facilitatorUrl: string;
  paidApiUrl: string;
  paidMcpUrl: string;
  /**
   * sessionStart: the URL to pass as x402_session_start's `endpoint` (it sells the session);
   * sessionScope: the URL prefix the bought session covers. `session` and `sessionEndpoint`
   * are their old names (sessionEndpoint is not the `endpoint` to pass).
   */
  routes: { perCall: string; sessionStart: string; sessionScope: string; session: string; sessionEndpoint: string };
  /** A public anvil test key. */
  payer: { privateKey: Hex; address: Address };
  payTo: Address;
  /** The AgentAccountV2 the payer's key operates, owned by another public anvil key. */
  agentWallet: {
    address: Address;
    /** Decimal, as a uint256 stays exact in JSON. */
    tokenId: string;
    owner: { address: Address; privateKey: Hex };
    nftContract: Address;
    factory: Address;
  };
  /** clawpay-mcp's environment: key mode (AGENT_WALLET_ADDRESS is the payer), plus FACTORY_ADDRESS and NFT_CONTRACT_ADDRESS. */
  mcpEnv: Record<string, string>;
  /** Claude Desktop's `mcpServers` entry for clawpay-mcp on this world (node and this package's bin, env = mcpEnv). */
  claudeDesktop: { mcpServers: { 'clawpay-devnet': { command: string; args: string[]; env: Record<string, string> } } };
}

/** A deployed contract and its ABI. */
export interface DeployedContract {
  address: Address;
  abi: readonly unknown[];
}

/** {perTxLimit, periodLimit} in base units (wei for ETH), periodLength in seconds. */
export interface SpendPolicy {
  perTxLimit: bigint;
  periodLimit: bigint;
  periodLength: bigint;
}

export interface AgentWalletSystem {
  nft: DeployedContract;
  factory: DeployedContract;
}

export interface AgentWallet {
  address: Address;
  tokenId: bigint;
  owner: Address;
  nft: DeployedContract;
  factory: DeployedContract;
}

export interface World {
  readonly payTo: Address;
  readonly payer: { privateKey: Hex; address: Address };
  readonly agentWallet: Omit<AgentWallet, 'owner'> & { owner: { address: Address; privateKey: Hex } };
  readonly batchSettlement: { address: Address; erc3009Collector: Address; abi: object[] };
  stop(): Promise<void>;
  [part: string]: unknown;
}

export declare const PAYER_FUNDS: bigint;
/** USDC base units and wei the world's agent wallet starts with. */
export declare const AGENT_WALLET_FUNDS: Readonly<{ usdc: bigint; eth: bigint }>;
export declare const DEFAULT_USDC_POLICY: Readonly<SpendPolicy>;
export declare const DEFAULT_ETH_POLICY: Readonly<SpendPolicy>;
export declare const PER_CALL_PRICE: bigint;
export declare const SESSION_PRICE: bigint;
export declare const SESSION_TTL_SECONDS: number;
/**
 * anvil, USD Coin, a funded payer, an agent wallet, the facilitator, the paid API and the paid MCP server.
 * `chainId` (31337 by default): one x402 v1 names (84532 is "base-sepolia") makes it payable by legacy v1 clients.
 * `canonicalUsdc`: the token at the chain's canonical USDC address under that asset's EIP-712 name
 * (84532: 0x036CbD53842c5426634e7929541eC2318f3dCF7e, "USDC"), for peers that price in dollars or pay only
 * that USDC (Cloudflare's agents/x402); a chain without one is refused (ERR_INVALID_ARG_VALUE).
 */
/** `redisUrl`: the paywall's state in that Redis instead of a ledger (then `ledger` is undefined). */
export declare function startWorld(options?: { ledgerPath?: string; redisUrl?: string; chainPort?: number; chainId?: number; canonicalUsdc?: boolean; now?: () => number }): Promise<World>;
export declare function describeWorld(world: World): WorldDescription;
export declare function startChain(options?: { port?: number; chainId?: number; blockTime?: number }): Promise<Record<string, unknown> & { rpcUrl: string; stop(): Promise<void> }>;
export declare function deployUsdCoin(options: Record<string, unknown>): Promise<{ address: Address; name: string; version: string; decimals: number }>;
export declare function mintUsdCoin(options: Record<string, unknown>): Promise<unknown>;
export declare function usdcBalance(options: Record<string, unknown>): Promise<bigint>;
export declare function installMulticall3(chain: unknown): Promise<Address>;
/** x402 batch-settlement's canonical contract addresses (as @x402/evm has them). */
export declare const BATCH_SETTLEMENT_ADDRESS: Address;
export declare const ERC3009_DEPOSIT_COLLECTOR_ADDRESS: Address;
/**
 * Puts our BatchSettlement contract and its ERC-3009 deposit collector at those addresses (anvil_setCode),
 * so the official batch-settlement client, server and facilitator run against them unchanged.
 */
export declare function installBatchSettlement(chain: unknown): Promise<{ address: Address; erc3009Collector: Address; abi: object[] }>;
export declare function startFacilitator(options: Record<string, unknown>): Promise<{ url: string; network: string; v1Network: string; stop(): Promise<void> }>;
/** The NFT's and the factory's shipped artifacts (contracts/artifacts/, no compiler), for deployAgentWalletSystem's `artifacts`. */
export declare function compileAgentWalletSystem(): Promise<{ nft: object; factory: object }>;
/** Deploys contracts/AgentNft.sol and contracts/AgentAccountFactoryV2.sol. */
export declare function deployAgentWalletSystem(options: {
  chain: unknown;
  deployer: unknown;
  artifacts?: { nft: object; factory: object };
}): Promise<AgentWalletSystem>;
/** Mints an NFT to `owner`, creates its account, authorizes `operator`, sets the policies, funds the wallet. */
export declare function createAgentWallet(options: {
  chain: unknown;
  system: AgentWalletSystem;
  /** A Signer: holds the NFT and sends the owner's transactions. */
  owner: unknown;
  operator?: Address;
  token: { address: Address };
  /** The Signer that deployed `token`; needed when fundUsdc > 0. */
  tokenOwner?: unknown;
  /** null leaves a policy unset (every operator payment in it queues). */
  policies?: { usdc?: SpendPolicy | null; eth?: SpendPolicy | null };
  fundUsdc?: bigint;
  fundEth?: bigint;
}): Promise<AgentWallet>;
/** Sends an owner-only function of the wallet with the owner's key; resolves to the receipt. */
export declare function ownerCall(options: {
  chain: unknown;
  owner: unknown;
  wallet: Address | { address: Address };
  functionName: string;
  args?: readonly unknown[];
  value?: bigint;
}): Promise<unknown>;
