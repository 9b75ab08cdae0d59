// clawpay-mcp's environment as a whole: every variable it reads (loadConfig's
// list plus the server's own two), the variables that look like ours but are
// not — a misspelt limit such as CLAWPAY_MAX_PER_CAL=5 would otherwise leave
// the default in force without a word — and what an unset CHAIN_ID means.
// clawpay-mcp warns with these at start; `clawpay doctor` reports them.

import { closestName } from '../closest_name.js';
import { CONFIG_VARIABLES } from '../pay/config.js';

/** Read by lib/mcp/main.js itself, beside loadConfig's. */
const SERVER_VARIABLES = ['CLAWPAY_SESSIONS_PATH', 'CLAWPAY_MCP_HTTP_TOKEN', 'CLAWPAY_UPSTREAMS', 'CLAWPAY_UPSTREAM_TIMEOUT_MS'];

/** Every environment variable clawpay-mcp reads. */
export const MCP_VARIABLES = Object.freeze([...CONFIG_VARIABLES, ...SERVER_VARIABLES]);

// Prefixes only ours use: any other variable under them is a mistake.
const OUR_PREFIX = /^(CLAWPAY|AGENT)_/;
const KNOWN = new Set(MCP_VARIABLES);
const OURS = MCP_VARIABLES.filter((name) => OUR_PREFIX.test(name));

/**
 * The CLAWPAY_* / AGENT_* variables set in `env` that clawpay-mcp does not
 * read, each with the closest one it does and a one-line message (which
 * never holds the value: it may be a key pasted into the wrong name).
 * @returns {{variable: string, closest: string, message: string}[]}
 */
export function unknownVariables(env = process.env) {
  return Object.keys(env)
    .filter((name) => OUR_PREFIX.test(name) && !KNOWN.has(name) && env[name] !== undefined)
    .sort()
    .map((variable) => {
      const closest = closestName(variable, OURS);
      return { variable, closest, message: `${variable} is not a variable clawpay-mcp reads, so it has no effect; did you mean ${closest}?` };
    });
}

/** The Base mainnet default an unset CHAIN_ID means, said aloud; null when CHAIN_ID is set. */
export function chainDefaultNote(env = process.env) {
  if (env.CHAIN_ID !== undefined && env.CHAIN_ID.trim() !== '') return null;
  return 'CHAIN_ID is not set: paying on Base mainnet (chain 8453), ClawPay\'s default; set CHAIN_ID to choose the chain';
}

