// The eleven tools of ClawPay MCP 1.1, by name, with its input fields,
// types, ranges and defaults (zod 4; the SDK turns them into JSON Schema
// for tools/list). A client written against ClawPay 1.1 sends the same
// arguments here. Additions are optional fields only (`max_payment`).
import * as z from 'zod';

import {
  DEFAULT_SESSION_TTL_SECONDS, DEFAULT_TIMEOUT_MS, MAX_SESSION_LABEL_CHARS, MAX_SESSION_TTL_SECONDS, MAX_TOOL_TIMEOUT_MS, MIN_SESSION_TTL_SECONDS,
  MIN_TOOL_TIMEOUT_MS,
} from '../limits.js';
import { MAX_MEMO_LENGTH } from '../wallet/memo.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];


const method = (what) => z.enum(METHODS).optional().default('GET').describe(`HTTP method${what} (default: GET)`);
const headers = (what) => z.record(z.string(), z.string()).optional().describe(what);
const body = (what) => z.string().optional().describe(what);
const timeoutMs = () => z.number().int().min(MIN_TOOL_TIMEOUT_MS).max(MAX_TOOL_TIMEOUT_MS).optional().default(DEFAULT_TIMEOUT_MS)
  .describe(`Request timeout in milliseconds (default: ${DEFAULT_TIMEOUT_MS}, max: ${MAX_TOOL_TIMEOUT_MS})`);
const maxPaymentEth = (what) => z.string().optional().describe(
  `Maximum to pay ${what}, in units of the payment asset (e.g. "0.05" = 0.05 USDC). ` +
  'Kept under its ClawPay 1.1 name; the amount is read in the asset\'s own units, not ETH. Refuses to pay more.');
const maxPayment = (what) => z.string().optional().describe(
  `Maximum to pay ${what}, in units of the payment asset (e.g. "0.05" = 0.05 USDC). ` +
  'With max_payment_eth too, the smaller cap applies.');
const sessionId = (what) => z.string().uuid().describe(what);

export const x402PayInput = z.object({
  url: z.string().url().describe('URL to fetch. If it answers HTTP 402, the x402 payment is made and the request retried.'),
  method: method(''),
  headers: headers('Additional HTTP request headers as key-value pairs'),
  body: body('Request body (for POST/PUT/PATCH). Use a JSON string for JSON APIs.'),
  max_payment_eth: maxPaymentEth('for this request'),
  max_payment: maxPayment('for this request'),
  timeout_ms: timeoutMs(),
  skip_session_check: z.boolean().optional().default(false).describe(
    'Skip session detection and always pay. Default: false: when an active session covers this URL, ' +
    'its token is sent instead of paying again.'),
});

export const sessionStartInput = z.object({
  endpoint: z.string().url().describe(
    'The URL to pay for and to hold a session on. "prefix" sessions cover this URL and the paths below it.'),
  scope: z.enum(['prefix', 'exact']).optional().default('prefix').describe(
    '"prefix" (default): the session covers the endpoint and every path under it (same scheme, host and port). ' +
    '"exact": only this URL.'),
  ttl_seconds: z.number().int().min(MIN_SESSION_TTL_SECONDS).max(MAX_SESSION_TTL_SECONDS).optional().describe(
    `Session lifetime in seconds (default: SESSION_TTL_SECONDS or ${DEFAULT_SESSION_TTL_SECONDS}; min ${MIN_SESSION_TTL_SECONDS}, max 30 days). ` +
    'A server that sells shorter sessions caps it.'),
  label: z.string().max(MAX_SESSION_LABEL_CHARS).optional().describe('Optional human-readable label for the session'),
  max_payment_eth: maxPaymentEth('for the session'),
  max_payment: maxPayment('for the session'),
  deposit: z.string().regex(/^[0-9]{1,30}(\.[0-9]{1,18})?$/).optional().describe(
    'For a seller of batch-settlement payment channels: the deposit, in asset units (e.g. "0.15"). Default: 100 requests\' ' +
    'worth (or the seller\'s minimum deposit), within CLAWPAY_MAX_PER_SESSION and what is left of the day. The whole ' +
    'deposit counts against the limits; x402_session_end asks for the unused part back.'),
  top_up: z.string().regex(/^[0-9]{1,30}(\.[0-9]{1,18})?$/).optional().describe(
    'For a channel seller, opt-in: when the deposit runs out, deposit this much more (asset units) on the same channel ' +
    'instead of failing; each top-up counts against the limits when made, all the session\'s deposits within CLAWPAY_MAX_PER_SESSION.'),
  method: method(' for the paid request'),
  headers: headers('Additional headers for the paid request'),
  body: body('Request body for the paid request (POST/PUT/PATCH)'),
  timeout_ms: timeoutMs(),
});

