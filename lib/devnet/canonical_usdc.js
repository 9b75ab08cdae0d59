// Our EIP-3009 token at a network's canonical USDC address. Peers that know
// only "USDC on Base Sepolia" (Cloudflare's agents/x402 prices in dollars and
// pays that asset alone) can then be paid, and pay, on the devnet's chain.
//
// The token is deployed as usual under the canonical asset's EIP-712 name,
// then its runtime code (immutables included) and its fixed storage slots
// are copied to the canonical address with anvil_setCode/anvil_setStorageAt.
// Its domain separator is recomputed there (UsdCoin.sol caches it per
// address), and the copy is checked before it is used.
import { getAddress, hashDomain, numberToHex } from 'viem';

import { DEFAULT_ASSETS } from '@x402/evm';

import { deployUsdCoin, usdCoinArtifact } from './token.js';

// UsdCoin.sol's slots 0..5: owner, totalSupply, the three mappings' bases
// (empty after deployment) and name.
const FIXED_SLOTS = 6;

/** The canonical USDC of chain `chainId` as @x402/evm knows it ({address, name, version, decimals}), or undefined. */
export function canonicalUsdcOf(chainId) {
  const known = DEFAULT_ASSETS?.[`eip155:${chainId}`]?.find((a) => a.symbol === 'USDC' && (a.assetTransferMethod ?? 'eip3009') === 'eip3009');
  return known && { address: getAddress(known.asset), name: known.name, version: known.version, decimals: known.decimals };
}

/**
 * Deploys our token and places it at the chain's canonical USDC address; the
 * deployer stays its owner (the minter). Resolves to the token as
 * deployUsdCoin returns it, at the canonical address. Throws
 * ERR_NO_CANONICAL_USDC for a chain without one.
 */
export async function deployCanonicalUsdc({ chain, deployer }) {
  const canonical = canonicalUsdcOf(chain.chainId);
  if (!canonical) {
    const error = new RangeError(`chain ${chain.chainId} has no canonical USDC that @x402/evm knows (84532, Base Sepolia, has one)`);
    error.code = 'ERR_NO_CANONICAL_USDC';
    throw error;
  }
  const deployed = await deployUsdCoin({ chain, deployer, name: canonical.name });
  const client = chain.publicClient;
  const code = await client.getCode({ address: deployed.address });
  await client.request({ method: 'anvil_setCode', params: [canonical.address, code] });
  for (let slot = 0; slot < FIXED_SLOTS; slot += 1) {
    const value = await client.getStorageAt({ address: deployed.address, slot: numberToHex(slot) });
    await client.request({ method: 'anvil_setStorageAt', params: [canonical.address, numberToHex(slot, { size: 32 }), value] });
  }
  const token = { ...deployed, address: canonical.address, version: canonical.version };
  await checkCopy({ chain, token, owner: deployer.address });
  return token;
}

async function checkCopy({ chain, token, owner }) {
  const { abi } = usdCoinArtifact();
  const read = (functionName) => chain.publicClient.readContract({ address: token.address, abi, functionName });
  const [name, version, decimals, actualOwner, separator] = await Promise.all(
    ['name', 'version', 'decimals', 'owner', 'DOMAIN_SEPARATOR'].map(read));
  const expected = hashDomain({
    domain: { name: token.name, version: token.version, chainId: chain.chainId, verifyingContract: token.address },
    types: { EIP712Domain: [
      { name: 'name', type: 'string' }, { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' },
    ] },
  });
  if (name !== token.name || version !== token.version || decimals !== token.decimals ||
    getAddress(actualOwner) !== getAddress(owner) || separator !== expected) {
    throw new Error(`the token copied to ${token.address} does not read back as ${token.name} v${token.version} owned by the deployer with the canonical domain`);
  }
}
