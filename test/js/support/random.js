// A seeded PRNG for the randomized cross-checks, so a failure can be replayed:
// each suite prints its seed, and CLAWPAY_SEED=<n> reruns with it.
export function seedFromEnv(fallback = Date.now() % 2 ** 31) {
  const env = process.env.CLAWPAY_SEED;
  return env === undefined ? fallback : Number(env);
}

export class Random {
  #a; #b; #c; #d;

  constructor(seed) {
    this.seed = seed;
    this.#a = 0x9e3779b9; this.#b = 0x243f6a88; this.#c = 0xb7e15162; this.#d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }

  // sfc32
  u32() {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  int(min, max) { // inclusive
    return min + (this.u32() % (max - min + 1));
  }

  bool() { return (this.u32() & 1) === 1; }

  pick(array) { return array[this.int(0, array.length - 1)]; }

  bytes(length) {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  hex(length) { return `0x${Buffer.from(this.bytes(length)).toString('hex')}`; }

  // A valid secp256k1 private key (non-zero, below n with overwhelming odds).
  privateKey() {
    let key;
    do key = this.hex(32); while (/^0x0+$/.test(key) || key >= '0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
    return key;
  }

  // Text from a mix of scripts, controls, quotes, astral chars and, when
  // `loneSurrogates`, unpaired UTF-16 halves.
  text(maxLength, { loneSurrogates = true } = {}) {
    const pieces = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\b', '\f', '\r', '\u0000', '\u001f', '\u007f',
      'é', 'ß', 'Ж', 'ע', 'ا', '中', '日本', '\u0301', '\u200d', '\u2028', '\u2029', '\ufeff', '\uffff',
      '😀', '👩‍💻', '𝄞', '\u{10ffff}', '<', '>', '&', "'", '%', '?', '#'];
    if (loneSurrogates) pieces.push('\ud800', '\udfff', '\udbff', '\udc00');
    let s = '';
    const n = this.int(0, maxLength);
    for (let i = 0; i < n; i++) s += this.bool() ? this.pick(pieces) : String.fromCharCode(this.int(0x20, 0x7e));
    return s;
  }
}
