// apt's downloaded package lists (/var/lib/apt/lists), read through the Host:
// each *_Packages index with the Release/InRelease file that describes its
// archive (origin, label, suite …), for the installed packages only.
//
// Why the files and not `apt-get -s upgrade`: this works the same on "/" and
// under --root, needs no lock, no network and no apt on the machine running
// hardtop, takes ~0.3 s instead of apt's several seconds (more when apt has no
// pkgcache.bin, as in Docker images), and keeps the file:line of every
// candidate for the evidence. test/checks/updates-pending.test.ts checks the
// result against the real `apt-get -s dist-upgrade`.
//
// We trust the lists directory as it is: apt deletes the lists of a source
// removed from sources.list at its next `apt-get update`, not before, so a
// source removed since then still counts here (apt would ignore it).

import type { Evidence } from '../../src/core/types';
import type { FileStat, Host } from '../../src/host/host';
import { parseRelease, type AptRelease } from '../../src/parse/apt-release';
import { PackagesScanner, type IndexedVersion, type ScannedPackages } from '../../src/parse/apt-packages';
import { readFailure, thrownMessage } from './finding';
import { listsChanged, listStamp, readRememberedLists, rememberLists, type ListsScanCache, type RememberedList } from './lists-cache';

export const APT_LISTS = '/var/lib/apt/lists';

/** A Debian main index is ~50 MB uncompressed; leave room for Ubuntu's universe. */
const LIST_MAX_BYTES = 256 * 1024 * 1024;
const RELEASE_MAX_BYTES = 16 * 1024 * 1024;
const DECOMPRESS_TIMEOUT_MS = 30_000;
/**
 * A list is scanned this much at a time as it comes (read from a plain file,
 * or from a decompressor's stdout), so a 50 MB index never sits in memory
 * whole (issue #10: `check` peaked at ~280 MB RSS holding Debian's main index
 * as one string; 512 KiB pieces measured ~115 MB).
 */
export const LIST_CHUNK_BYTES = 512 * 1024;

/**
 * apt keeps lists compressed when Acquire::GzipIndexes is set (Docker images
 * do): the compressor's own tool reads them (a trusted program, given the
 * file's real path; the list is data, nothing in it is executed).
 */
const DECOMPRESSORS: Record<string, { program: string; args: string[]; pkg: string }> = {
  gz: { program: 'zcat', args: [], pkg: 'gzip' },
  xz: { program: 'xzcat', args: [], pkg: 'xz-utils' },
  lzma: { program: 'xzcat', args: ['--format=lzma'], pkg: 'xz-utils' },
  lz4: { program: 'lz4cat', args: [], pkg: 'lz4' },
  zst: { program: 'zstdcat', args: [], pkg: 'zstd' },
  bz2: { program: 'bzcat', args: [], pkg: 'bzip2' },
};

const PACKAGES_NAME = /^(.*_)?Packages(?:\.(gz|xz|lzma|lz4|zst|bz2))?$/;
const RELEASE_NAME = /^(.*_)(InRelease|Release)$/;

/** One Packages index and what its Release file says about the archive. */
export interface AptListSource {
  /** Host path of the Packages file. */
  file: string;
  releaseFile: string | null;
  release: AptRelease | null;
  /** From the file name: "main", "updates/main"; '' for a flat repository. */
  component: string;
  /** From the file name: "amd64", "all"; '' for a flat repository. */
  architecture: string;
  /** The repository's host name (apt's "origin" in `Pin: origin`); '' for file: and cdrom: sources. */
  site: string;
  /** mtime of the Release file (or the index), for "how old" when the Release has no Date. */
  mtimeMs: number;
}

export interface AvailableVersion extends IndexedVersion {
  source: AptListSource;
}

export interface AptListProblem {
  summary: string;
  evidence: Evidence[];
}

export interface LoadedAptLists {
  sources: AptListSource[];
  /** Versions of the wanted packages, by package name. */
  versions: Map<string, AvailableVersion[]>;
  problems: AptListProblem[];
}

