// What the paywall makes of a request path: its normalised URL under the
// public origin, and the paid route each method falls under. Both are pure
// functions of (origin, path, method), and normalising natively plus
// matching the route table cost more than the rest of a session request,
// while a server sees the same few paths over and over: so each answer is
// worked out once and remembered. Refused paths are remembered as refused.
import { normalizeUrl } from '../url_scope.js';

// Bounded, so distinct paths cost memory only up to here; the oldest go first.
const MAX_PATHS = 2048;
const MAX_REMEMBERED_PATH = 512;

export class RequestPaths {
  #table;
  #origin = null;
  #paths = new Map();

  /** `table`: the paywall's RouteTable. */
  constructor(table) {
    this.#table = table;
  }

  /**
   * {path, url, route(method)} for a raw request path ("/a/b?c") under
   * `origin`, or null when it is not a plain, unambiguous URL path. `url` is
   * the resource URL (origin, normalised path, query); route(method) is
   * RouteTable.match's answer for it.
   */
  lookup(origin, rawPath) {
    if (origin !== this.#origin) {
      this.#paths.clear();
      this.#origin = origin;
    }
    const known = this.#paths.get(rawPath);
    if (known !== undefined) return known;
    const parsed = rawPath.startsWith('/') ? normalizeUrl(`${origin}${rawPath}`) : null;
    const found = parsed ? this.#requestPath(parsed) : null;
    if (rawPath.length <= MAX_REMEMBERED_PATH) {
      if (this.#paths.size >= MAX_PATHS) this.#paths.delete(this.#paths.keys().next().value);
      this.#paths.set(rawPath, found);
    }
    return found;
  }

  #requestPath(parsed) {
    const table = this.#table;
    const byMethod = new Map();
    return Object.freeze({
      path: parsed.path,
      url: `${parsed.origin}${parsed.path}${parsed.query === null ? '' : `?${parsed.query}`}`,
      route(method) {
        let entry = byMethod.get(method);
        if (entry === undefined) {
          entry = table.match(method, parsed.path);
          // HTTP methods are a short list in Node's parser; keep the bound anyway.
          if (byMethod.size < 16) byMethod.set(method, entry);
        }
        return entry;
      },
    });
  }
}
