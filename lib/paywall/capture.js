// Holds back what a handler writes to a node:http response until the
// payment behind it is settled: a paid response must not reach the client
// before the money does, and a failed settlement must be able to replace it.
// Works for plain node:http handlers and Express (res.send/json/pipe all end
// in writeHead/write/end).

function toBuffer(chunk, encoding) {
  if (chunk === undefined || chunk === null) return null;
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8');
  return Buffer.from(chunk.buffer ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength) : chunk);
}

/**
 * Starts capturing `res`. `done` resolves with {status, headers, body} when
 * the handler ends the response; `restore()` gives `res` its own methods
 * back.
 */
export function captureResponse(res) {
  const own = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders };
  const chunks = [];
  let finished = false;
  let resolve;
  const done = new Promise((r) => { resolve = r; });

  const push = (chunk, encoding) => {
    const buffer = toBuffer(chunk, encoding);
    if (buffer && buffer.length > 0) chunks.push(buffer);
  };
  res.writeHead = function writeHead(status, reason, headers) {
    res.statusCode = status;
    const fields = typeof reason === 'string' ? headers : reason;
    if (typeof reason === 'string') res.statusMessage = reason;
    if (Array.isArray(fields)) {
      for (let i = 0; i + 1 < fields.length; i += 2) res.setHeader(fields[i], fields[i + 1]);
    } else if (fields) {
      for (const [name, value] of Object.entries(fields)) res.setHeader(name, value);
    }
    return res;
  };
  res.flushHeaders = () => {};
  res.write = function write(chunk, encoding, callback) {
    push(chunk, encoding);
    const cb = typeof encoding === 'function' ? encoding : callback;
    if (cb) queueMicrotask(cb);
    return true;
  };
  res.end = function end(chunk, encoding, callback) {
    if (typeof chunk === 'function') { callback = chunk; chunk = undefined; }
    if (typeof encoding === 'function') { callback = encoding; encoding = undefined; }
    if (!finished) {
      finished = true;
      push(chunk, encoding);
      const body = Buffer.concat(chunks);
      resolve({ status: res.statusCode, headers: res.getHeaders(), body });
    }
    if (callback) queueMicrotask(callback);
    return res;
  };

  return {
    done,
    restore() {
      Object.assign(res, own);
    },
  };
}

/** Sends a stored response (a capture) on `res`, with extra headers. */
export function sendStored(res, { status, headers, body }, extra = {}) {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const fields = { ...headers, ...extra };
  delete fields['content-length'];
  delete fields['transfer-encoding'];
  fields['content-length'] = body.length;
  res.writeHead(status, fields);
  res.end(body);
}