interface CachedIndex {
  stamp: string;
  versions: IndexedVersion[];
  problem: AptListProblem | null;
  /** Set for a clean scan of an unchanged file: what lists-cache.ts may remember of it. */
  remember: RememberedList | null;
}

// A list is re-read only when it or the set of installed packages changed:
// in memory for the life of this process (the dashboard's refreshes), and in
// the state dir between runs (lists-cache.ts).
const indexCache = new WeakMap<Host, Map<string, CachedIndex>>();

function cacheOf(host: Host): Map<string, CachedIndex> {
  let c = indexCache.get(host);
  if (!c) {
    c = new Map();
    indexCache.set(host, c);
  }
  return c;
}

/** "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages" minus the Release prefix → component and architecture. */
function componentAndArch(remainder: string): { component: string; architecture: string } {
  const m = /^(.*)_binary-([^_]+)_Packages/.exec(remainder);
  if (!m) return { component: '', architecture: '' };
  return { component: m[1].replace(/_/g, '/'), architecture: m[2] };
}

/** apt's URItoFileName: "deb.debian.org_debian_…" starts with the host; file: URIs start with "_". */
function siteOf(name: string): string {
  const i = name.indexOf('_');
  if (i <= 0) return '';
  const quoted = name.slice(0, i);
  try {
    return decodeURIComponent(quoted);
  } catch {
    return quoted;
  }
}

interface ReleaseRef {
  prefix: string;
  path: string;
  signed: boolean;
}

/** The Release file whose name is the longest prefix of the index's name (InRelease preferred, as apt does). */
function releaseFor(packagesName: string, releases: readonly ReleaseRef[]): ReleaseRef | null {
  let best: ReleaseRef | null = null;
  for (const r of releases) {
    if (!packagesName.startsWith(r.prefix)) continue;
    if (!best || r.prefix.length > best.prefix.length || (r.prefix.length === best.prefix.length && r.signed && !best.signed)) best = r;
  }
  return best;
}

async function readRelease(host: Host, path: string, problems: AptListProblem[]): Promise<{ release: AptRelease | null; mtimeMs: number }> {
  try {
    const r = await host.read(path, { maxBytes: RELEASE_MAX_BYTES });
    if (!r.ok) {
      problems.push({ summary: readFailure(path, r), evidence: [{ file: path }] });
      return { release: null, mtimeMs: 0 };
    }
    const parsed = parseRelease(r.text);
    if (!parsed.ok) {
      problems.push({ summary: `malformed ${path}:${parsed.error.line}: ${parsed.error.message}`, evidence: [{ file: path, line: parsed.error.line }] });
      return { release: null, mtimeMs: r.stat.mtimeMs };
    }
    return { release: parsed.release, mtimeMs: r.stat.mtimeMs };
  } catch (err) {
    problems.push({ summary: `cannot read ${path}: ${thrownMessage(err)}`, evidence: [{ file: path }] });
    return { release: null, mtimeMs: 0 };
  }
}

/**
 * A plain index, scanned a piece at a time (Host.readFrom: whole lines, at
 * most LIST_CHUNK_BYTES per call, no descriptor kept between calls). A list
 * replaced while it is read (apt-get update renames new lists into place) is
 * a problem for this run, not a mix of two files.
 */
async function scanPlainIndex(host: Host, path: string, wanted: ReadonlySet<string>): Promise<{ scanned: ScannedPackages } | { problem: AptListProblem }> {
  const evidence: Evidence[] = [{ file: path }];
  const scanner = new PackagesScanner((name) => wanted.has(name));
  let offset = 0;
  let inode: number | undefined;
  for (;;) {
    const chunk = await host.readFrom(path, offset, LIST_CHUNK_BYTES, inode === undefined ? {} : { inode });
    if (chunk === null) return { problem: { summary: `cannot read ${path}: it does not exist`, evidence } };
    if (chunk.rotated) return { problem: { summary: `cannot read ${path}: it changed while it was read (apt-get update running?); try again`, evidence } };
    if (chunk.size > LIST_MAX_BYTES) return { problem: { summary: `cannot read ${path}: file too large`, evidence } };
    inode = chunk.inode;
    scanner.push(chunk.text);
    if (chunk.nextOffset >= chunk.size) return { scanned: scanner.finish() };
    if (chunk.nextOffset === offset) {
      // No whole line left: the rest is a last line without "\n". Asking for exactly its
      // length makes readFrom return it (a line as long as maxBytes comes back whole).
      const rest = await host.readFrom(path, offset, chunk.size - offset, { inode });
      if (!rest || rest.rotated) return { problem: { summary: `cannot read ${path}: it changed while it was read (apt-get update running?); try again`, evidence } };
      scanner.push(rest.text);
      return { scanned: scanner.finish() };
    }
    offset = chunk.nextOffset;
  }
}

