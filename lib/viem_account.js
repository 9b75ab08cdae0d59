// A viem LocalAccount whose every signature comes from the native Signer, so
// viem clients and the @x402/* libraries sign without the key entering JS.
import { serializeTransaction } from 'viem';
import { hashAuthorization } from 'viem/utils';
import { toAccount } from 'viem/accounts';

import { keccak256 } from './hashing.js';
import { nativeSigner } from './signer.js';
import { signatureObject } from './signature.js';

export function toViemAccount(signer) {
  nativeSigner(signer, 'signer'); // fails early on anything but a Signer
  const signHash = (hash) => signatureObject(signer.signHashSync(hash));
  return toAccount({
    address: signer.address,
    async sign({ hash }) {
      return signer.signHash(hash);
    },
    async signMessage({ message }) {
      return signer.signMessage(message);
    },
    async signTypedData(typedData) {
      return signer.signTypedData(typedData);
    },
    async signTransaction(transaction, { serializer = serializeTransaction } = {}) {
      // As viem signs: an EIP-4844 transaction is signed without its sidecars.
      const signable = transaction.type === 'eip4844' ? { ...transaction, sidecars: false } : transaction;
      const signature = signHash(keccak256(await serializer(signable)));
      return serializer(transaction, signature);
    },
    async signAuthorization(authorization) {
      const { chainId, nonce } = authorization;
      const address = authorization.contractAddress ?? authorization.address;
      return { address, chainId, nonce, ...signHash(hashAuthorization({ address, chainId, nonce })) };
    },
  });
}
