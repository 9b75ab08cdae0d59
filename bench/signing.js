// Signing, hashing and recovery: native vs viem (and @noble/curves, the
// curve library viem is built on) on the same inputs.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import * as viem from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { Signer, hashMessage, keccak256, recoverAddress, recoverMessageAddress } from '../lib/index.js';
import { compare } from './harness.js';

// The key of every signing row, and of bench/floor/clawpay_floor.cc.
export const BENCH_KEY = viem.keccak256(viem.toHex('clawpay-native bench key'));
// The 256 nonces (and digests to sign or recover) of the signing rows.
export const benchHashes = () => Array.from({ length: 256 }, (_, i) => viem.keccak256(viem.toHex(`hash ${i}`)));

export const transferWithAuthorization = (nonce) => ({
  domain: { name: 'USD Coin', version: '2', chainId: 8453, verifyingContract: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913' },
  types: {
    TransferWithAuthorization: [
      { name: 'from', type: 'address' }, { name: 'to', type: 'address' }, { name: 'value', type: 'uint256' },
      { name: 'validAfter', type: 'uint256' }, { name: 'validBefore', type: 'uint256' }, { name: 'nonce', type: 'bytes32' },
    ],
  },
  primaryType: 'TransferWithAuthorization',
  message: {
    from: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    value: 10000n, validAfter: 0n, validBefore: 1767225600n, nonce,
  },
});

export async function signingRows() {
  const key = BENCH_KEY;
  const signer = Signer.fromPrivateKey(key);
  const account = privateKeyToAccount(key);
  const keyBytes = viem.hexToBytes(key);
  const message = 'Pay 0.01 USDC to api.example.com for GET /v1/search — clawpay-native benchmark message';
  const hashes = benchHashes();
  const documents = hashes.map((nonce) => transferWithAuthorization(nonce));
  const signatures = await Promise.all(hashes.map((hash) => signer.signHash(hash)));
  const messageSignature = await signer.signMessage(message);
  const input32 = viem.hexToBytes(hashes[0]);

  const rows = [];
  rows.push({
    name: 'keccak256 (32 bytes)',
    candidates: await compare([
      { label: 'native', fn: () => keccak256(input32) },
      { label: 'viem', fn: () => viem.keccak256(input32) },
    ]),
  });
  rows.push({
    name: 'hashMessage (EIP-191, 87-byte string)',
    candidates: await compare([
      { label: 'native', fn: () => hashMessage(message) },
      { label: 'viem', fn: () => viem.hashMessage(message) },
    ]),
  });
  rows.push({
    name: 'signMessage (EIP-191)',
    candidates: await compare([
      { label: 'native', fn: () => signer.signMessage(message), isAsync: true },
      { label: 'viem', fn: () => account.signMessage({ message }), isAsync: true },
      { label: 'noble', fn: () => secp256k1.sign(viem.hexToBytes(viem.hashMessage(message)), keyBytes, { prehash: false, format: 'recovered' }) },
    ]),
  });
  rows.push({
    name: 'signTypedData (EIP-3009 TransferWithAuthorization)',
    candidates: await compare([
      { label: 'native', fn: (i) => signer.signTypedData(documents[i & 255]), isAsync: true },
      { label: 'viem', fn: (i) => account.signTypedData(documents[i & 255]), isAsync: true },
    ]),
  });
  rows.push({
    name: 'recoverAddress (hash + signature)',
    candidates: await compare([
      { label: 'native', fn: (i) => recoverAddress({ hash: hashes[i & 255], signature: signatures[i & 255] }), isAsync: true },
      { label: 'viem', fn: (i) => viem.recoverAddress({ hash: hashes[i & 255], signature: signatures[i & 255] }), isAsync: true },
    ]),
  });
  rows.push({
    name: 'recoverMessageAddress',
    candidates: await compare([
      { label: 'native', fn: () => recoverMessageAddress({ message, signature: messageSignature }), isAsync: true },
      { label: 'viem', fn: () => viem.recoverMessageAddress({ message, signature: messageSignature }), isAsync: true },
    ]),
  });
  signer.destroy();
  return rows;
}
