// A private redis-server for tests, benchmarks and local runs: on
// 127.0.0.1, a free port, a temporary directory, AOF on with fsync on every
// write (what a paywall needs to keep every acknowledged receipt through a
// kill -9), no RDB snapshots, no system service.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from './chain.js';

const READY_TIMEOUT_MS = 10_000;
const READY_POLL_MS = 20;
const BINARY = process.env.REDIS_SERVER_BINARY ?? 'redis-server';

/** Throws ERR_REDIS_NOT_FOUND, naming the script that installs it, when redis-server is missing. */
export function assertRedisServer() {
  const found = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    const error = new Error(`${BINARY} is not installed: run scripts/setup.sh (it installs Debian's redis-server)`);
    error.code = 'ERR_REDIS_NOT_FOUND';
    throw error;
  }
}

// PING answered with +PONG (not -LOADING while the AOF is replayed).
function pong(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data;
      if (reply.includes('\r\n')) { socket.destroy(); resolve(reply.startsWith('+PONG')); }
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * Starts redis-server; `kill()` stops it with SIGKILL (no shutdown save),
 * `start()` starts it again on the same port and directory (replaying its
 * AOF), `stop()` stops it and removes the directory.
 * @returns {Promise<{url: string, port: number, dir: string, start(): Promise<void>, kill(): Promise<void>, stop(): Promise<void>}>}
 */
export async function startRedisServer() {
  assertRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'clawpay-redis-'));
  const port = await freePort();
  let child = null;

  async function start() {
    child = spawn(BINARY, [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes',
      '--appendfsync', 'always', '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.exited = exited;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await pong(port))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
      await new Promise((resolve) => { setTimeout(resolve, READY_POLL_MS); });
    }
  }

  async function kill() {
    if (!child || child.exitCode !== null) return;
    child.kill('SIGKILL');
    await child.exited;
  }

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    start,
    kill,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
