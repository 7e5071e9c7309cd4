// Pending updates on dnf systems, asked of dnf itself, from its metadata
// cache only (-C: offline, the cache is not refreshed, nothing installed),
// without plugins (none may reach the network), time-bounded:
//   updates.pending.security
//     dnf 4: `dnf updateinfo list --security` (the advisories that apply to
//            installed packages and have a newer fixing version);
//     dnf5:  `dnf5 advisory list --security` (same meaning: the default
//            --available mode, dnf5-advisory(8));
//   updates.pending.all
//     dnf 4: `dnf check-update` (exit 100: upgrades listed, 0: none);
//     dnf5:  `dnf5 check-upgrade` (same exit codes, dnf5-check-upgrade(8)).
// The age of the answer is the age of the newest repodata/repomd.xml in the
// cache (/var/cache/dnf for dnf 4, /var/cache/libdnf5 for dnf5: dnf5.8
// "Files", dnf5-caching(7)).
//
// Only on the live system: against a sysroot dnf would write into the tree
// (its cache's expired_repos.json, the rpmdb's sqlite side files). The dnf5
// commands and options (-q, -C, --no-plugins, advisory list --security,
// check-upgrade) are taken from rpm-software-management/dnf5 doc/dnf5.8.rst,
// doc/commands/check-upgrade.8.rst and the advisory man page; their output
// format from the source (see test/fixtures/dnf/README.md). dnf5 itself was
// NOT available to test against: the dnf5 path is tested on fixture output
// only; the dnf 4 path runs the real dnf 4.

import type { Check, Evidence, Finding, Item, RunContext } from '../../src/core/types';
import type { ExecResult, Host } from '../../src/host/host';
import { parseDnfUpgradeList, type DnfPackageRow, type ParsedUpgradeList } from '../../src/parse/dnf-check-update';
import { parseDnf5AdvisoryList } from '../../src/parse/dnf5-advisory';
import { parseDnfUpdateinfoList, reposWithoutCache, type DnfAdvisoryLine } from '../../src/parse/dnf-updateinfo';
import type { DnfFlavour, DnfSystem } from './dnf';
import { finding, listSome, oneLine } from './finding';
import { updatesPolicy } from './policy';

export const DNF_CACHE_REPOMD = '/var/cache/dnf/*/repodata/repomd.xml';
export const DNF5_CACHE_REPOMD = '/var/cache/libdnf5/*/repodata/repomd.xml';
const TIMEOUT_MS = 90_000;

/** The program to run and the cache whose age is said, per dnf. */
const FLAVOUR: Record<DnfFlavour, { program: string; cacheGlob: string; cacheDir: string; makecache: string }> = {
  dnf4: { program: 'dnf', cacheGlob: DNF_CACHE_REPOMD, cacheDir: '/var/cache/dnf', makecache: 'dnf makecache' },
  dnf5: { program: 'dnf5', cacheGlob: DNF5_CACHE_REPOMD, cacheDir: '/var/cache/libdnf5', makecache: 'dnf5 makecache' },
};

/**
 * dnf 4's global options: cache only, no plugins, the host's root as
 * installroot ("/" on the live system). NOT -q: with -q, dnf 4.14 skips a
 * repository that has no cache and skip_if_unavailable=1 without a word, and
 * the answer would look complete; without it stderr says "Cache-only enabled
 * but no cache for 'x'" and stdout gains one "Last metadata expiration
 * check" line, which the parsers know.
 */
function dnf4Options(host: Host): string[] {
  return ['-C', '--noplugins', `--installroot=${host.realPath('/')}`];
}
/**
 * dnf5's (dnf5.8 "Options"): -q (only the table on stdout), -C (--cacheonly),
 * --no-plugins. No installroot: dnf5 runs on the live root only. dnf5 stops
 * with exit 1 and "no cache for repository" on stderr even with -q
 * (skip_if_unavailable is false by default there).
 */
const DNF5_OPTIONS = ['-q', '-C', '--no-plugins'];

/** The argv after `dnf` for the security advisories. */
export function dnfSecurityArgs(host: Host): string[] {
  return [...dnf4Options(host), 'updateinfo', 'list', '--security'];
}
export const DNF5_SECURITY_ARGS = [...DNF5_OPTIONS, 'advisory', 'list', '--security'];

/** The argv after `dnf` for all pending upgrades. */
export function dnfCheckUpdateArgs(host: Host): string[] {
  return [...dnf4Options(host), 'check-update'];
}
export const DNF5_CHECK_UPGRADE_ARGS = [...DNF5_OPTIONS, 'check-upgrade'];

export interface CacheAge {
  date: Date;
  days: number;
  files: string[];
}

