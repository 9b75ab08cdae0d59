// Loads the compiled addon: a local build (build/Release) first, then a
// prebuilt binary shipped in prebuilds/. When neither loads, the error says
// why and what to do, instead of a bare dlopen stack.
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function explain(error) {
  const message = String(error?.message ?? error);
  const fixes = [];
  if (/libsecp256k1/.test(message)) {
    fixes.push('libsecp256k1 is missing: sudo apt-get install libsecp256k1-1');
  }
  if (/libcrypto|libssl/.test(message)) {
    fixes.push('OpenSSL 3 is missing: sudo apt-get install libssl3');
  }
  if (/No native build was found/.test(message)) {
    fixes.push(`no compiled addon for ${process.platform}-${process.arch} (Node-API 8)`);
    fixes.push('build it from source: sudo bash scripts/setup.sh (or: npm run build)');
  }
  if (/NODE_MODULE_VERSION|napi/i.test(message)) {
    fixes.push(`this Node (${process.version}) cannot load the addon: rebuild with npm run build`);
  }
  if (fixes.length === 0) fixes.push('rebuild the addon: npm run build');
  return [
    'clawpay-native: the native addon could not be loaded.',
    ...fixes.map((fix) => `  - ${fix}`),
    `  (cause: ${message.split('\n')[0]})`,
  ].join('\n');
}

function load() {
  try {
    return require('node-gyp-build')(packageRoot);
  } catch (error) {
    const wrapped = new Error(explain(error), { cause: error });
    wrapped.code = 'ERR_NATIVE_LOAD';
    throw wrapped;
  }
}

export const native = load();