/**
 * A compressed index, scanned as its decompressor writes it (Host.execStream:
 * whole lines, at most LIST_CHUNK_BYTES a piece), so the decompressed list is
 * never one string either (issue #10: holding Debian's 50 MB main index as one
 * string, plus the buffers it was collected in, made `check` peak at ~265 MB).
 * A decompressor that fails midway is a problem; what it gave is dropped.
 */
async function scanCompressedIndex(host: Host, path: string, compression: string, wanted: ReadonlySet<string>): Promise<{ scanned: ScannedPackages } | { problem: AptListProblem }> {
  const evidence: Evidence[] = [{ file: path }];
  const tool = DECOMPRESSORS[compression];
  // The decompressor opens the real path itself and would follow a link out of a --root tree.
  const own = await host.lstat(path);
  if (own?.kind !== 'file') return { problem: { summary: `cannot read ${path}: ${own ? `a ${own.kind}, not a regular file` : 'it does not exist'}`, evidence } };
  const scanner = new PackagesScanner((name) => wanted.has(name));
  const result = await host.execStream(tool.program, [...tool.args, '--', host.realPath(path)], (text) => scanner.push(text), {
    timeoutMs: DECOMPRESS_TIMEOUT_MS,
    maxOutputBytes: LIST_MAX_BYTES,
    chunkBytes: LIST_CHUNK_BYTES,
  });
  const command = `${tool.program} ${path}`;
  if (result.spawnError) {
    return { problem: { summary: `cannot read ${path}: ${tool.program} is not available (package ${tool.pkg}): ${result.spawnError}`, evidence: [{ file: path, command }] } };
  }
  if (result.timedOut) return { problem: { summary: `cannot read ${path}: ${tool.program} timed out`, evidence: [{ file: path, command }] } };
  if (result.truncated) return { problem: { summary: `cannot read ${path}: larger than ${LIST_MAX_BYTES} bytes uncompressed`, evidence: [{ file: path, command }] } };
  if (result.exitCode !== 0) {
    const why = result.stderr.split('\n').find((l) => l.trim() !== '')?.trim() ?? `exit ${result.exitCode ?? result.signal}`;
    return { problem: { summary: `cannot read ${path}: ${tool.program} failed: ${why}`, evidence: [{ file: path, command }] } };
  }
  return { scanned: scanner.finish() };
}

async function scanIndex(
  host: Host,
  path: string,
  st: FileStat,
  compression: string | undefined,
  wanted: ReadonlySet<string>,
  wantedStamp: string,
  remembered: ReadonlyMap<string, RememberedList> | null,
): Promise<CachedIndex> {
  const cache = cacheOf(host);
  const fileStamp = listStamp(st);
  // The inode too: a list renamed into place may keep its size and the server's mtime.
  const stamp = `${fileStamp}:${wantedStamp}`;
  const cached = cache.get(path);
  if (cached && cached.stamp === stamp) return cached;

  let entry: CachedIndex;
  const known = remembered?.get(path);
  if (known && known.stamp === fileStamp) {
    entry = { stamp, versions: known.versions, problem: null, remember: known };
    cache.set(path, entry);
    return entry;
  }
  try {
    let read: { scanned: ScannedPackages } | { problem: AptListProblem };
    read = compression ? await scanCompressedIndex(host, path, compression, wanted) : await scanPlainIndex(host, path, wanted);
    if ('problem' in read) entry = { stamp, versions: [], problem: read.problem, remember: null };
    else {
      const scanned = read.scanned;
      const first = scanned.errors[0];
      const problem = first ? { summary: `malformed ${path}:${first.line}: ${first.message}`, evidence: [{ file: path, line: first.line }] } : null;
      // Remembered only if the file is still the one stat'ed before the scan (not replaced meanwhile).
      const after = problem ? null : await host.stat(path);
      const remember = after && listStamp(after) === fileStamp ? { stamp: fileStamp, versions: scanned.versions } : null;
      entry = { stamp, versions: scanned.versions, problem, remember };
    }
  } catch (err) {
    entry = { stamp, versions: [], problem: { summary: `cannot read ${path}: ${thrownMessage(err)}`, evidence: [{ file: path }] }, remember: null };
  }
  cache.set(path, entry);
  return entry;
}

