// clawpay-mcp's tools on the official MCP SDK: ClawPay MCP 1.1's eleven
// tool names and input fields, with x402 payments made by the payer (lib/pay)
// and ClawPay 1.1 sessions kept in the native SessionStore.
//
// Where this differs from ClawPay 1.1, on purpose:
// - a session is used only for URLs its endpoint and scope really cover
//   (the native URL scope rules: same origin, no user info, path equal to the
//   endpoint's or continuing it at "/", no dot segments), the best one wins
//   (exact, then the longest prefix), and the token never goes along on a
//   redirect out of scope;
// - a session is created only when the paid request succeeded and settled,
//   and lasts no longer than the server sells;
// - a 402 inside a session is reported, not counted as a call;
// - ending a session also revokes it on the server when it offered a way;
// - timeouts are reported as timeouts;
// - sessions are kept on disk and survive restarts;
// - the wallet tools work with an AgentAccountV2 or with the key itself
//   (lib/wallet/), read amounts in each token's own decimals, and never send
//   an owner-only call with the agent key.
// Tool failures are results with isError, never protocol errors.
//
// One module per tool in ./tools/; what they share is in tool_context.js.
import { readFileSync } from 'node:fs';

import { McpServer } from '@modelcontextprotocol/server';

import { createToolContext } from './tool_context.js';
import { sessionEndTool } from './tools/session_end.js';
import { sessionFetchTool } from './tools/session_fetch.js';
import { sessionStartTool } from './tools/session_start.js';
import { sessionStatusTool } from './tools/session_status.js';
import { checkSpendLimitTool } from './tools/check_spend_limit.js';
import { deployWalletTool } from './tools/deploy_wallet.js';
import { getWalletInfoTool } from './tools/get_wallet_info.js';
import { queueApprovalTool } from './tools/queue_approval.js';
import { sendPaymentTool } from './tools/send_payment.js';
import { transactionHistoryTool } from './tools/transaction_history.js';
import { x402PayTool } from './tools/x402_pay.js';

export const SERVER_NAME = 'clawpay-mcp';
export const SERVER_VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/**
 * The server's MCP tools over one payer and one session cache. Cheap to call:
 * the SDK builds a server per HTTP request (and per stdio connection), and
 * all state lives in `payer` and `sessions`.
 *
 * @param {object} options
 * @param {object} options.config   from loadConfig()
 * @param {object} options.payer    from createPayer(): fetch(url, options), close()
 * @param {import('../session_store.js').SessionStore} options.sessions
 * @param {object|null} [options.store] the payer's durable store: closed sessions' states survive restarts
 * @param {import('../signer.js').Signer} options.signer  the agent key: signs session tokens
 * @param {object} [options.wallet]  from openWallet() (lib/wallet/): the six wallet tools' wallet;
 *   without it they answer that no wallet is configured
 * @param {() => number} [options.now]  Unix milliseconds
 * @param {(line: string, keep?: string[]) => void} [options.log]  diagnostics (stderr in main.js), already redacted; `keep`: the tx hashes the line may show
 * @param {{track: (work: Promise<unknown>) => void}} [options.activity]  told of every tool call
 *   under way, so a shutdown can let a payment finish
 * @param {{register(server, ownNames: Set<string>): void}} [options.upstreamTools]  the upstreams'
 *   tools (lib/mcp/upstreams/), offered as NAME_TOOL beside these
 */
export function createClawpayServer({ config, payer, sessions, store = null, signer, wallet = null, now = Date.now, log = () => {}, activity, upstreamTools = null }) {
  const tools = createClawpayTools({ config, payer, sessions, store, signer, wallet, now, log, activity });
  const server = new McpServer({ name: SERVER_NAME, version: SERVER_VERSION });
  for (const [name, tool] of Object.entries(tools)) {
    server.registerTool(name, {
      title: tool.title, description: tool.description, inputSchema: tool.inputSchema,
      ...(tool.outputSchema ? { outputSchema: tool.outputSchema } : {}), annotations: tool.annotations,
    },
      tool.handler);
  }
  upstreamTools?.register(server, new Set(Object.keys(tools)));
  return server;
}

/** The tools as {name: {title, description, inputSchema, annotations, handler}}, in ClawPay 1.1's order. */
export function createClawpayTools({ config, payer, sessions, store = null, signer, wallet = null, now = Date.now, log = () => {}, activity }) {
  const context = createToolContext({ config, payer, sessions, store, signer, wallet, now, log, activity });
  return {
    deploy_wallet: deployWalletTool(context),
    get_wallet_info: getWalletInfoTool(context),
    send_payment: sendPaymentTool(context),
    check_spend_limit: checkSpendLimitTool(context),
    queue_approval: queueApprovalTool(context),
    x402_pay: x402PayTool(context),
    get_transaction_history: transactionHistoryTool(context),
    x402_session_start: sessionStartTool(context),
    x402_session_fetch: sessionFetchTool(context),
    x402_session_status: sessionStatusTool(context),
    x402_session_end: sessionEndTool(context),
  };
}
