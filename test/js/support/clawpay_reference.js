// ClawPay 1.1's session token algorithm, restated for cross-checking: sort
// the top-level keys with JS's default sort, JSON.stringify, sign the string
// with viem's signMessage, base64url the UTF-8 bytes.
import { privateKeyToAccount } from 'viem/accounts';

export function referenceCanonical(payload) {
  const sorted = {};
  for (const key of Object.keys(payload).sort()) sorted[key] = payload[key];
  return JSON.stringify(sorted);
}

export async function referenceToken(payload, privateKey) {
  const canonicalJson = referenceCanonical(payload);
  const signature = await privateKeyToAccount(privateKey).signMessage({ message: canonicalJson });
  return { token: `${Buffer.from(canonicalJson).toString('base64url')}.${signature}`, canonicalJson, signature };
}
