// clawpay-mcp over Streamable HTTP, for MCP clients that connect by URL.
//
// The server spends the agent's money, so it listens on 127.0.0.1 only and
// answers only requests that are plainly local: the Host header must name
// the loopback address and port it listens on (a web page cannot reach it by
// DNS rebinding), and a browser's Origin, when sent, must be the same local
// origin. With a token (CLAWPAY_MCP_HTTP_TOKEN) every request must also carry
// "Authorization: Bearer <token>", so other local users and processes cannot
// spend either.
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

import { createPaidMcpHttpHandler } from '../paywall/mcp.js';

export const MCP_PATH = '/mcp';
export const DEFAULT_HTTP_PORT = 8402;
const LOOPBACK = '127.0.0.1';

function sendText(res, status, message, headers = {}) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(`${message}\n`);
}

function sameSecret(given, expected) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Why a request is refused (status and message), or null. */
function refusal(req, port, token) {
  const local = new Set([`${LOOPBACK}:${port}`, `localhost:${port}`]);
  const host = req.headers.host?.toLowerCase();
  if (!host || !local.has(host)) return [421, `clawpay-mcp answers only requests addressed to http://${LOOPBACK}:${port}`];
  const origin = req.headers.origin;
  if (origin !== undefined && !local.has(origin.toLowerCase().replace(/^http:\/\//, ''))) {
    return [403, 'clawpay-mcp refuses cross-origin requests from web pages'];
  }
  if (token) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match || !sameSecret(match[1], token)) return [401, 'clawpay-mcp needs "Authorization: Bearer <CLAWPAY_MCP_HTTP_TOKEN>"'];
  }
  return null;
}

/**
 * Serves `createServer` (an McpServerFactory) at http://127.0.0.1:<port>/mcp.
 * `port = 0` picks a free port.
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>}>}
 */
export async function serveHttp(createMcpServer, { port = DEFAULT_HTTP_PORT, token = null, onerror } = {}) {
  const mcp = createPaidMcpHttpHandler({ createServer: createMcpServer, onerror });
  let actualPort = port;
  const server = createServer((req, res) => {
    const refused = refusal(req, actualPort, token);
    if (refused) return sendText(res, refused[0], refused[1], refused[0] === 401 ? { 'www-authenticate': 'Bearer' } : {});
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === MCP_PATH) return mcp(req, res);
    return sendText(res, 404, `not found: the MCP endpoint is ${MCP_PATH}`);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  actualPort = server.address().port;
  return {
    url: `http://${LOOPBACK}:${actualPort}${MCP_PATH}`,
    port: actualPort,
    close: async () => {
      await mcp.close?.();
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
