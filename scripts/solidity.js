// Compiles Solidity with solc-js (the npm build of the compiler, no native
// binary, no download) for the local devnet contracts. A build tool:
// scripts/compile-contracts.js writes what it returns to contracts/artifacts/,
// which the devnet loads, so solc is a devDependency, not a runtime one.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, relative, resolve } from 'node:path';

// Cancun is the newest fork the devnet contracts need (MCOPY, PUSH0) and is
// below anvil's default ("latest"), so the bytecode runs there unchanged.
export const EVM_VERSION = 'cancun';

const cache = new Map();
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const require = createRequire(import.meta.url);
let solcModule;

// solc-js is loaded on first use (it takes ~0.5 s), and its Emscripten
// runtime installs a process-wide 'unhandledRejection' handler that rethrows;
// that handler is removed again so importing this module, or compiling, does
// not change how the host process (a server, a test runner) treats rejections.
function loadSolc() {
  if (!solcModule) {
    const before = new Set(process.listeners('unhandledRejection'));
    try {
      solcModule = require('solc');
    } finally {
      for (const listener of process.listeners('unhandledRejection')) {
        if (!before.has(listener)) process.removeListener('unhandledRejection', listener);
      }
    }
  }
  return solcModule;
}

/**
 * Compiles one .sol file and returns one contract from it.
 *
 * @param {string} file  path to the .sol file (relative paths resolve against the cwd)
 * @param {{contractName?: string}} [options]  defaults to the file's base name
 * @returns {{abi: object[], bytecode: `0x${string}`, deployedBytecode: `0x${string}`,
 *   sources: Record<string, string>, compiler: string}}  sources: the sha256 of every
 *   file the compile read, by path relative to the compiled file's folder
 */
export function compileSolidity(file, { contractName } = {}) {
  if (typeof file !== 'string' || file === '') {
    throw new TypeError('compileSolidity: "file" must be a path to a .sol file');
  }
  const path = resolve(file);
  const name = contractName ?? basename(path, '.sol');

  let source;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`compileSolidity: cannot read ${path}: ${err.message}`, { cause: err });
  }

  // Keyed by content, not just path, so an edited file recompiles.
  const key = `${path}\0${name}\0${sha256(source)}`;
  const hit = cache.get(key);
  if (hit) return hit;

  const unit = basename(path);
  const input = {
    language: 'Solidity',
    sources: { [unit]: { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: EVM_VERSION,
      outputSelection: { [unit]: { [name]: ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  // Imports resolve next to the compiled file; nothing is fetched.
  const sources = { [unit]: sha256(source) };
  const findImports = (importPath) => {
    try {
      const contents = readFileSync(resolve(dirname(path), importPath), 'utf8');
      sources[relative(dirname(path), resolve(dirname(path), importPath))] = sha256(contents);
      return { contents };
    } catch {
      return { error: `File not found: ${importPath}` };
    }
  };
  const solc = loadSolc();
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

  const errors = (output.errors ?? []).filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const text = errors.map((d) => d.formattedMessage ?? d.message).join('\n');
    throw new Error(`Solidity compilation of ${path} failed (solc ${solc.version()}):\n${text}`);
  }
  const contract = output.contracts?.[unit]?.[name];
  if (!contract) {
    const found = Object.keys(output.contracts?.[unit] ?? {});
    throw new Error(`compileSolidity: no contract "${name}" in ${path} (found: ${found.join(', ') || 'none'})`);
  }
  const result = Object.freeze({
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
    deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
    sources: Object.fromEntries(Object.entries(sources).sort(([a], [b]) => a.localeCompare(b))),
    compiler: solc.version(),
  });
  cache.set(key, result);
  return result;
}
