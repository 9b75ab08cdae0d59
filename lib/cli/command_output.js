// What a `clawpay` subcommand prints: results on stdout, one-line errors on
// stderr, and secrets (the agent key, the RPC URL, which may carry a
// provider's API key) cut out of both, should any message hold them.
import { parseArgs } from 'node:util';

import { loadConfig } from '../pay/config.js';
import { createPayer } from '../pay/payer.js';
import { openPayStore } from '../pay/store.js';
import { redactSecrets, showInput } from '../secret_text.js';

/** A time in unix seconds as people read it in a listing ("2026-12-06T20:03:10Z"), or "?" when unknown. */
export const isoSeconds = (unixSeconds) => (unixSeconds ? new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z') : '?');

/**
 * Cuts known secrets out of text: {hide(...values), scrub(text)}. Values
 * shorter than 8 characters are not hidden (they would blank ordinary words).
 */
export function createScrubber() {
  const secrets = [];
  return {
    hide: (...values) => secrets.push(...values.filter((v) => typeof v === 'string' && v.length >= 8)),
    scrub: (text) => secrets.reduce((out, secret) => out.split(secret).join('<hidden>'), String(text)),
  };
}

/**
 * {say, complain, usageError, hide, loadAgentConfig, openAgentStore, withAgentPayer, parseListOrId}: output
 * for `clawpay <name>` with usage text `usage`.
 */
export function commandOutput(name, usage) {
  const { hide, scrub } = createScrubber();
  const say = (text) => {
    process.stdout.write(`${scrub(text)}\n`);
  };
  // Errors echo arguments and configuration: no run of 64 hex digits is shown
  // in them but the tx hashes an error reports as its own (`keep`).
  const complain = (message, keep = []) => {
    process.stderr.write(`clawpay ${name}: ${scrub(redactSecrets(String(message).split('\n')[0], { keep }))}\n`);
  };
  const output = {
    say,
    complain,
    /** Complains with the usage and returns exit code 2. */
    usageError(message) {
      complain(`${message} (usage: ${usage})`);
      return 2;
    },
    /** The config's secrets, to be hidden from now on. */
    hide(config) {
      hide(config.privateKey, config.privateKey?.slice(2), config.rpcUrl);
    },
  };
  return Object.assign(output, {
    /** clawpay-mcp's configuration from `env`, its secrets hidden from then on; null (said why) when it has problems. */
    loadAgentConfig(env) {
      let config;
      try {
        config = loadConfig(env);
      } catch (error) {
        complain(error.code === 'ERR_CONFIG'
          ? `the configuration (the same environment as clawpay-mcp) has problems: ${error.problems.map((p) => p.message).join('; ')}`
          : error.message);
        return null;
      }
      output.hide(config);
      return config;
    },
    /**
     * Reads `<subcommand> [args]` for a command of the shape `[list [--all] | VERB ID]`:
     * {help: true}, {subcommand: 'list', all, ...}, {subcommand, id} (the ID as typed, for the
     * caller to check), or an exit code (2) after saying what is wrong. `what` names the ID;
     * `listOptions` are list's own string options (parseArgs'), their values as typed.
     */
    parseListOrId(argv, verbs, what, listOptions = {}) {
      const [subcommand = 'list', ...rest] = argv;
      if (subcommand === '--help' || subcommand === 'help' || subcommand === '-h') return { help: true };
      if (subcommand !== 'list' && !verbs.includes(subcommand)) return output.usageError(`unknown subcommand ${showInput(subcommand)}`);
      let values;
      let positionals;
      try {
        ({ values, positionals } = parseArgs({
          args: rest,
          options: subcommand === 'list' ? { all: { type: 'boolean' }, help: { type: 'boolean' }, ...listOptions } : { help: { type: 'boolean' } },
          allowPositionals: true,
          strict: true,
        }));
      } catch (error) {
        return output.usageError(String(error.message).split('\n')[0]);
      }
      if (values.help) return { help: true };
      if (subcommand === 'list') {
        if (positionals.length > 0) return output.usageError(`list takes no arguments, got ${showInput(positionals[0])}`);
        const own = Object.fromEntries(Object.keys(listOptions).map((name) => [name, values[name]]));
        return { subcommand, all: Boolean(values.all), ...own };
      }
      if (positionals.length !== 1) return output.usageError(`${subcommand} needs exactly one ${what}`);
      return { subcommand, id: positionals[0] };
    },
    /** The state directory's payment records; null (said why) when they cannot be opened. */
    async openAgentStore(config) {
      try {
        return await openPayStore(config);
      } catch (error) {
        complain(`the state directory's records could not be opened: ${error.message}`);
        return null;
      }
    },
    /**
     * Runs `work(config, payer, store)` on the agent's payer (the environment's
     * configuration, the state directory's records) and closes both after;
     * resolves to its exit code, 1 (said why) when either cannot be opened or
     * the work throws.
     */
    async withAgentPayer(env, work) {
      const config = output.loadAgentConfig(env);
      if (!config) return 1;
      const store = await output.openAgentStore(config);
      if (!store) return 1;
      const payer = createPayer({ config, store });
      try {
        return await work(config, payer, store);
      } catch (error) {
        complain(error.message);
        return 1;
      } finally {
        payer.close();
        store.close();
      }
    },
  });
}
