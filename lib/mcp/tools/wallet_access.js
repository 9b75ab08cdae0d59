// What the six wallet tools share: the wallet of this server (contract or
// key mode, lib/wallet/), or a clear failure when the server was made
// without one.
import { walletToolInputs } from '../schemas.js';
import { failure } from '../tool_result.js';

/**
 * Wraps a wallet tool's handler: `handler(wallet, args)` runs only when the
 * server has a wallet.
 */
export function withWallet(name, wallet, handler) {
  if (wallet) return (args) => handler(wallet, args);
  return async () => failure(`${name}: this clawpay-mcp server was started without a wallet (no RPC connection configured).`,
    { error: 'wallet_unavailable' });
}

/**
 * The tool `name` as {title, description, inputSchema, annotations, handler}:
 * ClawPay 1.1's input fields, failures as isError results, and `handler(wallet,
 * args)` run only when the server has a wallet.
 */
export function walletTool(name, { wallet, guarded }, { title, description, annotations }, handler) {
  return { title, description, inputSchema: walletToolInputs[name], annotations, handler: guarded(name, withWallet(name, wallet, handler)) };
}

/** A token argument: omitted, empty or the zero address all mean ETH. */
export function tokenArg(token) {
  if (token === undefined || token === null) return undefined;
  const text = String(token).trim();
  return text === '' || /^0x0{40}$/i.test(text) ? undefined : text;
}
