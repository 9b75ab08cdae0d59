// Loads the compiled addon: a local build (build/Release) first, then the
// prebuilt binary shipped in prebuilds/. When neither loads, the error says
// that the native addon could not be loaded, why, and what to do, instead of
// a bare dlopen stack.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { libcName, prebuiltPlatforms } from './prebuilt_platforms.js';

const require = createRequire(import.meta.url);
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The lines of advice for a load failure with this message. */
function fixesFor(message) {
  // A clone of the repository has scripts/; the installed package does not.
  const clone = existsSync(join(packageRoot, 'scripts', 'setup.sh'));
  const here = `${process.platform}-${process.arch}${process.platform === 'linux' ? ` (${libcName()})` : ''}`;
  const fromSource = clone
    ? 'build it here: bash scripts/setup.sh (or, with the build tools installed, npm run build)'
    : 'build it from source: clone the clawpay-native repository, run bash scripts/setup.sh there, ' +
      'then npm install -g . from it';
  const fixes = [];
  const carried = prebuiltPlatforms();

  if (/No native build was found/.test(message)) {
    if (clone) {
      fixes.push('the addon has not been built in this checkout yet');
      fixes.push(fromSource);
    } else if (carried.length === 0) {
      fixes.push(`this installed copy has lost its prebuilt addons (${join(packageRoot, 'prebuilds')})`);
      fixes.push('reinstall the package: npm install -g clawpay-native (or npm install clawpay-native in a project)');
    } else {
      fixes.push(`clawpay-native carries prebuilt addons for ${carried.join(', ')}; there is none for this machine, ${here}`);
      fixes.push(fromSource);
    }
    return fixes;
  }
  if (/libsecp256k1/.test(message)) {
    fixes.push("this addon was built against the system's shared libsecp256k1, which is not installed here");
    fixes.push('install it: sudo apt-get install libsecp256k1-1');
    if (clone) fixes.push('or rebuild it self-contained: bash scripts/fetch-libsecp256k1.sh && npm run build');
    return fixes;
  }
  if (/libcrypto\.so|libssl\.so/.test(message)) {
    fixes.push("OpenSSL 3's libcrypto is not installed: sudo apt-get install libssl3 (Ubuntu 24.04: libssl3t64)");
    return fixes;
  }
  if (/GLIBC_|GLIBCXX_|CXXABI_/.test(message)) {
    fixes.push('this system\'s C library or libstdc++ is older than the version named above, ' +
      'which the addon needs (the prebuilt one is built on Debian 12; Ubuntu 22.04 and later are new enough)');
    fixes.push(fromSource);
    return fixes;
  }
  if (/ELF|file too short|wrong ELF class/.test(message)) {
    fixes.push(`the addon file is for another platform or is damaged (this machine is ${here})`);
    fixes.push(clone ? 'rebuild it: npm run build' : 'reinstall the package: npm install -g clawpay-native');
    return fixes;
  }
  if (/NODE_MODULE_VERSION|napi|self-register/i.test(message)) {
    fixes.push(`this Node (${process.version}) cannot load the addon (Node-API 8): use Node.js 20 or later`);
    return fixes;
  }
  fixes.push(clone ? 'rebuild the addon: npm run build' : 'reinstall the package: npm install -g clawpay-native');
  return fixes;
}

/** The message of the error thrown when the addon cannot be loaded. */
export function explainLoadFailure(error) {
  const message = String(error?.message ?? error);
  const cause = message.split('\n').map((line) => line.trim()).filter(Boolean).join('; ');
  return [
    'clawpay-native: the native addon could not be loaded.',
    `  why: ${cause}`,
    '  what to do:',
    ...fixesFor(message).map((fix) => `    - ${fix}`),
  ].join('\n');
}

function load() {
  try {
    return require('node-gyp-build')(packageRoot);
  } catch (error) {
    const wrapped = new Error(explainLoadFailure(error), { cause: error });
    wrapped.code = 'ERR_NATIVE_LOAD';
    throw wrapped;
  }
}

export const native = load();
