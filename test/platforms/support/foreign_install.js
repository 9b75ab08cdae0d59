// The npm package as a user on another platform installs it: a tarball made
// by `npm pack` whose only native code is that platform's cross-built addon
// (in prebuilds/<platform>-<arch>/, where node-gyp-build looks), installed
// with `npm install -g` into an empty prefix. npm runs here, on the host: the
// package's dependencies are pure JS, so the installed tree is the one a
// Windows or arm64 machine gets; the foreign Node then loads it by name.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { root, TARGETS } from '../../../scripts/platforms.js';
import { cleanNpmConfig, npmCli } from '../../e2e/support/npm_cli.js';

function npm(args, options) {
  const result = spawnSync(process.execPath, [npmCli(), ...args], { encoding: 'utf8', timeout: 300_000, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`npm ${args[0]} failed (exit ${result.status}):\n${result.stderr}`);
  return result.stdout;
}

/**
 * Packs the package with `addon` as target `name`'s prebuild and installs the
 * tarball globally into `${scratch}/prefix`. Returns {prefix, installed,
 * files}: the prefix, the installed package's folder and the tarball's file
 * list.
 */
export function installForeign(name, addon, scratch) {
  const target = TARGETS[name];
  // A copy of what package.json's "files" ship, so that the tarball carries
  // no prebuild of this machine's own (npm pack of the checkout would).
  const stage = join(scratch, 'stage');
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const entry of [...manifest.files.filter((f) => f !== 'prebuilds/'), 'package.json', 'README.md']) {
    cpSync(join(root, entry), join(stage, entry), { recursive: true });
  }
  mkdirSync(join(stage, 'prebuilds', name), { recursive: true });
  copyFileSync(addon, join(stage, 'prebuilds', name, target.addonName));

  const env = { HOME: homedir(), PATH: process.env.PATH, LANG: 'C.UTF-8', ...cleanNpmConfig(scratch) };
  // --ignore-scripts: prepack's checks are of the checkout's own prebuild.
  const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], { cwd: stage, env }));
  const prefix = join(scratch, 'prefix');
  npm(['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error',
    join(scratch, packed.filename)], { env });
  return { prefix, installed: join(prefix, 'lib', 'node_modules', 'clawpay-native'), files: packed.files.map((f) => f.path) };
}
