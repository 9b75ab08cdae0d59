// The README's first command ends in `npm run demo`: it must run to the end,
// pay on the local world, and move exactly what it says it moved.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'node:test';

const BIN = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));

test('clawpay demo runs the core, then drives clawpay-mcp over stdio on the paid world and its contract wallet', { timeout: 120_000 }, () => {
  const result = spawnSync(process.execPath, [BIN, 'demo'], { encoding: 'utf8', timeout: 110_000 });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /verify {3}valid for/);
  assert.match(result.stdout, /scope {4}refuses https:\/\/api\.example\.com\.evil\.io\/v1/);
  assert.doesNotMatch(result.stdout, /COVERS/);
  assert.match(result.stdout, /mcp {6}clawpay-mcp launched over stdio in \d+ ms: 11 tools/);
  assert.match(result.stdout, /x402_pay \/api\/weather: 200, paid 0\.01 USDC/);
  assert.match(result.stdout, /session {2}20 x402_session_fetch calls, no payment each/);
  assert.match(result.stdout, /status {3}20 calls under the session/);
  assert.match(result.stdout, /end {6}session ended and revoked on the server/);
  assert.match(result.stdout, /balances payer -0\.06 USDC, payee \+0\.06 USDC/);
  assert.match(result.stdout, /ledger {3}2 settlements recorded/);
  assert.match(result.stdout, /wallet {3}AgentAccountV2 0x[0-9a-fA-F]{8}…, agent key an operator: 1\.00 USDC per payment, 5\.00 a day/);
  assert.match(result.stdout, /send {5}0\.50 USDC within the limit: executed on chain .*the supplier holds 0\.50 USDC/);
  assert.match(result.stdout, /send {5}2 USDC, over the limit: queued as #0, nothing moved; approving it is left to the owner/);
  // The demo's keys are generated or public test keys; none is printed.
  assert.doesNotMatch(result.stdout, /0x[0-9a-f]{64}\b/i);
});
