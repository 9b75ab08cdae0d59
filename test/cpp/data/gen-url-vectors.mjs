// Records what Node's WHATWG URL parser (the one behind fetch) makes of
// generated URLs, so the C++ normalizer can be checked against it.
//
//   cd /work/main && node test/cpp/data/gen-url-vectors.mjs
//
// "accepted": URLs shaped the way url_scope accepts them (random mixes of
// plain, dot, encoded-dot and escaped segments, ports, case, IPv6), with
// Node's href, hostname, port, pathname and query (null when there is none).
// "rejected": forms url_scope refuses on purpose although Node parses them;
// node is Node's href, or null when Node refuses too.
// "fuzz": random concatenations of URL-significant pieces; node is null when
// Node refuses, else the same fields as "accepted". Whatever url_scope
// accepts among them must mean the same request to Node.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Deterministic so the checked-in file only changes when this script does.
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(0x402);
const pick = (list) => list[Math.floor(random() * list.length)];

const schemes = ['http', 'https', 'HTTP', 'Https', 'hTTps'];
const hosts = [
  'api.example.com', 'API.Example.COM', 'localhost', '127.0.0.1', '10.0.0.255',
  'sub_domain.example.org', 'a-b.c', 'x.y.z.', 'xn--bcher-kva.example', '[::1]',
  '[2001:DB8::0:1]', '[::ffff:1.2.3.4]', '[1:0:0:2:0:0:0:3]', '[0:0:0:0:0:0:0:0]',
  '[fe80::1:0:0:0]', '[1:2:3:4:5:6:7:8]', '[::]', '[1::]', '[0:0:1::]',
];
const ports = ['', '', '', ':', ':80', ':443', ':8080', ':0443', ':00080', ':65535', ':0', ':1'];
const segments = [
  'v1', 'V1', 'api', 'users', '',
  '%7E', '%7e', '~user', '%41bc', 'a%2db', 'a%2Eb', '%5F_', 'caf%c3%a9', 'caf\u00e9', '%22q', '"q',
  '<x>', '{y}', '`z`', '^', '|', 'a;b', '[x]', '%5b', '%25', '%3a', ':', '@me', 'a%20b',
  "!$&'()*+,=", '%ff', '\u65e5\u672c', '...', '.a', 'a.', '%2e%2e%2e', '%00',
];
const queries = [
  null, null, null, '', 'a=1', 'a=%7e&b=%7E', 'q=%c3%a9', "x='y'", '\u00e9', 'a=<b>"c"', '`{}`',
  '%2F%2e', 'a=/../b', '?', 'k=%41%42',
];
const fragments = [null, null, '', 'frag', 'a?b', '%41', '\u00e9'];

function generatePath() {
  const count = Math.floor(random() * 7);
  if (count === 0) return pick(['', '/']);
  let path = '';
  for (let i = 0; i < count; i++) path += '/' + pick(segments);
  if (random() < 0.25) path += '/';
  return path;
}

function generateUrl() {
  const query = pick(queries);
  const fragment = pick(fragments);
  return `${pick(schemes)}://${pick(hosts)}${pick(ports)}${generatePath()}` +
    (query === null ? '' : `?${query}`) + (fragment === null ? '' : `#${fragment}`);
}

// The query as serialized, or null: `search` cannot tell "?" from nothing.
function queryOf(href) {
  const beforeFragment = href.split('#')[0];
  const question = beforeFragment.indexOf('?');
  return question < 0 ? null : beforeFragment.slice(question + 1);
}

const accepted = [];
const seen = new Set();
while (accepted.length < 400) {
  const input = generateUrl();
  if (seen.has(input)) continue;
  seen.add(input);
  const url = new URL(input);  // every generated shape must parse in Node
  accepted.push({
    input,
    href: url.href,
    hostname: url.hostname,
    port: url.port,
    pathname: url.pathname,
    query: queryOf(url.href),
  });
}

