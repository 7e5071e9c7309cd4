// Ask the package manager about files rkhunter flagged: which package owns a
// file (`dpkg-query -S`), and does the file on disk still match that package
// (`dpkg --verify`, which compares md5sums with the package's)? Real dpkg,
// through host.exec; under --root it reads the sysroot's database and files
// (--admindir / --root), never this machine's. On rpm systems, `rpm -V -f`
// answers both at once (live system only).

import type { Host } from '../../src/host/host';
import { parseRpmVerify, type RpmVerifyOutput } from '../../src/parse/rpm-verify';
import { rkhunterPolicy } from './policy';

export interface Owner {
  /** The path as dpkg knows it (usr-merge: /bin/ls for rkhunter's /usr/bin/ls). */
  dpkgPath: string;
  packages: string[];
}

export interface OwnerLookup {
  owners: Map<string, Owner>;
  /** Set when dpkg-query could not run at all. */
  error: string | null;
  command: string;
}

const USR_MERGED = /^\/(bin|sbin|lib|lib32|lib64|libx32)\//;
const UNDER_USR = /^\/usr\/(bin|sbin|lib|lib32|lib64|libx32)\//;

/** The path and its usr-merge twin: Debian 12 is usr-merged, but dpkg still records /bin/ls. */
export function pathAliases(path: string): string[] {
  if (UNDER_USR.test(path)) return [path, path.slice(4)];
  if (USR_MERGED.test(path)) return [path, `/usr${path}`];
  return [path];
}

/** A path dpkg-query -S takes literally: absolute, no glob characters, no newline. */
function literalPath(p: string): boolean {
  return p.startsWith('/') && !/[*?[\]\\\n]/.test(p);
}

function dpkgQueryArgs(host: Host): string[] {
  return host.root === '/' ? [] : [`--admindir=${host.realPath('/var/lib/dpkg')}`];
}

/** Commands in evidence keep host terms: the sysroot's real path is host.root's business. */
function underRoot(host: Host): string {
  return host.root === '/' ? '' : ' (on the --root database)';
}

function dpkgArgs(host: Host): string[] {
  return host.root === '/' ? [] : [`--root=${host.root}`];
}

function failure(r: { spawnError?: string; timedOut: boolean; exitCode: number | null; stderr: string }): string | null {
  if (r.spawnError) return r.spawnError;
  if (r.timedOut) return 'timed out';
  return null;
}

export async function dpkgOwners(host: Host, paths: readonly string[]): Promise<OwnerLookup> {
  const asked = [...new Set(paths.filter(literalPath).flatMap(pathAliases))];
  const args = [...dpkgQueryArgs(host), '-S', ...asked];
  const command = `dpkg-query -S <${asked.length} paths>${underRoot(host)}`;
  const owners = new Map<string, Owner>();
  if (asked.length === 0) return { owners, error: null, command };
  const r = await host.exec('dpkg-query', args, { timeoutMs: rkhunterPolicy.verify.timeoutMs });
  const err = failure(r);
  if (err) return { owners, error: err, command };
  // "coreutils: /bin/ls", "libc6:amd64, libc6:i386: /usr/share/doc/x"; exit 1 when some path has no owner.
  const byDpkgPath = new Map<string, string[]>();
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('diversion by ')) continue;
    const at = line.indexOf(': /');
    if (at === -1) continue;
    byDpkgPath.set(line.slice(at + 2), line.slice(0, at).split(', ').map((s) => s.trim()));
  }
  for (const p of paths) {
    for (const alias of pathAliases(p)) {
      const pkgs = byDpkgPath.get(alias);
      if (pkgs) {
        owners.set(p, { dpkgPath: alias, packages: pkgs });
        break;
      }
    }
  }
  if (r.exitCode !== 0 && r.exitCode !== 1) return { owners, error: `exit ${r.exitCode}: ${r.stderr.trim().split('\n')[0] ?? ''}`, command };
  return { owners, error: null, command };
}

export interface VerifyLookup {
  /** dpkg path → dpkg --verify's flags ("??5??????") or "missing", for files that differ. */
  differs: Map<string, string>;
  verified: Set<string>;
  error: string | null;
  command: string;
}

