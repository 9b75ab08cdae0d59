// Signer: a secp256k1 key held in native memory. JS sees its address and
// signatures, never the key. Async methods mirror viem's signatures; the
// *Sync forms skip the promise for hot loops.
import { inspect } from 'node:util';

import { toBytes } from './bytes.js';
import { messageArg } from './message.js';
import { native } from './native.js';
import { signTransferAuthorization } from './transfer_authorization.js';
import { typedDataJson } from './typed_data.js';
import { argError, invalidArg } from './validate.js';

const construct = Symbol('Signer.construct');
const handles = new WeakMap();

// The native handle behind a Signer, for other modules of this package.
export function nativeSigner(signer, name = 'signer') {
  const handle = handles.get(signer);
  if (!handle) throw invalidArg('a Signer', name, signer);
  return handle;
}

export class Signer {
  #handle;
  #address;

  constructor(token, handle) {
    if (token !== construct) {
      throw argError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR',
        'Use Signer.fromPrivateKey(hex) or Signer.generate() to create a Signer');
    }
    this.#handle = handle;
    this.#address = handle.address;
    handles.set(this, handle);
  }

  /** A signer for a "0x" + 64 hex private key. */
  static fromPrivateKey(privateKey) {
    if (typeof privateKey !== 'string') {
      throw invalidArg('0x-prefixed hex (a string)', 'privateKey', privateKey, { secret: true });
    }
    return new Signer(construct, new native.NativeSigner(privateKey));
  }

  /** A signer for a fresh key from OpenSSL's CSPRNG. */
  static generate() {
    return new Signer(construct, new native.NativeSigner());
  }

  /** EIP-55 checksummed address. */
  get address() {
    return this.#address;
  }

  get destroyed() {
    return this.#handle.destroyed;
  }

  signHashSync(hash) {
    return this.#handle.signHash(toBytes(hash, 'hash', 32));
  }

  signMessageSync(message) {
    return this.#handle.signMessage(messageArg(message));
  }

  signTypedDataSync(typedData) {
    return signTransferAuthorization(this.#handle, typedData) ?? this.#handle.signTypedData(typedDataJson(typedData));
  }

  async signHash(hash) {
    return this.signHashSync(hash);
  }

  async signMessage(message) {
    return this.signMessageSync(message);
  }

  async signTypedData(typedData) {
    return this.signTypedDataSync(typedData);
  }

  /** Wipes the key from memory; every later signing call throws ERR_DESTROYED. */
  destroy() {
    this.#handle.destroy();
  }

  toJSON() {
    return { address: this.#address };
  }

  [inspect.custom]() {
    return `Signer { address: '${this.#address}'${this.destroyed ? ', destroyed' : ''} }`;
  }
}
