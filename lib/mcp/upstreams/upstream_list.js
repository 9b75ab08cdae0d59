// Which upstream MCP servers clawpay-mcp fronts: `--upstream NAME=URL`
// (repeatable) and CLAWPAY_UPSTREAMS=NAME=URL,NAME=URL, checked before
// anything starts. A NAME is the prefix of its tools (NAME_TOOL), so it has
// no "_" (devnet_weather is always tool "weather" of "devnet"); a URL is an
// http(s) MCP endpoint without user info (it is shown in tool descriptions
// and on stderr) or fragment.
import { showInput } from '../../secret_text.js';
import { argError } from '../../validate.js';

export const UPSTREAM_NAME = /^[a-z][a-z0-9-]{0,31}$/;
export const MAX_UPSTREAMS = 16;
export const MAX_UPSTREAM_URL_LENGTH = 2048;
/** How long one upstream request (connect, list, call) may take, by default (CLAWPAY_UPSTREAM_TIMEOUT_MS). */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000;

const bad = (message) => argError(TypeError, 'ERR_UPSTREAM', message);

function upstreamOf(entry, where) {
  const at = entry.indexOf('=');
  if (at < 1) throw bad(`${where} takes NAME=URL (e.g. devnet=http://127.0.0.1:4021/mcp), got ${showInput(entry, 80)}`);
  const name = entry.slice(0, at).trim();
  const url = entry.slice(at + 1).trim();
  if (!UPSTREAM_NAME.test(name)) {
    throw bad(`${where}: the name ${showInput(name)} must be 1 to 32 lower-case letters, digits or "-", starting with a letter ` +
      '(it prefixes the upstream\'s tools as NAME_TOOL, so no "_")');
  }
  let parsed = null;
  try {
    if (url.length <= MAX_UPSTREAM_URL_LENGTH) parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw bad(`${where}: upstream ${name} needs an absolute http(s) URL of at most ${MAX_UPSTREAM_URL_LENGTH} characters, got ${showInput(url, 80)}`);
  }
  if (parsed.username || parsed.password) throw bad(`${where}: upstream ${name}'s URL must not carry a user name or password (it is shown in tool descriptions)`);
  if (parsed.hash) throw bad(`${where}: upstream ${name}'s URL must not carry a #fragment`);
  return { name, url: parsed.href };
}

/**
 * The upstreams from the command line's `--upstream` values and the
 * CLAWPAY_UPSTREAMS variable, in that order; throws (code ERR_UPSTREAM) on
 * a bad or repeated entry.
 * @param {string[]} values
 * @param {string | undefined} variable
 * @returns {{name: string, url: string}[]}
 */
export function parseUpstreams(values = [], variable = undefined) {
  const entries = values.map((value) => upstreamOf(value, '--upstream'));
  if (variable !== undefined && variable.trim() !== '') {
    for (const part of variable.split(',')) {
      if (part.trim() === '') continue;
      entries.push(upstreamOf(part.trim(), 'CLAWPAY_UPSTREAMS'));
    }
  }
  const seen = new Set();
  for (const { name } of entries) {
    if (seen.has(name)) throw bad(`upstream ${name} is named twice; each upstream needs its own name`);
    seen.add(name);
  }
  if (entries.length > MAX_UPSTREAMS) throw bad(`at most ${MAX_UPSTREAMS} upstreams, got ${entries.length}`);
  return entries;
}

/** CLAWPAY_UPSTREAM_TIMEOUT_MS, 100..600000 ms. */
export function upstreamTimeoutOf(value) {
  if (value === undefined || value.trim() === '') return DEFAULT_UPSTREAM_TIMEOUT_MS;
  const ms = /^[0-9]{1,7}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(ms >= 100 && ms <= 600_000)) {
    throw bad(`CLAWPAY_UPSTREAM_TIMEOUT_MS must be an integer from 100 to 600000 (milliseconds), got ${showInput(value)}`);
  }
  return ms;
}
