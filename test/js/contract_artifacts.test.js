// The devnet deploys the contract artifacts that ship in contracts/artifacts/
// instead of compiling at run time. They must be exactly what solc makes of
// contracts/*.sol today, and the devnet refuses one whose sources changed
// since it was compiled.
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { contractArtifact } from '../../lib/devnet/artifacts.js';
import { ARTIFACTS_DIR, CONTRACTS_DIR, freshArtifacts, staleArtifacts } from '../../scripts/compile-contracts.js';

const fresh = freshArtifacts();

describe('shipped contract artifacts', () => {
  test('equal a fresh compile of every contracts/*.sol, one artifact per source', () => {
    const sources = readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith('.sol')).map((f) => f.replace(/\.sol$/, '.json'));
    assert.deepEqual([...fresh.keys()].sort(), sources.sort());
    assert.deepEqual(readdirSync(ARTIFACTS_DIR).sort(), sources.sort());
    assert.deepEqual(staleArtifacts(fresh), []);
  });

  test('the freshness check reports an artifact that differs, is missing, or has no source', () => {
    const edited = new Map(fresh);
    edited.set('UsdCoin.json', fresh.get('UsdCoin.json').replace('"bytecode": "0x', '"bytecode": "0x00'));
    edited.set('Extra.json', '{}\n');
    edited.delete('AgentNft.json');
    assert.deepEqual(staleArtifacts(edited), [
      'UsdCoin.json differs from a fresh compile',
      'Extra.json is missing',
      'AgentNft.json has no contracts/AgentNft.sol',
    ]);
  });

  test('what the devnet loads is the compiled ABI and bytecode', () => {
    for (const [file, text] of fresh) {
      const { abi, bytecode, deployedBytecode } = JSON.parse(text);
      assert.deepEqual(contractArtifact(file.replace(/\.json$/, '')), { abi, bytecode, deployedBytecode });
    }
  });
});

describe('the devnet refuses an artifact it cannot trust', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'clawpay-artifacts-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  const copy = (name) => {
    const dir = join(scratch, name);
    cpSync(CONTRACTS_DIR, dir, { recursive: true });
    return dir;
  };

  test('a contract edited since it was compiled is stale', () => {
    const dir = copy('edited');
    appendFileSync(join(dir, 'UsdCoin.sol'), '\n// edited\n');
    assert.throws(() => contractArtifact('UsdCoin', { contractsDir: dir }), (error) => {
      assert.equal(error.code, 'ERR_CONTRACT_ARTIFACT');
      assert.match(error.message, /UsdCoin is stale: contracts\/UsdCoin\.sol changed since it was compiled/);
      assert.match(error.message, /npm run contracts/);
      return true;
    });
    assert.ok(contractArtifact('Multicall3', { contractsDir: dir }).bytecode.startsWith('0x'), 'the others still load');
  });

  test('the factory is stale when the account contract it imports changed', () => {
    const dir = copy('imported');
    appendFileSync(join(dir, 'AgentAccountV2.sol'), '\n// edited\n');
    assert.throws(() => contractArtifact('AgentAccountFactoryV2', { contractsDir: dir }),
      { code: 'ERR_CONTRACT_ARTIFACT', message: /AgentAccountFactoryV2 is stale: contracts\/AgentAccountV2\.sol changed/ });
  });

  test('a missing artifact or source, or a malformed one, is named', () => {
    const dir = copy('damaged');
    unlinkSync(join(dir, 'artifacts', 'AgentNft.json'));
    assert.throws(() => contractArtifact('AgentNft', { contractsDir: dir }),
      { code: 'ERR_CONTRACT_ARTIFACT', message: /AgentNft: cannot read .*AgentNft\.json \(ENOENT\)/ });
    unlinkSync(join(dir, 'Multicall3.sol'));
    assert.throws(() => contractArtifact('Multicall3', { contractsDir: dir }),
      { code: 'ERR_CONTRACT_ARTIFACT', message: /Multicall3: its source Multicall3\.sol: cannot read/ });
    appendFileSync(join(dir, 'artifacts', 'UsdCoin.json'), 'x');
    assert.throws(() => contractArtifact('UsdCoin', { contractsDir: dir }),
      { code: 'ERR_CONTRACT_ARTIFACT', message: /UsdCoin: .*UsdCoin\.json is not JSON/ });
    assert.throws(() => contractArtifact('../UsdCoin'), TypeError);
  });
});