export async function dpkgVerify(host: Host, packages: readonly string[]): Promise<VerifyLookup> {
  const pkgs = [...new Set(packages)].filter((p) => /^[a-z0-9][a-z0-9+.:-]*$/.test(p));
  const head = [...dpkgArgs(host), '--verify'];
  const command = `dpkg --verify ${pkgs.join(' ')}${underRoot(host)}`;
  const result: VerifyLookup = { differs: new Map(), verified: new Set(), error: null, command };
  if (pkgs.length === 0) return result;
  const r = await host.exec('dpkg', [...head, ...pkgs], { timeoutMs: rkhunterPolicy.verify.timeoutMs });
  const err = failure(r);
  if (err) return { ...result, error: err };
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+)\s+(?:c\s+)?(\/.*)$/.exec(line);
    if (m) result.differs.set(m[2], m[1]);
  }
  // dpkg 1.21 exits 0 even when files differ; non-zero means it could not
  // verify some package (not installed any more): ask one by one to keep the rest.
  if (r.exitCode !== 0) {
    if (pkgs.length === 1) return { ...result, error: `exit ${r.exitCode}: ${r.stderr.trim().split('\n')[0] ?? ''}` };
    const errors: string[] = [];
    for (const p of pkgs) {
      const one = await dpkgVerify(host, [p]);
      for (const [k, v] of one.differs) result.differs.set(k, v);
      for (const v of one.verified) result.verified.add(v);
      if (one.error) errors.push(`${p}: ${one.error}`);
    }
    return { ...result, error: errors.length > 0 ? errors.join('; ') : null };
  }
  for (const p of pkgs) result.verified.add(p);
  return result;
}

/** dpkg --verify's flags: the third column is the md5sum test. */
export function contentDiffers(flags: string): boolean {
  return flags === 'missing' || flags[2] === '5';
}

// --- rpm (RHEL, Fedora, SUSE …) ---------------------------------------------

/** Where rpm keeps its database: /var/lib/rpm, or /usr/lib/sysimage/rpm (rpm 4.16+, Fedora 36+/RHEL 10). */
export const RPM_DB_DIRS = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];

export async function isRpmSystem(host: Host): Promise<boolean> {
  for (const d of RPM_DB_DIRS) {
    const st = await host.stat(d);
    if (st?.kind === 'dir') return true;
  }
  return false;
}

export interface RpmVerifyLookup {
  output: RpmVerifyOutput | null;
  error: string | null;
  command: string;
}

/**
 * `rpm -V -f FILE…`: verifies the packages that own the files, in one run.
 * --noscripts: a package's %verifyscript is code from the package, not ours
 * to run; --nodeps: dependencies are not what we ask. Only on the live
 * system: rpm --root would chroot into the tree, and its database format
 * may not be this rpm's (the caller says so instead).
 */
export async function rpmVerifyFiles(host: Host, paths: readonly string[]): Promise<RpmVerifyLookup> {
  const asked = [...new Set(paths.filter(literalPath))];
  const command = `rpm -V --nodeps --noscripts -f <${asked.length} files>`;
  if (asked.length === 0) return { output: parseRpmVerify(''), error: null, command };
  const r = await host.exec('rpm', rpmVerifyArgv(asked), { timeoutMs: rkhunterPolicy.verify.timeoutMs });
  return interpretRpmVerify(r, command);
}

/** The arguments of `rpm -V` on these files (the tests run the real rpm with exactly these). */
export function rpmVerifyArgv(paths: readonly string[]): string[] {
  return ['-V', '--nodeps', '--noscripts', '-f', ...paths];
}

/** What one `rpm -V` run says, or why it says nothing usable. Pure. */
export function interpretRpmVerify(
  r: { stdout: string; stderr: string; exitCode: number | null; timedOut: boolean; spawnError?: string },
  command: string,
): RpmVerifyLookup {
  const err = failure(r);
  if (err) return { output: null, error: err, command };
  // rpm -V exits non-zero whenever a file fails a test: the output, not the code, is the answer.
  const output = parseRpmVerify(r.stdout, r.stderr);
  const first = output.unread[0];
  if (first) return { output: null, error: `unexpected output at line ${first.line}: ${JSON.stringify(first.text.slice(0, 120))}`, command };
  // A file rpm says nothing about must be one it verified: a silent failure would read as "matches".
  if (r.exitCode !== 0 && output.differs.size === 0 && output.notOwned.size === 0 && output.failed.size === 0) {
    return { output: null, error: `exit ${r.exitCode}: ${r.stderr.trim().split('\n')[0] ?? ''}`, command };
  }
  return { output, error: null, command };
}
