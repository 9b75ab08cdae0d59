#!/usr/bin/env node
// `clawpay` — the project's command. Each subcommand is one line of the table
// below: a summary for `clawpay --help` and `run(args)`, which loads its module
// from lib/cli/ only when that subcommand runs and resolves to the exit code
// (undefined counts as 0). Every subcommand answers `--help` with its usage.
// Exit codes: 0 done, 1 failed, 2 bad usage (an unknown command included).
import { readFileSync } from 'node:fs';

import { closestName } from '../lib/closest_name.js';
import { addonSourcesLine } from '../lib/prebuilt_platforms.js';
import { safeErrorMessage, showInput } from '../lib/secret_text.js';

const COMMANDS = {
  demo: { summary: 'the native core with timings, then the local x402 world paid through clawpay-mcp', run: async (argv) => (await import('../lib/cli/demo.js')).demoCommand(argv) },
  devnet: { summary: 'a local x402 world: chain, token, facilitator, paid API and paid MCP server', run: async (argv) => (await import('../lib/cli/devnet.js')).devnetCommand(argv) },
  doctor: { summary: 'check clawpay-mcp\'s setup: configuration, RPC, asset, balances, state, policy', run: async (argv) => (await import('../lib/cli/doctor.js')).doctorCommand(argv) },
  dashboard: { summary: 'a local web page: spend per day against the limit, sessions, approvals, payments, receipts', run: async (argv) => (await import('../lib/cli/dashboard.js')).dashboardCommand(argv) },
  channel: { summary: 'the wallet\'s payment channels; withdraw one without its seller (the timed withdrawal)', run: async (argv) => (await import('../lib/cli/channel.js')).channelCommand(argv) },
  approvals: { summary: 'list, approve or cancel the key-mode wallet\'s queued sends', run: async (argv) => (await import('../lib/cli/approvals.js')).approvalsCommand(argv) },
  receipts: { summary: 'export the paywall\'s receipt ledger (CSV or JSON lines)', run: async (argv) => (await import('../lib/cli/receipts.js')).receiptsCommand(argv) },
  payments: { summary: 'the x402 payments: spent, pending, open authorizations; cancel one on chain', run: async (argv) => (await import('../lib/cli/payments.js')).paymentsCommand(argv) },
  spend: { summary: 'what the agent paid: by day, payee and route, in the asset\'s units (table, CSV or JSON lines)', run: async (argv) => (await import('../lib/cli/spend.js')).spendCommand(argv) },
  state: { summary: 'verify a state directory: what its journals hold, any damage (changes nothing)', run: async (argv) => (await import('../lib/cli/state.js')).stateCommand(argv) },
};

const HELP_WORDS = new Set(['help', '--help', '-h']);

function usage() {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}${summary}`);
  return `usage: clawpay <command> [arguments]\n\ncommands:\n${lines.join('\n')}\n\n` +
    '`clawpay <command> --help` (or `clawpay help <command>`) shows a command\'s usage; `clawpay --version` the version and the platforms this copy carries a prebuilt addon for.\n';
}

function version() {
  const { version: v } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return v;
}

function unknown(word, what) {
  const closest = closestName(word, what === 'option' ? ['--help', '--version'] : Object.keys(COMMANDS));
  // The word is shown only as long as a command name could be, and never when it looks like a key.
  const shown = showInput(word, 24);
  process.stderr.write(`clawpay: unknown ${what} ${shown}; did you mean "${closest}"? (\`clawpay --help\` lists the commands)\n`);
  process.exit(2);
}

let [command, ...args] = process.argv.slice(2);
if (command === undefined || (HELP_WORDS.has(command) && args.length === 0)) {
  process.stdout.write(usage());
  process.exit(0);
}
if (command === '--version' || command === '-v') {
  // What this copy carries, read from its prebuilds/ and build/ (the addon itself is not loaded).
  process.stdout.write(`clawpay ${version()}\n${addonSourcesLine()}\n`);
  process.exit(0);
}
if (HELP_WORDS.has(command)) {
  if (args.length > 1) unknown(args.join(' '), 'help topic');
  [command, args] = [args[0], ['--help']];
  if (HELP_WORDS.has(command)) {
    process.stdout.write(usage());
    process.exit(0);
  }
}
if (!Object.hasOwn(COMMANDS, command)) unknown(command, command.startsWith('-') ? 'option' : 'command');

COMMANDS[command].run(args).then((code) => {
  process.exitCode = code ?? 0;
}, (error) => {
  // Error text may echo an argument: never a key, its own tx hashes kept.
  console.error(`clawpay ${command}: ${safeErrorMessage(error)}`);
  process.exit(1);
});
