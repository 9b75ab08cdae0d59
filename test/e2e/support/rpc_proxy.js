// A hostile JSON-RPC endpoint in front of the real chain (anvil): a real
// local HTTP server that forwards every request, until the test tells it to
// misbehave — answer JSON-RPC errors, close the socket without an answer, or
// forward one method's request and then never answer it (the node has the
// transaction; the sender never hears so).
import { createServer } from 'node:http';

/**
 * @param {string} target  the chain's RPC URL
 * @returns {Promise<{url: string, port: number, mode: (m: 'forward'|'error'|'close') => void,
 *   holdAfterForwarding: (method: string) => Promise<object>, methods: string[], close: () => Promise<void>}>}
 *   holdAfterForwarding resolves with the held request's body once the chain answered it
 */
export async function startRpcProxy(target) {
  let mode = 'forward';
  let hold = null;
  const methods = [];
  const held = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let request;
      try {
        request = JSON.parse(body);
      } catch {
        request = {};
      }
      const calls = Array.isArray(request) ? request : [request];
      methods.push(...calls.map((call) => call.method));
      if (mode === 'close') {
        req.socket.destroy();
        return;
      }
      if (mode === 'error') {
        const answer = calls.map((call) => ({ jsonrpc: '2.0', id: call.id, error: { code: -32000, message: 'backend unavailable' } }));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(Array.isArray(request) ? answer : answer[0]));
        return;
      }
      const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await upstream.text();
      const match = hold && calls.find((call) => call.method === hold.method);
      if (match) {
        // The chain took it; the caller never hears back.
        const { resolve } = hold;
        hold = null;
        held.add(res);
        resolve({ request: match, answer: JSON.parse(text) });
        return;
      }
      res.writeHead(upstream.status, { 'content-type': 'application/json' });
      res.end(text);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    methods,
    mode(next) {
      mode = next;
    },
    holdAfterForwarding(method) {
      return new Promise((resolve) => { hold = { method, resolve }; });
    },
    close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
