// One signing workout for an addon built for another platform: a probe
// script that a foreign Node (an arm64 one under qemu) runs against a copy of
// the package, and the answers viem gives on this machine for the same
// inputs. Equal answers mean the foreign build hashes, signs and recovers
// exactly as the reference does.
import { privateKeyToAccount } from 'viem/accounts';

// A fixed test key (not a secret: it only ever signs these inputs).
const KEY = `0x${'4c'.repeat(31)}01`;

export const MESSAGE = 'clawpay-native on another platform';

export const TYPED_DATA = {
  domain: { name: 'USD Coin', version: '2', chainId: 84532, verifyingContract: '0x036CbD53842c5426634e7929541eC2318f3dCF7e' },
  types: {
    TransferWithAuthorization: [
      { name: 'from', type: 'address' }, { name: 'to', type: 'address' }, { name: 'value', type: 'uint256' },
      { name: 'validAfter', type: 'uint256' }, { name: 'validBefore', type: 'uint256' }, { name: 'nonce', type: 'bytes32' },
    ],
  },
  primaryType: 'TransferWithAuthorization',
  message: {
    from: '0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A', to: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
    value: '10000', validAfter: '0', validBefore: '1900000000', nonce: `0x${'ab'.repeat(32)}`,
  },
};

/**
 * The probe, an ES module to run with `node --input-type=module -e`: it
 * imports the package by `specifier` (a path or a name), signs, recovers,
 * hashes, and prints one JSON line. The key travels in the source, never on
 * the command line's output.
 */
export function probeSource(specifier) {
  return `
    const { Signer, keccak256, recoverTypedDataAddress } = await import(${JSON.stringify(specifier)});
    const typedData = ${JSON.stringify(TYPED_DATA)};
    const signer = Signer.fromPrivateKey(${JSON.stringify(KEY)});
    const typedSignature = await signer.signTypedData(typedData);
    const out = {
      arch: process.arch,
      platform: process.platform,
      address: signer.address,
      messageSignature: await signer.signMessage(${JSON.stringify(MESSAGE)}),
      typedSignature,
      recovered: await recoverTypedDataAddress({ ...typedData, signature: typedSignature }),
      keccakEmpty: keccak256(new Uint8Array(0)),
    };
    signer.destroy();
    console.log(JSON.stringify(out));
  `;
}

/** What viem answers here for the probe's inputs. */
export async function viemAnswers() {
  const account = privateKeyToAccount(KEY);
  return {
    address: account.address,
    messageSignature: await account.signMessage({ message: MESSAGE }),
    typedSignature: await account.signTypedData(TYPED_DATA),
    recovered: account.address,
    keccakEmpty: '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
  };
}