export const sessionFetchInput = z.object({
  session_id: sessionId('Session ID returned by x402_session_start'),
  url: z.string().url().describe('URL to fetch within the session; it must be covered by the session\'s endpoint and scope'),
  method: method(''),
  headers: headers('Additional HTTP headers (the session headers are added automatically)'),
  body: body('Request body for POST/PUT/PATCH requests'),
  timeout_ms: timeoutMs(),
});

export const sessionStatusInput = z.object({
  session_id: z.string().optional().describe('A session to inspect. Omit to list all active sessions.'),
});

export const sessionEndInput = z.object({
  session_id: sessionId('Session ID to end'),
});

// The wallet tools, with ClawPay 1.1's inputs. Amounts are read in the
// token's own decimals (from the chain); token_decimals is only checked
// against them (ClawPay 1.1 defaulted it to 18, which sent 10^12 times too
// much of a 6-decimal token).
export const walletToolInputs = {
  deploy_wallet: z.object({
    token_id: z.string().describe('NFT token ID that will own the deployed wallet (e.g. "1")'),
    factory_address: z.string().optional().describe('AgentAccountFactoryV2 address. Defaults to FACTORY_ADDRESS.'),
    nft_contract_address: z.string().optional().describe('NFT contract that owns the wallet. Defaults to NFT_CONTRACT_ADDRESS.'),
  }),
  get_wallet_info: z.object({
    token: z.string().optional().describe('Token address to report the budget for (zero address or omitted: ETH)'),
  }),
  send_payment: z.object({
    to: z.string().describe('Recipient address (0x-prefixed)'),
    amount_eth: z.string().describe('Amount in ETH, or in the token\'s own units for an ERC-20 (e.g. "1.5" for 1.5 USDC)'),
    token: z.string().optional().describe('ERC-20 token address. Omit for native ETH.'),
    token_decimals: z.number().int().min(0).max(18).optional().describe(
      'The token\'s decimals, if you want them checked: the amount is always read with the decimals the token reports on chain, ' +
      'and a value that disagrees is refused (6 for USDC)'),
    memo: z.string().max(MAX_MEMO_LENGTH).optional().describe('Optional memo (kept locally, not on chain)'),
  }),
  check_spend_limit: z.object({
    amount_eth: z.string().describe('Amount to check, in the token\'s own units (e.g. "0.01" ETH, "2.5" USDC)'),
    token: z.string().optional().describe('Token address. Omit for native ETH.'),
  }),
  queue_approval: z.object({
    action: z.enum(['list', 'approve', 'cancel']).describe('"list" pending transactions, or "approve" / "cancel" one by tx_id'),
    tx_id: z.string().optional().describe('Queue ID (required for approve and cancel)'),
  }),
  get_transaction_history: z.object({
    limit: z.number().int().min(1).max(100).optional().default(20).describe('Maximum number of entries (default: 20, max: 100)'),
    from_block: z.string().optional().describe('Start block (decimal or hex string)'),
    to_block: z.string().optional().describe('End block. Defaults to latest.'),
    event_type: z.enum(['all', 'execution', 'queued', 'approved', 'cancelled', 'policy_update', 'operator_update'])
      .optional().default('all').describe('Filter by event type (default: all)'),
  }),
};

/** Every tool name, in ClawPay 1.1's order. */
export const TOOL_NAMES = Object.freeze([
  'deploy_wallet', 'get_wallet_info', 'send_payment', 'check_spend_limit', 'queue_approval', 'x402_pay',
  'get_transaction_history', 'x402_session_start', 'x402_session_fetch', 'x402_session_status', 'x402_session_end',
]);
