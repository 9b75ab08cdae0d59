// The offers a route makes in its 402: one x402 requirement for a single
// call and, when the route sells sessions, one for a session. v2 offers are
// built by the official @x402/core resource server (so the scheme fills in
// what it needs); v1 offers are the same terms in v1's shape, for clients
// that read the 402 body.
import { EVM_NETWORK_CHAIN_ID_MAP } from '@x402/evm/v1';

import { evmChainId } from '../validate.js';

/** The key under `extra` that marks the session offer and states its terms. */
export const SESSION_EXTRA = 'clawpaySession';

/**
 * v1 names networks ("base", "base-sepolia"); @x402/evm's table maps each to
 * a chain id. Invert it, preferring names given by the caller (a local chain
 * has no name in the table).
 */
export function v1NetworkName(network, names = {}) {
  if (names[network]) return names[network];
  const chainId = evmChainId(network);
  for (const [name, id] of Object.entries(EVM_NETWORK_CHAIN_ID_MAP)) {
    if (id === chainId) return name;
  }
  return null;
}

// A batch-settlement offer also names its minimum deposit; the official
// server scheme adds the channel's receiverAuthorizer and withdrawDelay.
function priceFor(route, amount, extra) {
  const { terms } = route;
  const channel = route.channel ? { minDeposit: route.channel.minDeposit.toString() } : {};
  return {
    scheme: route.scheme,
    network: terms.network,
    payTo: terms.payTo,
    price: { amount: amount.toString(), asset: terms.asset, extra: { name: terms.name, version: terms.version, ...channel } },
    maxTimeoutSeconds: terms.maxTimeoutSeconds,
    extra,
  };
}

/**
 * The v2 requirements and their kinds ('call' | 'session'), in the same
 * order: the per-call offer first, so a client that takes the first offer it
 * can pay buys one call, not a session. They depend on the route only, so
 * the engine builds them once.
 */
export async function buildOffers(resourceServer, route, sessionInfo) {
  const wanted = [];
  if (route.callPrice !== null) wanted.push(['call', route.callPrice, undefined]);
  if (route.session) {
    wanted.push(['session', route.session.price, {
      [SESSION_EXTRA]: { maxTtlSeconds: route.session.maxTtlSeconds, scope: 'prefix', ...sessionInfo },
    }]);
  }
  const offers = [];
  for (const [kind, amount, extra] of wanted) {
    const [requirement] = await resourceServer.buildPaymentRequirements(priceFor(route, amount, extra));
    offers.push({ kind, amount, requirement });
  }
  return offers;
}

/** The same offers in v1's shape, which names the resource in each (v1 has only `exact`). */
export function v1Requirements(offers, v1Network, resource) {
  if (v1Network === null) return [];
  return offers.filter(({ requirement }) => requirement.scheme === 'exact').map(({ requirement }) => ({
    scheme: requirement.scheme,
    network: v1Network,
    maxAmountRequired: requirement.amount,
    resource: resource.url,
    description: resource.description,
    mimeType: resource.mimeType,
    payTo: requirement.payTo,
    maxTimeoutSeconds: requirement.maxTimeoutSeconds,
    asset: requirement.asset,
    extra: requirement.extra,
  }));
}
