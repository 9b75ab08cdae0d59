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
