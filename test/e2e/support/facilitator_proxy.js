// A facilitator that goes silent at the worst moment: a real local HTTP
// server in front of the devnet facilitator that forwards every request and
// records every /settle (its payload type and the facilitator's answer),
// until the test arms it: the next /settle of a given payload type (e.g. a
// channel claim) is forwarded, the facilitator mines it, and then — before
// the seller hears the answer — the armed hook runs (kills the seller) and
// the connection is dropped. The seller's process dies with the claim on
// chain and its storage not yet told.
import { createServer } from 'node:http';

/**
 * @param {string} target the facilitator's URL
 * @returns {Promise<{url: string, settles: {type: string, answer: object}[],
 *   dropAfter: (type: string, hook: (answer: object) => void | Promise<void>) => Promise<object>, close: () => Promise<void>}>}
 *   dropAfter resolves with the facilitator's answer to the dropped request, once the hook ran
 */
export async function startFacilitatorProxy(target) {
  const settles = [];
  let armed = null;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      let answered;
      try {
        answered = await fetch(`${target}${req.url}`, {
          method: req.method,
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
          ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
        });
      } catch {
        req.socket.destroy();
        return;
      }
      const text = await answered.text();
      if (req.method === 'POST' && req.url.startsWith('/settle')) {
        const type = JSON.parse(body.toString('utf8')).paymentPayload?.payload?.type ?? 'exact';
        const answer = JSON.parse(text);
        settles.push({ type, answer });
        if (armed && armed.type === type) {
          const { hook, resolve, reject } = armed;
          armed = null;
          try {
            await hook(answer);
            resolve(answer);
          } catch (error) {
            reject(error);
          }
          req.socket.destroy();
          return;
        }
      }
      res.writeHead(answered.status, { 'content-type': answered.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    settles,
    dropAfter: (type, hook) => new Promise((resolve, reject) => { armed = { type, hook, resolve, reject }; }),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
