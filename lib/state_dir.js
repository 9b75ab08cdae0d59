// A state directory: the directory a journal lives in, and its manifest, the
// list of journals it holds. A journal's header keeps its own high-water mark
// (src/journal.h), but a file emptied or removed says nothing about what it
// held; the manifest does. A journal the manifest lists is opened with
// {mustExist: true}, so a missing, empty or header-less one is damage, never
// a fresh start. Every JS store opened on a path goes through openJournal().
//
// The manifest, `clawpay.manifest`: {"format":"clawpay-state","version":1,
// "files":{"<name>":"<journal format>"}}, written whole (temp file, fsync,
// rename, fsync of the directory) and only when a journal is first created.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { maybeSecret } from './secret_text.js';
import { argError, describe } from './validate.js';

export const MANIFEST_FILE = 'clawpay.manifest';
const MANIFEST_FORMAT = 'clawpay-state';
const MANIFEST_VERSION = 1;
// Enough for a few processes creating journals in one directory at once.
const MANIFEST_TRIES = 5;

function stateError(code, message, cause) {
  const error = new Error(message, cause ? { cause } : undefined);
  error.code = code;
  return error;
}

/** A path fit for a message: one holding a 64-hex-digit run (it could be a key) is not shown. */
export function shownPath(path) {
  return maybeSecret(path) ? '(path not shown: it holds a 64-hex-digit run)' : path;
}

/**
 * mkdir -p with mode 0700, one level at a time. Node's recursive mkdirSync
 * spins forever where mkdir answers ENOENT under an existing parent (/proc);
 * here that is an error naming `what` (the variable the path came from).
 * Returns true when it created any level.
 */
export function ensureDir(dir, what = 'state directory') {
  try {
    return makeDirs(dir);
  } catch (cause) {
    const step = cause.path && cause.path !== dir ? ` (${cause.syscall ?? 'mkdir'} ${shownPath(cause.path)})` : '';
    throw stateError('ERR_STATE_DIR', `${what} ${shownPath(dir)} cannot be created or used: ${cause.code ?? cause.message}${step}; ` +
      'choose a directory you can write', cause);
  }
}

function makeDirs(dir) {
  let stat;
  try {
    stat = statSync(dir);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  if (stat) {
    if (!stat.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR', path: dir });
    return false;
  }
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if (error.code === 'EEXIST' && statSync(dir).isDirectory()) return false;
    throw error;
  }
  syncDir(parent);
  return true;
}

/** A new directory entry (a file created, a rename) is durable only once its directory is. */
export function syncDir(dir) {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The manifest's {name: format} map, or null when the directory has none.
 * A manifest that cannot be read as one is damage (ERR_STATE_DAMAGED).
 */
export function readManifest(dir) {
  const file = join(dir, MANIFEST_FILE);
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const files = parsed?.files;
  const valid = parsed?.format === MANIFEST_FORMAT && parsed.version === MANIFEST_VERSION &&
    files !== null && typeof files === 'object' && !Array.isArray(files) &&
    Object.values(files).every((format) => typeof format === 'string');
  if (!valid) {
    throw stateError('ERR_STATE_DAMAGED', `state manifest ${shownPath(file)} is damaged (not a ${MANIFEST_FORMAT} manifest). ` +
      `Nothing was changed. Run \`clawpay state verify ${shownPath(dir)}\` for details and restore it from a backup.`);
  }
  return { ...files };
}

function writeManifest(dir, files) {
  const tmp = join(dir, `${MANIFEST_FILE}.tmp.${process.pid}`);
  const text = `${JSON.stringify({ format: MANIFEST_FORMAT, version: MANIFEST_VERSION, files })}\n`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(tmp);
    throw error;
  }
  closeSync(fd);
  renameSync(tmp, join(dir, MANIFEST_FILE));
  syncDir(dir);
}

/**
 * Adds a journal to its directory's manifest. Two processes adding at once
 * could each rename over the other's manifest: read back, and add again
 * until ours is there.
 */
function listJournal(dir, name, format) {
  for (let i = 0; i < MANIFEST_TRIES; i += 1) {
    const files = readManifest(dir) ?? {};
    if (files[name] === format) return;
    writeManifest(dir, { ...files, [name]: format });
  }
  throw stateError('ERR_STATE_DIR', `could not record ${name} in the manifest of ${shownPath(dir)}: other processes kept rewriting it`);
}

/**
 * Opens the journal at `path` (of `format`) through `open(access)`, which
 * returns the native store; a journal the manifest lists must exist and hold
 * its header. Notices the journal made (a torn final record cut off) go to
 * `onNotice`. `readOnly` (for `clawpay state verify`) creates, cuts and
 * records nothing.
 */
export function openJournal(path, format, open, { readOnly = false, onNotice = printNotice } = {}) {
  const dir = dirname(path);
  const name = basename(path);
  if (!readOnly) ensureDir(dir);
  const listed = (readManifest(dir) ?? {})[name] !== undefined;
  const store = open({ mustExist: listed, readOnly });
  try {
    reportNotices(store, onNotice);
    if (!listed && !readOnly) listJournal(dir, name, format);
  } catch (error) {
    store.close();
    throw error;
  }
  return store;
}

/** The options every journaled JS store takes besides `path`, checked. */
export function journalOptions(options) {
  const { readOnly = false, onNotice } = options;
  if (typeof readOnly !== 'boolean') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', `Expected a boolean for options.readOnly but received ${describe(readOnly)}`);
  if (onNotice !== undefined && typeof onNotice !== 'function') {
    throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', `Expected a function for options.onNotice but received ${describe(onNotice)}`);
  }
  return { readOnly, ...(onNotice ? { onNotice } : {}) };
}

/** Passes what the native store's journal reported to `onNotice`, one line each. */
export function reportNotices(store, onNotice = printNotice) {
  for (const notice of store.takeNotices()) onNotice(notice);
}

function printNotice(line) {
  process.stderr.write(`clawpay: ${line}\n`);
}
