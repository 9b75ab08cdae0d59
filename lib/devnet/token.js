// The devnet's USDC: deploy our EIP-3009 token, mint it, read balances, and
// install Multicall3. Every transaction is signed by a native Signer through
// toViemAccount, so these helpers also exercise the signer on real txs.
import { BaseError, ContractFunctionRevertedError, createWalletClient, getAddress, http } from 'viem';

import { toViemAccount } from '../viem_account.js';
import { contractArtifact } from './artifacts.js';

export const MULTICALL3_ADDRESS = '0xcA11bde05977b3631167028862bE2a173976CA11';
export const USDC_NAME = 'USD Coin';
export const USDC_VERSION = '2';
export const USDC_DECIMALS = 6;

/** {abi, bytecode, deployedBytecode} of contracts/UsdCoin.sol (its shipped artifact). */
export const usdCoinArtifact = () => contractArtifact('UsdCoin');
/** {abi, bytecode, deployedBytecode} of contracts/Multicall3.sol. */
export const multicall3Artifact = () => contractArtifact('Multicall3');

/** A viem wallet client on the devnet whose account is the native Signer. */
export function walletClientFor(chain, signer) {
  return createWalletClient({
    account: toViemAccount(signer),
    chain: chain.viemChain,
    transport: http(chain.rpcUrl),
    pollingInterval: 50,
  });
}

/** The revert reason inside a viem error, if it carries one. */
export function revertReason(error) {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return reverted?.reason ?? reverted?.data?.errorName ?? undefined;
}

/**
 * Simulates first (so a failure surfaces with its revert reason — custom
 * errors included when `abi` declares them — rather than as a bare "reverted"
 * receipt), then sends, waits, and checks the receipt. Resolves to it.
 */
export async function transact(chain, signer, { address, abi, functionName, args, value }) {
  const wallet = walletClientFor(chain, signer);
  let request;
  try {
    ({ request } = await chain.publicClient.simulateContract({
      account: wallet.account, address, abi, functionName, args, value,
    }));
  } catch (err) {
    const reason = revertReason(err);
    throw new Error(`${functionName} would revert: ${reason ?? err.shortMessage ?? err.message}`, { cause: err });
  }
  const hash = await wallet.writeContract(request);
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`${functionName} reverted on chain (tx ${hash})`);
  return receipt;
}

/**
 * Deploys contracts/UsdCoin.sol; the deployer becomes its owner (the minter).
 * `name` is its EIP-712 domain name ("USD Coin" as USDC on Base; Base
 * Sepolia's USDC is "USDC").
 * @returns {Promise<{address: `0x${string}`, name: string, version: string, decimals: number, abi: object[]}>}
 */
export async function deployUsdCoin({ chain, deployer, name = USDC_NAME }) {
  const { abi, bytecode } = usdCoinArtifact();
  const wallet = walletClientFor(chain, deployer);
  const hash = await wallet.deployContract({ abi, bytecode, args: [name] });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new Error(`UsdCoin deployment failed (tx ${hash}, status ${receipt.status})`);
  }
  return {
    address: getAddress(receipt.contractAddress), // receipts carry it lowercase
    name,
    version: USDC_VERSION,
    decimals: USDC_DECIMALS,
    abi,
  };
}

/** The CLAWPAY_ASSET_* variables that make a payer pay in `token` (as deployUsdCoin returns it). */
export function assetEnv(token) {
  return {
    CLAWPAY_ASSET_ADDRESS: token.address,
    CLAWPAY_ASSET_NAME: token.name,
    CLAWPAY_ASSET_VERSION: token.version,
    CLAWPAY_ASSET_DECIMALS: String(token.decimals),
  };
}

/**
 * Mints `amount` base units (bigint; 1 USDC = 1_000_000n) to `to`.
 * `owner` must be the Signer that deployed the token. Resolves to the receipt.
 */
export async function mintUsdCoin({ chain, token, owner, to, amount }) {
  if (typeof amount !== 'bigint' || amount < 0n) {
    throw new TypeError('mintUsdCoin: "amount" must be a non-negative bigint of base units');
  }
  return transact(chain, owner, {
    address: token.address,
    abi: token.abi ?? usdCoinArtifact().abi,
    functionName: 'mint',
    args: [to, amount],
  });
}

/** Balance of `address` in base units. */
export async function usdcBalance({ chain, token, address }) {
  return chain.publicClient.readContract({
    address: token.address,
    abi: token.abi ?? usdCoinArtifact().abi,
    functionName: 'balanceOf',
    args: [address],
  });
}

/**
 * Puts our Multicall3 runtime code at the canonical address. anvil_setCode
 * rather than a deployment: the canonical address comes from a keyless
 * transaction we cannot replay, and the contract has no constructor state.
 * @returns {Promise<`0x${string}`>} the address
 */
export async function installMulticall3(chain) {
  const { deployedBytecode } = multicall3Artifact();
  await chain.publicClient.request({ method: 'anvil_setCode', params: [MULTICALL3_ADDRESS, deployedBytecode] });
  const code = await chain.publicClient.getCode({ address: MULTICALL3_ADDRESS });
  if (code?.toLowerCase() !== deployedBytecode.toLowerCase()) {
    throw new Error(`anvil_setCode did not install Multicall3 at ${MULTICALL3_ADDRESS}`);
  }
  return MULTICALL3_ADDRESS;
}
