// The paywall's batch-settlement side: the official server scheme, one per
// network its channel routes sell on, with the channel state in one
// ChannelStorage (store.js channelStorage), and the batched claims
// (channel_claims.js) that turn served vouchers into the payee's money.
import { BATCH_SETTLEMENT_ADDRESS, isBatchSettlementRefundPayload } from '@x402/evm';
import { BatchSettlementEvmScheme } from '@x402/evm/batch-settlement/server';

import { getAddress } from '../hashing.js';
import { Signer } from '../signer.js';
import { toViemAccount } from '../viem_account.js';
import { argError, expectObject, expectString, invalidArg } from '../validate.js';
import { ChannelBooks } from './channel_books.js';
import { ChannelClaims } from './channel_claims.js';
import { payByChannel } from './channel_payment.js';
import { channelStatement } from './channel_statement.js';
import { recordChannelRevenue, settledAmounts } from './channel_revenue.js';
import { createSettlementChain } from './settlement_chain.js';
import { channelStorage } from './store.js';

const isChannelRoute = (route) => route.scheme === 'batch-settlement';
const RPC_URL = /^https?:\/\/[^\s]+$/;

// The RPC where a network's settlements are read (channels.rpcUrl: one URL,
// or one per network), or null (unset, or `false`: the seller keeps no books).
function rpcUrlFor(rpcUrl, network) {
  if (rpcUrl === undefined || rpcUrl === false) return null;
  const name = typeof rpcUrl === 'string' ? 'options.channels.rpcUrl' : `options.channels.rpcUrl['${network}']`;
  const url = typeof rpcUrl === 'string' ? rpcUrl : expectObject(rpcUrl, 'options.channels.rpcUrl')[network];
  if (!RPC_URL.test(expectString(url, name))) throw invalidArg('an http:// or https:// URL', name, url);
  return url;
}

/**
 * The schemes to register on the paywall's resource server for its
 * channel routes, or null when it has none. One scheme serves a network, so
 * the channel routes of a network share one payee, asset and withdraw delay.
 * `options`: {directory | storage, receiverAuthorizer?: Signer, claimIntervalMs?, onClaimError?,
 * rpcUrl?: string | {[network]: string} | false} (rpcUrl: where the books read settlements, channel_books.js).
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
    if (!seen) byNetwork.set(network, { ...terms, rpcUrl: rpcUrlFor(config.rpcUrl, network), routes: [] });
    byNetwork.get(network).routes.push(route);
  }
  const schemes = [...byNetwork].map(([network, { routes: sold, rpcUrl, ...terms }]) => {
    const scheme = new BatchSettlementEvmScheme(terms.payTo, {
      storage,
      withdrawDelay: terms.withdrawDelaySeconds,
      // The minimum deposit the 402 announces is a rule, not a hint.
      enforceMinDeposit: true,
      ...(config.receiverAuthorizer ? { receiverAuthorizerSigner: toViemAccount(config.receiverAuthorizer) } : {}),
    });
    return { network, terms, rpcUrl, routes: sold, scheme };
  });
  // A storage the paywall made (channels.directory) is the paywall's to close.
  return { schemes, storage, ownsStorage: config.storage === undefined, config };
}

/** Sells the channel routes once the engine's resource server is initialised. */
export class ChannelSeller {
  #engine;
  #storage;
  #ownsStorage;
  #claims;
  #schemes;
  #books;
  #onError;
  #contract = getAddress(BATCH_SETTLEMENT_ADDRESS);
  #rpcUrl;

  /**
   * `store` and `onRecorded` (settlement_record.js settledNotice) take the
   * receipts of channel revenue, as the engine's take a request's.
   */
  constructor({ engine, facilitatorClient, setup, now = Date.now, onRecorded }) {
    this.#engine = engine;
    this.#storage = setup.storage;
    this.#ownsStorage = setup.ownsStorage === true;
    this.#schemes = new Map(setup.schemes.map(({ network, scheme }) => [network, scheme]));
    const revenue = new Map();
    const managers = setup.schemes.map(({ network, terms, rpcUrl, scheme, routes }) => {
      const facilitator = settledAmounts(facilitatorClient);
      const manager = scheme.createChannelManager(facilitator.client, network, terms.asset);
      const books = rpcUrl === null ? null : new ChannelBooks({
        store: engine.store,
        chain: createSettlementChain({ rpcUrl, contract: this.#contract, receiver: terms.payTo, token: terms.asset }),
        revenue: { routes, contract: this.#contract, now, onRecorded },
      });
      revenue.set(manager, { routes, amountOf: facilitator.amountOf, books });
      return manager;
    });
    this.#rpcUrl = setup.config.rpcUrl;
    this.#books = [...revenue.values()].map(({ books }) => books).filter((books) => books !== null);
    this.#onError = setup.config.onClaimError ?? ((error) => process.emitWarning(`clawpay paywall: channel claim failed (retried at the next run): ${error.message}`));
    this.#claims = new ChannelClaims({
      managers,
      intervalMs: setup.config.claimIntervalMs,
      onError: this.#onError,
      onSettlement: (manager, { transaction }) => {
        const { routes, amountOf, books } = revenue.get(manager);
        // A receipt the chain could not be read for now is booked by a later reconciliation.
        if (books !== null) return books.book(transaction).catch((error) => { this.#onError(error); return null; });
        return recordChannelRevenue({
          store: engine.store, routes, contract: this.#contract, transaction, amount: amountOf(transaction), now, onRecorded,
        });
      },
      reconcile: () => this.reconcile(),
    });
  }

  /**
   * Books every settlement to the payee that the receipts lack (channel_books.js;
   * with channels.rpcUrl): resolves to the receipts written. Runs at start and
   * after each claim run.
   */
  async reconcile() {
    const receipts = [];
    for (const books of this.#books) receipts.push(...await books.reconcile());
    return receipts;
  }

  /**
   * At start: the books are reconciled; a failure is reported (onClaimError)
   * and retried at the next claim run. Without channels.rpcUrl there are no
   * books to reconcile, which is said once, since a crash can then leave a
   * settlement unbooked (unless the seller said so: rpcUrl false).
   */
  async start() {
    if (this.#books.length === 0 && this.#rpcUrl === undefined) {
      process.emitWarning('clawpay paywall: channels.rpcUrl is not set, so a channel settlement whose receipt a crash interrupted is never booked; set it to the chain\'s JSON-RPC', { code: 'CLAWPAY_CHANNEL_BOOKS_OFF' });
      return;
    }
    try {
      await this.reconcile();
    } catch (error) {
      this.#onError(error);
    }
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
      scheme: this.#schemes.get(route.terms.network),
    });
    // A refund claims the channel's unclaimed vouchers on chain: that money is owed to the payee.
    if (outcome.kind === 'served' && isBatchSettlementRefundPayload(payload.payload)) this.#claims.owe();
    return outcome;
  }

  /** Where each channel stands (channel_statement.js): deposit, charged, claimed, unclaimed, refundable. */
  statement() {
    return channelStatement(this.#storage);
  }

  /** Claims and settles now (what the timer does). */
  claim() {
    return this.#claims.run();
  }

  /** Stops the timer after a last claim and settlement; then closes the storage it made. */
  async close() {
    try {
      return await this.#claims.close();
    } finally {
      if (this.#ownsStorage) this.#storage.close();
    }
  }
}
