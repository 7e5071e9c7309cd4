// updates.pending.security on dnf 4 systems: `dnf updateinfo list --security`
// (the advisories that apply to installed packages and have a fixing version
// in the repositories), from dnf's metadata cache only (-C: offline, no lock
// on the repositories, nothing installed), time-bounded. The age of that
// cache is the age of the newest repodata/repomd.xml under /var/cache/dnf.
//
// Only on the live system: against a sysroot dnf would write into the tree
// (its cache's expired_repos.json, the rpmdb's sqlite side files). dnf5 has a
// different command and output (`dnf5 advisory list`), not wired up: no dnf5
// to test it against here, so it is skipped and said so.

import type { Check, Evidence, Finding, Item, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { parseDnfUpdateinfoList, reposWithoutCache, type DnfAdvisoryLine } from '../../src/parse/dnf-updateinfo';
import type { DnfSystem } from './dnf';
import { finding, listSome, oneLine } from './finding';
import { updatesPolicy } from './policy';

export const DNF_CACHE_REPOMD = '/var/cache/dnf/*/repodata/repomd.xml';
const TIMEOUT_MS = 90_000;

/** The argv after `dnf`: quiet, cache only, no plugins (none may reach the network), the host's root as installroot ("/" on the live system). */
export function dnfSecurityArgs(host: Host): string[] {
  return ['-q', '-C', '--noplugins', `--installroot=${host.realPath('/')}`, 'updateinfo', 'list', '--security'];
}

async function cacheAge(host: Host, now: Date): Promise<{ date: Date; days: number; files: string[] } | null> {
  const files = await host.glob(DNF_CACHE_REPOMD);
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

function itemOf(name: string, lines: DnfAdvisoryLine[], command: string): Item {
  const described = lines.map((l) => `${l.id}${l.severity ? ` ${l.severity}` : ''}: ${l.nevra}`);
  return { subject: name, status: 'fail', summary: described.join('; '), evidence: lines.map((l) => ({ command, line: l.line, text: `${l.id} ${l.severity ? `${l.severity}/` : ''}${l.type} ${l.nevra}` })) };
}

export async function dnfPendingSecurity(check: Check, host: Host, dnf: DnfSystem, ctx: RunContext): Promise<Finding> {
  if (dnf.flavour === 'dnf5') return finding(check, 'skip', 'dnf5 system: pending security updates (`dnf5 advisory list --security --updates`) are not checked yet');
  if (host.root !== '/') return finding(check, 'skip', `dnf4 system under --root: \`dnf updateinfo list --security\` would write into the tree (its cache and rpmdb), so hardtop runs it on the live system only`);
  if ((await host.which('dnf')) === null) return finding(check, 'error', 'dnf not found in the system directories, though this is a dnf system');

  const age = await cacheAge(host, ctx.now);
  if (!age) return finding(check, 'warn', `cannot tell: no dnf metadata cache (no ${DNF_CACHE_REPOMD}); run dnf makecache`, [{ file: '/var/cache/dnf', text: 'no repodata' }]);

  const args = dnfSecurityArgs(host);
  const command = `dnf ${args.join(' ')}`;
  const r = await host.exec('dnf', args, { timeoutMs: TIMEOUT_MS, signal: ctx.signal });
  if (r.spawnError || r.timedOut || r.exitCode !== 0) {
    const why = r.spawnError ?? (r.timedOut ? `timed out after ${TIMEOUT_MS / 1000} s` : `exit ${r.exitCode}: ${r.stderr.split('\n').find((l) => /^Error|error/i.test(l)) ?? r.stderr.trim().split('\n')[0] ?? ''}`);
    return finding(check, 'error', `${command} failed: ${oneLine(why)}`, [{ command, text: oneLine(r.stderr).slice(0, 300) }]);
  }
  const parsed = parseDnfUpdateinfoList(r.stdout);
  if (parsed.other.length > 0) {
    const o = parsed.other[0];
    return finding(check, 'error', `unexpected output of ${command} at line ${o.line}: ${oneLine(o.text).slice(0, 120)}`, [{ command, line: o.line, text: o.text.slice(0, 200) }]);
  }
  const uncached = reposWithoutCache(r.stderr);
  const uncachedText = uncached.length > 0 ? `; not known for ${uncached.join(', ')} (no metadata cache: run dnf makecache)` : '';
  const cacheEvidence: Evidence = { file: age.files[0], text: `${ageText(age)} (${age.files.length} repositor${age.files.length === 1 ? 'y' : 'ies'})` };

  const byName = new Map<string, DnfAdvisoryLine[]>();
  for (const a of parsed.advisories) byName.set(a.name, [...(byName.get(a.name) ?? []), a]);
  if (byName.size > 0) {
    const names = [...byName.keys()].sort();
    const ids = new Set(parsed.advisories.map((a) => a.id));
    const summary = `${names.length} package${names.length === 1 ? '' : 's'} with pending security updates (${ids.size} advisor${ids.size === 1 ? 'y' : 'ies'}): ${listSome(
      names.map((n) => `${n} (${[...new Set((byName.get(n) as DnfAdvisoryLine[]).map((a) => a.id))].join(', ')})`),
      updatesPolicy.pending.summaryPackages,
    )}; ${ageText(age)}${uncachedText}`;
    const evidence: Evidence[] = [cacheEvidence, ...parsed.advisories.slice(0, 10).map((a) => ({ command, line: a.line, text: `${a.id} ${a.severity ? `${a.severity}/` : ''}${a.type} ${a.nevra}` }))];
    return { ...finding(check, 'fail', summary, evidence), items: names.map((n) => itemOf(n, byName.get(n) as DnfAdvisoryLine[], command)) };
  }
  if (uncached.length > 0) return finding(check, 'warn', `cannot tell for every repository: no security advisory pending in the cached ones${uncachedText}; ${ageText(age)}`, [cacheEvidence, { command, text: oneLine(r.stderr).slice(0, 300) }]);
  if (age.days > updatesPolicy.pending.listsWarnAfterDays) {
    return finding(check, 'warn', `no security advisory pending as far as dnf's cache knows, but it is stale (${ageText(age)}): run dnf makecache`, [cacheEvidence]);
  }
  return finding(check, 'pass', `no security advisory pending (${command}; ${ageText(age)})`, [cacheEvidence, { command, text: 'no advisory listed' }]);
}
