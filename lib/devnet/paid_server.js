// A paid API on the devnet, built the way an x402 seller builds one: express
// with @x402/express's middleware, the @x402/core resource server, the
// @x402/evm exact scheme, and a facilitator reached over HTTP.
import express from 'express';
import { paymentMiddlewareFromHTTPServer } from '@x402/express';
import { HTTPFacilitatorClient, x402HTTPResourceServer, x402ResourceServer } from '@x402/core/server';
import { ExactEvmScheme } from '@x402/evm/exact/server';

// 0.01 USDC in base units (6 decimals).
export const PER_CALL_PRICE = '10000';

/**
 * Price as an explicit asset amount: a "$0.01" string only resolves on the
 * networks @x402/evm knows a default USDC for, and the EIP-712 domain
 * (extra.name/version) must be the token's own for the signature to verify.
 */
function tokenPrice(token, amount) {
  return { amount, asset: token.address, extra: { name: token.name, version: token.version } };
}

export async function startPaidServer({ chain, token, facilitatorUrl, payTo, port = 0 }) {
  const network = `eip155:${chain.chainId}`;
  const routes = {
    'GET /paid/weather': {
      accepts: {
        scheme: 'exact',
        network,
        payTo,
        price: tokenPrice(token, PER_CALL_PRICE),
        maxTimeoutSeconds: 120,
      },
      description: 'Weather report, paid per call',
      mimeType: 'application/json',
    },
  };

  const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: facilitatorUrl }))
    .register(network, new ExactEvmScheme());
  const httpServer = new x402HTTPResourceServer(resourceServer, routes);
  // Initialise here rather than lazily in the middleware so an unreachable
  // facilitator or a route it cannot serve fails startPaidServer, not the
  // first paying request.
  await httpServer.initialize();

  const app = express();
  app.use(paymentMiddlewareFromHTTPServer(httpServer, undefined, undefined, false));
  app.get('/paid/weather', (req, res) => {
    res.json({ city: 'Lisbon', forecast: 'sunny', temperatureC: 21, paid: true });
  });

  const server = await new Promise((resolve, reject) => {
    const listening = app.listen(port, '127.0.0.1', (error) => (error ? reject(error) : resolve(listening)));
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    network,
    routes: { perCall: `${url}/paid/weather` },
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
