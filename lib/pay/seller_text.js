// A seller's text (a domain name, a scheme, an address that is not one) as it
// appears in our messages: an error a person or an agent reads must not be
// steered by control or direction-changing characters, nor flooded.

// C0/C1 controls, the line/paragraph separators, and the bidirectional marks and overrides.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `value` quoted, unsafe characters replaced by U+FFFD, cut to `max` characters. */
export function shownTerm(value, max = 64) {
  const text = typeof value === 'string' ? value : String(value);
  const clean = text.replace(UNSAFE, '\ufffd');
  return JSON.stringify(clean.length > max ? `${clean.slice(0, max)}…` : clean);
}
