// The verdict on each warning of rkhunter's last scan, shared by the
// rkhunter.warnings check and the fixes that act on it (whitelist, propupd).
//
// Each warning becomes one item per subject (test, subject, verdict):
// - already whitelisted by the CURRENT configuration (added since the scan,
//   or the test now disabled): shown, not counted;
// - a known false positive of rkhunter on modern Debian/Ubuntu (sshd
//   drop-ins, journald, /etc/.java, Debian's wrapper scripts …): warn, with why
//   and the exact whitelist line that silences it;
// - "file properties have changed": cross-checked with dpkg. dpkg --verify
//   says the file matches its package → upgrade noise (rkhunter's database
//   is older than the upgrade); dpkg says it differs → possible tampering (fail);
// - anything else: the policy's verdict for its kind (mostly fail: read it).

import type { Evidence, Status } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { ParsedRkhConf, RkhValue } from '../../src/parse/rkhunter-conf';
import { rkhList } from '../../src/parse/rkhunter-conf';
import type { RkhLogWarning } from '../../src/parse/rkhunter-log';
import { lookupPackage } from '../updates/dpkg';
import { oneLine } from '../updates/finding';
import { loadRkhunterConfig, MAIN_CONF, type ConfigLoad } from './config-files';
import { loadLastScan, type LastScan } from './log-load';
import { rpmContentDiffers, rpmContentUnknown, type RpmVerifyOutput } from '../../src/parse/rpm-verify';
import { contentDiffers, dpkgOwners, dpkgVerify, isRpmSystem, rpmVerifyFiles, type OwnerLookup, type RpmVerifyLookup, type VerifyLookup } from './package-verify';
import { rkhunterPolicy, type KnownPath, type WarningKind } from './policy';
import { classifyWarning, type ClassifiedWarning } from './warning-kinds';
import { pathMatches, sshProtocolUnsetAllowed, sshRootUnsetAllowed, testDisabledBy, whitelistedBy } from './whitelist';

export const LOCAL_CONF = '/etc/rkhunter.conf.local';

/** The verdict labels the fixes act on. */
export const KNOWN_FALSE_POSITIVE = 'known false positive';
export const POSSIBLE_TAMPERING = 'possible tampering';
export const UPGRADE_NOISE = 'upgrade noise';

const KIND_LABEL: Record<WarningKind, string> = {
  'hidden-dir': 'hidden directory',
  'hidden-file': 'hidden file',
  'dev-files': 'file in /dev',
  'script-replaced': 'command replaced by a script',
  'file-properties': 'file properties changed',
  'file-missing': 'file gone',
  'ssh-root-unset': KNOWN_FALSE_POSITIVE,
  'ssh-protocol-unset': KNOWN_FALSE_POSITIVE,
  'syslog-not-running': KNOWN_FALSE_POSITIVE,
  'modules-missing': KNOWN_FALSE_POSITIVE,
  'accounts-no-copy': 'no earlier copy',
  'accounts-changed': 'account change',
  'root-equivalent': 'UID 0 account',
  rootkit: 'rootkit signature',
  other: 'warning',
};

/** The rkhunter.conf.local line that would silence a warning: `OPTION=value`. */
export interface WhitelistLine {
  option: string;
  value: string;
  /** `OPTION=value`, as it goes into the file. */
  line: string;
}

/** One warning about one subject, with its verdict. */
export interface JudgedItem {
  subject: string;
  kind: WarningKind;
  status: Status;
  /** "known false positive", "possible tampering", "upgrade noise", "whitelisted" … */
  label: string;
  /** One line: test, message, details — verdict. */
  summary: string;
  evidence: Evidence[];
  warning: RkhLogWarning;
  /** The known false positive this is (policy data), if it is one. */
  known: KnownPath | null;
  /** The line that whitelists it, when there is an option for its kind. */
  whitelist: WhitelistLine | null;
}

export type ScanJudgement =
  | { kind: 'judged'; config: Extract<ConfigLoad, { kind: 'ok' | 'missing' }>; conf: ParsedRkhConf | null; scan: LastScan; localConf: string; items: JudgedItem[] }
  | { kind: 'none'; summary: string; evidence: Evidence[] }
  | { kind: 'error'; summary: string; evidence: Evidence[] };

/** One item per subject, before the verdict. */
interface Flagged {
  warning: RkhLogWarning;
  classified: ClassifiedWarning;
  subject: string;
}

