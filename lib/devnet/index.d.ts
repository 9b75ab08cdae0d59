// Hand-written declarations for clawpay-native/devnet.
import type { Address, Hex } from '../index.js';

export interface WorldDescription {
  rpcUrl: string;
  chainId: number;
  network: `eip155:${number}`;
  v1Network: string;
  asset: { address: Address; name: string; version: string; decimals: number };
  facilitatorUrl: string;
  paidApiUrl: string;
  paidMcpUrl: string;
  routes: { perCall: string; session: string; sessionEndpoint: string };
  /** A public anvil test key. */
  payer: { privateKey: Hex; address: Address };
  payTo: Address;
  mcpEnv: Record<string, string>;
}

export interface World {
  readonly payTo: Address;
  readonly payer: { privateKey: Hex; address: Address };
  stop(): Promise<void>;
  [part: string]: unknown;
}

export declare const PAYER_FUNDS: bigint;
export declare const PER_CALL_PRICE: bigint;
export declare const SESSION_PRICE: bigint;
export declare const SESSION_TTL_SECONDS: number;
/** anvil, USD Coin, a funded payer, the facilitator, the paid API and the paid MCP server. */
export declare function startWorld(options?: { ledgerPath?: string; chainPort?: number; now?: () => number }): Promise<World>;
export declare function describeWorld(world: World): WorldDescription;
export declare function startChain(options?: { port?: number; chainId?: number; blockTime?: number }): Promise<Record<string, unknown> & { rpcUrl: string; stop(): Promise<void> }>;
export declare function deployUsdCoin(options: Record<string, unknown>): Promise<{ address: Address; name: string; version: string; decimals: number }>;
export declare function mintUsdCoin(options: Record<string, unknown>): Promise<unknown>;
export declare function usdcBalance(options: Record<string, unknown>): Promise<bigint>;
export declare function installMulticall3(chain: unknown): Promise<Address>;
export declare function startFacilitator(options: Record<string, unknown>): Promise<{ url: string; network: string; v1Network: string; stop(): Promise<void> }>;