async function cacheAge(host: Host, flavour: DnfFlavour, now: Date): Promise<CacheAge | null> {
  const files = await host.glob(FLAVOUR[flavour].cacheGlob);
  let newest = Number.NEGATIVE_INFINITY;
  for (const f of files) {
    const st = await host.stat(f);
    if (st?.kind === 'file') newest = Math.max(newest, st.mtimeMs);
  }
  if (!Number.isFinite(newest)) return null;
  return { date: new Date(newest), days: Math.max(0, (now.getTime() - newest) / 86_400_000), files };
}

function ageText(a: { date: Date; days: number }): string {
  const d = Math.floor(a.days);
  return `dnf metadata of ${a.date.toISOString().slice(0, 10)}, ${a.days < 1 ? 'less than a day old' : `${d} day${d === 1 ? '' : 's'} old`}`;
}

function cacheEvidence(age: CacheAge): Evidence {
  return { file: age.files[0], text: `${ageText(age)} (${age.files.length} repositor${age.files.length === 1 ? 'y' : 'ies'})` };
}

/** Why hardtop does not run dnf here, or null when it may. */
async function notRunnable(host: Host, dnf: DnfSystem, command: string): Promise<{ status: 'skip' | 'error'; summary: string } | null> {
  const { program } = FLAVOUR[dnf.flavour];
  if (host.root !== '/') {
    return { status: 'skip', summary: `${dnf.flavour} system under --root: \`${command}\` would write into the tree (its cache and rpmdb), so hardtop runs it on the live system only` };
  }
  if ((await host.which(program)) === null) return { status: 'error', summary: `${program} not found in the system directories, though this is a ${dnf.flavour} system` };
  return null;
}

type Ran = { kind: 'ok'; r: ExecResult; command: string } | { kind: 'no-cache'; repos: string[]; command: string; stderr: string } | { kind: 'failed'; summary: string; evidence: Evidence[] };

/** Run dnf; `okCodes` are the exit codes that mean an answer (check-update's 100 is one). */
async function runDnf(host: Host, program: string, args: string[], okCodes: readonly number[], ctx: RunContext): Promise<Ran> {
  const command = `${program} ${args.join(' ')}`;
  const r = await host.exec(program, args, { timeoutMs: TIMEOUT_MS, signal: ctx.signal });
  if (!r.spawnError && !r.timedOut && r.exitCode !== null && okCodes.includes(r.exitCode)) return { kind: 'ok', r, command };
  // dnf5 stops (exit 1) when a repository has no cache at all (unless skip_if_unavailable): "cannot tell", not a failure.
  const uncached = reposWithoutCache(r.stderr);
  if (!r.spawnError && !r.timedOut && uncached.length > 0) return { kind: 'no-cache', repos: uncached, command, stderr: r.stderr };
  const why = r.spawnError ?? (r.timedOut ? `timed out after ${TIMEOUT_MS / 1000} s` : `exit ${r.exitCode}: ${r.stderr.split('\n').find((l) => /^Error|error/i.test(l)) ?? r.stderr.trim().split('\n')[0] ?? ''}`);
  return { kind: 'failed', summary: `${command} failed: ${oneLine(why)}`, evidence: [{ command, text: oneLine(r.stderr).slice(0, 300) }] };
}

function noCacheText(repos: readonly string[], makecache: string): string {
  return `no metadata cache for ${repos.join(', ')} (run ${makecache})`;
}

function unexpected(check: Check, command: string, o: { line: number; text: string }): Finding {
  return finding(check, 'error', `unexpected output of ${command} at line ${o.line}: ${oneLine(o.text).slice(0, 120)}`, [{ command, line: o.line, text: o.text.slice(0, 200) }]);
}

// ---------------------------------------------------------------------------
// updates.pending.security

function advisoryText(a: DnfAdvisoryLine): string {
  return `${a.id} ${a.severity ? `${a.severity}/` : ''}${a.type} ${a.nevra}`;
}

function advisoryItem(name: string, lines: DnfAdvisoryLine[], command: string): Item {
  const described = lines.map((l) => `${l.id}${l.severity ? ` ${l.severity}` : ''}: ${l.nevra}`);
  return { subject: name, status: 'fail', summary: described.join('; '), evidence: lines.map((l) => ({ command, line: l.line, text: advisoryText(l) })) };
}

