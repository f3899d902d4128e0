/**
 * The probe worker, as plain JavaScript source run with `new Worker(source, { eval: true })`.
 *
 * It is a string on purpose: it then runs unchanged from TypeScript sources under vitest, from the
 * esbuild bundle of the app (one file) and from Electron's main process, with no worker file to
 * find on disk. It does only the blocking I/O, and no decisions: everything else happens in typed
 * code on the main thread.
 *
 * On Linux the worker lowers its own thread's priority (nice 10; there, unlike elsewhere, this
 * touches only the calling thread), so that the main thread, which answers the window, comes first.
 *
 * Two jobs:
 * - list  { kind: 'list', id, dir } -> { id, files, folders, links, special } (names, each sorted),
 *   or { id, error: code }. Entry types come from the listing itself: nothing is opened.
 * - probe { kind: 'probe', id, prefix, relPrefix, names, headBytes, buffer } -> { id, buffer, errors, lines }:
 *   for each name open (read-only, never following a link, never blocking on a FIFO), fstat, read
 *   the first bytes, close. `buffer` (transferred there and back, reused from batch to batch) holds
 *   for n names: sizes f64[n], mtimes f64[n], lengths u16[n], status u8[n], heads u8[n * headBytes].
 *   status: 0 regular file, 1 failed (see errors: [index, code]), 2 folder, 3 special file, 4 link.
 *   `lines` are the fingerprint lines, `relPrefix + name\tsize\tfloor(mtimeMs)\n`, of the entries
 *   with status 0 or 1, in batch order, in UTF-8 (a transferred buffer: no string to copy into the
 *   main thread's heap).
 */
export const PROBE_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const c = fs.constants;
if (process.platform === 'linux') {
  try { require('node:os').setPriority(0, 10); } catch (_) { /* keep the normal priority */ }
}
const FLAGS = process.platform === 'win32' ? c.O_RDONLY : c.O_RDONLY | (c.O_NONBLOCK || 0) | (c.O_NOFOLLOW || 0);
const utf8 = new TextEncoder();

function list(m) {
  let entries;
  try {
    entries = fs.readdirSync(m.dir, { withFileTypes: true });
  } catch (error) {
    return { id: m.id, error: (error && error.code) || 'EIO' };
  }
  const files = [];
  const folders = [];
  const links = [];
  const special = [];
  for (const e of entries) {
    if (e.isSymbolicLink()) links.push(e.name);
    else if (e.isDirectory()) folders.push(e.name);
    else if (e.isFile()) files.push(e.name);
    else special.push(e.name);
  }
  return { id: m.id, files: files.sort(), folders: folders.sort(), links: links.sort(), special: special.sort() };
}

function probe(m) {
  const { names, prefix, relPrefix, headBytes: hb, buffer } = m;
  const n = names.length;
  const sizes = new Float64Array(buffer, 0, n);
  const mtimes = new Float64Array(buffer, 8 * n, n);
  const lengths = new Uint16Array(buffer, 16 * n, n);
  const status = new Uint8Array(buffer, 18 * n, n);
  const heads = new Uint8Array(buffer, 19 * n, n * hb);
  const errors = [];
  let lines = '';
  for (let i = 0; i < n; i++) {
    let fd = -1;
    sizes[i] = 0;
    mtimes[i] = 0;
    lengths[i] = 0;
    status[i] = 0;
    try {
      fd = fs.openSync(prefix + names[i], FLAGS);
      const st = fs.fstatSync(fd);
      sizes[i] = st.size;
      mtimes[i] = st.mtimeMs;
      if (st.isFile()) lengths[i] = fs.readSync(fd, heads, i * hb, hb, 0);
      else status[i] = st.isDirectory() ? 2 : 3;
    } catch (error) {
      const code = (error && error.code) || 'EIO';
      if (code === 'ELOOP' || code === 'EMLINK') status[i] = 4;
      else if (code === 'EISDIR') status[i] = 2;
      else {
        status[i] = 1;
        errors.push([i, code]);
      }
    } finally {
      if (fd >= 0) {
        try { fs.closeSync(fd); } catch (_) { /* nothing to do */ }
      }
    }
    if (status[i] <= 1) lines += relPrefix + names[i] + '\t' + sizes[i] + '\t' + Math.floor(mtimes[i]) + '\n';
  }
  return { id: m.id, buffer, errors, lines: utf8.encode(lines) };
}

parentPort.on('message', (m) => {
  if (m.kind === 'list') parentPort.postMessage(list(m));
  else {
    const out = probe(m);
    parentPort.postMessage(out, [out.buffer, out.lines.buffer]);
  }
});
`;