// Stricter than WHATWG on purpose (see src/url_scope.cc).
const rejectedInputs = [
  'https://api.example.com@evil.io/', 'https://@api.example.com/', 'https://u:p@api.example.com/',
  'https:api.example.com/v1', 'https:/api.example.com/v1', 'https:///api.example.com/v1',
  'https://api.example.com\\v1', 'https://api.example.com/v1\\..\\admin', 'https://api.example.com/v1?a=\\',
  ' https://api.example.com/', 'https://api.example.com/ ', 'https://api.example.com/v\t1',
  'https://api.example.com/v1\n', 'https://api.example.com/a b', 'https://api.exa\u00e9mple.com/',
  'https://api.example.c%6Fm/', 'https://api.example.com/%zz', 'https://api.example.com/%4',
  'https://api.example.com/?q=%g1', 'https://api.example.com/#%', 'https://api.example.com/v1%2Fadmin',
  'https://api.example.com/v1%2fadmin', 'https://api.example.com/v1%5Cadmin', 'https://api.example.com/v1/..;/admin',
  'https://api.example.com/v1/.;x/admin', 'https://api.example.com/v1/%2e%2e;/admin', 'http://a..b/',
  'http://.a/', 'https://[::1%25eth0]/', 'https://api.example.com:65536/', 'https://api.example.com:-1/',
  'https://api.example.com:+443/', 'https://api.example.com:44 3/', 'https://[1::2::3]/', 'https://[::1]x/',
  'ftp://api.example.com/', '//api.example.com/v1', '/v1', 'https://', 'https:///', 'https://:443/',
  'https://api.example.com/\u0000', 'https://api.example.com/\u007f',
  // Dot segments in any spelling: URL parsers disagree on resolving them
  // (Node 20 leaves the last one as it is), so a check that resolves them
  // would compare a path that fetch may not send.
  'https://api.example.com/v1/../admin', 'https://api.example.com/v1/./x', 'https://api.example.com/v1/..',
  'https://api.example.com/v1/%2e%2e/admin', 'https://api.example.com/v1/.%2E/admin', 'https://api.example.com/%2e/v1',
  'https://api.example.com/admin/.x/../../v1/a', 'https://api.example.com/b/.c/../x',
];
const rejected = rejectedInputs.map((input) => {
  let node = null;
  try { node = new URL(input).href; } catch { /* Node refuses too */ }
  return { input, node };
});

const fuzzPieces = [
  '/', '/', '/', '?', '#', '@', ':', '.', '..', '%2e', '%2E', '%2f', '%5C', '%7e', '%41', '%', '%%',
  '%zz', '\\', ' ', '\t', '\n', ';', 'a', 'B', '0', '1', '443', '80', '0x7f', '[', ']', '::1', '::',
  '1.2.3.4', '\u00e9', '"', '<', '`', "'", '{', '~', '-', '_', 'xn--', 'h', 'api.example.com', '=', '&',
];
const fuzzStarts = ['https://', 'http://', 'HTTPS://', 'https:', 'https:/', 'https:///', '//', ''];
const fuzzHosts = [
  'h', 'API.example.com', '1.2.3.4', '0x7f.1', '127.1', '[::1]', '[::FFFF:1.2.3.4]', 'a_b-c.d',
  'xn--bcher-kva.example', 'x.', '[1:0::0:1]', 'a.b.1',
];
const fuzzPorts = ['', '', ':', ':443', ':80', ':08080', ':65536'];
function fuzzPieceRun(max) {
  let text = '';
  const count = Math.floor(random() * (max + 1));
  for (let i = 0; i < count; i++) text += pick(fuzzPieces);
  return text;
}
// Mostly scheme + plausible authority + random tail, sometimes pure noise.
function fuzzUrl() {
  if (random() < 0.15) return pick(fuzzStarts) + fuzzPieceRun(10);
  const host = random() < 0.8 ? pick(fuzzHosts) : fuzzPieceRun(3);
  return pick(fuzzStarts.slice(0, 3)) + host + pick(fuzzPorts) + (random() < 0.8 ? '/' : '') + fuzzPieceRun(8);
}
const fuzz = [];
const fuzzSeen = new Set();
while (fuzz.length < 2000) {
  const input = fuzzUrl();
  if (fuzzSeen.has(input)) continue;
  fuzzSeen.add(input);
  let url = null;
  try { url = new URL(input); } catch { /* Node refuses */ }
  fuzz.push(url === null ? { input, node: null } : {
    input, node: url.href, hostname: url.hostname, port: url.port, pathname: url.pathname,
    query: queryOf(url.href),
  });
}

const out = fileURLToPath(new URL('./url_vectors.json', import.meta.url));
const lines = (list) => list.map((v) => '    ' + JSON.stringify(v)).join(',\n');
writeFileSync(out, `{\n  "node": ${JSON.stringify(process.version)},\n  "accepted": [\n${lines(accepted)}\n  ],\n` +
  `  "rejected": [\n${lines(rejected)}\n  ],\n  "fuzz": [\n${lines(fuzz)}\n  ]\n}\n`);
console.log(`wrote ${accepted.length} accepted, ${rejected.length} rejected and ${fuzz.length} fuzz vectors to ${out}`);
