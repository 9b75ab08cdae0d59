// What a token is, read from the chain, and amounts in its own units.
//
// An amount crosses the tool boundary as a decimal string in the token's
// units ("1.5" USDC) and is parsed exactly to base units with the decimals
// the token itself reports — never with a number the caller supplies, and
// never through a float. ETH is `token: null` with 18 decimals.
import { erc20Abi } from 'viem';

import { getAddress } from '../hashing.js';
import { MAX_UINT256 } from '../limits.js';
import { formatUnits, parseDecimalUnits } from '../pay/amount.js';
import { showInput } from '../secret_text.js';
import { HEX_ADDRESS } from '../validate.js';
import { reading } from './chain_client.js';
import { walletError } from './errors.js';

/** How a balance read is named in an RPC failure: "the USDC balance of 0x… (balanceOf on 0x…)". */
export const balanceRead = (info, owner) => `the ${info.symbol} balance of ${owner} (${info.token === null ? 'eth_getBalance' : `balanceOf on ${info.token}`})`;

/** The native coin: {token: null, symbol: "ETH", decimals: 18}. */
export const ETH = Object.freeze({ token: null, symbol: 'ETH', decimals: 18 });

const ZERO = /^0x0{40}$/i;
const BYTES32_SYMBOL_ABI = [{ type: 'function', name: 'symbol', stateMutability: 'view', inputs: [], outputs: [{ name: '', type: 'bytes32' }] }];
// A token's symbol is text anyone can choose, and it ends up in front of a
// language model: only a short run of plain characters is kept.
const SYMBOL_CHARS = /[^A-Za-z0-9.$+_-]/g;
const MAX_SYMBOL_LENGTH = 16;

const shown = (value) => showInput(value, 60);

/**
 * `text` as an EIP-55 address. Lower- or upper-case hex is accepted as is; a
 * mixed-case one must carry a correct checksum. With `refuseZero` the zero
 * address is refused (a recipient there burns the funds). Throws
 * ERR_WALLET_INPUT naming `field`.
 */
export function checkAddress(text, field = 'address', { refuseZero = false } = {}) {
  const value = typeof text === 'string' ? text.trim() : text;
  if (typeof value !== 'string' || !HEX_ADDRESS.test(value)) {
    throw walletError('ERR_WALLET_INPUT', `${field} must be an address, 0x + 40 hex digits; got ${value === undefined ? 'nothing' : shown(value)}`);
  }
  if (refuseZero && ZERO.test(value)) {
    throw walletError('ERR_WALLET_INPUT', `${field} is the zero address; anything sent there is lost`);
  }
  try {
    return getAddress(value);
  } catch {
    throw walletError('ERR_WALLET_INPUT', `${field} ${value} has a mixed-case EIP-55 checksum that is wrong: check the address, or write it all in lower case`);
  }
}

function cleanSymbol(raw, address) {
  const text = typeof raw === 'string' ? raw.replace(SYMBOL_CHARS, '').slice(0, MAX_SYMBOL_LENGTH) : '';
  return text || `${address.slice(0, 6)}…${address.slice(-4)}`;
}

async function readSymbol(publicClient, address) {
  try {
    return await publicClient.readContract({ address, abi: erc20Abi, functionName: 'symbol' });
  } catch {
    // Some early tokens (MKR) return bytes32.
    try {
      const word = await publicClient.readContract({ address, abi: BYTES32_SYMBOL_ABI, functionName: 'symbol' });
      return Buffer.from(word.slice(2), 'hex').toString('latin1').replace(/\0+$/, '');
    } catch {
      return null;
    }
  }
}

async function readToken(publicClient, address) {
  const chain = publicClient.chain?.id !== undefined ? ` on chain ${publicClient.chain.id}` : '';
  const code = await reading(`the contract code of token ${address} (eth_getCode)`, () => publicClient.getCode({ address }));
  if (!code || code === '0x') {
    throw walletError('ERR_WALLET_INPUT', `token ${address} has no contract code${chain}: check the address and CHAIN_ID (omit token for ETH)`);
  }
  let decimals;
  try {
    decimals = await publicClient.readContract({ address, abi: erc20Abi, functionName: 'decimals' });
  } catch (cause) {
    // Only the contract's own refusal says it is no ERC-20; an RPC that failed says nothing about the token.
    const refused = (e) => e?.name === 'ContractFunctionRevertedError' || e?.name === 'ContractFunctionZeroDataError';
    if (typeof cause?.walk === 'function' && !cause.walk(refused)) {
      cause.reading ??= `the decimals() of token ${address}`;
      throw cause;
    }
    throw walletError('ERR_WALLET_INPUT', `token ${address} is not an ERC-20${chain}: its decimals() call failed (${cause.shortMessage ?? 'no answer'})`);
  }
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 77) {
    // 10^78 > 2^256: no amount of such a token could be written down.
    throw walletError('ERR_WALLET_INPUT', `token ${address} reports ${decimals} decimals, which no uint256 amount can use`);
  }
  return Object.freeze({ token: address, symbol: cleanSymbol(await readSymbol(publicClient, address), address), decimals });
}

