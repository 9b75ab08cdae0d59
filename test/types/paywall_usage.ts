// Compiled (never run) with usage.ts: the paywall and devnet declarations.
import {
  createPaywall, ReceiptLedger, normalizeRoute, PAYMENT_REQUIRED_META_KEY, redisStore, type Paywall, type PaywallStore, type Route,
} from 'clawpay-native/paywall';
import { startWorld, describeWorld, type WorldDescription } from 'clawpay-native/devnet';

async function paywallUsage(): Promise<void> {
  const ledger = new ReceiptLedger({ path: '/tmp/receipts.journal' });
  const price = {
    amount: 10_000n, asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', network: 'eip155:8453', payTo: '0x0000000000000000000000000000000000000001',
  } as const;
  const paywall: Paywall = await createPaywall({
    facilitatorUrl: 'https://x402.org/facilitator',
    ledger,
    publicUrl: 'https://api.example.com',
    routes: { 'GET /weather': { price }, '/forecast/*': { price, session: { price: 50_000n, maxTtlSeconds: 3600 } } },
    siwx: true,
    replayTtlSeconds: 120,
    paymentIdentifier: 'required',
  });
  // @ts-expect-error paymentIdentifier is true, false or 'required'
  await createPaywall({ facilitatorUrl: 'x', ledger, publicUrl: 'https://a.example', routes: {}, paymentIdentifier: 'always' });
  const store: PaywallStore = redisStore({ url: 'redis://127.0.0.1:6379' });
  const replica: Paywall = await createPaywall({ facilitatorUrl: 'x', store, publicUrl: 'https://api.example.com', routes: {} });
  void replica;
  // @ts-expect-error a Redis store needs its url
  redisStore({});
  const route: Route = normalizeRoute({ price }, 'GET /weather');
  const metered = await createPaywall({
    facilitatorUrl: 'x', ledger, publicUrl: 'https://api.example.com',
    routes: { 'GET /metered': { scheme: 'batch-settlement', price, channel: { withdrawDelaySeconds: 900, minDeposit: 150_000n } } },
    channels: { directory: '/var/lib/seller/channels', claimIntervalMs: 60_000, rpcUrl: 'https://mainnet.base.org' },
  });
  const claimed: number | undefined = (await metered.channels?.claim())?.claims.length;
  const unclaimed: string | undefined = (await metered.channels?.statement())?.totals.unclaimed;
  void unclaimed;
  void claimed;
  await metered.close();
  // @ts-expect-error the scheme is exact or batch-settlement
  normalizeRoute({ scheme: 'upto', price }, 'x');
  const cents: bigint | null = route.callPrice;
  void cents;
  // @ts-expect-error publicUrl is required: resource URLs never come from the Host header
  await createPaywall({ facilitatorUrl: 'x', ledger, routes: {} });
  // @ts-expect-error networks are CAIP-2
  normalizeRoute({ price: { ...price, network: 'base' } }, 'x');
  void paywall;
  const requiredKey: 'x402/payment-required' = PAYMENT_REQUIRED_META_KEY;
  void requiredKey;
  const world = await startWorld({ chainId: 84532 });
  // @ts-expect-error a chain id is a number
  void startWorld({ chainId: "84532" });
  const info: WorldDescription = describeWorld(world);
  const url: string = info.routes.session;
  void url;
  await world.stop();
}
void paywallUsage;
