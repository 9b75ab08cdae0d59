// Compiled (never run) by test/js/types.test.js with tsc --strict: a Node
// agent's use of clawpay-native/pay type-checks, misuse does not (each line
// marked as an expected error must stay one), and TokenVerification narrows
// on `valid`.
import {
  createPayer, mcpSessionFetch, PayError, PolicyError, ConfigError,
  type Payer, type PaidResponse, type Session, type SessionInfo, type SpendReport, type PaymentInfo,
} from 'clawpay-native/pay';
import { Signer, verifySessionToken, type Address, type TokenReason } from 'clawpay-native';

export async function agent(privateKey: `0x${string}`, url: string, env: Record<string, string | undefined>): Promise<bigint> {
  const payer: Payer = await createPayer({
    privateKey,
    chainId: 31337,
    rpcUrl: 'http://127.0.0.1:8545',
    asset: { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', name: 'USD Coin', version: '2', decimals: 6 },
    stateDir: '/tmp/agent',
    policy: { maxPerCall: '0.10', maxPerDay: 1_000_000n, allowedPayees: '*' },
  });
  const fromEnv: Payer = await createPayer.fromEnv(env);
  await fromEnv.close();

  const res: PaidResponse = await payer.fetch(url, { maxPayment: 10_000n, headers: { accept: 'application/json' } });
  const status: number = res.status;
  const body: unknown = await res.json();
  const paid: bigint | undefined = res.payment?.amount;
  const shown: string | undefined = res.payment?.formatted;

  const session: Session = await payer.startSession(url, { scope: 'prefix', ttlSeconds: 600, maxPayment: 50_000n });
  const inside = await session.fetch(`${url}/x`);
  const counted: boolean = inside.counted;
  const calls: number = inside.session.callCount;
  const topUpPaid: bigint | undefined = inside.payment?.amount;
  void topUpPaid;
  const info: SessionInfo = session.status();
  const state: 'active' | 'expired' | 'ended' | 'refused' = info.state;
  const refusedWhy: string | null | undefined = info.refusal?.reason;
  const ended = await session.end();
  const revoked: boolean | undefined = ended.revocation?.ok;
  const mayAdmit: boolean = ended.serverMayAdmit;
  // The kind discriminates: a siwx session has nothing to revoke.
  if (session.kind === 'siwx') {
    const none: null = (await session.end()).revocation;
    const siwxInfo: SessionInfo & { kind: 'siwx' } = session.status();
    void [none, siwxInfo];
  }
  // A channel session: a deposit, then a voucher per fetch; end() asks for the rest back.
  if (session.kind === 'channel') {
    const channel = session.status().channel;
    const left: bigint = channel.remaining;
    const shortId: string = channel.id;
    const back: bigint | undefined = (await session.end()).refund?.refunded;
    void [left, shortId, back];
  }
  await payer.startSession(url, { deposit: 150_000n });
  // @ts-expect-error a session's kind is 'clawpay' | 'channel' | 'siwx'
  if (info.kind === 'token') void info;
  // @ts-expect-error a deposit is base units as a bigint
  await payer.startSession(url, { deposit: '0.15' });
  await payer.startSession(url, { deposit: 150_000n, topUp: 50_000n });
  // @ts-expect-error a top-up is base units as a bigint (or null: off)
  await payer.startSession(url, { topUp: true });
  const { channels: [listed], scan } = await payer.channels.list({ blocks: 10_000 });
  const complete: boolean | undefined = scan?.complete;
  const source: 'local' | 'chain' = listed.source;
  void [complete, source];
  const exit = await payer.channels.withdraw(listed.id);
  const back: bigint = exit.action === 'finalized' ? exit.amount : 0n;
  const when: number | null = exit.finalizeAfter;
  void [back, when];
  const refusedNow: string | null = inside.refused;

  const all: SessionInfo[] = payer.sessions();
  const payments: PaymentInfo[] = payer.payments({ since: new Date(0) });
  const spend: SpendReport = await payer.spend({ since: Date.now() - 86_400_000 });
  const total: bigint = spend.total;
  const formatted: string = spend.formatted;
  const today: bigint | undefined = spend.byDay['2026-12-06']?.total;
  const toPayee: bigint | undefined = spend.byPayee['0x90F79bf6EB2c4f870365E785982E1f101E93b906']?.total;

  try {
    await payer.fetch(url);
  } catch (error) {
    if (error instanceof PolicyError) void error.rule;
    else if (error instanceof PayError) void error.code;
    else if (error instanceof ConfigError) void error.problems;
  }

  // One key, one owner: a Signer is shared, not copied.
  const signer = Signer.generate();
  const shared = await createPayer({ signer, chainId: 8453, memory: true });
  await shared.close();

  // @ts-expect-error a private key or a signer, not both
  await createPayer({ privateKey, signer, memory: true });
  // @ts-expect-error the scope is 'prefix' | 'exact'
  await payer.startSession(url, { scope: 'everything' });
  // @ts-expect-error maxPayment is base units as a bigint
  await payer.fetch(url, { maxPayment: 0.01 });

  await payer.close();
  void [status, body, paid, shown, counted, calls, state, refusedWhy, mayAdmit, refusedNow, revoked, all, payments, formatted, today, toPayee];
  return total;
}

// TokenVerification is a union on `valid`: a valid one has its payload and signer.
export async function check(token: string, wallet: Address): Promise<string> {
  const result = await verifySessionToken(token, { wallet });
  if (result.valid) {
    const reason: null = result.reason;
    const signer: Address = result.signer;
    void reason;
    void signer;
    return result.payload.sessionId;
  }
  const reason: TokenReason = result.reason;
  // @ts-expect-error an invalid token's payload may be null
  const id: string = result.payload.sessionId;
  void id;
  return reason;
}

// A paid MCP tool's session: bought on the tool, then shown by the transport's fetch.
export async function toolSession(payer: Payer, client: { callTool(p: { name: string }): Promise<unknown>; listTools(): Promise<unknown> }, url: string): Promise<number> {
  const fetchWithSession: typeof fetch = mcpSessionFetch();
  const paying = payer.mcpClient(client, { url });
  const { session, payment } = await paying.startSession({ name: 'weather', arguments: { city: 'Faro' } }, { ttlSeconds: 600 });
  const bought: bigint = payment.amount;
  const call = await paying.callTool({ name: 'weather', arguments: { city: 'Faro' } }, { useSession: true });
  const inSession: string | null = call.session?.tool ?? null;
  // @ts-expect-error useSession is a boolean
  await paying.callTool({ name: 'weather' }, { useSession: 'yes' });
  void [fetchWithSession, bought, inSession];
  return session.status().callCount;
}
