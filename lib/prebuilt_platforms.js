// The platforms an installed copy carries a prebuilt addon for, read from
// its prebuilds/ folder: apart from native.js so that `clawpay --version` can
// say it without loading the addon (which may be what fails).
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function libcName() {
  return process.platform === 'linux' && existsSync('/etc/alpine-release') ? 'musl' : 'glibc';
}

/**
 * The platforms this copy carries a prebuilt addon for, as
 * "<platform>-<arch>" plus " (<libc>)" on Linux: what prebuilds/ holds
 * (scripts/prebuilds.js writes node.napi[.<libc>].node there).
 */
export function prebuiltPlatforms(root = packageRoot) {
  const dir = join(root, 'prebuilds');
  if (!existsSync(dir)) return [];
  const out = [];
  for (const tuple of readdirSync(dir).sort()) {
    let files;
    try {
      files = readdirSync(join(dir, tuple));
    } catch {
      continue;
    }
    for (const file of files) {
      const m = /^node\.napi(?:\.(glibc|musl))?\.node$/.exec(file);
      if (m) out.push(m[1] ? `${tuple} (${m[1]})` : tuple);
    }
  }
  return out;
}

/** Whether this copy has a local build of the addon (build/Release or build/Debug, as node-gyp-build looks). */
export function hasLocalBuild(root = packageRoot) {
  return ['Release', 'Debug'].some((kind) => {
    try {
      return readdirSync(join(root, 'build', kind)).some((file) => file.endsWith('.node'));
    } catch {
      return false;
    }
  });
}

/**
 * `clawpay --version`'s second line: the platforms carried prebuilt, and
 * whether a local build is loaded first, or that neither is there (a copy
 * that lost its prebuilds must not read as if it had a build).
 */
export function addonSourcesLine(root = packageRoot) {
  const carried = prebuiltPlatforms(root);
  const local = hasLocalBuild(root);
  if (carried.length > 0) return `prebuilt addons: ${carried.join(', ')}${local ? '; the local build in build/ is loaded first' : ''}`;
  if (local) return 'prebuilt addons: none (the local build in build/ is used)';
  return 'prebuilt addons: none, and no local build in build/: the addon cannot be loaded (reinstall the package, or build it in a clone: npm run build)';
}