export async function dnfPendingSecurity(check: Check, host: Host, dnf: DnfSystem, ctx: RunContext): Promise<Finding> {
  const flavour = FLAVOUR[dnf.flavour];
  const shownCommand = dnf.flavour === 'dnf5' ? 'dnf5 advisory list --security' : 'dnf updateinfo list --security';
  const blocked = await notRunnable(host, dnf, shownCommand);
  if (blocked) return finding(check, blocked.status, blocked.summary);

  const age = await cacheAge(host, dnf.flavour, ctx.now);
  if (!age) return finding(check, 'warn', `cannot tell: no dnf metadata cache (no ${flavour.cacheGlob}); run ${flavour.makecache}`, [{ file: flavour.cacheDir, text: 'no repodata' }]);

  const args = dnf.flavour === 'dnf5' ? DNF5_SECURITY_ARGS : dnfSecurityArgs(host);
  const ran = await runDnf(host, flavour.program, args, [0], ctx);
  if (ran.kind === 'failed') return finding(check, 'error', ran.summary, ran.evidence);
  if (ran.kind === 'no-cache') {
    return finding(check, 'warn', `cannot tell: ${noCacheText(ran.repos, flavour.makecache)}; ${ageText(age)}`, [cacheEvidence(age), { command: ran.command, text: oneLine(ran.stderr).slice(0, 300) }]);
  }
  return securityVerdict(check, dnf.flavour, { ...ran.r, command: ran.command }, age);
}

/** What dnf answered (exit code, both streams) and the command shown in evidence. */
export interface DnfAnswer {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  command: string;
}

/**
 * The updates.pending.security finding for dnf's answer: pure, so the dnf5
 * path is tested on fixture output (no dnf5 here).
 */
export function securityVerdict(check: Check, flavourName: DnfFlavour, answer: DnfAnswer, age: CacheAge): Finding {
  const flavour = FLAVOUR[flavourName];
  const { command } = answer;
  const parsed = flavourName === 'dnf5' ? parseDnf5AdvisoryList(answer.stdout) : parseDnfUpdateinfoList(answer.stdout);
  if (parsed.other.length > 0) return unexpected(check, command, parsed.other[0]);
  // dnf 4 -C skips an uncached repository with a complaint on stderr and answers for the others.
  const uncached = reposWithoutCache(answer.stderr);
  const uncachedText = uncached.length > 0 ? `; not known for ${uncached.join(', ')} (no metadata cache: run ${flavour.makecache})` : '';

  const byName = new Map<string, DnfAdvisoryLine[]>();
  for (const a of parsed.advisories) byName.set(a.name, [...(byName.get(a.name) ?? []), a]);
  if (byName.size > 0) {
    const names = [...byName.keys()].sort();
    const ids = new Set(parsed.advisories.map((a) => a.id));
    const summary = `${names.length} package${names.length === 1 ? '' : 's'} with pending security updates (${ids.size} advisor${ids.size === 1 ? 'y' : 'ies'}): ${listSome(
      names.map((n) => `${n} (${[...new Set((byName.get(n) as DnfAdvisoryLine[]).map((a) => a.id))].join(', ')})`),
      updatesPolicy.pending.summaryPackages,
    )}; ${ageText(age)}${uncachedText}`;
    const evidence: Evidence[] = [cacheEvidence(age), ...parsed.advisories.slice(0, 10).map((a) => ({ command, line: a.line, text: advisoryText(a) }))];
    return { ...finding(check, 'fail', summary, evidence), items: names.map((n) => advisoryItem(n, byName.get(n) as DnfAdvisoryLine[], command)) };
  }
  if (uncached.length > 0) return finding(check, 'warn', `cannot tell for every repository: no security advisory pending in the cached ones${uncachedText}; ${ageText(age)}`, [cacheEvidence(age), { command, text: oneLine(answer.stderr).slice(0, 300) }]);
  if (age.days > updatesPolicy.pending.listsWarnAfterDays) {
    return finding(check, 'warn', `no security advisory pending as far as dnf's cache knows, but it is stale (${ageText(age)}): run ${flavour.makecache}`, [cacheEvidence(age)]);
  }
  return finding(check, 'pass', `no security advisory pending (${command}; ${ageText(age)})`, [cacheEvidence(age), { command, text: 'no advisory listed' }]);
}


// ---------------------------------------------------------------------------
// updates.pending.all

/** "hardtop-demo.noarch 1.0-2 (local)" */
function describeRow(p: DnfPackageRow): string {
  return `${p.name}.${p.arch} ${p.evr} (${p.repo})`;
}

function rowEvidence(p: DnfPackageRow, command: string): Evidence {
  return { command, line: p.line, text: `${p.name}.${p.arch} ${p.evr} ${p.repo}` };
}

/** Every package dnf would bring in: the upgrades, then obsoleters not already among them (dnf 4 lists them only there without obsoletes=… upgrades). */
function pendingRows(parsed: ParsedUpgradeList): { row: DnfPackageRow; obsoletes: DnfPackageRow[] }[] {
  const out = parsed.upgrades.map((row) => ({ row, obsoletes: [] as DnfPackageRow[] }));
  for (const o of parsed.obsoleting) {
    const same = out.find((x) => x.row.name === o.by.name && x.row.arch === o.by.arch);
    if (same) same.obsoletes.push(...o.obsoletes);
    else out.push({ row: o.by, obsoletes: o.obsoletes });
  }
  return out;
}

