// What a replay of a served payment gets back: the stored outcome. Each
// engine keeps recent ones in memory (OutcomeMemo); a store shared by
// replicas also keeps them (encodeOutcome/decodeOutcome), so an identical
// payment replayed at another replica gets the same response, not a second
// handler run.

const MEMO_ENTRIES = 1000;
const MEMO_BYTES = 64 << 20;
/** The largest response remembered for replays (bytes). */
export const MAX_REPLAY_BYTES = MEMO_BYTES / 4;

/**
 * Remembers served outcomes for replays, within a count and a byte budget,
 * each until its `expiresAt` (milliseconds).
 */
export class OutcomeMemo {
  #entries = new Map();
  #bytes = 0;

  get(id) {
    return this.#entries.get(id);
  }

  delete(id) {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#bytes -= entry.bytes;
  }

  set(id, outcome, bytes, expiresAt) {
    if (bytes > MAX_REPLAY_BYTES) return;
    this.#entries.set(id, { outcome, bytes, expiresAt });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= MEMO_ENTRIES && this.#bytes <= MEMO_BYTES) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
  }
}

/**
 * A served outcome as JSON text for a shared store. An HTTP response's body
 * (a Buffer) travels as base64; an MCP tool result is JSON already.
 */
export function encodeOutcome(outcome) {
  const { response } = outcome;
  const body = Buffer.isBuffer(response?.body) ? { base64: response.body.toString('base64') } : undefined;
  return JSON.stringify({ ...outcome, response: body ? { ...response, body } : response });
}

export function decodeOutcome(text) {
  const outcome = JSON.parse(text);
  const body = outcome.response?.body;
  if (body && typeof body.base64 === 'string') outcome.response.body = Buffer.from(body.base64, 'base64');
  return outcome;
}
