// What a paid route costs, checked once at configuration time so that the
// request path never meets a malformed price. Amounts are base units of the
// asset (USDC has 6 decimals: 10000n is 0.01 USDC) and are kept as bigint;
// a float never touches money. On a network whose USDC is known (Base, Base
// Sepolia) a price may be given in dollars, '$0.01', as @x402/express takes
// it, with the asset defaulted to that USDC; never for another asset.
import { getAddress } from '../hashing.js';
import { MAX_ASSET_DECIMALS, MAX_SESSION_TTL_SECONDS, MAX_UINT256, MIN_SESSION_TTL_SECONDS } from '../limits.js';
import { parseDecimalUnits } from '../pay/amount.js';
import { KNOWN_CHAINS } from '../pay/config_asset.js';
import { CAIP2_EVM, argError, evmChainId, describe, expectObject, expectSafeInteger, expectString } from '../validate.js';

function configError(name, message) {
  return argError(TypeError, 'ERR_INVALID_ROUTE', `Route ${name}: ${message}`);
}

/** Base units as a bigint from a bigint, a safe integer or a decimal string. */
export function baseUnits(value, name) {
  let units;
  if (typeof value === 'bigint') units = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) units = BigInt(value);
  else if (typeof value === 'string' && /^(0|[1-9][0-9]*)$/.test(value)) units = BigInt(value);
  else {
    throw argError(TypeError, 'ERR_INVALID_ROUTE',
      `Expected an amount in base units (bigint, integer or decimal string, e.g. 10000n for 0.01 USDC) for ${name} but received ${describe(value)}`);
  }
  if (units <= 0n || units > MAX_UINT256) {
    throw argError(RangeError, 'ERR_INVALID_ROUTE', `${name} must be between 1 and 2^256-1 base units, got ${units}`);
  }
  return units;
}

/** The USDC of a CAIP-2 network, when it is one of KNOWN_CHAINS; else null. */
function knownUsdc(caip2) {
  return KNOWN_CHAINS[evmChainId(caip2)]?.asset ?? null;
}

/** A price in base units, or in dollars ('$0.01') where the route's asset is a known USDC. */
function priceUnits(value, where, name) {
  if (typeof value !== 'string' || !value.startsWith('$')) return baseUnits(value, name);
  if (!where.usdc) {
    throw argError(TypeError, 'ERR_INVALID_ROUTE',
      `${name} is in dollars (${describe(value)}), which only a known USDC can be priced in (Base, Base Sepolia); give base units of ${where.asset}`);
  }
  const { units, error } = parseDecimalUnits(value.slice(1), where.decimals);
  if (error) throw argError(TypeError, 'ERR_INVALID_ROUTE', `${name} (a dollar price) ${error}`);
  if (units <= 0n) throw argError(RangeError, 'ERR_INVALID_ROUTE', `${name} must be more than $0, got ${describe(value)}`);
  return units;
}

function address(value, name) {
  try {
    return getAddress(expectString(value, name));
  } catch (cause) {
    throw argError(TypeError, 'ERR_INVALID_ROUTE', `${name} must be a 0x-prefixed 20-byte address, got ${describe(value)}`, { cause });
  }
}

function network(value, name) {
  if (typeof value !== 'string' || !CAIP2_EVM.test(value)) {
    throw argError(TypeError, 'ERR_INVALID_ROUTE', `${name} must be a CAIP-2 EVM network such as "eip155:8453", got ${describe(value)}`);
  }
  return value;
}

// Where and in what a route is paid: shared by its per-call price and its
// session price, so a session is always bought in the asset the route sells.
function terms(config, name) {
  const net = network(config.network, `${name}.network`);
  const usdc = knownUsdc(net);
  if (config.asset === undefined && !usdc) {
    throw configError(name, `needs an asset: ${net} has no known USDC to default to (known: ${Object.keys(KNOWN_CHAINS).map((id) => `eip155:${id}`).join(', ')})`);
  }
  // Defaulted, the asset is the network's USDC with its EIP-712 domain.
  const preset = config.asset === undefined ? usdc : {};
  const asset = address(config.asset ?? usdc.address, `${name}.asset`);
  const decimals = config.decimals ?? preset.decimals ?? 6;
  expectSafeInteger(decimals, `${name}.decimals`, { min: 0 });
  if (decimals > MAX_ASSET_DECIMALS) throw configError(name, `decimals must be at most ${MAX_ASSET_DECIMALS}, got ${decimals}`);
  const maxTimeoutSeconds = config.maxTimeoutSeconds ?? 300;
  expectSafeInteger(maxTimeoutSeconds, `${name}.maxTimeoutSeconds`, { min: 10 });
  const isUsdc = usdc !== null && asset === getAddress(usdc.address) && decimals === usdc.decimals;
  return Object.freeze({
    asset,
    network: net,
    payTo: address(config.payTo, `${name}.payTo`),
    // The asset's EIP-712 domain: the signature only verifies with the
    // token's own name and version ("USD Coin", "2" for USDC).
    name: expectString(config.name ?? preset.name ?? 'USD Coin', `${name}.name`),
    version: expectString(config.version ?? preset.version ?? '2', `${name}.version`),
    decimals,
    maxTimeoutSeconds,
    // Prices in dollars are read only for a known USDC (priceUnits).
    usdc: isUsdc,
  });
}

