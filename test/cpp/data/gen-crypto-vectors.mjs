// Generates crypto_vectors.json: reference values computed by viem, which the
// C++ tests (keccak, address, private key, EIP-191, signature) must reproduce
// byte for byte. Deterministic: the same seed gives the same file, so a diff
// in the fixture means viem's behaviour (or this script) changed.
//
//   cd /work/main && node test/cpp/data/gen-crypto-vectors.mjs
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bytesToHex, hashMessage, keccak256, stringToBytes } from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';

const SEED = 0x5eed_c1a0;
const CASE_COUNT = 200;
const MAX_MESSAGE_BYTES = 300;
// Per-case Keccak inputs stay short (hash-sized data is the hot case); long
// inputs are covered by the prefix digests and the EIP-191 messages.
const MAX_KECCAK_CASE_BYTES = 64;
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// sfc32 (Small Fast Chaotic) seeded through splitmix32: tiny, good enough
// statistically for test data, and reproducible across Node versions.
function makeRandom(seed) {
  let s = seed >>> 0;
  const splitmix32 = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32(), b = splitmix32(), c = splitmix32(), d = splitmix32();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 16; i++) next(); // discard the warm-up outputs
  return {
    u32: next,
    below: (n) => next() % n, // modulo bias is irrelevant for test data
    bytes: (n) => Uint8Array.from({ length: n }, () => next() & 0xff),
  };
}

const rng = makeRandom(SEED);

const hexToBigInt = (hex) => BigInt(hex);
function scalarHex(value) {
  return `0x${value.toString(16).padStart(64, '0')}`;
}
function randomPrivateKey() {
  for (;;) {
    const hex = bytesToHex(rng.bytes(32));
    const value = hexToBigInt(hex);
    if (value > 0n && value < CURVE_ORDER) return hex;
  }
}

// Text drawn from ASCII, Latin-1, CJK and astral-plane (surrogate pair)
// characters, so messages carry 1- to 4-byte UTF-8 sequences.
const TEXT_PIECES = ['a', 'Z', '0', ' ', '\n', '"', '\\', 'é', 'ß', 'Ω', '中', '文', '€', '🦞', '💸', '\u0000'];
function randomText(maxBytes) {
  let text = '';
  for (;;) {
    const piece = TEXT_PIECES[rng.below(TEXT_PIECES.length)];
    if (stringToBytes(text + piece).length > maxBytes) return text;
    text += piece;
  }
}

// Lengths that sit on Keccak's 136-byte rate boundary (and the extremes) are
// forced for the first cases; after that, odd cases are uniform in
// 0..MAX_MESSAGE_BYTES and even ones short (0..64, like most signed text),
// which keeps the fixture near 200 KB.
const FORCED_LENGTHS = [0, 1, 31, 32, 33, 55, 56, 64, 135, 136, 137, 271, 272, 273, 300];
const EDGE_KEYS = [
  scalarHex(1n),
  scalarHex(CURVE_ORDER - 1n),
  '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
];
const EDGE_HASHES = [`0x${'00'.repeat(32)}`, `0x${'ff'.repeat(32)}`];

async function makeCase(index) {
  const privateKey = index < EDGE_KEYS.length ? EDGE_KEYS[index] : randomPrivateKey();
  const account = privateKeyToAccount(privateKey);

  const length =
    index < FORCED_LENGTHS.length ? FORCED_LENGTHS[index] : rng.below(index % 2 ? MAX_MESSAGE_BYTES + 1 : 65);
  const isText = index % 3 === 2;
  const text = isText ? randomText(length) : undefined;
  const message = isText ? stringToBytes(text) : rng.bytes(length);
  const messageHash = hashMessage({ raw: message });
  if (isText && hashMessage(text) !== messageHash) throw new Error('viem hashes text and its UTF-8 bytes differently');

  const hash = index < EDGE_HASHES.length ? EDGE_HASHES[index] : bytesToHex(rng.bytes(32));
  const keccakInput = rng.bytes(rng.below(MAX_KECCAK_CASE_BYTES + 1));

  return {
    privateKey,
    address: account.address,
    // Text messages are stored as text only; their bytes are its UTF-8.
    ...(isText ? { text } : { message: bytesToHex(message) }),
    messageHash,
    messageSignature: await account.signMessage({ message: { raw: message } }),
    hash,
    hashSignature: await sign({ hash, privateKey, to: 'hex' }),
    keccakInput: bytesToHex(keccakInput),
    keccak: keccak256(keccakInput),
  };
}

const cases = [];
for (let i = 0; i < CASE_COUNT; i++) cases.push(await makeCase(i));

// Every prefix (0..300 bytes) of one random buffer, crossing the 136-byte
// rate boundary twice.
const prefixSource = rng.bytes(MAX_MESSAGE_BYTES);
const prefixDigests = [];
for (let n = 0; n <= prefixSource.length; n++) prefixDigests.push(keccak256(prefixSource.subarray(0, n)));

const require = createRequire(import.meta.url);
const fixture = {
  generator: 'test/cpp/data/gen-crypto-vectors.mjs',
  viemVersion: require('viem/package.json').version,
  seed: SEED,
  keccakPrefixSource: bytesToHex(prefixSource),
  keccakPrefixDigests: prefixDigests,
  cases,
};

// One case / digest per line: readable, small diffs, still plain JSON.
const list = (items) => `[\n  ${items.map((item) => JSON.stringify(item)).join(',\n  ')}\n ]`;
const lines = [
  '{',
  ...Object.entries(fixture)
    .map(([key, value]) => ` ${JSON.stringify(key)}: ${Array.isArray(value) ? list(value) : JSON.stringify(value)}`)
    .join(',\n')
    .split('\n'),
  '}',
].join('\n');
const outPath = fileURLToPath(new URL('./crypto_vectors.json', import.meta.url));
writeFileSync(outPath, `${lines}\n`);
console.log(`wrote ${cases.length} cases and ${prefixDigests.length} prefix digests to ${outPath}`);
