// The devnet's paid API behind our own paywall: an Express app with one
// route paid per call and one prefix that also sells sessions.
import express from 'express';

import { createPaywall } from '../paywall/middleware.js';

// Base units of a 6-decimal token: 0.01 and 0.05 USDC.
export const PER_CALL_PRICE = 10_000n;
export const SESSION_PRICE = 50_000n;
export const SESSION_TTL_SECONDS = 3600;

export function devnetRoutes({ token, network, payTo }) {
  const price = (amount) => ({
    amount, asset: token.address, network, payTo, name: token.name, version: token.version, decimals: token.decimals,
  });
  return {
    'GET /api/weather': {
      price: price(PER_CALL_PRICE),
      description: 'Weather report, 0.01 USDC per call',
    },
    'GET /session/*': {
      price: price(PER_CALL_PRICE),
      session: { price: SESSION_PRICE, maxTtlSeconds: SESSION_TTL_SECONDS },
      description: 'Forecasts: 0.01 USDC per call, or 0.05 USDC for an hour of calls',
    },
  };
}

/** Listens on 127.0.0.1 (`port = 0` picks a free one); state in `store`, or in `ledger` (the journal). */
export async function startPaywallServer({ chain, token, facilitatorUrl, payTo, ledger, store, v1Names, port = 0, now }) {
  const network = `eip155:${chain.chainId}`;
  let url = null;
  const paywall = await createPaywall({
    facilitatorUrl, ...(store ? { store } : { ledger }), v1Names, now,
    routes: devnetRoutes({ token, network, payTo }),
    publicUrl: () => url,
    // Wallets that bought a session may also come back with Sign-In-With-X.
    siwx: true,
  });

  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (req, res) => res.json({ ok: true }));
  app.use(paywall.middleware);
  app.get('/api/weather', (req, res) => res.json({ city: 'Lisbon', forecast: 'sunny', temperatureC: 21 }));
  app.get('/session/:topic', (req, res) => res.json({
    topic: req.params.topic,
    forecast: 'clear skies all week',
    session: req.clawpay?.session?.sessionId ?? null,
  }));

  const server = await new Promise((resolve, reject) => {
    const listening = app.listen(port, '127.0.0.1', (error) => (error ? reject(error) : resolve(listening)));
  });
  url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    paywall,
    routes: { perCall: `${url}/api/weather`, session: `${url}/session/forecast`, sessionEndpoint: `${url}/session` },
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
