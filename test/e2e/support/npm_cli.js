// npm as the tests that install the packed package run it: its own entry
// point (so it runs with only node on PATH) and this machine's settings
// without the ones a user's machine lacks. Shared by test/e2e/pack_install
// and the cross-platform installs of test/platforms/.
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** npm's own entry point, so npm can run with only node on PATH. */
export function npmCli() {
  const candidates = [process.env.npm_execpath];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) candidates.push(join(dir, 'npm'));
  for (const candidate of candidates) {
    if (!candidate || !existsSync(candidate)) continue;
    const real = realpathSync(candidate);
    if (real.endsWith('npm-cli.js')) return real;
  }
  throw new Error('npm-cli.js not found (neither npm_execpath nor npm on PATH)');
}

/**
 * npm settings of this machine, written into `dir`, without `nodedir` (our
 * ~/.npmrc sets nodedir=/usr, which a user's machine does not have and which
 * would hide a header download in a compile step) and without npm_config_*
 * variables inherited from an `npm test` parent: the environment variables
 * that point npm at them.
 */
export function cleanNpmConfig(dir) {
  const lines = [];
  for (const file of [process.env.npm_config_globalconfig, process.env.npm_config_userconfig ?? join(homedir(), '.npmrc')]) {
    if (file && existsSync(file)) lines.push(...readFileSync(file, 'utf8').split('\n'));
  }
  const userconfig = join(dir, 'npmrc');
  writeFileSync(userconfig, `${lines.filter((line) => !/^\s*nodedir\s*=/.test(line)).join('\n')}\nfund=false\naudit=false\n`);
  const globalconfig = join(dir, 'global-npmrc');
  writeFileSync(globalconfig, '');
  return { npm_config_userconfig: userconfig, npm_config_globalconfig: globalconfig };
}
