// What x402_pay's and the session tools' structuredContent holds (zod 4; the SDK lists them
// as outputSchema and checks success results against them). Every result
// conforms, failures too: MCP SDK 1.x clients check an isError result's
// structuredContent as well, so the failure fields (error, message, ...) are
// there, optional, and each object stays open to the fields it adds.
import * as z from 'zod';

const count = z.number().int().nonnegative();
const seconds = z.number().int();

/** sessionBlock() in session_view.js. */
const sessionState = z.enum(['active', 'expired', 'ended', 'refused']).describe('refused: by the server');
const sessionBlock = z.looseObject({
  sessionId: z.string(),
  kind: z.enum(['clawpay', 'channel', 'siwx']).optional().describe('clawpay: a token; channel: a batch-settlement deposit, a voucher per call; siwx: Sign-In-With-X on each call'),
  state: sessionState.optional(),
  refusal: z.looseObject({ at: seconds, reason: z.string().nullable() }).nullable().optional(),
  label: z.string().nullable(),
  endpoint: z.string(),
  scope: z.enum(['prefix', 'exact']),
  callCount: count,
  createdAt: seconds,
  expiresAt: seconds,
  ttlSeconds: seconds,
  lastUsedAt: seconds,
  endedAt: seconds.nullable(),
  paymentTxHash: z.string(),
  paymentAmount: z.string().describe('base units'),
  paymentToken: z.string(),
  paymentRecipient: z.string(),
  revokeUrl: z.string().nullable(),
  channel: z.looseObject({
    channelId: z.string().describe('cut to 8 hex digits'),
    state: z.enum(['opening', 'open', 'closed', 'refused', 'withdrawing']).describe('withdrawing: its timed withdrawal is pending'),
    deposit: z.string().describe('base units the channel holds for the wallet'),
    charged: z.string().describe('base units the seller has charged so far'),
    remaining: z.string().describe('base units'),
    price: z.string().describe('base units per request'),
    refunded: z.string().describe('base units refunded, mined'),
  }).nullable().optional(),
});

/** paymentBlock() in payment_view.js. */
const paymentBlock = z.looseObject({
  amount: z.string().describe('base units'),
  amountDecimal: z.string(),
  asset: z.string().nullable(),
  network: z.string().nullable(),
  payTo: z.string().nullable(),
  payer: z.string().nullable(),
  transaction: z.string().nullable(),
  status: z.string().nullable(),
});

// On every failure: a stable error code, and often a message.
const failureFields = {
  error: z.string().optional().describe('set on failures: a stable code (session_not_found, out_of_scope, timeout, ...)'),
  message: z.string().optional(),
};

// The HTTP exchange, when there was one (responseBlock in response_view.js).
const exchangeFields = {
  status: z.number().int().nullable().optional(),
  elapsedMs: z.number().optional(),
  payment: paymentBlock.nullable().optional(),
};

export const sessionStartOutput = z.looseObject({
  ...failureFields,
  ...exchangeFields,
  endpoint: z.string().optional(),
  sessionId: z.string().optional().describe('the new session, on success'),
  session: sessionBlock.nullable().optional(),
  offered: z.looseObject({
    offers: z.array(z.looseObject({ scheme: z.string(), network: z.string(), amount: z.string().nullable(), price: z.string() })),
    schemes: z.array(z.string()),
    siwxDeclared: z.boolean(),
  }).optional().describe('session_not_offered: what the server sells instead (per call)'),
});

export const sessionFetchOutput = z.looseObject({
  ...failureFields,
  ...exchangeFields,
  url: z.string().optional(),
  callCount: count.optional(),
  session: sessionBlock.optional(),
  refused: z.string().nullable().optional().describe('why the server refused the session on this call'),
});

export const sessionStatusOutput = z.looseObject({
  ...failureFields,
  sessionId: z.string().nullable().optional(),
  session: sessionBlock.extend({ state: sessionState }).optional(),
  count: count.optional(),
  sessions: z.array(sessionBlock).optional(),
  closed: z.array(sessionBlock.extend({ state: sessionState })).optional().describe('ended, expired and refused sessions, newest first'),
});

export const sessionEndOutput = z.looseObject({
  ...failureFields,
  sessionId: z.string().optional(),
  ended: z.boolean().optional(),
  alreadyEnded: z.boolean().optional(),
  kind: z.enum(['clawpay', 'channel', 'siwx']).optional(),
  refund: z.looseObject({
    asked: z.boolean(), refunded: z.string().describe('base units, mined'), transaction: z.string().nullable(), error: z.string().nullable(),
  }).nullable().optional(),
  serverMayAdmit: z.boolean().optional().describe('the server\'s own record may still let the wallet in until its expiry'),
  session: sessionBlock.optional(),
  revocation: z.looseObject({
    url: z.string(), ok: z.boolean(), status: z.number().int().nullable(), error: z.string().nullable(),
  }).nullable().optional(),
});

export const x402PayOutput = z.looseObject({
  ...failureFields,
  ...exchangeFields,
  url: z.string().optional(),
  finalUrl: z.string().optional(),
  signedIn: z.looseObject({ address: z.string(), chainId: z.string() }).nullable().optional(),
  session: sessionBlock.nullable().optional().describe('the session whose token was used instead of paying'),
  sessionRefused: z.looseObject({ sessionId: z.string(), error: z.string().nullable() }).nullable().optional(),
  callCount: count.optional(),
});
