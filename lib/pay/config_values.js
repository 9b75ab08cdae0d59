// How loadConfig (config.js) reads one value: shown only when it cannot be a
// secret, addresses checked to EIP-55, and the one message for a value that
// looks like a private key. Shared by the asset (config_asset.js) and the
// policy (config_policy.js).
import { getAddress } from '../hashing.js';
import { showInput } from '../secret_text.js';
import { HEX_ADDRESS } from '../validate.js';

export const shown = (value) => showInput(value, 60);

export const secretProblem = (where) => `${where} holds what looks like a private key (a run of 64 hex digits), which is never a valid value here; ` +
  'the value is not shown (the agent\'s key belongs in AGENT_PRIVATE_KEY only)';

/** An EIP-55 address, or null after reporting why not. */
export function address(value, variable, report) {
  const text = String(value).trim();
  if (!HEX_ADDRESS.test(text)) {
    report(variable, `${variable} must be an address, 0x + 40 hex digits; got ${shown(text)}`);
    return null;
  }
  try {
    return getAddress(text);
  } catch {
    report(variable, `${variable} has a mixed-case address whose EIP-55 checksum is wrong (${text}); check it or write it in lower case`);
    return null;
  }
}
