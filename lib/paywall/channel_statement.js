// What each payment channel stands at, for the seller: from its stored
// state, what the payer deposited, what the seller has served (the running
// total), what it has claimed on chain, and so what is still to claim — the
// money a seller wants to see before it trusts the claim timer — and what
// the payer can take back. Amounts are base units, as decimal strings.
const ZERO = 0n;
const units = (value) => {
  try {
    return BigInt(value ?? 0);
  } catch {
    return ZERO; // state no official storage writes: shown as nothing
  }
};

/**
 * The statement of every channel in `storage` (an official ChannelStorage),
 * most unclaimed first: [{channelId, payer, deposit, charged, claimed,
 * unclaimed, refundable, reserved, lastRequestAt}], and their totals.
 */
export async function channelStatement(storage, now = Date.now()) {
  const channels = (await storage.list()).map((channel) => {
    const deposit = units(channel.balance);
    const charged = units(channel.chargedCumulativeAmount);
    const claimed = units(channel.totalClaimed);
    return {
      channelId: channel.channelId,
      payer: channel.channelConfig?.payer ?? null,
      deposit: String(deposit),
      charged: String(charged),
      claimed: String(claimed),
      unclaimed: String(charged > claimed ? charged - claimed : ZERO),
      refundable: String(deposit > charged ? deposit - charged : ZERO),
      reserved: channel.pendingRequest !== undefined && channel.pendingRequest.expiresAt > now,
      lastRequestAt: channel.lastRequestTimestamp ?? null,
    };
  });
  channels.sort((a, b) => {
    const [x, y] = [BigInt(a.unclaimed), BigInt(b.unclaimed)];
    return x === y ? a.channelId.localeCompare(b.channelId) : (x > y ? -1 : 1);
  });
  const sum = (key) => String(channels.reduce((total, channel) => total + BigInt(channel[key]), ZERO));
  return {
    channels,
    totals: { deposit: sum('deposit'), charged: sum('charged'), claimed: sum('claimed'), unclaimed: sum('unclaimed'), refundable: sum('refundable') },
  };
}
