// The scan of apt's lists is remembered in hardtop's state dir between runs
// (checks/updates/lists-cache.ts, issue #10): a repeat run reads no list and
// gives exactly what a fresh scan gives; a touched list, a list replaced by
// rename (new inode), a new list, a removed one, a new dpkg status and a
// damaged or foreign record each make it scan again what it must, and the
// record is private. Real files in a private copy of the deb12-pending
// sysroot (one list gzipped: the real zcat runs through Host.execStream); the
// host claims to be the live system (liveView) so that pending.ts caches, and
// the state dir it writes is the copy's, never this machine's.

import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LISTS_CACHE_FILE } from '../../checks/updates/lists-cache';
import { readPendingUpdates, type PendingReading } from '../../checks/updates/pending';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { copyRoot, liveView } from './updates-reboot-helpers';

const LISTS = 'var/lib/apt/lists';
const SECURITY = 'deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages';
const MAIN = 'deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages';
const UPDATES_GZ = 'deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages.gz';

/** Which lists a run read (Host.readFrom) or decompressed (Host.execStream), by file name. */
interface Reads {
  names: string[];
}

/** A fresh host (no in-memory cache) of the sysroot, claiming to be the live system, that records every list it reads. */
function countingLiveHost(root: string): { host: Host; reads: Reads } {
  const inner = createLocalHost({ root, network: false });
  const reads: Reads = { names: [] };
  const counting = new Proxy(inner, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === 'readFrom') {
        return (p: string, ...rest: unknown[]) => {
          reads.names.push(path.basename(p));
          return (value as (...a: unknown[]) => unknown).call(target, p, ...rest);
        };
      }
      if (prop === 'execStream') {
        return (program: string, args: string[], ...rest: unknown[]) => {
          reads.names.push(path.basename(args[args.length - 1]));
          return (value as (...a: unknown[]) => unknown).call(target, program, args, ...rest);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { host: liveView(counting), reads };
}

function sysroot(t: ExecutionContext): string {
  const root = copyRoot(t, 'deb12-pending');
  // One compressed list, as apt keeps them with Acquire::GzipIndexes (lz4 on this kind of machine).
  execFileSync('gzip', ['-n', path.join(root, LISTS, UPDATES_GZ.replace(/\.gz$/, ''))]);
  return root;
}

/** A run as `hardtop check` makes it: the lists the run read, and the reading. */
async function pending(root: string): Promise<{ reading: PendingReading; read: string[] }> {
  const { host, reads } = countingLiveHost(root);
  const reading = await readPendingUpdates(host);
  return { reading, read: [...new Set(reads.names)].sort() };
}

/** A fresh scan: the same sysroot as a --root tree (never cached). */
function fresh(root: string): Promise<PendingReading> {
  return readPendingUpdates(createLocalHost({ root, network: false }));
}

function allLists(root: string): string[] {
  return fs
    .readdirSync(path.join(root, LISTS))
    .filter((n) => /_Packages(\.gz)?$/.test(n))
    .sort();
}

function recordPath(root: string): string {
  return path.join(root, LISTS_CACHE_FILE);
}

/** The reading, and a proof it is the fresh scan's and not vacuous. */
async function sameAsFresh(t: ExecutionContext, root: string, reading: PendingReading): Promise<void> {
  t.is(reading.kind, 'ok');
  if (reading.kind === 'ok') t.true(reading.updates.length >= 3, 'the fixture has pending updates');
  t.deepEqual(reading, await fresh(root));
}

/** A sysroot after a first run (which scans every list and writes the record); `prepare` runs before it. */
async function warmed(t: ExecutionContext, prepare: (root: string) => void = () => {}): Promise<{ root: string; first: PendingReading }> {
  const root = sysroot(t);
  prepare(root);
  const first = await pending(root);
  t.deepEqual(first.read, allLists(root), 'the first run scans every list');
  t.true(fs.existsSync(recordPath(root)));
  return { root, first: first.reading };
}

test('a repeat run reads no list and gives what a fresh scan gives; the record is 0600 in a 0700 dir and small', async (t) => {
  const { root } = await warmed(t);
  const again = await pending(root);
  t.deepEqual(again.read, [], 'no list read, none decompressed');
  await sameAsFresh(t, root, again.reading);
  t.is(fs.statSync(recordPath(root)).mode & 0o777, 0o600);
  t.is(fs.statSync(path.dirname(recordPath(root))).mode & 0o777, 0o700);
  const rec = JSON.parse(fs.readFileSync(recordPath(root), 'utf8')) as { lists: Record<string, unknown> };
  t.deepEqual(Object.keys(rec.lists).sort(), allLists(root).map((n) => `/${LISTS}/${n}`).sort(), 'host paths, every list');
  t.true(fs.statSync(recordPath(root)).size < 64 * 1024);
});

test('a touched list (new mtime) is scanned again, and only it', async (t) => {
  const { root } = await warmed(t);
  const file = path.join(root, LISTS, SECURITY);
  const later = new Date(fs.statSync(file).mtimeMs + 60_000);
  fs.utimesSync(file, later, later);
  const again = await pending(root);
  t.deepEqual(again.read, [SECURITY]);
  await sameAsFresh(t, root, again.reading);
  t.deepEqual((await pending(root)).read, [], 'remembered again');
});

test('a list replaced by rename with the same size and mtime (new inode) is scanned again; its new version is seen', async (t) => {
  const file = (root: string) => path.join(root, LISTS, MAIN);
  // A whole-second mtime, so that utimes can give the replacement exactly the same one.
  const { root, first } = await warmed(t, (r) => fs.utimesSync(file(r), new Date('2026-11-20T10:00:00Z'), new Date('2026-11-20T10:00:00Z')));
  const st = fs.statSync(file(root));
  const text = fs.readFileSync(file(root), 'utf8');
  // The same length, a change that matters: nginx (installed 1.22.1-9, a security update pending) gets a newer version.
  const changed = text.replace('Version: 1.22.1-9\n', 'Version: 1.29.1-9\n');
  t.not(changed, text);
  t.is(changed.length, text.length);
  const next = `${file(root)}.new`;
  fs.writeFileSync(next, changed);
  fs.utimesSync(next, st.atime, st.mtime);
  fs.renameSync(next, file(root));
  t.is(fs.statSync(file(root)).size, st.size);
  t.is(fs.statSync(file(root)).mtimeMs, st.mtimeMs);
  t.not(fs.statSync(file(root)).ino, st.ino);
  const again = await pending(root);
  t.deepEqual(again.read, [MAIN]);
  t.deepEqual(again.reading, await fresh(root));
  const nginx = (r: PendingReading) => (r.kind === 'ok' ? r.updates.find((u) => u.name === 'nginx')?.candidate : 'not ok');
  t.is(nginx(first), '1.22.1-9+deb12u1');
  t.is(nginx(again.reading), '1.29.1-9');
});

test('a new dpkg status (an install renames it into place) scans every list again', async (t) => {
  const { root } = await warmed(t);
  const status = path.join(root, 'var/lib/dpkg/status');
  const st = fs.statSync(status);
  fs.copyFileSync(status, `${status}-new`);
  fs.utimesSync(`${status}-new`, st.atime, st.mtime);
  fs.renameSync(`${status}-new`, status);
  const again = await pending(root);
  t.deepEqual(again.read, allLists(root));
  await sameAsFresh(t, root, again.reading);
  t.deepEqual((await pending(root)).read, [], 'remembered under the new key');
});

test('a new list is scanned (and only it); a removed list is dropped without reading any', async (t) => {
  const { root } = await warmed(t);
  const added = 'deb.debian.org_debian_dists_bookworm_main_binary-arm64_Packages';
  fs.copyFileSync(path.join(root, LISTS, MAIN), path.join(root, LISTS, added));
  const withNew = await pending(root);
  t.deepEqual(withNew.read, [added]);
  t.deepEqual(withNew.reading, await fresh(root));

  fs.rmSync(path.join(root, LISTS, SECURITY));
  const withoutOne = await pending(root);
  t.deepEqual(withoutOne.read, []);
  t.deepEqual(withoutOne.reading, await fresh(root));
  const rec = JSON.parse(fs.readFileSync(recordPath(root), 'utf8')) as { lists: Record<string, unknown> };
  t.false(`/${LISTS}/${SECURITY}` in rec.lists, 'the record forgets the removed list');
  t.true(`/${LISTS}/${added}` in rec.lists);
});

test('a damaged or foreign record is ignored: every list is scanned again and a good record replaces it', async (t) => {
  const { root } = await warmed(t);
  const good = fs.readFileSync(recordPath(root), 'utf8');
  const rec = JSON.parse(good) as { schema: string; key: string; lists: Record<string, { stamp: string; versions: unknown[][] }> };
  const aList = Object.keys(rec.lists)[0];
  const bad = [
    '{not json',
    'null',
    '[]',
    JSON.stringify({ ...rec, schema: 'hardtop.apt-lists-scan/0' }),
    JSON.stringify({ ...rec, key: 'another' }),
    JSON.stringify({ ...rec, lists: { ...rec.lists, [aList]: { ...rec.lists[aList], versions: [['openssl', '9', 'amd64']] } } }),
    JSON.stringify({ ...rec, lists: { ...rec.lists, [aList]: { versions: rec.lists[aList].versions } } }),
    JSON.stringify({ ...rec, lists: 'all of them' }),
  ];
  for (const text of bad) {
    fs.writeFileSync(recordPath(root), text);
    const again = await pending(root);
    t.deepEqual(again.read, allLists(root), text.slice(0, 40));
    t.deepEqual(again.reading, await fresh(root));
    t.is(fs.readFileSync(recordPath(root), 'utf8'), good, 'rewritten');
  }
});

test('under --root nothing is cached: no state dir appears in the tree', async (t) => {
  const root = sysroot(t);
  const reading = await fresh(root);
  t.is(reading.kind, 'ok');
  await fresh(root);
  t.false(fs.existsSync(path.join(root, 'var/lib/hardtop')));
});