export interface Verdict {
  status: Status;
  label: string;
  why: string;
  evidence: Evidence[];
}

function warningEvidence(logFile: string, w: RkhLogWarning): Evidence[] {
  return [{ file: logFile, line: w.line, text: `Warning: ${w.message}` }, ...w.details.map((d, i) => ({ file: logFile, line: w.line + 1 + i, text: d }))];
}

function at(v: RkhValue): string {
  return `${v.from.file}:${v.from.line}`;
}

function confEvidence(key: string, v: RkhValue): Evidence {
  return { file: v.from.file, line: v.from.line, text: `${key}=${v.from.raw}` };
}

/** The whitelist that now covers this subject, as a verdict; null when none does. */
function whitelistVerdict(conf: ParsedRkhConf | null, f: Flagged): Verdict | null {
  if (!conf) return null;
  const wl = (key: string, v: RkhValue | null): Verdict | null =>
    v ? { status: 'pass', label: 'whitelisted', why: `whitelisted since this scan: ${key}=${v.value} (${at(v)})`, evidence: [confEvidence(key, v)] } : null;
  const path = f.subject;
  switch (f.classified.kind) {
    case 'hidden-dir': {
      const v = wl('ALLOWHIDDENDIR', whitelistedBy(conf, 'ALLOWHIDDENDIR', path));
      if (v) return v;
      break;
    }
    case 'hidden-file': {
      const v = wl('ALLOWHIDDENFILE', whitelistedBy(conf, 'ALLOWHIDDENFILE', path));
      if (v) return v;
      break;
    }
    case 'dev-files': {
      const v = wl('ALLOWDEVFILE', whitelistedBy(conf, 'ALLOWDEVFILE', path));
      if (v) return v;
      break;
    }
    case 'script-replaced': {
      const v = wl('SCRIPTWHITELIST', whitelistedBy(conf, 'SCRIPTWHITELIST', path));
      if (v) return v;
      break;
    }
    case 'ssh-root-unset': {
      const v = wl('ALLOW_SSH_ROOT_USER', sshRootUnsetAllowed(conf));
      if (v) return v;
      break;
    }
    case 'ssh-protocol-unset': {
      const v = wl('ALLOW_SSH_PROT_V1', sshProtocolUnsetAllowed(conf));
      if (v) return v;
      break;
    }
    case 'root-equivalent': {
      const v = wl('UID0_ACCOUNTS', rkhList(conf, 'UID0_ACCOUNTS').find((x) => x.value === path) ?? null);
      if (v) return v;
      break;
    }
    default:
      break;
  }
  const test = f.warning.test;
  if (test) {
    const off = testDisabledBy(conf, test);
    if (off.length > 0) {
      return {
        status: 'pass',
        label: 'test disabled',
        why: `the '${test}' test is disabled since this scan: DISABLE_TESTS ${off.map((v) => `${v.value} (${at(v)})`).join(', ')}`,
        evidence: off.map((v) => confEvidence('DISABLE_TESTS', v)),
      };
    }
  }
  return null;
}

function knownFalsePositive(kind: WarningKind, path: string): KnownPath | null {
  const lists: Partial<Record<WarningKind, KnownPath[]>> = {
    'hidden-dir': rkhunterPolicy.knownFalsePositives.hiddenDirs,
    'hidden-file': rkhunterPolicy.knownFalsePositives.hiddenFiles,
    'script-replaced': rkhunterPolicy.knownFalsePositives.scripts,
    'dev-files': rkhunterPolicy.knownFalsePositives.devFiles,
  };
  return lists[kind]?.find((k) => pathMatches(k.path, path)) ?? null;
}

/** Pathname whitelists: one path (or the policy's glob) per line. */
const PATH_WHITELISTS: Partial<Record<WarningKind, string>> = {
  'hidden-dir': 'ALLOWHIDDENDIR',
  'hidden-file': 'ALLOWHIDDENFILE',
  'dev-files': 'ALLOWDEVFILE',
  'script-replaced': 'SCRIPTWHITELIST',
};

/**
 * A value we are willing to write into rkhunter's configuration: an absolute
 * path of ordinary characters (and, from the policy, `*` globs). Blanks,
 * quotes, `$`, backslashes or control characters would be re-read by
 * rkhunter's shell (`for FNAME in ${LIST}`) as something else.
 */
