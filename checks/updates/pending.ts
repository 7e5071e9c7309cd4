// Pending updates on an apt system, computed from files only: the dpkg status
// (what is installed), the downloaded lists (what is available, from which
// archive), apt_preferences and APT::Default-Release (apt's choice). No
// network, no lock, nothing changes. Shared by updates.pending.security and
// updates.pending.all.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { isPreferencesPartName, parseAptPreferences, type AptPin } from '../../src/parse/apt-preferences';
import { compareDebianVersions } from '../../src/parse/deb-version';
import type { DpkgPackage } from '../../src/parse/dpkg-status';
import { chooseCandidate, isSecuritySource, mergeVersions, sameArchitecture, sourcePriority, type PolicyInput, type SecurityRules } from './apt-candidates';
import { loadAptConf } from './apt-config';
import { APT_LISTS, loadAptLists, type AptListSource, type AvailableVersion } from './apt-lists';
import { DPKG_STATUS, readDpkgStatus } from './dpkg';
import { readFailure, thrownMessage } from './finding';
import { LISTS_CACHE_FILE, listsScanKey, type ListsScanCache } from './lists-cache';
import { updatesPolicy } from './policy';

export const APT_PREFERENCES = '/etc/apt/preferences';
export const APT_PREFERENCES_PARTS = '/etc/apt/preferences.d';

/** What apt itself leaves out of the computation here (said in the findings). */
export const NOT_MODELLED = 'dependencies and phased updates are not resolved';

export const SECURITY_RULES: SecurityRules = { names: updatesPolicy.pending.securityNames, suffixes: updatesPolicy.pending.securitySuffixes };

export interface PendingUpdate {
  name: string;
  architecture: string;
  /** "openssl", or "libc6:i386" for a foreign-architecture package. */
  subject: string;
  installed: string;
  candidate: string;
  /** Where the candidate comes from (each list that carries it). */
  from: AvailableVersion[];
  /** The security archive's version that makes this a security update (the candidate itself, or an older one it supersedes). */
  security: AvailableVersion | null;
  /** dpkg selection "hold": apt leaves it alone. */
  held: boolean;
  statusLine: number;
}

export type PendingReading =
  | { kind: 'no-dpkg' }
  | { kind: 'error'; summary: string; evidence: Evidence[] }
  | { kind: 'no-lists'; why: string; evidence: Evidence[] }
  | {
      kind: 'ok';
      updates: PendingUpdate[];
      sources: AptListSource[];
      securitySources: AptListSource[];
      /** Number of installed packages looked at. */
      installedCount: number;
    };

/** dpkg states in which a package is (at least partly) on disk. */
const ON_DISK = new Set(['installed', 'triggers-awaited', 'triggers-pending', 'half-configured', 'unpacked', 'half-installed']);

function installedPackages(packages: readonly DpkgPackage[]): DpkgPackage[] {
  return packages.filter((p) => p.status !== undefined && ON_DISK.has(p.status.state) && p.version !== undefined && p.architecture !== undefined);
}

