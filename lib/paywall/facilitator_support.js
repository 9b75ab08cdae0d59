// Whether the facilitator can verify and settle what each route offers,
// checked once at start from its GET /supported (which the resource
// server's initialize() has already read). Without this, a facilitator
// lacking a route's scheme, network or x402 version is found out by the
// first paying client, as a 500 on every paid request.
import { argError } from '../validate.js';
import { v1NetworkName } from './offers.js';

/** [x402Version, network] pairs a route offers: v2 always, v1 where the network has a v1 name (exact only). */
function wanted(route, v1Names) {
  const pairs = [[2, route.terms.network]];
  if ((route.scheme ?? 'exact') !== 'exact') return pairs;
  const v1Name = v1NetworkName(route.terms.network, v1Names);
  if (v1Name) pairs.push([1, v1Name]);
  return pairs;
}

async function describeSupported(facilitatorClient) {
  try {
    const { kinds } = await facilitatorClient.getSupported();
    const list = kinds.map((k) => `${k.scheme} on ${k.network} (x402 v${k.x402Version})`);
    return list.length > 0 ? list.join(', ') : 'nothing';
  } catch (error) {
    return `unknown (GET /supported failed again: ${error.message})`;
  }
}

/**
 * Throws ERR_FACILITATOR_UNSUPPORTED naming every route, scheme, network and
 * version the facilitator lacks, and what it does support.
 * @param {import('@x402/core/server').x402ResourceServer} resourceServer initialised
 */
export async function assertFacilitatorSupports(resourceServer, facilitatorClient, routes, v1Names = {}) {
  const missing = [];
  for (const route of routes) {
    const scheme = route.scheme ?? 'exact';
    for (const [version, network] of wanted(route, v1Names)) {
      if (!resourceServer.getSupportedKind(version, network, scheme)) {
        missing.push(`route "${route.id}" needs ${scheme} on ${network} (x402 v${version})`);
      }
    }
  }
  if (missing.length === 0) return;
  throw argError(Error, 'ERR_FACILITATOR_UNSUPPORTED',
    `The facilitator cannot settle what the paywall offers: ${missing.join('; ')}. ` +
    `It supports: ${await describeSupported(facilitatorClient)}`);
}