/**
 * Every Packages index in the lists directory, with the versions of the
 * `wanted` packages (the installed ones). `wantedStamp` identifies that set
 * (the dpkg status stamp) for the cache. A list that cannot be read is a
 * problem, and its versions are left out.
 *
 * With `persist` (the live system only: see pending.ts), clean scans are also
 * remembered in the state dir and reused by the next run while the list, the
 * dpkg status and the wanted set are unchanged (lists-cache.ts).
 */
export async function loadAptLists(host: Host, wanted: ReadonlySet<string>, wantedStamp: string, persist: ListsScanCache | null = null): Promise<LoadedAptLists | null> {
  const names = await host.list(APT_LISTS);
  if (names === null) return null;
  const problems: AptListProblem[] = [];
  const remembered = persist ? await readRememberedLists(host, persist) : null;
  const scannedNow = new Map<string, RememberedList>();

  const releases: ReleaseRef[] = [];
  const indexes = new Map<string, { name: string; compression?: string }>();
  for (const name of names) {
    const rel = RELEASE_NAME.exec(name);
    if (rel) {
      releases.push({ prefix: rel[1], path: `${APT_LISTS}/${name}`, signed: rel[2] === 'InRelease' });
      continue;
    }
    const pk = PACKAGES_NAME.exec(name);
    if (!pk) continue;
    const base = pk[2] ? name.slice(0, -(pk[2].length + 1)) : name;
    const existing = indexes.get(base);
    // Both a plain and a compressed copy: the plain one is cheaper and what apt used last.
    if (!existing || (existing.compression && !pk[2])) indexes.set(base, { name, compression: pk[2] });
  }

  const releaseCache = new Map<string, { release: AptRelease | null; mtimeMs: number }>();
  const sources: AptListSource[] = [];
  const versions = new Map<string, AvailableVersion[]>();
  for (const { name, compression } of [...indexes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = `${APT_LISTS}/${name}`;
    const st = await host.stat(path);
    if (!st || st.kind !== 'file') continue;
    const ref = releaseFor(name, releases);
    let release: AptRelease | null = null;
    let mtimeMs = st.mtimeMs;
    if (ref) {
      let r = releaseCache.get(ref.path);
      if (!r) {
        r = await readRelease(host, ref.path, problems);
        releaseCache.set(ref.path, r);
      }
      release = r.release;
      if (r.mtimeMs) mtimeMs = r.mtimeMs;
    }
    const source: AptListSource = {
      file: path,
      releaseFile: ref?.path ?? null,
      release,
      ...componentAndArch(name.slice(ref?.prefix.length ?? 0)),
      site: siteOf(name),
      mtimeMs,
    };
    sources.push(source);
    const scanned = await scanIndex(host, path, st, compression, wanted, wantedStamp, remembered);
    if (scanned.problem) problems.push(scanned.problem);
    if (scanned.remember) scannedNow.set(path, scanned.remember);
    for (const v of scanned.versions) {
      const list = versions.get(v.name);
      const available = { ...v, source };
      if (list) list.push(available);
      else versions.set(v.name, [available]);
    }
  }
  if (persist && listsChanged(remembered, scannedNow)) await rememberLists(host, persist, scannedNow);
  return { sources, versions, problems };
}
