// Runs support/channel_buyer_child.js (a clawpay-native/pay buyer process on
// a state directory) and reads its JSON lines as they come.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./channel_buyer_child.js', import.meta.url));

/** Runs the buyer (its env: the child's header); `onLine(line, child)` sees each JSON line. Resolves {code, signal, lines, stderr}. */
export function runBuyer(env, onLine = () => {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    let buffer = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (data) => {
      buffer += data;
      let at;
      while ((at = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, at));
        buffer = buffer.slice(at + 1);
        lines.push(line);
        onLine(line, child);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (data) => { stderr += data; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, lines, stderr }));
  });
}
