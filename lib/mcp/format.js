// Text helpers for tool results: amounts, times, response bodies.

/** Characters of a response body shown in a tool result (ClawPay 1.1 showed 8000). */
export const BODY_DISPLAY_CHARS = 8000;

const CHAIN_NAMES = { 1: 'Ethereum', 8453: 'Base', 84532: 'Base Sepolia', 31337: 'local devnet' };

export function chainName(chainId) {
  const name = CHAIN_NAMES[Number(chainId)];
  return name ? `${name} (chain ${chainId})` : `chain ${chainId}`;
}

export function formatTtl(seconds) {
  if (seconds <= 0) return 'expired';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours < 48) return minutes > 0 ? `${hours}h ${minutes}m` : `${hours}h`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export const isoTime = (unixSeconds) => new Date(unixSeconds * 1000).toISOString();

/** A header from a Headers object or a plain object, case-insensitively. */
export function headerOf(headers, name) {
  if (!headers) return null;
  if (typeof headers.get === 'function') return headers.get(name);
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value.join(', ') : String(value);
  }
  return null;
}

const TEXTUAL = /^(text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|yaml|x-ndjson)\b)/i;

function bytesOf(body) {
  if (body === null || body === undefined) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return new TextEncoder().encode(typeof body === 'object' ? JSON.stringify(body) : String(body));
}

/**
 * What a tool result shows of a response body: the text (UTF-8) up to
 * BODY_DISPLAY_CHARS, or a note for a binary body.
 * @returns {{text: string|null, bytes: number, contentType: string|null, truncated: boolean, binary: boolean, incomplete: boolean}}
 */
export function describeBody(body, contentType, { incomplete = false } = {}) {
  const type = contentType ?? null;
  const looksText = type === null || TEXTUAL.test(type);
  if (typeof body === 'string') {
    // Already text (the payer's answers are): shown as it is, without a
    // round trip through UTF-8 bytes, which would only turn lone surrogates
    // into U+FFFD, as toWellFormed does.
    const bytes = Buffer.byteLength(body, 'utf8');
    return looksText ? shownText(body.toWellFormed(), bytes, type, incomplete) : shownBinary(bytes, type, incomplete);
  }
  const bytes = bytesOf(body);
  let text = null;
  if (looksText) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      text = null;
    }
  }
  return text === null ? shownBinary(bytes.length, type, incomplete) : shownText(text, bytes.length, type, incomplete);
}

function shownBinary(bytes, contentType, incomplete) {
  return { text: null, bytes, contentType, truncated: false, binary: true, incomplete };
}

function shownText(text, bytes, contentType, incomplete) {
  const truncated = text.length > BODY_DISPLAY_CHARS;
  return { text: truncated ? text.slice(0, BODY_DISPLAY_CHARS) : text, bytes, contentType, truncated, binary: false, incomplete };
}

/** The "Response Body" section of a tool result's text. */
export function bodySection(shown, title = 'Response Body') {
  const about = [shown.contentType, `${shown.bytes} bytes`].filter(Boolean).join(', ');
  let out = `${title} (${about})\n`;
  if (shown.binary) return `${out}  [binary body not shown]\n`;
  out += '```\n' + shown.text + '\n```\n';
  if (shown.truncated) out += `[response truncated: the first ${BODY_DISPLAY_CHARS} characters are shown]\n`;
  if (shown.incomplete) out += '[the body was larger than this server reads; only its beginning was read]\n';
  return out;
}

/** The `error` / `message` a 402 body states, for telling the user why. */
export function paymentRefusalOf(body) {
  try {
    const text = typeof body === 'string' ? body : new TextDecoder().decode(bytesOf(body));
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === 'object') {
      const error = typeof parsed.error === 'string' ? parsed.error : null;
      const message = typeof parsed.message === 'string' ? parsed.message : null;
      if (error || message) return { error, message };
    }
  } catch {
    // not JSON
  }
  return { error: null, message: null };
}

export const describeRefusal = ({ error, message }) => [error, message].filter(Boolean).join(': ') || 'no reason given';
