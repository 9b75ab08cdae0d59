// The official seller, unchanged: one batch-settlement route (@x402/express,
// the official server scheme, file channel storage, the devnet facilitator)
// whose 402 announces a minimum deposit; the receiver authorizer is the
// seller's own key (the devnet facilitator advertises none).
import express from 'express';
import { HTTPFacilitatorClient, x402HTTPResourceServer, x402ResourceServer } from '@x402/core/server';
import { paymentMiddlewareFromHTTPServer } from '@x402/express';
import { BatchSettlementEvmScheme as BatchSettlementServer } from '@x402/evm/batch-settlement/server';
import { FileChannelStorage } from '@x402/evm/batch-settlement/server/file-storage';

import { toViemAccount } from '../../../lib/index.js';

export async function startOfficialChannelSeller({ world, payTo, authorizer, directory, price, minDeposit, withdrawDelay = 900 }) {
  const network = world.chain.network;
  const scheme = new BatchSettlementServer(payTo, {
    storage: new FileChannelStorage({ directory }),
    receiverAuthorizerSigner: toViemAccount(authorizer),
    withdrawDelay,
  });
  const facilitator = new HTTPFacilitatorClient({ url: world.facilitator.url });
  const resourceServer = new x402ResourceServer(facilitator).register(network, scheme);
  const routes = {
    'GET /paid/channel': {
      accepts: {
        scheme: 'batch-settlement',
        network,
        payTo,
        price: {
          amount: String(price),
          asset: world.token.address,
          extra: { name: world.token.name, version: world.token.version, minDeposit: String(minDeposit) },
        },
        maxTimeoutSeconds: 300,
      },
      description: 'A metered resource, paid by channel voucher',
      mimeType: 'application/json',
    },
  };
  const httpServer = new x402HTTPResourceServer(resourceServer, routes);
  await httpServer.initialize();
  const app = express();
  app.use(paymentMiddlewareFromHTTPServer(httpServer, undefined, undefined, false));
  let served = 0;
  app.get('/paid/channel', (req, res) => {
    served += 1;
    res.json({ served });
  });
  const server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error) => (error ? reject(error) : resolve(listening)));
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/paid/channel`,
    manager: scheme.createChannelManager(facilitator, network, world.token.address),
    served: () => served,
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
