#!/usr/bin/env node
// The devnet's contract artifacts: compiles every contracts/<Name>.sol into
// contracts/artifacts/<Name>.json (ABI, bytecode, the compiler and the sha256
// of each source it read). The devnet loads these at run time, so neither a
// checkout nor the installed package needs solc to run it. They are
// committed, not generated on install: every checkout, worktree and CI run
// has them without a build step, and their diffs show what a contract change
// did to the ABI. This script's --check (npm's prepack) and
// test/js/contract_artifacts.test.js keep them equal to a fresh compile.
//   node scripts/compile-contracts.js          write them (npm run contracts)
//   node scripts/compile-contracts.js --check  fail unless they equal a fresh compile
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { EVM_VERSION, compileSolidity } from './solidity.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CONTRACTS_DIR = join(root, 'contracts');
export const ARTIFACTS_DIR = join(CONTRACTS_DIR, 'artifacts');

/** The artifact files a fresh compile of contracts/*.sol gives: Map of file name -> text. */
export function freshArtifacts() {
  const files = new Map();
  for (const sol of readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith('.sol')).sort()) {
    const contractName = basename(sol, '.sol');
    const { abi, bytecode, deployedBytecode, sources, compiler } = compileSolidity(join(CONTRACTS_DIR, sol));
    const artifact = { contractName, compiler, evmVersion: EVM_VERSION, sources, abi, bytecode, deployedBytecode };
    files.set(`${contractName}.json`, `${JSON.stringify(artifact, null, 2)}\n`);
  }
  return files;
}

/** What differs between contracts/artifacts/ and a fresh compile, one line each (none: they are equal). */
export function staleArtifacts(fresh = freshArtifacts()) {
  const problems = [];
  for (const [file, text] of fresh) {
    const path = join(ARTIFACTS_DIR, file);
    if (!existsSync(path)) problems.push(`${file} is missing`);
    else if (readFileSync(path, 'utf8') !== text) problems.push(`${file} differs from a fresh compile`);
  }
  const shipped = existsSync(ARTIFACTS_DIR) ? readdirSync(ARTIFACTS_DIR).filter((f) => f.endsWith('.json')) : [];
  for (const file of shipped) {
    if (!fresh.has(file)) problems.push(`${file} has no contracts/${basename(file, '.json')}.sol`);
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const fresh = freshArtifacts();
  const shown = relative(root, ARTIFACTS_DIR);
  if (process.argv.includes('--check')) {
    const problems = staleArtifacts(fresh);
    if (problems.length > 0) {
      console.error(`compile-contracts: ${shown} is stale (${problems.join('; ')}); run npm run contracts and commit the result`);
      process.exit(1);
    }
    console.error(`compile-contracts: ${shown} equals a fresh compile of ${fresh.size} contracts`);
  } else {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    for (const [file, text] of fresh) writeFileSync(join(ARTIFACTS_DIR, file), text);
    console.log(`compile-contracts: wrote ${fresh.size} artifacts to ${shown}`);
  }
}