function sessionTerms(config, where, callPrice, name) {
  expectObject(config, name);
  const ttl = config.maxTtlSeconds;
  expectSafeInteger(ttl, `${name}.maxTtlSeconds`, { min: MIN_SESSION_TTL_SECONDS });
  if (ttl > MAX_SESSION_TTL_SECONDS) throw configError(name, `maxTtlSeconds must be at most ${MAX_SESSION_TTL_SECONDS} (30 days), got ${ttl}`);
  const price = priceUnits(config.price, where, `${name}.price`);
  if (price === callPrice) {
    // v1 payloads do not echo which offer they accept; the amount tells the
    // per-call payment from the session purchase, so the two must differ.
    throw configError(name, 'the session price must differ from the per-call price');
  }
  return Object.freeze({ price, maxTtlSeconds: ttl });
}

// The channel contract's bounds on a withdraw delay (x402 batch-settlement):
// long enough for the seller to claim, short enough not to trap a deposit.
export const MIN_WITHDRAW_DELAY_SECONDS = 15 * 60;
export const MAX_WITHDRAW_DELAY_SECONDS = 30 * 24 * 3600;
export const SCHEMES = Object.freeze(['exact', 'batch-settlement']);

// A batch-settlement route: the price is per request, paid by voucher on a
// channel whose deposit the buyer makes once (at least minDeposit).
function channelTerms(config, callPrice, name) {
  const channel = config === undefined ? {} : expectObject(config, name);
  const withdrawDelaySeconds = channel.withdrawDelaySeconds ?? MIN_WITHDRAW_DELAY_SECONDS;
  if (!Number.isSafeInteger(withdrawDelaySeconds) || withdrawDelaySeconds < MIN_WITHDRAW_DELAY_SECONDS
    || withdrawDelaySeconds > MAX_WITHDRAW_DELAY_SECONDS) {
    throw configError(name, `withdrawDelaySeconds must be whole seconds from ${MIN_WITHDRAW_DELAY_SECONDS} (15 minutes) ` +
      `to ${MAX_WITHDRAW_DELAY_SECONDS} (30 days), got ${describe(withdrawDelaySeconds)}`);
  }
  const minDeposit = channel.minDeposit === undefined ? callPrice : baseUnits(channel.minDeposit, `${name}.minDeposit`);
  if (minDeposit < callPrice) throw configError(name, `minDeposit (${minDeposit}) must cover at least one request (${callPrice})`);
  return Object.freeze({ withdrawDelaySeconds, minDeposit });
}

/**
 * A route as the paywall uses it: {id, scheme, terms, callPrice, session,
 * channel, description, mimeType}. Configured as
 *   {price: {amount, asset, network, payTo, name?, version?, decimals?, maxTimeoutSeconds?},
 *    session?: {price, maxTtlSeconds}, description?, mimeType?}
 * where amount and session.price may be '$0.01' and asset left out on a
 * network whose USDC is known.
 * or, for a route that only sells sessions, with `session` carrying the
 * asset fields itself and no `price`. `callPrice` is null then.
 * `scheme: 'batch-settlement'` sells the price per request over a payment
 * channel, with `channel: {withdrawDelaySeconds?, minDeposit?}` (defaults:
 * 15 minutes, one request); such a route sells no session.
 */
export function normalizeRoute(config, id) {
  expectString(id, 'route id');
  expectObject(config, `route ${id}`);
  if (config.price === undefined && config.session === undefined) {
    throw configError(id, 'needs a price, a session, or both');
  }
  const where = config.price === undefined
    ? terms(expectObject(config.session, `${id}.session`), `${id}.session`)
    : terms(expectObject(config.price, `${id}.price`), `${id}.price`);
  const callPrice = config.price === undefined ? null : priceUnits(config.price.amount, where, `${id}.price.amount`);
  const scheme = config.scheme ?? 'exact';
  if (!SCHEMES.includes(scheme)) throw configError(id, `scheme must be one of ${SCHEMES.join(', ')}, got ${describe(scheme)}`);
  if (scheme === 'batch-settlement' && (callPrice === null || config.session !== undefined)) {
    throw configError(id, 'a batch-settlement route needs a per-request price and sells no session');
  }
  if (scheme !== 'batch-settlement' && config.channel !== undefined) {
    throw configError(id, 'channel terms need scheme: \'batch-settlement\'');
  }
  return Object.freeze({
    id,
    scheme,
    terms: where,
    callPrice,
    session: config.session === undefined ? null : sessionTerms(config.session, where, callPrice, `${id}.session`),
    channel: scheme === 'batch-settlement' ? channelTerms(config.channel, callPrice, `${id}.channel`) : null,
    description: expectString(config.description ?? '', `${id}.description`),
    mimeType: expectString(config.mimeType ?? 'application/json', `${id}.mimeType`),
  });
}
