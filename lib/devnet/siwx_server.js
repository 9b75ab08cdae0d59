// An x402 seller built only from the official packages, on the devnet's
// chain: express with @x402/express's middleware, the @x402/core resource
// server with createSIWxResourceServerExtension (which publishes fresh SIWX
// challenges, records settlements and checks SIGN-IN-WITH-X), the @x402/evm
// exact scheme and the devnet's facilitator over HTTP. Two routes at the same
// price: /siwx/report declares sign-in-with-x, /plain/report does not.
//
// `state.honour` is for tests of a hostile seller: set it to false and the
// server's SIWX storage denies every payment, so a wallet that paid is asked
// to pay again — a seller that stops honouring SIWX mid-session.
// `state.handled` counts the handler's runs per route.
import { createServer } from 'node:http';

import express from 'express';
import { paymentMiddlewareFromHTTPServer } from '@x402/express';
import { HTTPFacilitatorClient, x402HTTPResourceServer, x402ResourceServer } from '@x402/core/server';
import { ExactEvmScheme } from '@x402/evm/exact/server';
import { InMemorySIWxStorage, createSIWxResourceServerExtension, declareSIWxExtension } from '@x402/extensions/sign-in-with-x';

// 0.02 USDC in base units (6 decimals).
export const SIWX_ROUTE_PRICE = 20_000n;

/** Listens on 127.0.0.1 on a free port. */
export async function startSiwxServer({ chain, token, facilitatorUrl, payTo }) {
  const listener = createServer();
  await new Promise((resolve, reject) => listener.listen(0, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
  const url = `http://127.0.0.1:${listener.address().port}`;
  const network = `eip155:${chain.chainId}`;
  const accepts = {
    scheme: 'exact',
    network,
    payTo,
    price: { amount: String(SIWX_ROUTE_PRICE), asset: token.address, extra: { name: token.name, version: token.version } },
    maxTimeoutSeconds: 120,
  };
  const routes = {
    'GET /siwx/report': { accepts, description: 'Report, paid once, re-entered by SIWX', mimeType: 'application/json', extensions: declareSIWxExtension({ statement: 'Sign in to read the report you bought' }) },
    'GET /plain/report': { accepts, description: 'Report, paid per call', mimeType: 'application/json' },
  };

  const state = { honour: true, handled: { siwx: 0, plain: 0 }, events: [] };
  const memory = new InMemorySIWxStorage();
  const storage = {
    hasPaid: async (resource, address) => state.honour && memory.hasPaid(resource, address),
    recordPayment: (resource, address) => memory.recordPayment(resource, address),
  };
  const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: facilitatorUrl }))
    .register(network, new ExactEvmScheme())
    .registerExtension(createSIWxResourceServerExtension({ storage, origin: url, onEvent: (event) => state.events.push(event) }));
  const httpServer = new x402HTTPResourceServer(resourceServer, routes);
  await httpServer.initialize();

  const app = express();
  app.use(paymentMiddlewareFromHTTPServer(httpServer, undefined, undefined, false));
  app.get('/siwx/report', (req, res) => {
    state.handled.siwx += 1;
    res.json({ report: 'quarterly', call: state.handled.siwx });
  });
  app.get('/plain/report', (req, res) => {
    state.handled.plain += 1;
    res.json({ report: 'plain', call: state.handled.plain });
  });
  listener.on('request', app);

  return {
    url,
    network,
    state,
    routes: { siwx: `${url}/siwx/report`, plain: `${url}/plain/report` },
    stop: () => new Promise((resolve) => {
      listener.close(() => resolve());
      listener.closeAllConnections();
    }),
  };
}
