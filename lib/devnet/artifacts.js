// The devnet's contracts as they ship: ABI and bytecode compiled from
// contracts/*.sol ahead of time (scripts/compile-contracts.js), so starting
// the devnet needs no Solidity compiler. An artifact whose sources have
// changed since it was compiled is refused rather than deployed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { sha256Hex } from '../hashing.js';

const CONTRACTS_DIR = fileURLToPath(new URL('../../contracts/', import.meta.url));
const FIX = 'run `npm run contracts` in a clawpay-native checkout, or reinstall the package';
const HEX = /^0x(?:[0-9a-f]{2})+$/;

const cache = new Map();

function artifactError(message, cause) {
  const error = new Error(`contract artifact ${message}`, cause === undefined ? undefined : { cause });
  error.code = 'ERR_CONTRACT_ARTIFACT';
  return error;
}

function readText(path, what) {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw artifactError(`${what}: cannot read ${path} (${err.code ?? err.message}); ${FIX}`, err);
  }
}

/**
 * {abi, bytecode, deployedBytecode} of contracts/<name>.sol, from
 * contracts/artifacts/<name>.json (read once per process).
 * @param {string} name  the contract, which is also its file's base name
 * @param {{contractsDir?: string}} [options]  another contracts folder (tests)
 */
export function contractArtifact(name, { contractsDir = CONTRACTS_DIR } = {}) {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new TypeError(`contractArtifact: "name" must be a contract name such as UsdCoin, got ${typeof name === 'string' ? JSON.stringify(name.slice(0, 40)) : typeof name}`);
  }
  const path = join(contractsDir, 'artifacts', `${name}.json`);
  const hit = cache.get(path);
  if (hit) return hit;

  let artifact;
  try {
    artifact = JSON.parse(readText(path, name));
  } catch (err) {
    if (err.code === 'ERR_CONTRACT_ARTIFACT') throw err;
    throw artifactError(`${name}: ${path} is not JSON (${err.message}); ${FIX}`, err);
  }
  const { abi, bytecode, deployedBytecode, sources } = artifact ?? {};
  if (!Array.isArray(abi) || !HEX.test(bytecode) || !HEX.test(deployedBytecode) ||
    sources === null || typeof sources !== 'object' || Object.keys(sources).length === 0) {
    throw artifactError(`${name}: ${path} lacks abi, bytecode, deployedBytecode or sources; ${FIX}`);
  }
  // The sources ship beside the artifacts; a mismatch means someone edited a
  // .sol without recompiling, and the bytecode would not be what it says.
  for (const [file, digest] of Object.entries(sources)) {
    const text = readText(join(contractsDir, file), `${name}: its source ${file}`);
    if (sha256Hex(text) !== digest) {
      throw artifactError(`${name} is stale: contracts/${file} changed since it was compiled; ${FIX}`);
    }
  }
  const result = Object.freeze({ abi, bytecode, deployedBytecode });
  cache.set(path, result);
  return result;
}
