// The paywall's batch-settlement side: the official server scheme, one per
// network its channel routes sell on, with the channel state in one
// ChannelStorage (store.js channelStorage), and the batched claims
// (channel_claims.js) that turn served vouchers into the payee's money.
import { BATCH_SETTLEMENT_ADDRESS, isBatchSettlementRefundPayload } from '@x402/evm';
import { BatchSettlementEvmScheme } from '@x402/evm/batch-settlement/server';

import { getAddress } from '../hashing.js';
import { Signer } from '../signer.js';
import { toViemAccount } from '../viem_account.js';
import { argError, expectObject, invalidArg } from '../validate.js';
import { ChannelClaims } from './channel_claims.js';
import { payByChannel } from './channel_payment.js';
import { recordChannelRevenue, settledAmounts } from './channel_revenue.js';
import { shortCutCheckedVouchers } from './channel_verify_hook.js';
import { channelStorage } from './store.js';

const isChannelRoute = (route) => route.scheme === 'batch-settlement';

/**
 * The schemes to register on the paywall's resource server for its
 * channel routes, or null when it has none. One scheme serves a network, so
 * the channel routes of a network share one payee, asset and withdraw delay.
 * `options`: {directory | storage, receiverAuthorizer?: Signer, claimIntervalMs?, onClaimError?}.
 */
export function channelSchemes(routes, options) {
  const channelRoutes = routes.filter(isChannelRoute);
  if (channelRoutes.length === 0) return null;
  const config = expectObject(options ?? {}, 'options.channels');
  if (config.receiverAuthorizer !== undefined && !(config.receiverAuthorizer instanceof Signer)) {
    throw invalidArg('a Signer (the key that authorizes claims and refunds)', 'options.channels.receiverAuthorizer', config.receiverAuthorizer);
  }
  const storage = channelStorage(config);
  const byNetwork = new Map();
  for (const route of channelRoutes) {
    const { network, payTo, asset } = route.terms;
    const terms = { payTo, asset, withdrawDelaySeconds: route.channel.withdrawDelaySeconds };
    const seen = byNetwork.get(network);
    if (seen && (seen.payTo !== terms.payTo || seen.asset !== terms.asset || seen.withdrawDelaySeconds !== terms.withdrawDelaySeconds)) {
      throw argError(TypeError, 'ERR_INVALID_ROUTE',
        `Route ${route.id}: the batch-settlement routes on ${network} must share one payTo, asset and withdrawDelaySeconds`);
    }
    if (!seen) byNetwork.set(network, { ...terms, routes: [] });
    byNetwork.get(network).routes.push(route);
  }
  const schemes = [...byNetwork].map(([network, { routes: sold, ...terms }]) => {
    const scheme = new BatchSettlementEvmScheme(terms.payTo, {
      storage,
      withdrawDelay: terms.withdrawDelaySeconds,
      // The minimum deposit the 402 announces is a rule, not a hint.
      enforceMinDeposit: true,
      ...(config.receiverAuthorizer ? { receiverAuthorizerSigner: toViemAccount(config.receiverAuthorizer) } : {}),
    });
    // A voucher our native check passed is not judged again in JS.
    return { network, terms, routes: sold, scheme, passed: shortCutCheckedVouchers(scheme) };
  });
  return { schemes, storage, config };
}

/** Sells the channel routes once the engine's resource server is initialised. */
export class ChannelSeller {
  #engine;
  #storage;
  #claims;
  #passed;
  #contract = getAddress(BATCH_SETTLEMENT_ADDRESS);

  /**
   * `store` and `onRecorded` (settlement_record.js settledNotice) take the
   * receipts of channel revenue, as the engine's take a request's.
   */
  constructor({ engine, facilitatorClient, setup, now = Date.now, onRecorded }) {
    this.#engine = engine;
    this.#storage = setup.storage;
    this.#passed = new Map(setup.schemes.map(({ network, passed }) => [network, passed]));
    const revenue = new Map();
    const managers = setup.schemes.map(({ network, terms, scheme, routes }) => {
      const facilitator = settledAmounts(facilitatorClient);
      const manager = scheme.createChannelManager(facilitator.client, network, terms.asset);
      revenue.set(manager, { routes, amountOf: facilitator.amountOf });
      return manager;
    });
    this.#claims = new ChannelClaims({
      managers,
      intervalMs: setup.config.claimIntervalMs,
      onError: setup.config.onClaimError ?? ((error) => process.emitWarning(`clawpay paywall: channel claim failed (retried at the next run): ${error.message}`)),
      onSettlement: (manager, { transaction }) => {
        const { routes, amountOf } = revenue.get(manager);
        return recordChannelRevenue({
          store: engine.store, routes, contract: this.#contract, transaction, amount: amountOf(transaction), now, onRecorded,
        });
      },
    });
  }

  /** The channel state behind the routes (an official ChannelStorage). */
  get storage() {
    return this.#storage;
  }

  /** One request on a channel route: the engine's outcome shapes. */
  async pay({ route, payload, serve }) {
    const [{ requirement }] = await this.#engine.offers(route);
    const outcome = await payByChannel({
      resourceServer: this.#engine.resourceServer, requirement, storage: this.#storage, contract: this.#contract, route, payload, serve,
      passed: this.#passed.get(route.terms.network),
    });
    // A refund claims the channel's unclaimed vouchers on chain: that money is owed to the payee.
    if (outcome.kind === 'served' && isBatchSettlementRefundPayload(payload.payload)) this.#claims.owe();
    return outcome;
  }

  /** Claims and settles now (what the timer does). */
  claim() {
    return this.#claims.run();
  }

  /** Stops the timer after a last claim and settlement. */
  close() {
    return this.#claims.close();
  }
}
