// The EIP-712 domain an offer asks to be signed under. A seller names it
// (extra.name, extra.version, the asset as verifyingContract, the network's
// chain); the payer signs only under a domain it already knows: the
// configured asset's on the configured chain, or a known USDC deployment's
// (KNOWN_CHAINS). Anything else is refused before a budget is reserved or a
// signature made — a signature under another token's domain, or a made-up
// one, is of no use to an honest seller and could be to a dishonest one.
import { sameAddress } from '../hashing.js';
import { KNOWN_CHAINS } from './config_asset.js';
import { shownTerm } from './seller_text.js';

/**
 * Why the offer's domain is not the one this payer signs for `asset` on
 * `chainId`, naming the field and both values; null when it is.
 * @param {{asset: string, extra: {name: string, version: string}}} offer already read by offerTerms
 * @param {number} chainId the offer's chain
 * @param {{chainId: number, asset: {address: string, name: string, version: string}}} configured
 */
export function domainMismatch(offer, chainId, configured) {
  const expected = knownDomain(offer.asset, chainId, configured);
  if (!expected) {
    if (sameAddress(offer.asset, configured.asset.address)) {
      return `chain ${chainId} is not the configured asset's chain ${configured.chainId} (EIP-712 chainId)`;
    }
    return `asset (EIP-712 verifyingContract) ${shownTerm(offer.asset)} is not the configured asset ${configured.asset.address} ` +
      `on eip155:${configured.chainId}, nor a known USDC deployment on eip155:${chainId}`;
  }
  if (offer.extra.name !== expected.name) {
    return `extra.name ${shownTerm(offer.extra.name)} is not the asset's EIP-712 domain name ${shownTerm(expected.name)}`;
  }
  if (offer.extra.version !== expected.version) {
    return `extra.version ${shownTerm(offer.extra.version)} is not the asset's EIP-712 domain version ${shownTerm(expected.version)}`;
  }
  return null;
}

/** The {name, version} the asset at `address` on `chainId` is known to have, or null. */
function knownDomain(address, chainId, configured) {
  if (chainId === configured.chainId && sameAddress(address, configured.asset.address)) return configured.asset;
  const known = KNOWN_CHAINS[chainId]?.asset;
  return known && sameAddress(address, known.address) ? known : null;
}
