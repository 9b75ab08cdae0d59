// Which paid route a request falls under. Matching is deliberately at least
// as broad as the frameworks behind the paywall: Express routes ignore case
// and a trailing slash by default, so a paid "/paid/weather" must also
// catch "/PAID/Weather/" — otherwise that spelling would reach the handler
// for free. Paths are compared after the native URL normaliser has decoded
// unreserved escapes and refused every ambiguous form (dot segments, encoded
// slashes, backslashes), and requests it refuses never reach a handler.
import { argError, expectObject } from '../validate.js';
import { normalizeRoute } from './route.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', '*']);

function canonicalPath(path) {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

function parseKey(key) {
  const match = /^(?:([A-Z]+|\*) )?(\/[^\s?#]*)$/.exec(key);
  if (!match || (match[1] && !METHODS.has(match[1]))) {
    throw argError(TypeError, 'ERR_INVALID_ROUTE',
      `Route key "${key}" must be "METHOD /path", "/path", or end in "/*" for everything under a path`);
  }
  const method = match[1] ?? '*';
  let path = match[2];
  const prefix = path.endsWith('/*');
  if (prefix) path = path.slice(0, -2) || '/';
  if (path.includes('*')) throw argError(TypeError, 'ERR_INVALID_ROUTE', `Route key "${key}": "*" is only allowed as a final "/*"`);
  return { method, path, canonical: canonicalPath(path), prefix };
}

export class RouteTable {
  #routes;

  /** `config` maps keys like "GET /weather" or "/api/*" to route settings. */
  constructor(config) {
    expectObject(config, 'routes');
    this.#routes = Object.entries(config).map(([key, value]) => ({ ...parseKey(key), route: normalizeRoute(value, key) }));
    if (this.#routes.length === 0) throw argError(TypeError, 'ERR_INVALID_ROUTE', 'routes must name at least one paid route');
    // Most specific first: exact paths, then longer prefixes.
    this.#routes.sort((a, b) => (a.prefix - b.prefix) || (b.canonical.length - a.canonical.length));
  }

  get routes() {
    return this.#routes.map((r) => r.route);
  }

  /** {route, path, prefix} for a method and a normalised path, or null. */
  match(method, path) {
    const wanted = canonicalPath(path);
    for (const entry of this.#routes) {
      if (entry.method !== '*' && entry.method !== method && !(entry.method === 'GET' && method === 'HEAD')) continue;
      const hit = entry.prefix
        ? entry.canonical === '/' || wanted === entry.canonical || wanted.startsWith(`${entry.canonical}/`)
        : wanted === entry.canonical;
      if (hit) return entry;
    }
    return null;
  }
}
