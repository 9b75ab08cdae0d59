// JSON written by a seller, read within limits. JSON.parse itself copes with
// deep nesting, but everything after it (JSON.stringify, the official
// client's deep copies and schema checks) recurses and overflows the stack on
// a 5,000-deep value; so the text is measured before it is parsed: its size,
// then its nesting depth, in one pass without recursion. Work is linear in
// the (bounded) size.

/**
 * The value of `text`, or {error} (a phrase saying what is wrong, for the
 * caller to put after "its body" / "its PAYMENT-REQUIRED header"); `limit`
 * is true when the text was refused for its size or depth, not its syntax.
 * @param {string} text
 * @param {{maxBytes: number, maxDepth: number}} limits
 * @returns {{value: unknown} | {error: string, limit: boolean}}
 */
export function parseBoundedJson(text, { maxBytes, maxDepth }) {
  // A UTF-16 unit is at least one UTF-8 byte: the cheap test first.
  if (text.length > maxBytes || Buffer.byteLength(text) > maxBytes) {
    return { error: `is larger than ${maxBytes} bytes of JSON`, limit: true };
  }
  const depth = nestingDepth(text, maxDepth);
  if (depth > maxDepth) return { error: `is JSON nested more than ${maxDepth} levels deep`, limit: true };
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: 'is not JSON', limit: false };
  }
}

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of arrays and objects in `text`, brackets in strings aside; stops past `limit`. */
function nestingDepth(text, limit) {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth -= 1;
    }
  }
  return deepest;
}