// Per client (so per chain), per address: the promise of the token's info.
// A failure is not cached: the next call asks the chain again.
const cache = new WeakMap();

/**
 * {token, symbol, decimals} of an ERC-20 read from the chain (decimals(),
 * symbol()), or ETH for a null/undefined token. Cached per client and
 * address. Throws ERR_WALLET_INPUT when the address holds no contract or
 * the contract is not an ERC-20.
 */
export async function tokenInfo(publicClient, tokenAddress) {
  if (tokenAddress === null || tokenAddress === undefined) return ETH;
  const address = checkAddress(tokenAddress, 'token');
  let perClient = cache.get(publicClient);
  if (!perClient) {
    perClient = new Map();
    cache.set(publicClient, perClient);
  }
  let pending = perClient.get(address);
  if (!pending) {
    pending = readToken(publicClient, address);
    perClient.set(address, pending);
    pending.catch(() => perClient.delete(address));
  }
  return pending;
}

/**
 * A decimal string in the token's own units as base units (bigint), with the
 * token's real decimals (`info` from tokenInfo). A `tokenDecimals` that
 * disagrees with the chain is refused, never used. Refuses signs, exponents,
 * more decimal places than the token has, zero and amounts above 2^256-1.
 * Throws ERR_WALLET_INPUT naming `field`.
 */
export function parseAmount(text, info, { tokenDecimals, field = 'amount' } = {}) {
  const what = info.token === null ? 'ETH' : `${info.symbol} (${info.token})`;
  if (tokenDecimals !== undefined && tokenDecimals !== null) {
    if (!Number.isInteger(tokenDecimals) || tokenDecimals < 0) {
      throw walletError('ERR_WALLET_INPUT', `token_decimals must be a non-negative integer; got ${shown(tokenDecimals)}`);
    }
    if (tokenDecimals !== info.decimals) {
      throw walletError('ERR_WALLET_INPUT',
        `token_decimals is ${tokenDecimals}, but ${what} has ${info.decimals} decimals on chain; amounts are read with the ` +
        `token's own decimals, so omit token_decimals or give ${info.decimals}. Nothing was sent.`);
    }
  }
  if (typeof text !== 'string') {
    throw walletError('ERR_WALLET_INPUT', `${field} must be a decimal string in ${what} units, such as "1.5"; got ${text === undefined ? 'nothing' : `a ${typeof text}`}`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('-')) throw walletError('ERR_WALLET_INPUT', `${field} must not be negative; got ${shown(trimmed)}`);
  if (/[eE]/.test(trimmed)) throw walletError('ERR_WALLET_INPUT', `${field} must be written out in digits, without an exponent; got ${shown(trimmed)}`);
  const { units, error } = parseDecimalUnits(trimmed, info.decimals);
  if (error) {
    // parseDecimalUnits says "the asset has only N"; here the asset is named.
    throw walletError('ERR_WALLET_INPUT', `${field} ${error.replace('the asset has only', `${what} has only`)}`);
  }
  if (units === 0n) throw walletError('ERR_WALLET_INPUT', `${field} must be more than zero; got ${shown(trimmed)}`);
  if (units > MAX_UINT256) throw walletError('ERR_WALLET_INPUT', `${field} is larger than 2^256-1 base units`);
  return units;
}

/** The README's Amount shape: {units, amount, symbol, decimals, token}, amounts as strings. */
export function amountShape(units, info) {
  return {
    units: units.toString(),
    amount: formatUnits(units, info.decimals),
    symbol: info.symbol,
    decimals: info.decimals,
    token: info.token,
  };
}

/** "12.50%": spent / limit with two decimals, exactly; null without a limit. */
export function utilization(spent, limit) {
  if (limit === 0n) return null;
  return `${formatUnits((spent * 10_000n) / limit, 2)}%`;
}
