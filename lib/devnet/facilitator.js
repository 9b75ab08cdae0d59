// A local x402 facilitator: the official @x402/core facilitator with the
// @x402/evm "exact" scheme (v2 and v1) and, in v2, its "batch-settlement"
// scheme (payment channels on lib/devnet/batch_settlement.js's contract)
// behind POST /verify, POST /settle and
// GET /supported, settling on the devnet chain with a relayer whose key stays
// in native memory (toViemAccount).
import { createServer } from 'node:http';

import { x402Facilitator } from '@x402/core/facilitator';
import { parsePaymentPayload, parsePaymentRequirements } from '@x402/core/schemas';
import { toFacilitatorEvmSigner } from '@x402/evm';
import { BatchSettlementEvmScheme } from '@x402/evm/batch-settlement/facilitator';
import { ExactEvmScheme } from '@x402/evm/exact/facilitator';
import { ExactEvmSchemeV1 } from '@x402/evm/exact/v1/facilitator';
import { EVM_NETWORK_CHAIN_ID_MAP } from '@x402/evm/v1';
import { createWalletClient, defineChain, http, publicActions } from 'viem';

import { v1NetworkName } from '../paywall/offers.js';
import { toViemAccount } from '../viem_account.js';

const MAX_BODY_BYTES = 1 << 20;

/** The CAIP-2 network id v2 uses for a chain. */
export function caip2Network(chainId) {
  return `eip155:${chainId}`;
}

/**
 * v1 names networks ("base", "base-sepolia") and @x402/evm maps each name to
 * a chain id through a fixed table. A chain id the table knows keeps its
 * name: legacy v1 clients (x402-fetch 1.x) accept only those names, so a
 * devnet on 84532 is "base-sepolia" to them. Any other chain is named
 * "devnet-<id>" and added to the table (a plain exported object read at call
 * time), which makes both @x402/evm sides work; no legacy client knows it.
 * Returns the v1 name for the chain.
 */
export function registerV1Network(chainId, name = v1NetworkName(caip2Network(chainId)) ?? `devnet-${chainId}`) {
  const known = EVM_NETWORK_CHAIN_ID_MAP[name];
  if (known !== undefined && known !== chainId) {
    throw new RangeError(`v1 network "${name}" already means chain ${known}, not ${chainId}`);
  }
  EVM_NETWORK_CHAIN_ID_MAP[name] = chainId;
  return name;
}

