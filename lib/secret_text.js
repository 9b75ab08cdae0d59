// The one rule for text that might hold a private key: any run of 64 or more
// hex digits (with or without 0x, any case, also inside longer text) could be
// one, so it is never shown.
//
// Where the line is: a message that echoes *input* — a variable's value, a
// policy file's field, a path, a tool's or a command's argument, the message
// of an error raised about them — never shows such a run. Inputs are quoted
// through showInput (validate.js's describe and the configuration's messages
// use it, so they are safe by construction), and the places where error text
// becomes output (clawpay-mcp's stderr, MCP tool failures, the CLI's errors)
// pass it through redactSecrets as a last line of defence. A result's own
// data is not input and stays: the tx hashes, EIP-3009 nonces and session ids
// the library made, in results and in the errors that report a payment or a
// transaction (a sink keeps the hex values an error or a failure carries in
// its own fields — txHash, nonce, transaction, an owner call's data — never
// the free text around them). Successful results are not redacted: they echo
// the request as made (a URL may name a tx hash) and their own data.
// A run of 64+ decimal digits counts too (digits are hex digits): no amount
// in a message is that long.

/** Fewest hex digits a run needs to be taken for a private key. */
export const SECRET_HEX_DIGITS = 64;

// Runs of 64+ hex digits, an optional 0x before them taken along.
const SECRET_RUN = new RegExp(`(?:0[xX])?[0-9a-fA-F]{${SECRET_HEX_DIGITS},}`, 'g');
const HEX_RUN_TEST = new RegExp(`[0-9a-fA-F]{${SECRET_HEX_DIGITS},}`);
const HEX_VALUE = new RegExp(`^(?:0[xX])?[0-9a-fA-F]{${SECRET_HEX_DIGITS},}$`);

/** What replaces a run in redacted text. */
export const REDACTED = '[64 hex digits, not shown]';

/** What a message says instead of quoting an input that could be a key. */
export const SECRET_INPUT = 'a value that looks like a private key (64 hex digits; not shown)';

/** True when `value`'s text holds a run of 64 or more hex digits. */
export function maybeSecret(value) {
  return typeof value === 'string' ? HEX_RUN_TEST.test(value) : HEX_RUN_TEST.test(String(value));
}

const digitsOf = (hex) => hex.replace(/^0[xX]/, '').toLowerCase();

/**
 * `text` with every run of 64+ hex digits replaced by REDACTED, except the
 * runs equal to one of `keep` (the caller's own tx hashes and nonces).
 * @param {unknown} text
 * @param {{keep?: Iterable<unknown>}} [options]
 */
export function redactSecrets(text, { keep = [] } = {}) {
  const out = String(text);
  if (!HEX_RUN_TEST.test(out)) return out;
  const kept = new Set();
  for (const value of keep) if (typeof value === 'string' && HEX_VALUE.test(value)) kept.add(digitsOf(value));
  return out.replace(SECRET_RUN, (run) => (kept.has(digitsOf(run)) ? run : REDACTED));
}

/**
 * An input value quoted for a message: JSON, cut to `max` characters, or
 * SECRET_INPUT when it could be a key (judged on the whole value, so a cut
 * cannot show part of one).
 */
export function showInput(value, max = 40) {
  const text = String(value);
  if (maybeSecret(text)) return SECRET_INPUT;
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * A copy of `value` (plain objects, arrays, strings) with redactSecrets
 * applied to every string in it; `keep` as there.
 */
export function redactDeep(value, options, depth = 0) {
  if (typeof value === 'string') return redactSecrets(value, options);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, options, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [redactSecrets(key, options), redactDeep(item, options, depth + 1)]));
}

// The properties in which errors and results carry their own transaction
// data (`data`: the calldata of an owner's call a result spells out).
const OWN_HEX_FIELDS = ['txHash', 'transaction', 'transactionHash', 'nonce', 'paymentTxHash', 'data'];

/** The hex values `error` (or a result) carries as its own data (see the line above). */
export function ownHexValues(error) {
  const found = [];
  const visit = (object, depth) => {
    if (object === null || typeof object !== 'object' || depth > 2) return;
    for (const field of OWN_HEX_FIELDS) if (typeof object[field] === 'string') found.push(object[field]);
    for (const nested of ['payment', 'record', 'item', 'session', 'call', 'cause']) visit(object[nested], depth + 1);
  };
  visit(error, 0);
  return found;
}

/** An error's message for output, its own tx hashes and nonces (and `keep`) kept. */
export function safeErrorMessage(error, keep = []) {
  const message = error instanceof Error ? error.message : String(error?.message ?? error);
  return redactSecrets(message, { keep: [...ownHexValues(error), ...keep] });
}
