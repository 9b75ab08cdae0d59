// get_wallet_info and check_spend_limit in key mode: balances, the local
// send policy's limits, the approval queue's depth, and a dry run of the
// policy for an amount (nothing reserved).
import { sameAddress } from '../hashing.js';
import { ETH, amountShape, parseAmount } from './token_info.js';

const seconds = (ms) => Math.floor(ms / 1000);

/** {info({token}), checkSpend({amount, token})}. */
export function createKeyInfo({ config, address, assets, policy, queue, now }) {
  const { assetInfo, tokenOf, balanceOf } = assets;

  async function info({ token } = {}) {
    const asset = await assetInfo();
    const extra = token === undefined || token === null || token === '' ? null : await tokenOf(token);
    const tokens = [ETH, asset];
    if (extra && extra.token !== null && !sameAddress(extra.token, asset.token)) tokens.push(extra);
    const balances = await Promise.all(tokens.map(async (t) => amountShape(await balanceOf(t), t)));
    const limits = [policy.limits(asset), policy.limits(ETH)];
    if (tokens.length > 2) limits.push(policy.limits(extra));
    return {
      mode: 'key',
      address,
      agent: address,
      chainId: config.chainId,
      balances,
      limits,
      queue: { pending: queue.pendingCount() },
      checkedAt: seconds(now()),
    };
  }

  async function checkSpend({ amount, token } = {}) {
    const t = await tokenOf(token);
    const units = parseAmount(amount, t, { field: 'amount_eth' });
    const verdict = policy.check({ token: t.token, units, info: t });
    return {
      allowed: verdict.execute,
      reason: verdict.reason ?? null,
      rule: verdict.rule ?? null,
      value: amountShape(units, t),
      limits: verdict.limits,
    };
  }

  return { info, checkSpend };
}