/** A viem chain for the devnet, which viem's wallet actions insist on. */
export function devnetViemChain({ chainId, rpcUrl }) {
  return defineChain({
    id: chainId,
    name: `devnet-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

// The shape @x402/evm's facilitator wants (FacilitatorEvmSigner): reads,
// typed-data checks and receipts through the public actions, writes signed
// by the relayer. Listed one by one so the contract with the library is
// visible here rather than hidden in a spread viem client.
function relayerSigner(chain, relayer) {
  const client = createWalletClient({
    account: toViemAccount(relayer),
    chain: chain.viemChain ?? devnetViemChain(chain),
    transport: http(chain.rpcUrl),
    // viem polls for receipts every 4 s by default; anvil mines at once, so
    // that default alone would make each settlement take seconds.
    pollingInterval: 50,
  }).extend(publicActions);
  // viem reads the account's nonce for each transaction it sends; two
  // settlements submitted at once would read the same nonce and one would
  // fail ("nonce too low"). Submissions go one at a time; waiting for
  // receipts still overlaps.
  let last = Promise.resolve();
  const oneAtATime = (send) => {
    const sent = last.then(send, send);
    last = sent.catch(() => {});
    return sent;
  };
  return toFacilitatorEvmSigner({
    address: relayer.address,
    readContract: (args) => client.readContract(args),
    verifyTypedData: (args) => client.verifyTypedData(args),
    writeContract: (args) => oneAtATime(() => client.writeContract(args)),
    sendTransaction: (args) => oneAtATime(() => client.sendTransaction(args)),
    waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
    getCode: (args) => client.getCode(args),
  }, { confirmationTimeoutMs: 30_000 });
}

/**
 * `versions` picks the x402 versions it settles: both by default; [1] makes
 * a v1-only facilitator, as older deployments are.
 */
export function createDevnetFacilitator({ chain, relayer, versions = [1, 2] }) {
  const signer = relayerSigner(chain, relayer);
  const v1Network = registerV1Network(chain.chainId);
  const facilitator = new x402Facilitator();
  if (versions.includes(2)) {
    // batch-settlement without an authorizer key of ours: the facilitator
    // then advertises no receiverAuthorizer, so each seller signs its own
    // claims and refunds (a facilitator that signs them for sellers must
    // authenticate refund requests, which this one does not do). Its
    // payloads carry a `type` the exact scheme never sees: the facilitator
    // routes by scheme.
    facilitator.register(caip2Network(chain.chainId), new ExactEvmScheme(signer));
    facilitator.register(caip2Network(chain.chainId), new BatchSettlementEvmScheme(signer));
  }
  if (versions.includes(1)) facilitator.registerV1(v1Network, new ExactEvmSchemeV1(signer));
  return { facilitator, v1Network };
}

class BadRequest extends Error {}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new BadRequest(`request body is not JSON: ${error.message}`);
  }
}

const CHANNEL_OPERATIONS = new Set(['claim', 'settle']);

// @x402/evm's batch-settlement channel manager sends its claim and settle
// operations (the seller's, not a buyer's payment) with requirements of
// maxTimeoutSeconds 0, which @x402/core's own schema refuses (it wants > 0).
// Those two are checked as if it were 1; the request itself goes on as sent.
function asChecked(paymentPayload, requirements) {
  const operation = paymentPayload?.payload?.type;
  const exempt = requirements?.scheme === 'batch-settlement' && CHANNEL_OPERATIONS.has(operation)
    && requirements.maxTimeoutSeconds === 0;
  return exempt ? { ...requirements, maxTimeoutSeconds: 1 } : requirements;
}

// The facilitator core trusts its input; check the request against the
// official schemas first so a malformed one is the caller's 400, not our 500.
function paymentRequest(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequest('expected a JSON object {x402Version, paymentPayload, paymentRequirements}');
  }
  const { paymentPayload, paymentRequirements } = body;
  const accepted = asChecked(paymentPayload, paymentPayload?.accepted);
  const payload = parsePaymentPayload(accepted === paymentPayload?.accepted ? paymentPayload : { ...paymentPayload, accepted });
  if (!payload.success) throw new BadRequest(`invalid paymentPayload: ${payload.error.message}`);
  const requirements = parsePaymentRequirements(asChecked(paymentPayload, paymentRequirements));
  if (!requirements.success) {
    throw new BadRequest(`invalid paymentRequirements: ${requirements.error.message}`);
  }
  if (body.x402Version !== undefined && body.x402Version !== paymentPayload.x402Version) {
    throw new BadRequest('x402Version differs from paymentPayload.x402Version');
  }
  return { paymentPayload, paymentRequirements };
}

function send(res, status, body) {
  const text = JSON.stringify(body, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function handler(facilitator) {
  const routes = {
    'GET /supported': async () => facilitator.getSupported(),
    'POST /verify': async (req) => {
      const { paymentPayload, paymentRequirements } = paymentRequest(await readJson(req));
      return facilitator.verify(paymentPayload, paymentRequirements);
    },
    'POST /settle': async (req) => {
      const { paymentPayload, paymentRequirements } = paymentRequest(await readJson(req));
      return facilitator.settle(paymentPayload, paymentRequirements);
    },
  };
  return async (req, res) => {
    const path = new URL(req.url, 'http://facilitator').pathname;
    const route = routes[`${req.method} ${path}`];
    if (!route) {
      const known = Object.keys(routes).some((key) => key.endsWith(` ${path}`));
      send(res, known ? 405 : 404, { error: known ? `${req.method} not allowed on ${path}` : `no route ${path}` });
      return;
    }
    try {
      send(res, 200, await route(req));
    } catch (error) {
      // An invalid payment is a 200 answer with isValid/success false; only
      // a malformed request (400) or a facilitator fault (500) lands here.
      send(res, error instanceof BadRequest ? 400 : 500, { error: error.message });
    }
  };
}

/** Starts the facilitator on 127.0.0.1; `port = 0` picks a free port. */
export async function startFacilitator({ chain, relayer, port = 0, versions }) {
  const { facilitator, v1Network } = createDevnetFacilitator({ chain, relayer, versions });
  const server = createServer(handler(facilitator));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    network: caip2Network(chain.chainId),
    v1Network,
    facilitator,
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
