// `clawpay` explains itself, as a user meets it: no chain, the real command
// in a child process. The bare command, help, --help and -h print the same
// list (one line per subcommand) and exit 0; --version is package.json's;
// every subcommand answers --help with its usage, and `help SUB` is the same;
// an unknown command or option exits 2 naming the closest real one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { addonSourcesLine } from '../../lib/prebuilt_platforms.js';

const BIN = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

const clawpay = (...args) => {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

/** The subcommands `clawpay --help` lists: "  name  summary" lines under "commands:". */
function listed(helpText) {
  const section = helpText.split('commands:\n')[1]?.split('\n\n')[0] ?? '';
  return section.split('\n').map((line) => /^ {2}([a-z][a-z-]*) {2,}(\S.*)$/.exec(line)).filter(Boolean).map((m) => ({ name: m[1], summary: m[2] }));
}

describe('the clawpay command explains itself', () => {
  const help = clawpay('--help');

  test('--help prints the usage and one line per subcommand, exit 0', () => {
    assert.equal(help.code, 0, help.stderr);
    assert.equal(help.stderr, '');
    assert.match(help.stdout, /^usage: clawpay <command>/);
    const commands = listed(help.stdout);
    assert.deepEqual(commands.map((c) => c.name).sort(), ['approvals', 'channel', 'dashboard', 'demo', 'devnet', 'doctor', 'payments', 'receipts', 'spend', 'state']);
    for (const { name, summary } of commands) assert.ok(summary.length >= 20 && summary.length <= 100, `${name}: ${summary}`);
    assert.match(help.stdout, /clawpay --version/);
  });

  test('the bare command, `help` and -h print the same help (the bare command no longer starts the demo)', () => {
    for (const args of [[], ['help'], ['-h'], ['help', '--help']]) {
      const result = clawpay(...args);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, help.stdout, `clawpay ${args.join(' ')}`);
      assert.doesNotMatch(result.stdout, /generated in native memory/);
    }
    // `npm run demo` names the demo explicitly.
    assert.equal(PACKAGE.scripts.demo, 'node bin/clawpay.js demo');
  });

  test('--version prints package.json\'s version and the platforms prebuilds/ carries, exit 0', () => {
    const result = clawpay('--version');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `clawpay ${PACKAGE.version}\n${addonSourcesLine()}\n`);
    assert.equal(clawpay('-v').stdout, result.stdout);
  });

  test('--version of a copy says which addon it would load: prebuilt, the local build first, or neither (it cannot load)', () => {
    const root = mkdtempSync(join(tmpdir(), 'clawpay-version-'));
    try {
      for (const dir of ['bin', 'lib']) cpSync(fileURLToPath(new URL(`../../${dir}`, import.meta.url)), join(root, dir), { recursive: true });
      cpSync(fileURLToPath(new URL('../../package.json', import.meta.url)), join(root, 'package.json'));
      const version = () => {
        const run = spawnSync(process.execPath, [join(root, 'bin', 'clawpay.js'), '--version'], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH } });
        assert.equal(run.status, 0, run.stderr);
        return run.stdout.split('\n')[1];
      };
      assert.equal(version(), 'prebuilt addons: none, and no local build in build/: the addon cannot be loaded (reinstall the package, or build it in a clone: npm run build)');
      mkdirSync(join(root, 'build', 'Release'), { recursive: true });
      writeFileSync(join(root, 'build', 'Release', 'clawpay_native.node'), '');
      assert.equal(version(), 'prebuilt addons: none (the local build in build/ is used)');
      mkdirSync(join(root, 'prebuilds', 'linux-x64'), { recursive: true });
      writeFileSync(join(root, 'prebuilds', 'linux-x64', 'node.napi.glibc.node'), '');
      assert.equal(version(), 'prebuilt addons: linux-x64 (glibc); the local build in build/ is loaded first');
      rmSync(join(root, 'build'), { recursive: true });
      assert.equal(version(), 'prebuilt addons: linux-x64 (glibc)');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('every subcommand answers --help with its usage, exit 0, and `clawpay help SUB` is the same', () => {
    const commands = listed(help.stdout);
    assert.ok(commands.length >= 5);
    for (const { name } of commands) {
      const own = clawpay(name, '--help');
      assert.equal(own.code, 0, `${name} --help: ${own.stderr}`);
      assert.match(own.stdout, new RegExp(`^usage: clawpay ${name}\\b`), `${name} --help`);
      const viaHelp = clawpay('help', name);
      assert.equal(viaHelp.code, 0, `help ${name}: ${viaHelp.stderr}`);
      assert.equal(viaHelp.stdout, own.stdout, `help ${name}`);
    }
  });

  test('an unknown command exits 2 naming the closest real one; nothing on stdout', () => {
    for (const [typed, meant] of [['doctr', 'doctor'], ['demoo', 'demo'], ['aprovals', 'approvals'], ['recipts', 'receipts'], ['devent', 'devnet']]) {
      const result = clawpay(typed);
      assert.equal(result.code, 2, typed);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, new RegExp(`unknown command "${typed}"; did you mean "${meant}"\\?`), result.stderr);
    }
    const option = clawpay('--hlep');
    assert.equal(option.code, 2);
    assert.match(option.stderr, /unknown option "--hlep"; did you mean "--help"\?/);
    const topic = clawpay('help', 'doctr');
    assert.equal(topic.code, 2);
    assert.match(topic.stderr, /did you mean "doctor"\?/);
  });

  test('an unknown command that could be a secret is not echoed in full', () => {
    const pasted = `0x${'5a'.repeat(32)}`;
    const result = clawpay(pasted);
    assert.equal(result.code, 2);
    assert.ok(!result.stderr.includes(pasted.slice(2)), result.stderr);
  });

  test('a subcommand\'s bad usage exits 2 (demo and doctor take no arguments)', () => {
    for (const args of [['demo', 'now'], ['doctor', '--bogus']]) {
      const result = clawpay(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`usage: clawpay ${args[0]}`));
    }
  });
});
