// send_payment in key mode: one logical send (the same call after a crash
// or a lost answer resumes its recorded transaction, with its reservation),
// decided by the local send policy — executed now, or queued for a person.
import { sameAddress } from '../hashing.js';
import { walletError } from './errors.js';
import { checkMemo } from './memo.js';
import { sendKey } from './send_key.js';
import { amountShape, checkAddress, parseAmount } from './token_info.js';

/** `send({to, amount, token, tokenDecimals, memo})` resolves to a SendResult (README.md). */
export function createKeySend({ config, address, tokenOf, txSender, policy, queue, execute }) {
  async function send({ to, amount, token, tokenDecimals, memo } = {}) {
    const recipient = checkAddress(to, 'to', { refuseZero: true });
    if (sameAddress(recipient, address)) throw walletError('ERR_WALLET_INPUT', `"to" is the agent key's own address (${address}); nothing would move`);
    const note = checkMemo(memo);
    const info = await tokenOf(token);
    const units = parseAmount(amount, info, { tokenDecimals, field: 'amount_eth' });
    const value = amountShape(units, info);
    // One logical send: the same call after a crash or a lost answer resumes
    // the recorded transaction (with its reservation) instead of a new one.
    const key = sendKey(['key-send', config.chainId, address, recipient, info.token, units.toString(), note]);
    const earlier = txSender.open(key);
    let meta;
    if (earlier) {
      meta = earlier.meta;
    } else {
      // The same send still waiting for approval is that request, not a
      // second one: a retry after a lost "queued" answer must not put the
      // payment before the person twice. (A separate payment of the same
      // amount to the same payee takes another memo.)
      const waiting = queue.list({ status: 'pending' }).find((item) => item.key === key);
      if (waiting) {
        return {
          status: 'queued', mode: 'key', to: recipient, value, memo: note, queueId: waiting.id, reason: waiting.reason,
          rule: waiting.rule ?? null, resumed: true,
        };
      }
      const decision = policy.decide({ token: info.token, to: recipient, units, info });
      if (!decision.execute) {
        const item = queue.add({
          to: recipient, value, token: info.token, decimals: info.decimals, symbol: info.symbol,
          units: units.toString(), reason: decision.reason, rule: decision.rule, memo: note, key,
          limits: policy.snapshot(info.token),
        });
        return { status: 'queued', mode: 'key', to: recipient, value, memo: note, queueId: item.id, reason: decision.reason, rule: decision.rule };
      }
      meta = {
        kind: 'key-send', wallet: address, recipient, token: info.token, symbol: info.symbol, decimals: info.decimals,
        units: units.toString(), memo: note, reservation: decision.reservation,
      };
    }
    const { sent, blockNumber, problem } = await execute({ key, info, to: recipient, units, meta });
    // The outcome is reported from here on (as a result or as an error):
    // the key is free for a new, deliberate send of the same amount.
    txSender.markAnswered(sent.id);
    if (problem) throw problem;
    return {
      status: 'executed', mode: 'key', to: recipient, value, memo: note,
      txHash: sent.txHash, blockNumber, resumed: Boolean(sent.resumed),
    };
  }

  return send;
}
