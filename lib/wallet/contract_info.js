// get_wallet_info and check_spend_limit in contract mode: what the contract
// says — balances, its spend policies, the owner and operator state, the
// queue's depth — and whether an amount would execute or be queued.
import { sameAddress } from '../hashing.js';
import { amountShape, parseAmount, tokenInfo } from './token_info.js';

/** {info({token}), checkSpend({amount, token})}. */
export function createContractInfo({ config, publicClient, reads }) {
  const address = config.walletAddress;
  const agent = config.agentAddress;
  const { read, requireContract, chainNow, ownership, tokenOf, limitsFor, balanceOf, queueEntries } = reads;

  async function info({ token } = {}) {
    await requireContract();
    const extra = token === undefined || token === null || token === '' ? null : await tokenOf(token);
    const eth = await tokenInfo(publicClient, null);
    const asset = config.asset.address ? await tokenInfo(publicClient, config.asset.address) : null;
    const tokens = [eth, asset, extra].filter((t, i, all) => t && all.findIndex((u) => u && sameAddress(u.token ?? '', t.token ?? '')) === i);
    const [ownedBy, epoch, operatorActive, nonce, now, queue] = await Promise.all([
      ownership(), read('operatorEpoch'), read('isOperatorActive', [agent]), read('nonce'), chainNow(), queueEntries(),
    ]);
    const balances = await Promise.all(tokens.map(async (t) => amountShape(await balanceOf(t), t)));
    const limits = await Promise.all(tokens.map((t) => limitsFor(t, now)));
    return {
      mode: 'contract',
      address,
      agent,
      chainId: config.chainId,
      balances,
      limits,
      queue: { pending: queue.items.filter((item) => item.status === 'pending').length, total: Number(queue.total), scanned: queue.scanned },
      contract: { ...ownedBy, operatorActive, operatorEpoch: epoch.toString(), nonce: nonce.toString() },
    };
  }

  async function checkSpend({ amount, token } = {}) {
    await requireContract();
    const t = await tokenOf(token);
    const units = parseAmount(amount, t, { field: 'amount_eth' });
    const [limits, operatorActive] = await Promise.all([limitsFor(t), read('isOperatorActive', [agent])]);
    const perTx = BigInt(limits.perTx.units);
    const left = BigInt(limits.remainingInPeriod.units);
    let reason = null;
    if (!operatorActive) reason = `the agent key ${agent} is not an active operator of this wallet: the owner must call setOperator`;
    else if (units > perTx) reason = `above the per-transaction limit of ${limits.perTx.amount} ${t.symbol}: it would be queued for the owner`;
    else if (units > left) reason = `above what is left in this period (${limits.remainingInPeriod.amount} ${t.symbol}): it would be queued for the owner`;
    return { allowed: reason === null, reason, value: amountShape(units, t), limits, operatorActive };
  }

  return { info, checkSpend };
}
