// How the secrets tests look for a shown key: any 16-digit window of its hex,
// in any case, counts as shown (a message that cut a key to 40 characters
// still showed most of it).

/** The key as people paste it: 0x or bare, lower or upper case. */
export function keyForms(hex) {
  return [`0x${hex}`, hex, `0x${hex.toUpperCase()}`, hex.toUpperCase()];
}

/** The first 16-digit window of `hex` found in `text`, or null. */
export function leakedWindow(text, hex, width = 16) {
  const haystack = String(text).toLowerCase();
  const digits = hex.toLowerCase().replace(/^0x/, '');
  for (let i = 0; i + width <= digits.length; i += 1) {
    const window = digits.slice(i, i + width);
    if (haystack.includes(window)) return window;
  }
  return null;
}
