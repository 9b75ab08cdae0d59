// Runs a Node script to its end, as a person runs a command, and collects
// what it printed: the CLI and environment tests' one way to do so.
import { spawn } from 'node:child_process';

/**
 * `node script ...args` with exactly `env`; stdin 'ignore' (/dev/null) or
 * 'pipe' (a pipe closed at once). Resolves {code, stdout, stderr}.
 */
export function runNode(script, args, { env, cwd, stdin = 'ignore' } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env, cwd, stdio: [stdin, 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (stdin === 'pipe') child.stdin.end();
  });
}
