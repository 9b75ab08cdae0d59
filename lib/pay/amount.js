// Exact money arithmetic for the buyer side. Amounts people write ("0.10")
// are parsed straight to base units of the asset as a bigint; a float never
// touches money.
import { MAX_UINT256 } from '../limits.js';
import { showInput } from '../secret_text.js';

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
const BASE_UNITS = /^(0|[1-9][0-9]*)$/;

/**
 * A decimal amount in the asset's units ("0.10", "5", "1.000001") as base
 * units. Returns {units} or {error} (a sentence without the variable's name,
 * for the caller to prefix) — never throws, so config can collect problems.
 * A JS number is taken only when its own spelling is a plain decimal
 * (0.1 → "0.1"; 1e-7 is refused).
 */
export function parseDecimalUnits(value, decimals) {
  let text = value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { error: 'must be a finite decimal amount' };
    text = String(value);
  }
  if (typeof text !== 'string') return { error: `must be a decimal amount such as "0.10", got a ${typeof value}` };
  const match = DECIMAL.exec(text.trim());
  if (!match) return { error: `must be a plain non-negative decimal amount such as "0.10" (digits, at most one ".", no sign or exponent), got ${showInput(text, 40)}` };
  const [, whole, fraction = ''] = match;
  if (fraction.length > decimals) {
    return { error: `has ${fraction.length} decimal places, but the asset has only ${decimals}; got ${showInput(text.trim(), 80)}` };
  }
  const units = BigInt(whole) * 10n ** BigInt(decimals) + BigInt((fraction || '0').padEnd(decimals, '0') || '0');
  if (units > MAX_UINT256) return { error: 'is larger than 2^256-1 base units' };
  return { units };
}

/** Base units from a bigint, a safe integer or a decimal string of digits; {units} or {error}. */
export function parseBaseUnits(value) {
  let units;
  if (typeof value === 'bigint') units = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) units = BigInt(value);
  else if (typeof value === 'string' && BASE_UNITS.test(value)) units = BigInt(value);
  else return { error: `must be an integer amount of base units (e.g. "10000" for 0.01 of a 6-decimal asset), got ${typeof value === 'string' ? showInput(value, 40) : typeof value}` };
  if (units < 0n || units > MAX_UINT256) return { error: 'must be between 0 and 2^256-1 base units' };
  return { units };
}

/** Base units as an exact decimal in the asset's units: 10000n, 6 → "0.01". */
export function formatUnits(units, decimals) {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  let fraction = decimals > 0 ? digits.slice(digits.length - decimals) : '';
  fraction = fraction.replace(/0+$/, '');
  if (fraction.length < 2 && decimals >= 2) fraction = fraction.padEnd(2, '0');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** "0.01 USDC": an amount in the asset's units with its symbol. */
export function formatAmount(units, asset) {
  const symbol = asset?.symbol ?? asset?.name ?? 'units';
  return `${formatUnits(units, asset?.decimals ?? 0)} ${symbol}`;
}

/** "0.01 USDC (10000 base units)": how refusals name an amount. */
export function describeAmount(units, asset) {
  return `${formatAmount(units, asset)} (${units} base units)`;
}
