// What a `clawpay` subcommand prints: results on stdout, one-line errors on
// stderr, and secrets (the agent key, the RPC URL, which may carry a
// provider's API key) cut out of both, should any message hold them.

/** {say, complain, usageError, hide}: output for `clawpay <name>` with usage text `usage`. */
export function commandOutput(name, usage) {
  let secrets = [];
  const scrub = (text) => {
    let out = String(text);
    for (const secret of secrets) if (secret) out = out.split(secret).join('<hidden>');
    return out;
  };
  const say = (text) => {
    process.stdout.write(`${scrub(text)}\n`);
  };
  const complain = (message) => {
    process.stderr.write(`clawpay ${name}: ${scrub(String(message).split('\n')[0])}\n`);
  };
  return {
    say,
    complain,
    /** Complains with the usage and returns exit code 2. */
    usageError(message) {
      complain(`${message} (usage: ${usage})`);
      return 2;
    },
    /** The config's secrets, to be hidden from now on. */
    hide(config) {
      secrets = [config.privateKey, config.privateKey?.slice(2), config.rpcUrl].filter(Boolean);
    },
  };
}
