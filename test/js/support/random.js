// The seeded generator behind every randomized cross-check, so a failure can
// be replayed: each suite prints its seed, and CLAWPAY_SEED=<n> reruns it.
import { randomInt } from 'node:crypto';

/** The seed from CLAWPAY_SEED (decimal or 0x-hex, 0..2^32-1), else a fresh one. */
export function resolveSeed(text = process.env.CLAWPAY_SEED) {
  if (text === undefined || text.trim() === '') return randomInt(0, 2 ** 32 - 1);
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`CLAWPAY_SEED must be an integer in 0..2^32-1, got ${JSON.stringify(text)}`);
  }
  return value;
}

function splitmix32(state) {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** sfc32, seeded from (seed, stream) through splitmix32: independent streams per use. */
export class Random {
  #a; #b; #c; #d;

  constructor(seed, stream = 0) {
    this.seed = seed;
    let s = splitmix32((seed >>> 0) ^ Math.imul(stream + 1, 0x632be5ab));
    this.#a = s;
    s = splitmix32(s ^ 0x243f6a88); this.#b = s;
    s = splitmix32(s ^ 0xb7e15162); this.#c = s;
    this.#d = 1;
    for (let i = 0; i < 15; i++) this.u32();
  }

  u32() {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float() { return this.u32() / 2 ** 32; }

  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo, hi) { return lo + Math.floor(this.float() * (hi - lo + 1)); }

  bool() { return (this.u32() & 1) === 1; }

  chance(p) { return this.float() < p; }

  pick(array) { return array[this.int(0, array.length - 1)]; }

  /** Picks from [[weight, value], ...]. */
  weighted(entries) {
    const total = entries.reduce((sum, [w]) => sum + w, 0);
    let x = this.float() * total;
    for (const [w, v] of entries) {
      if ((x -= w) < 0) return v;
    }
    return entries[entries.length - 1][1];
  }

  shuffle(array) {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [array[i], array[j]] = [array[j], array[i]];
    }
    return array;
  }

  bytes(length) {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A uniformly random bigint of `bits` bits (0 .. 2^bits - 1). */
  bigBits(bits) {
    let out = 0n;
    for (let got = 0; got < bits; got += 32) out = (out << 32n) | BigInt(this.u32());
    return out & ((1n << BigInt(bits)) - 1n);
  }

  /** "0x" + 2·length lowercase hex digits. */
  hex(length) { return `0x${Buffer.from(this.bytes(length)).toString('hex')}`; }

  /** Like hex(), but upper or mixed case now and then (both are hex to viem). */
  mixedCaseHex(length) {
    let digits = this.hex(length).slice(2);
    const casing = this.int(0, 9);
    if (casing === 0) digits = digits.toUpperCase();
    else if (casing === 1) digits = [...digits].map((c) => (this.chance(0.5) ? c.toUpperCase() : c)).join('');
    return `0x${digits}`;
  }

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
