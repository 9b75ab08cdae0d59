// Which offer of a 402 is paid: among those payable here, the first the
// spend policy allows.
import { payError } from './errors.js';
import { candidateOffers } from './payment_required.js';
import { PolicyError } from './policy.js';

/**
 * The chosen {offer, terms} of `paymentRequired`, the 402 `first` answered;
 * throws, with `unpaid` as the error's response, when none can be paid.
 */
export function chooseOffer({ paymentRequired, first, purpose, cap, chain, policy, unpaid }) {
  const { candidates, skipped } = candidateOffers(paymentRequired, purpose, chain);
  if (candidates.length === 0) {
    throw payError('ERR_NO_PAYABLE_OFFER',
      `${first.url} asks for payment, but none of its ${paymentRequired.accepts.length} offer(s) can be paid here: ${skipped.join('; ') || 'no offers'}`,
      { response: unpaid });
  }

  // The policy, before anything is signed: the first offer it allows wins.
  let chosen = null;
  let refusal = null;
  for (const candidate of candidates) {
    try {
      policy.check(candidate.terms, { kind: purpose, cap });
      chosen = candidate;
      break;
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      refusal ??= error;
    }
  }
  if (!chosen) {
    refusal.response = unpaid;
    throw refusal;
  }
  return chosen;
}