export async function dnfPendingAll(check: Check, host: Host, dnf: DnfSystem, ctx: RunContext): Promise<Finding> {
  const flavour = FLAVOUR[dnf.flavour];
  const shownCommand = dnf.flavour === 'dnf5' ? 'dnf5 check-upgrade' : 'dnf check-update';
  const blocked = await notRunnable(host, dnf, shownCommand);
  if (blocked) return finding(check, blocked.status, blocked.summary);

  const age = await cacheAge(host, dnf.flavour, ctx.now);
  if (!age) return finding(check, 'info', `unknown: no dnf metadata cache (no ${flavour.cacheGlob}); run ${flavour.makecache}`, [{ file: flavour.cacheDir, text: 'no repodata' }]);

  const args = dnf.flavour === 'dnf5' ? DNF5_CHECK_UPGRADE_ARGS : dnfCheckUpdateArgs(host);
  const ran = await runDnf(host, flavour.program, args, [0, 100], ctx);
  if (ran.kind === 'failed') return finding(check, 'error', ran.summary, ran.evidence);
  if (ran.kind === 'no-cache') {
    return finding(check, 'info', `unknown: ${noCacheText(ran.repos, flavour.makecache)}; ${ageText(age)}`, [cacheEvidence(age), { command: ran.command, text: oneLine(ran.stderr).slice(0, 300) }]);
  }
  return pendingAllVerdict(check, dnf.flavour, { ...ran.r, command: ran.command }, age);
}

/** The updates.pending.all finding for dnf's answer (exit 0 or 100): pure, like securityVerdict. */
export function pendingAllVerdict(check: Check, flavourName: DnfFlavour, answer: DnfAnswer, age: CacheAge): Finding {
  const flavour = FLAVOUR[flavourName];
  const { command } = answer;
  const parsed = parseDnfUpgradeList(answer.stdout);
  if (parsed.other.length > 0) return unexpected(check, command, parsed.other[0]);
  const rows = pendingRows(parsed);
  // The exit code is dnf's own verdict: 100 exactly when it listed something.
  if ((answer.exitCode === 100) !== rows.length > 0) {
    return finding(check, 'error', `${command} exited ${answer.exitCode} but listed ${rows.length} package${rows.length === 1 ? '' : 's'}: output not understood`, [{ command, text: oneLine(answer.stdout).slice(0, 300) }]);
  }
  const uncached = reposWithoutCache(answer.stderr);
  const uncachedText = uncached.length > 0 ? `; not known for ${uncached.join(', ')} (no metadata cache: run ${flavour.makecache})` : '';
  const staleText = age.days > updatesPolicy.pending.listsWarnAfterDays ? ` (stale: run ${flavour.makecache})` : '';
  const tail = `${ageText(age)}${staleText}${uncachedText}`;
  if (rows.length === 0) {
    return finding(check, 'info', `0 updates pending (${command}; ${tail})`, [cacheEvidence(age), { command, text: 'no upgrade listed' }]);
  }
  const obsoleting = rows.filter((x) => x.obsoletes.length > 0).length;
  const counts = obsoleting > 0 ? ` (${obsoleting} obsoleting installed packages)` : '';
  const summary = `${rows.length} update${rows.length === 1 ? '' : 's'} pending${counts}: ${listSome(
    rows.map((x) => `${x.row.name} ${x.row.evr}`),
    updatesPolicy.pending.summaryPackages,
  )}; ${tail}`;
  // Multilib (glibc.i686 and glibc.x86_64) would give two items one name: those carry the arch.
  const twice = new Set(rows.map((x) => x.row.name).filter((n, i, all) => all.indexOf(n) !== i));
  const items: Item[] = rows.map(({ row, obsoletes }) => ({
    subject: twice.has(row.name) ? `${row.name}.${row.arch}` : row.name,
    status: 'info',
    summary: `${describeRow(row)}${obsoletes.length > 0 ? `; obsoletes ${obsoletes.map((o) => `${o.name}.${o.arch} ${o.evr}`).join(', ')}` : ''}`,
    evidence: [rowEvidence(row, command), ...obsoletes.map((o) => rowEvidence(o, command))],
  }));
  const evidence = [cacheEvidence(age), ...rows.slice(0, updatesPolicy.pending.summaryPackages).map((x) => rowEvidence(x.row, command))];
  return { ...finding(check, 'info', summary, evidence), items };
}
