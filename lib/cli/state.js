// `clawpay state verify [DIR]`: checks a state directory and says what it
// holds, changing nothing (journals are opened read-only: no torn tail is
// cut, no header written, no manifest entry added). A damaged directory is
// never "repaired" here: the way back is a backup, since dropping records
// could forget money spent.
// Exit codes: 0 healthy, 1 damage found, 2 bad usage.
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

import { defaultStateDir } from '../pay/config.js';
import { ReceiptLedger } from '../receipt_ledger.js';
import { RecordStore } from '../record_store.js';
import { SessionStore } from '../session_store.js';
import { MANIFEST_FILE, readManifest, shownPath } from '../state_dir.js';

const USAGE = 'clawpay state verify [DIR]   (DIR defaults to clawpay-mcp\'s: $CLAWPAY_STATE_DIR, else $XDG_STATE_HOME/clawpay or ~/.local/state/clawpay)';

// Enough of a file's start to read its journal header's format.
const HEADER_BYTES = 256;

const countBy = (items, key) => {
  const counts = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return Object.entries(counts).map(([name, n]) => `${n} ${name}`).join(', ') || 'none';
};

// What each kind of journal holds, in one line.
const SUMMARIES = {
  'clawpay-records': {
    open: (path, onNotice) => new RecordStore({ path, readOnly: true, onNotice }),
    describe(store) {
      const byPrefix = (prefix) => store.list(prefix).map(({ id, value }) => ({ id, value }));
      const days = byPrefix('spend/day/').map(({ id, value }) => `${id.slice('spend/day/'.length)} spent ${value.spent} in ${value.count} payment(s)`);
      return [
        `${store.size} records`,
        `payments: ${countBy(byPrefix('payment/'), ({ value }) => value.state)}`,
        `spend counters: ${days.join('; ') || 'none'}`,
        `spend holds: ${byPrefix('spend/hold/').length}`,
        `wallet transactions: ${countBy(byPrefix('tx/'), ({ value }) => value.status)}`,
        `approvals: ${countBy(byPrefix('approval/'), ({ value }) => value.status)}`,
      ].join('; ');
    },
  },
  'clawpay-sessions': {
    open: (path, onNotice) => new SessionStore({ path, readOnly: true, onNotice }),
    describe(cache) {
      const all = cache.list({ includeExpired: true });
      const live = cache.list().length;
      return `${all.length} sessions (${live} live, ${all.length - live} ended or expired)`;
    },
  },
  'clawpay-receipts': {
    open: (path, onNotice) => new ReceiptLedger({ path, readOnly: true, onNotice }),
    describe(ledger) {
      const receipts = ledger.list();
      return `${receipts.length} receipts (${countBy(receipts, (r) => r.status)})`;
    },
  },
};

/** The journal format a file's header names, or null when it is not one of ours. */
function headerFormat(path) {
  const buffer = Buffer.alloc(HEADER_BYTES);
  let text;
  try {
    const fd = openSync(path, 'r');
    try {
      text = buffer.toString('latin1', 0, readSync(fd, buffer, 0, HEADER_BYTES, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const format = /^[0-9a-f]{8} \{"format":"(clawpay-[a-z-]+)"/.exec(text)?.[1];
  return format && Object.hasOwn(SUMMARIES, format) ? format : null;
}

/** Checks `dir`; returns {lines, damaged} without printing. */
export function verifyStateDir(dir) {
  const lines = [];
  let damaged = 0;
  const bad = (name, message) => {
    damaged += 1;
    lines.push(`  ${name}: DAMAGED: ${message}`);
  };
  let manifest = null;
  try {
    manifest = readManifest(dir);
    lines.push(manifest
      ? `  ${MANIFEST_FILE}: lists ${Object.entries(manifest).map(([name, format]) => `${name} (${format})`).join(', ') || 'nothing'}`
      : `  ${MANIFEST_FILE}: none (a directory not yet used by this version, or never used)`);
  } catch (error) {
    bad(MANIFEST_FILE, error.message);
  }

  const journals = new Map(Object.entries(manifest ?? {}));
  for (const name of readdirSync(dir).sort()) {
    if (journals.has(name) || name === MANIFEST_FILE) continue;
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const format = headerFormat(path);
    if (format) journals.set(name, format);
    else if (/\.(compact\.|tmp\.)\d+$/.test(name)) lines.push(`  ${name}: left over by an interrupted rewrite (the journal it belonged to is intact)`);
  }

  for (const [name, format] of [...journals].sort(([a], [b]) => a.localeCompare(b))) {
    const kind = SUMMARIES[format];
    if (!kind) {
      bad(name, `listed as "${format}", a kind of journal this version does not know`);
      continue;
    }
    const notices = [];
    let store;
    try {
      store = kind.open(join(dir, name), (notice) => notices.push(notice));
      lines.push(`  ${name}: ${notices.length ? 'readable' : 'ok'}, ${kind.describe(store)}`);
      for (const notice of notices) lines.push(`    note: ${notice}`);
    } catch (error) {
      bad(name, error.message);
    } finally {
      store?.close();
    }
  }
  if (journals.size === 0) lines.push('  no journals');
  else if (manifest === null) {
    // Written by a version before manifests, or the manifest was removed:
    // the next start lists these again, but cannot tell if one was emptied.
    lines.push(`  note: journals but no ${MANIFEST_FILE}; the next start lists them`);
  }
  return { lines, damaged };
}

export async function stateCommand(argv, { env = process.env } = {}) {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === 'help') {
    process.stdout.write(`usage: ${USAGE}\n`);
    return 0;
  }
  if (sub !== 'verify' || rest.length > 1 || rest[0]?.startsWith('-')) {
    process.stderr.write(`clawpay state: usage: ${USAGE}\n`);
    return 2;
  }
  const given = rest[0] ?? (env.CLAWPAY_STATE_DIR?.trim() || defaultStateDir(env));
  const dir = isAbsolute(given) ? given : resolve(given);
  let stat;
  try {
    stat = statSync(dir);
  } catch (error) {
    process.stderr.write(`clawpay state: cannot read ${shownPath(dir)}: ${error.code ?? error.message}\n`);
    return 1;
  }
  if (!stat.isDirectory()) {
    process.stderr.write(`clawpay state: ${shownPath(dir)} is not a directory\n`);
    return 2;
  }
  const { lines, damaged } = verifyStateDir(dir);
  process.stdout.write(`${shownPath(dir)}\n${lines.join('\n')}\n`);
  if (damaged) {
    process.stdout.write(`DAMAGED: ${damaged} problem(s). Nothing was changed. Restore the damaged files from a backup; ` +
      'do not delete or truncate them (they may hold records of money spent or received).\n');
    return 1;
  }
  process.stdout.write('healthy\n');
  return 0;
}