/** dpkg's own architecture is the native one. */
function nativeArchitecture(installed: readonly DpkgPackage[]): string {
  const dpkg = installed.find((p) => p.name === 'dpkg' && p.architecture && p.architecture !== 'all');
  if (dpkg?.architecture) return dpkg.architecture;
  const counts = new Map<string, number>();
  for (const p of installed) if (p.architecture && p.architecture !== 'all') counts.set(p.architecture, (counts.get(p.architecture) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'all';
}

type Problem = { summary: string; evidence: Evidence[] };

async function readPreferences(host: Host): Promise<{ pins: AptPin[]; problems: Problem[] }> {
  const files: string[] = [];
  const main = await host.stat(APT_PREFERENCES);
  if (main?.kind === 'file') files.push(APT_PREFERENCES);
  const parts = ((await host.list(APT_PREFERENCES_PARTS)) ?? []).filter(isPreferencesPartName);
  for (const name of parts) {
    const path = `${APT_PREFERENCES_PARTS}/${name}`;
    const st = await host.stat(path);
    if (st?.kind === 'file') files.push(path);
  }
  const pins: AptPin[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    const r = await host.read(file);
    if (!r.ok) {
      problems.push({ summary: readFailure(file, r), evidence: [{ file }] });
      continue;
    }
    const parsed = parseAptPreferences(r.text, file);
    pins.push(...parsed.pins);
    for (const e of parsed.errors) problems.push({ summary: `${e.file}:${e.line}: ${e.message}`, evidence: [{ file: e.file, line: e.line }] });
  }
  return { pins, problems };
}

function firstProblem(what: string, problems: readonly Problem[]): { kind: 'error'; summary: string; evidence: Evidence[] } {
  const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : '';
  return { kind: 'error', summary: `${what}: ${problems[0].summary}${more}`, evidence: problems.flatMap((p) => p.evidence).slice(0, 10) };
}

function subjectOf(p: DpkgPackage, native: string): string {
  return p.architecture === native || p.architecture === 'all' ? p.name : `${p.name}:${p.architecture}`;
}

// The two pending checks run side by side: they share one computation while it
// is in flight (the list scans themselves are cached in apt-lists.ts and, between
// runs, in lists-cache.ts).
const inFlight = new WeakMap<Host, Promise<PendingReading>>();

/** What both pending-updates checks depend on: the apt lists and dpkg status, or dnf's caches and rpm database. */
export const PENDING_WATCH: string[] = [DPKG_STATUS, APT_LISTS, '/etc/apt/preferences.d', '/var/cache/dnf', '/var/cache/libdnf5', '/var/lib/rpm'];

export function readPendingUpdates(host: Host): Promise<PendingReading> {
  const running = inFlight.get(host);
  if (running) return running;
  const reading = computePending(host).catch((err: unknown): PendingReading => ({ kind: 'error', summary: thrownMessage(err), evidence: [] }));
  inFlight.set(host, reading);
  void reading.finally(() => {
    if (inFlight.get(host) === reading) inFlight.delete(host);
  });
  return reading;
}

/**
 * Where the lists' scan is remembered between runs (lists-cache.ts): the live
 * system's state dir only; under --root a check writes nothing into the tree.
 */
async function listsCacheFor(host: Host, wanted: ReadonlySet<string>): Promise<ListsScanCache | null> {
  if (host.root !== '/') return null;
  const key = await listsScanKey(host, wanted);
  return key ? { file: LISTS_CACHE_FILE, key } : null;
}

async function computePending(host: Host): Promise<PendingReading> {
  const status = await readDpkgStatus(host);
  if (status.kind === 'no-dpkg') return status;
  if (status.kind === 'error') return { kind: 'error', summary: status.summary, evidence: [{ file: DPKG_STATUS }] };
  const statusError = status.parsed.errors[0];
  if (statusError) {
    return { kind: 'error', summary: `malformed ${DPKG_STATUS}:${statusError.line}: ${statusError.message}`, evidence: [{ file: DPKG_STATUS, line: statusError.line }] };
  }

  const installed = installedPackages(status.parsed.packages);
  const native = nativeArchitecture(installed);
  const wanted = new Set(installed.map((p) => p.name));
  const lists = await loadAptLists(host, wanted, status.stamp, await listsCacheFor(host, wanted));
  if (lists === null || lists.sources.length === 0) {
    return {
      kind: 'no-lists',
      why: `no package lists in ${APT_LISTS} (apt-get update never ran here, or the lists were cleaned)`,
      evidence: [{ file: APT_LISTS, text: lists === null ? 'no such directory' : 'no *_Packages file' }],
    };
  }
  if (lists.problems.length > 0) return firstProblem('cannot read the apt lists', lists.problems);

  const conf = await loadAptConf(host);
  if (conf.problems.length > 0) return firstProblem('apt cannot read its configuration', conf.problems);
  const prefs = await readPreferences(host);
  if (prefs.problems.length > 0) return firstProblem('apt cannot read its preferences', prefs.problems);

  const defaultRelease = conf.conf.get('APT::Default-Release')?.value.trim();
  const policy: PolicyInput = { pins: prefs.pins, ...(defaultRelease ? { defaultRelease } : {}) };
  const priorities = new Map(lists.sources.map((s) => [s, sourcePriority(s, policy)]));
  const priorityOf = (s: AptListSource) => priorities.get(s) ?? 500;

  const updates: PendingUpdate[] = [];
  for (const pkg of installed) {
    const available = (lists.versions.get(pkg.name) ?? []).filter((v) => sameArchitecture(pkg.architecture as string, v.architecture, native));
    if (available.length === 0) continue;
    const installedVersion = pkg.version as string;
    const choice = chooseCandidate(pkg.name, installedVersion, mergeVersions(available), policy, priorityOf);
    const candidate = choice.candidate;
    if (!candidate || compareDebianVersions(candidate.version, installedVersion) <= 0) continue;
    // A security fix is pending when the upgrade reaches a version from a security archive.
    const security =
      candidate.entries.find((e) => isSecuritySource(e.source, SECURITY_RULES)) ??
      available
        .filter((v) => isSecuritySource(v.source, SECURITY_RULES) && compareDebianVersions(v.version, installedVersion) > 0 && compareDebianVersions(v.version, candidate.version) <= 0)
        .sort((a, b) => compareDebianVersions(b.version, a.version))[0] ??
      null;
    updates.push({
      name: pkg.name,
      architecture: pkg.architecture as string,
      subject: subjectOf(pkg, native),
      installed: installedVersion,
      candidate: candidate.version,
      from: candidate.entries,
      security,
      held: pkg.status?.want === 'hold',
      statusLine: pkg.line,
    });
  }
  updates.sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
  return {
    kind: 'ok',
    updates,
    sources: lists.sources,
    securitySources: lists.sources.filter((s) => isSecuritySource(s, SECURITY_RULES)),
    installedCount: installed.length,
  };
}

// ---------------------------------------------------------------------------
// Presentation shared by the two checks

/** "Debian-Security bookworm-security" — how apt-get -s names an archive (Label, then Codename or Suite). */
export function describeSource(s: AptListSource): string {
  const r = s.release;
  if (!r) return s.file.slice(s.file.lastIndexOf('/') + 1);
  // Debian's Codename says "bookworm-security" (its Suite "oldstable-security" moves); Ubuntu's
  // Codename is "noble" for every pocket and its Suite "noble-security" is the telling one.
  const where = r.suite && r.codename && r.suite.startsWith(r.codename) ? r.suite : (r.codename ?? r.suite);
  return [r.label ?? r.origin, where].filter((x) => x !== undefined).join(' ') || s.file;
}

/** "openssl 3.0.15-1~deb12u1 → 3.0.17-1~deb12u2" */
export function describeUpdate(u: PendingUpdate): string {
  return `${u.subject} ${u.installed} → ${u.candidate}${u.held ? ' (held)' : ''}`;
}

export function updateEvidence(u: PendingUpdate): Evidence[] {
  const evidence: Evidence[] = [{ file: DPKG_STATUS, line: u.statusLine, text: `Package: ${u.name} Version: ${u.installed}` }];
  const shown = u.security && !u.from.includes(u.security) ? [...u.from, u.security] : u.from;
  for (const v of shown) evidence.push({ file: v.source.file, line: v.line, text: `Package: ${v.name} Version: ${v.version} (${describeSource(v.source)})` });
  return evidence;
}

export interface ListsAge {
  /** Newest Release Date (or file mtime) of the given lists. */
  date: Date;
  days: number;
  text: string;
}

/** How old the newest of these lists is, from its Release Date (the archive's own clock), else the file's mtime. */
export function listsAge(sources: readonly AptListSource[], now: Date): ListsAge | null {
  let newest = Number.NEGATIVE_INFINITY;
  for (const s of sources) newest = Math.max(newest, s.release?.dateMs ?? s.mtimeMs);
  if (!Number.isFinite(newest) || newest <= 0) return null;
  const date = new Date(newest);
  const days = Math.max(0, (now.getTime() - newest) / 86_400_000);
  const ago = days < 1 ? 'less than a day old' : `${Math.floor(days)} day${Math.floor(days) === 1 ? '' : 's'} old`;
  return { date, days, text: `lists of ${date.toISOString().slice(0, 10)}, ${ago}` };
}
