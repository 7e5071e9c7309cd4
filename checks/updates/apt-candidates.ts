// Which version apt would install for an installed package, and whether that
// upgrade carries a security fix. Pure: the lists, the status and the pins are
// read elsewhere.
//
// The candidate follows apt's pkgPolicy (apt-pkg/policy.cc) for what a list
// and apt_preferences can express:
// - a source's priority: 500; 1 for NotAutomatic archives (experimental),
//   100 with ButAutomaticUpgrades (backports); 990 for APT::Default-Release;
//   the first matching general pin (`Package: *`) replaces it;
// - the installed version is also in the "status" source, priority 100;
// - a version's priority: the first matching specific pin, else the highest
//   priority of the sources that carry it;
// - versions are taken newest first; the first one with a strictly higher
//   priority than all before it wins, and apt stops at the installed version
//   unless something above it reached 1000 (no downgrade below that).
// Left out, and said so in the findings: dependencies (an upgrade apt keeps
// back because it needs a new package or a removal is still counted, as
// `apt list --upgradable` does), phased updates (Ubuntu's
// Phased-Update-Percentage), and downgrades forced by a pin ≥ 1000 (not
// updates).

import { expressionMatches, parseReleasePin, type AptPin, type PinCondition } from '../../src/parse/apt-preferences';
import { compareDebianVersions } from '../../src/parse/deb-version';
import type { AptListSource, AvailableVersion } from './apt-lists';

/** apt's priority of the dpkg status "source" (the installed version). */
const STATUS_PRIORITY = 100;

export interface SecurityRules {
  /** Exact Label or Origin values of security archives ("Debian-Security"). */
  names: readonly string[];
  /** Suffixes of Suite, Codename or Label ("-security"). */
  suffixes: readonly string[];
}

export function isSecuritySource(source: AptListSource, rules: SecurityRules): boolean {
  const r = source.release;
  if (!r) return false;
  if ([r.label, r.origin].some((v) => v !== undefined && rules.names.includes(v))) return true;
  return [r.suite, r.codename, r.label].some((v) => v !== undefined && rules.suffixes.some((s) => v.endsWith(s)));
}

export interface PolicyInput {
  pins: readonly AptPin[];
  /** APT::Default-Release, when set. */
  defaultRelease?: string;
}

function conditionHolds(c: PinCondition, source: AptListSource): boolean {
  const r = source.release;
  const test = (value: string | undefined) => value !== undefined && expressionMatches(c.value, value);
  switch (c.key) {
    case 'a':
      return test(r?.suite);
    case 'n':
      return test(r?.codename);
    case 'an':
      return test(r?.suite) || test(r?.codename);
    case 'v':
      return test(r?.version);
    case 'o':
      return test(r?.origin);
    case 'l':
      return test(r?.label);
    case 'c':
      return test(source.component);
    case 'b':
      return test(source.architecture);
  }
}

/** Does a release or origin pin select this source? (A version pin never selects a source: apt's FileMatch.) */
function pinMatchesSource(pin: Pick<AptPin, 'target'>, source: AptListSource): boolean {
  const t = pin.target;
  if (t.kind === 'release') return source.release !== null && t.conditions.every((c) => conditionHolds(c, source));
  if (t.kind === 'origin') return expressionMatches(t.host, source.site);
  return false;
}

export function sourcePriority(source: AptListSource, policy: PolicyInput): number {
  if (policy.defaultRelease) {
    const conditions = parseReleasePin(policy.defaultRelease);
    if (conditions && conditions.length > 0 && pinMatchesSource({ target: { kind: 'release', conditions } }, source)) return 990;
  }
  for (const pin of policy.pins) {
    if (pin.packages.length === 0 && pinMatchesSource(pin, source)) return pin.priority;
  }
  const r = source.release;
  if (r?.notAutomatic) return r.butAutomaticUpgrades ? 100 : 1;
  return 500;
}

/** A version as apt's cache holds it: one version string, all the lists that carry it. */
export interface MergedVersion {
  version: string;
  entries: AvailableVersion[];
}

function specificPin(name: string, v: MergedVersion, pins: readonly AptPin[]): AptPin | null {
  for (const pin of pins) {
    if (pin.packages.length === 0 || !pin.packages.some((p) => expressionMatches(p, name))) continue;
    const t = pin.target;
    const hit = t.kind === 'version' ? expressionMatches(t.pattern, v.version) : v.entries.some((e) => pinMatchesSource(pin, e.source));
    if (hit) return pin;
  }
  return null;
}

export interface CandidateChoice {
  /** The version apt would pick; null when only the installed version is known. */
  candidate: MergedVersion | null;
  priority: number;
  pin: AptPin | null;
}

/**
 * apt's candidate for an installed package. `versions` are the available
 * versions for its architecture (any order); the installed version need not be
 * among them (obsolete or local packages).
 */
export function chooseCandidate(name: string, installedVersion: string, versions: readonly MergedVersion[], policy: PolicyInput, priorityOf: (s: AptListSource) => number): CandidateChoice {
  const all = [...versions];
  if (!all.some((v) => v.version === installedVersion)) all.push({ version: installedVersion, entries: [] });
  all.sort((a, b) => compareDebianVersions(b.version, a.version));

  let max = 0;
  let best: CandidateChoice = { candidate: null, priority: 0, pin: null };
  for (const v of all) {
    const installed = v.version === installedVersion;
    const pin = specificPin(name, v, policy.pins);
    let prio: number;
    if (pin) prio = pin.priority;
    else {
      prio = Math.max(...v.entries.map((e) => priorityOf(e.source)), installed ? STATUS_PRIORITY : Number.NEGATIVE_INFINITY);
      if (!Number.isFinite(prio)) prio = 0;
    }
    if (prio > max) {
      max = prio;
      best = { candidate: v.entries.length > 0 || installed ? v : null, priority: prio, pin };
    }
    if (installed && max < 1000) break;
  }
  return best;
}

/** Group the versions of one package (already filtered by architecture) by version string. */
export function mergeVersions(available: readonly AvailableVersion[]): MergedVersion[] {
  const byVersion = new Map<string, MergedVersion>();
  for (const a of available) {
    const m = byVersion.get(a.version);
    if (m) m.entries.push(a);
    else byVersion.set(a.version, { version: a.version, entries: [a] });
  }
  return [...byVersion.values()];
}

/**
 * Versions usable by an installed package of architecture `arch`: the same
 * architecture, or "all" for a native (or "all") package, or native for an
 * "all" package (a package may move between "all" and "any").
 */
export function sameArchitecture(installedArch: string, candidateArch: string, nativeArch: string): boolean {
  if (installedArch === candidateArch) return true;
  const nativeLike = (a: string) => a === nativeArch || a === 'all';
  return nativeLike(installedArch) && nativeLike(candidateArch);
}
