// The paywall's own PAYMENT-SIGNATURE decoder and PAYMENT-RESPONSE encoder
// (lib/paywall/payment_headers.js) against @x402/core's, on random input:
// the same JSON out, the same headers refused, the same bytes written.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { test } from 'node:test';

import { decodePaymentSignatureHeader, encodePaymentResponseHeader, encodePaymentSignatureHeader } from '@x402/core/http';

import { decodePaymentSignature, paymentResponseHeader } from '../../lib/paywall/payment_headers.js';

const SEED = randomInt(2 ** 31);
let state = SEED;
const next = (n) => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state % n;
};

const officialDecode = (header) => {
  try {
    return { value: decodePaymentSignatureHeader(header) };
  } catch {
    return { refused: true };
  }
};
const oursDecode = (header) => {
  try {
    return { value: decodePaymentSignature(header) };
  } catch {
    return { refused: true };
  }
};

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ .';

test(`PAYMENT-SIGNATURE: the official decoder's answer on every header, real and damaged (seed ${SEED})`, () => {
  const real = encodePaymentSignatureHeader({
    x402Version: 2, accepted: { scheme: 'batch-settlement', amount: '1000', extra: { name: 'USD Coin \u00e9\u4e2d' } },
    payload: { type: 'voucher', voucher: { channelId: `0x${'ab'.repeat(32)}`, maxClaimableAmount: '123000', signature: `0x${'cd'.repeat(65)}` } },
  });
  const cases = [
    real, `${real}=`, `${real}==`, real.slice(0, -1), real.slice(0, -2), real.slice(1), '', '=', '==', 'A', 'AB', 'ABC', 'AB=', 'AB==', 'ABC=',
    'ABCD=', Buffer.from('\ufeff{"a":1}').toString('base64'), Buffer.from('{"a":"\u00ff"}', 'latin1').toString('base64'),
    Buffer.from('null').toString('base64'), Buffer.from('[1,2]').toString('base64'),
  ];
  for (let i = 0; i < 2000; i++) {
    const kind = next(4);
    if (kind === 0) cases.push(randomBytes(next(40)).toString('base64'));
    else if (kind === 1) cases.push(Buffer.from(JSON.stringify({ n: next(1e9), s: randomBytes(next(20)).toString('latin1') })).toString('base64'));
    else if (kind === 2) cases.push(Array.from({ length: next(24) }, () => ALPHABET[next(ALPHABET.length)]).join(''));
    else {
      const at = next(real.length);
      cases.push(`${real.slice(0, at)}${ALPHABET[next(ALPHABET.length)]}${real.slice(at + 1)}`);
    }
  }
  let decoded = 0;
  for (const header of cases) {
    const official = officialDecode(header);
    assert.deepEqual(oursDecode(header), official, `header ${JSON.stringify(header)}`);
    if (!official.refused) decoded += 1;
  }
  assert.ok(decoded > 500, `${decoded} of ${cases.length} cases decoded`);
});

test(`PAYMENT-RESPONSE: the official encoder's bytes for settlement answers (seed ${SEED})`, () => {
  for (let i = 0; i < 500; i++) {
    const settlement = {
      success: next(2) === 0, payer: `0x${randomBytes(20).toString('hex')}`, transaction: next(2) ? '' : `0x${randomBytes(32).toString('hex')}`,
      network: 'eip155:84532', amount: next(2) ? '' : String(next(1e9)),
      extra: {
        channelState: {
          channelId: `0x${randomBytes(32).toString('hex')}`, balance: String(next(1e9)), totalClaimed: String(next(1e6)),
          withdrawRequestedAt: next(2) ? 0 : next(2e9), refundNonce: String(next(9)), chargedCumulativeAmount: String(next(1e9)),
        },
        chargedAmount: String(next(1e6)),
        note: randomBytes(next(12)).toString('latin1'),
      },
      ...(next(3) === 0 ? { extensionResponses: { x: 1 } } : {}),
    };
    assert.equal(paymentResponseHeader(settlement), encodePaymentResponseHeader(settlement));
  }
});
