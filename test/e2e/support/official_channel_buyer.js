// The official batch-settlement buyer (@x402/evm's client scheme inside
// @x402/fetch), as a person using the official packages sets it up: one
// signer, spend controls allowing the devnet token up to `maxAmountPerPayment`
// per payment (a channel's deposit is one payment). Shared by the tests that
// pay a channel route, ours or the official server's.
import { toClientEvmSigner } from '@x402/evm';
import { BatchSettlementEvmScheme } from '@x402/evm/batch-settlement/client';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { parseAbiItem } from 'viem';

import { toViemAccount } from '../../../lib/index.js';

/** The channel contract's deposit event, for counting deposits on chain. */
export const DEPOSITED_EVENT = parseAbiItem('event Deposited(bytes32 indexed channelId, address indexed sender, uint128 amount, uint128 newBalance)');

/** {scheme, pay}: the client scheme (refunds, channel configs) and the paying fetch. */
export function officialChannelBuyer(world, signer, { maxAmountPerPayment }) {
  const scheme = new BatchSettlementEvmScheme(toClientEvmSigner(toViemAccount(signer), world.chain.publicClient));
  const client = new x402Client().setSpendControls({
    allowedAssets: [{ network: world.chain.network, asset: world.token.address, maxAmountPerPayment: String(maxAmountPerPayment) }],
  });
  client.register(world.chain.network, scheme);
  return { scheme, pay: wrapFetchWithPayment(fetch, client) };
}
