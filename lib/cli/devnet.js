// `clawpay devnet`: the local x402 world as a command. Prints one JSON line
// on stdout when everything is ready, logs to stderr, and stops every
// process it started on SIGINT or SIGTERM.
import { parseArgs } from 'node:util';

import { canonicalUsdcOf } from '../devnet/canonical_usdc.js';
import { DEFAULT_CHAIN_ID } from '../devnet/chain.js';
import { describeWorld, startWorld } from '../devnet/world.js';

const USAGE = `usage: clawpay devnet [--ledger FILE] [--chain-port N] [--chain-id N] [--canonical-usdc]
  CLAWPAY_REDIS_URL=redis://...  keep the paywall's receipts, claims and nonces in that Redis
                (instead of --ledger's file or memory): what replicas share
  --chain-id N  the chain's id (default ${DEFAULT_CHAIN_ID}); 84532 makes the devnet "base-sepolia"
                to x402 v1 clients, which know only fixed network names (see v1Network)
  --canonical-usdc  the token at the chain's canonical USDC address, named as that
                asset signs (84532: 0x036CbD53842c5426634e7929541eC2318f3dCF7e, "USDC"),
                for clients that price in dollars or pay that USDC only (Cloudflare's agents)`;

// A mistyped argument, quoted; a long one (a key pasted in the wrong place) is not shown.
function shownArg(text) {
  return text.length <= 24 ? JSON.stringify(text) : `a value of ${text.length} characters (not shown)`;
}

// A positive decimal integer, as anvil takes it; Number() alone would accept "0x1", "1e3" and " 7".
function chainIdOf(text) {
  if (!/^[1-9][0-9]*$/.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

export async function devnetCommand(argv) {
  let options;
  try {
    ({ values: options } = parseArgs({
      args: argv,
      options: {
        ledger: { type: 'string' }, 'chain-port': { type: 'string' }, 'chain-id': { type: 'string' }, 'canonical-usdc': { type: 'boolean' }, help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`clawpay devnet: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const chainPort = options['chain-port'] === undefined ? 0 : Number(options['chain-port']);
  if (!Number.isInteger(chainPort) || chainPort < 0 || chainPort > 65535) {
    process.stderr.write(`clawpay devnet: --chain-port must be a port number, got "${options['chain-port']}"\n${USAGE}\n`);
    return 2;
  }

  const chainId = options['chain-id'] === undefined ? DEFAULT_CHAIN_ID : chainIdOf(options['chain-id']);
  if (chainId === null) {
    process.stderr.write(`clawpay devnet: --chain-id must be a positive integer such as 84532, got ${shownArg(options['chain-id'])}\n${USAGE}\n`);
    return 2;
  }

  const canonicalUsdc = options['canonical-usdc'] === true;
  if (canonicalUsdc && !canonicalUsdcOf(chainId)) {
    process.stderr.write(`clawpay devnet: --canonical-usdc needs a chain with a canonical USDC, such as --chain-id 84532; chain ${chainId} has none\n${USAGE}\n`);
    return 2;
  }

  const redisUrl = process.env.CLAWPAY_REDIS_URL || undefined;
  if (redisUrl !== undefined && options.ledger !== undefined) {
    process.stderr.write(`clawpay devnet: give --ledger or CLAWPAY_REDIS_URL, not both\n${USAGE}\n`);
    return 2;
  }

  const started = Date.now();
  const world = await startWorld({ ledgerPath: options.ledger, redisUrl, chainPort, chainId, canonicalUsdc });

  let stopping = null;
  const stop = (signal) => {
    stopping ??= world.stop().then(() => {
      process.stderr.write(`clawpay devnet: stopped (${signal})\n`);
    });
    return stopping;
  };
  const done = new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => stop(signal).then(resolve));
  });

  process.stdout.write(`${JSON.stringify(describeWorld(world))}\n`);
  process.stderr.write(`clawpay devnet: ready in ${Date.now() - started} ms (the payer key above is a public anvil test key; claudeDesktop is an mcpServers entry for claude_desktop_config.json)\n`);
  await done;
  return 0;
}