export function safeWhitelistValue(value: string): boolean {
  return /^\/[A-Za-z0-9._+@%:,/*-]*$/.test(value) && !value.includes('..');
}

/**
 * The line that whitelists a subject of this kind: for a known false positive
 * the policy's path (a glob for names that change, like PostgreSQL's shared
 * memory segments), else the subject itself. null when the kind has no
 * per-path option or the value is not safe to write.
 */
export function whitelistLineFor(kind: WarningKind, subject: string, known: KnownPath | null): WhitelistLine | null {
  if (kind === 'ssh-root-unset') return { option: 'ALLOW_SSH_ROOT_USER', value: 'unset', line: 'ALLOW_SSH_ROOT_USER=unset' };
  // 2: "Protocol not set is fine" (rkhunter's own default in Debian's rkhunter.conf).
  if (kind === 'ssh-protocol-unset') return { option: 'ALLOW_SSH_PROT_V1', value: '2', line: 'ALLOW_SSH_PROT_V1=2' };
  const option = PATH_WHITELISTS[kind];
  if (!option) return null;
  const value = known?.path ?? subject;
  if (!safeWhitelistValue(value)) return null;
  return { option, value, line: `${option}=${value}` };
}

function whitelistHint(line: WhitelistLine | null, localConf: string): string {
  return line ? `; if expected, whitelist it with ${line.line} in ${localConf}` : '';
}

const RISKY_MODE_BITS = 0o6002; // setuid, setgid, world-writable

function permissionsVerdict(c: ClassifiedWarning): Verdict | null {
  const p = c.permissions;
  if (!p) return null;
  const cur = parseInt(p.current, 8);
  const was = parseInt(p.stored, 8);
  if (Number.isNaN(cur) || Number.isNaN(was)) return null;
  const gained = cur & RISKY_MODE_BITS & ~was;
  if (gained === 0) return null;
  const what = [gained & 0o4000 ? 'setuid' : '', gained & 0o2000 ? 'setgid' : '', gained & 0o002 ? 'world-writable' : ''].filter(Boolean).join(', ');
  return { status: 'fail', label: POSSIBLE_TAMPERING, why: `it became ${what} (permissions ${p.stored} → ${p.current})`, evidence: [] };
}

interface PackageFacts {
  owners: OwnerLookup | null;
  verify: VerifyLookup | null;
  /** rpm systems: `rpm -V -f` on the flagged files (live system only). */
  rpm: RpmVerifyLookup | null;
  /** Why files cannot be cross-checked at all (no package manager …). */
  unavailable: string | null;
}

async function rpmFacts(host: Host, files: string[]): Promise<PackageFacts> {
  const none = { owners: null, verify: null, rpm: null };
  if (!(await isRpmSystem(host))) return { ...none, unavailable: 'neither dpkg nor rpm keeps a package database here' };
  // rpm --root would chroot into the tree and read its database with this machine's rpm.
  if (host.root !== '/') return { ...none, unavailable: 'an rpm system: rpm -V is run on the live system only, not under --root' };
  if (!(await host.which('rpm'))) return { ...none, unavailable: 'an rpm system without the rpm program' };
  const rpm = await rpmVerifyFiles(host, files);
  if (rpm.error) return { ...none, unavailable: `${rpm.command} failed: ${rpm.error}` };
  return { ...none, rpm, unavailable: null };
}

async function packageFacts(host: Host, flagged: Flagged[]): Promise<PackageFacts> {
  const files = flagged.filter((f) => f.classified.kind === 'file-properties' && f.subject.startsWith('/')).map((f) => f.subject);
  if (files.length === 0) return { owners: null, verify: null, rpm: null, unavailable: null };
  const dpkg = await lookupPackage(host, 'dpkg');
  if (dpkg.kind === 'no-dpkg') return rpmFacts(host, files);
  const owners = await dpkgOwners(host, files);
  if (owners.error) return { owners, verify: null, rpm: null, unavailable: `${owners.command} failed: ${owners.error}` };
  const packages = [...new Set([...owners.owners.values()].map((o) => o.packages[0]))];
  const verify = await dpkgVerify(host, packages.slice(0, rkhunterPolicy.verify.maxPackages));
  return { owners, verify, rpm: null, unavailable: null };
}

const RPM_COLUMNS: Record<string, string> = { M: 'mode', U: 'owner', G: 'group', D: 'device', L: 'link target', P: 'capabilities' };

/**
 * The verdict on a changed file from `rpm -V -f`'s answer. Pure. rpm prints
 * nothing for a file that matches its package, so silence about an owned
 * file means it matches.
 */
export function rpmPropertiesVerdict(subject: string, changed: string, lookup: { output: RpmVerifyOutput; command: string }): Verdict {
  const out = lookup.output;
  const failed = out.failed.get(subject);
  if (failed !== undefined) {
    return { status: 'warn', label: 'not verified', why: `${changed} changed; rpm -V could not look at it (${failed}): check it by hand`, evidence: [{ command: lookup.command, text: `error: file ${subject}: ${failed}` }] };
  }
  if (out.notOwned.has(subject)) {
    return {
      status: 'warn',
      label: 'not verifiable',
      why: `${changed} changed; no package owns it (rpm -qf), so rpm cannot vouch for it: check it by hand`,
      evidence: [{ command: lookup.command, text: `file ${subject} is not owned by any package` }],
    };
  }
  const r = out.differs.get(subject);
  const cmd: Evidence = { command: lookup.command, text: r ? `${r.flags} ${r.attr || ' '} ${subject}` : `nothing printed for ${subject}: it matches its package` };
  if (r && rpmContentDiffers(r)) {
    return {
      status: 'fail',
      label: POSSIBLE_TAMPERING,
      why: `${changed} changed and rpm -V says ${subject} ${r.flags === 'missing' ? 'is missing' : `differs from its package (${r.flags})`}`,
      evidence: [cmd],
    };
  }
  if (r && rpmContentUnknown(r)) {
    return { status: 'warn', label: 'not verified', why: `${changed} changed; rpm -V could not compare its contents (${r.flags}): check it by hand`, evidence: [cmd] };
  }
  const attrs = r ? [...new Set([...r.flags].map((c) => RPM_COLUMNS[c]).filter((x): x is string => x !== undefined))] : [];
  if (attrs.length > 0) {
    return {
      status: 'warn',
      label: 'attributes changed',
      why: `${changed} changed; the contents match its package (rpm -V), but its ${attrs.join(', ')} differ from the package's (${r?.flags}): check with ls -l`,
      evidence: [cmd],
    };
  }
  return {
    status: 'warn',
    label: UPGRADE_NOISE,
    why: `${changed} changed, but the file matches the package that owns it (rpm -V): rkhunter's database is older than the package; run rkhunter --propupd`,
    evidence: [cmd],
  };
}

function propertiesVerdict(f: Flagged, facts: PackageFacts): Verdict {
  const c = f.classified;
  const changed = c.changed.length > 0 ? c.changed.join(', ') : 'properties';
  const risky = permissionsVerdict(c);
  if (risky) return risky;
  if (facts.unavailable) return { status: 'warn', label: 'not verified', why: `${changed} changed; not cross-checked: ${facts.unavailable}`, evidence: [] };
  if (facts.rpm?.output) return rpmPropertiesVerdict(f.subject, changed, { output: facts.rpm.output, command: facts.rpm.command });
  const owner = facts.owners?.owners.get(f.subject);
  if (!owner) {
    return {
      status: 'warn',
      label: 'not verifiable',
      why: `${changed} changed; no package owns it (dpkg -S), so dpkg cannot vouch for it: check it by hand`,
      evidence: facts.owners ? [{ command: facts.owners.command, text: `no owner for ${f.subject}` }] : [],
    };
  }
  const pkg = owner.packages[0];
  const verify = facts.verify;
  const cmd: Evidence = { command: verify?.command ?? `dpkg --verify ${pkg}`, text: `${pkg} owns ${owner.dpkgPath}` };
  const flags = verify?.differs.get(owner.dpkgPath);
  if (flags && contentDiffers(flags)) {
    return {
      status: 'fail',
      label: POSSIBLE_TAMPERING,
      why: `${changed} changed and dpkg --verify says ${owner.dpkgPath} ${flags === 'missing' ? 'is missing' : `differs from package ${pkg} (${flags})`}`,
      evidence: [{ ...cmd, text: `${flags} ${owner.dpkgPath}` }],
    };
  }
  if (!verify || !verify.verified.has(pkg)) {
    const why = verify?.error ?? `more than ${rkhunterPolicy.verify.maxPackages} packages to verify`;
    return { status: 'warn', label: 'not verified', why: `${changed} changed; owned by ${pkg} but dpkg --verify failed: ${why}`, evidence: [cmd] };
  }
  const contentsChanged = c.changed.some((x) => x !== 'permissions' && x !== 'uid' && x !== 'gid');
  if (!contentsChanged) {
    return {
      status: 'warn',
      label: 'attributes changed',
      why: `${changed} changed; the contents match package ${pkg} (dpkg --verify), but dpkg does not record owners and modes: check with ls -l`,
      evidence: [cmd],
    };
  }
  return {
    status: 'warn',
    label: UPGRADE_NOISE,
    why: `${changed} changed, but the file matches package ${pkg} (dpkg --verify): rkhunter's database is older than the package; run rkhunter --propupd`,
    evidence: [cmd],
  };
}

function verdictFor(f: Flagged, conf: ParsedRkhConf | null, facts: PackageFacts, localConf: string): { verdict: Verdict; known: KnownPath | null; whitelist: WhitelistLine | null } {
  const kind = f.classified.kind;
  const known = knownFalsePositive(kind, f.subject);
  const whitelist = whitelistLineFor(kind, f.subject, known);
  const whitelisted = whitelistVerdict(conf, f);
  if (whitelisted) return { verdict: whitelisted, known, whitelist };
  const policy = rkhunterPolicy.warningKinds[kind];
  if (known) {
    return {
      verdict: { status: 'warn', label: KNOWN_FALSE_POSITIVE, why: `known false positive: ${known.why}${whitelistHint(whitelist, localConf)}`, evidence: [] },
      known,
      whitelist,
    };
  }
  if (kind === 'file-properties') return { verdict: propertiesVerdict(f, facts), known, whitelist };
  // The known false positives by kind (ssh-root-unset …) say how to silence them; other
  // kinds name their whitelist only when they fail (read the warning first).
  const hint = policy.status === 'fail' || KIND_LABEL[kind] === KNOWN_FALSE_POSITIVE ? whitelistHint(whitelist, localConf) : '';
  return { verdict: { status: policy.status, label: KIND_LABEL[kind], why: `${policy.explain}${hint}`, evidence: [] }, known, whitelist };
}

function flag(w: RkhLogWarning): Flagged[] {
  const classified = classifyWarning(w);
  if (classified.subjects.length === 0) {
    const subject = classified.kind === 'syslog-not-running' ? 'system logging daemon' : (w.test ?? oneLine(w.message).slice(0, 60));
    return [{ warning: w, classified, subject }];
  }
  return classified.subjects.map((subject) => ({ warning: w, classified, subject }));
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

export interface JudgeOptions {
  /**
   * Cross-check changed files with dpkg (default true). Off for a quick
   * re-judgement whose file-properties verdicts do not matter (the whitelist
   * fix re-reading its own edit).
   */
  verifyPackages?: boolean;
}

/** Every warning of the last scan, judged against the CURRENT configuration. Never throws for bad input. */
export async function judgeLastScan(host: Host, opts: JudgeOptions = {}): Promise<ScanJudgement> {
  const config = await loadRkhunterConfig(host);
  if (config.kind === 'error') return { kind: 'error', summary: `${config.summary}: cannot tell which warnings are whitelisted`, evidence: config.evidence };
  const conf = config.kind === 'ok' ? config.conf : null;
  const localConf = config.kind === 'ok' ? `${dirOf(config.main)}/rkhunter.conf.local` : LOCAL_CONF;
  const scan = await loadLastScan(host, conf);
  if (scan.kind !== 'scan') return scan;

  const flagged = scan.run.warnings.flatMap(flag);
  const facts = opts.verifyPackages === false ? { owners: null, verify: null, rpm: null, unavailable: 'not cross-checked' } : await packageFacts(host, flagged);
  const items = flagged.map((f): JudgedItem => {
    const { verdict: v, known, whitelist } = verdictFor(f, conf, facts, localConf);
    const test = f.warning.test ? `${f.warning.test}: ` : '';
    const details = f.warning.details.length > 0 ? ` (${f.warning.details.join('; ')})` : '';
    return {
      subject: f.subject,
      kind: f.classified.kind,
      status: v.status,
      label: v.label,
      summary: oneLine(`${test}${f.warning.message}${details} — ${v.why}`),
      evidence: [...warningEvidence(scan.file, f.warning), ...v.evidence],
      warning: f.warning,
      known,
      whitelist,
    };
  });
  return { kind: 'judged', config, conf, scan, localConf, items };
}

/** Host paths whose change alters the judgement (for watch lists). */
export const JUDGE_WATCH = [rkhunterPolicy.log.defaultPath, ...rkhunterPolicy.log.otherPaths, MAIN_CONF, LOCAL_CONF, '/etc/rkhunter.d'];
