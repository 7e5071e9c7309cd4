// rkhunter.warnings: the last scan logged no warnings that still matter.
//
// Each warning of the last scan becomes an item (test, subject, verdict):
// - already whitelisted by the CURRENT configuration (added since the scan,
//   or the test now disabled): shown, not counted;
// - a known false positive of rkhunter on modern Debian/Ubuntu (sshd
//   drop-ins, journald, /etc/.java, Debian's wrapper scripts …): warn, with why;
// - "file properties have changed": cross-checked with dpkg. dpkg --verify
//   says the file matches its package → upgrade noise (rkhunter's database
//   is older than the upgrade); dpkg says it differs → possible tampering (fail);
// - anything else: the policy's verdict for its kind (mostly fail: read it).

import type { Check, Evidence, Item, RunContext, Status } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { ParsedRkhConf, RkhValue } from '../../src/parse/rkhunter-conf';
import { rkhList } from '../../src/parse/rkhunter-conf';
import type { RkhLogWarning } from '../../src/parse/rkhunter-log';
import { lookupPackage } from '../updates/dpkg';
import { finding, guardedCheck, listSome, oneLine } from '../updates/finding';
import { loadRkhunterConfig, MAIN_CONF } from './config-files';
import { offer } from './fixes';
import { isoMinute, loadLastScan } from './log-load';
import { contentDiffers, dpkgOwners, dpkgVerify, type OwnerLookup, type VerifyLookup } from './package-verify';
import { rkhunterPolicy, type KnownPath, type WarningKind } from './policy';
import { gateOnRkhunter } from './presence';
import { classifyWarning, type ClassifiedWarning } from './warning-kinds';
import { pathMatches, sshRootUnsetAllowed, testDisabledBy, whitelistedBy } from './whitelist';

const LOCAL_CONF = '/etc/rkhunter.conf.local';

const KIND_LABEL: Record<WarningKind, string> = {
  'hidden-dir': 'hidden directory',
  'hidden-file': 'hidden file',
  'dev-files': 'file in /dev',
  'script-replaced': 'command replaced by a script',
  'file-properties': 'file properties changed',
  'file-missing': 'file gone',
  'ssh-root-unset': 'known false positive',
  'ssh-protocol-unset': 'known false positive',
  'syslog-not-running': 'known false positive',
  'modules-missing': 'known false positive',
  'accounts-no-copy': 'no earlier copy',
  'accounts-changed': 'account change',
  'root-equivalent': 'UID 0 account',
  rootkit: 'rootkit signature',
  other: 'warning',
};

/** One item per subject, before the verdict. */
interface Flagged {
  warning: RkhLogWarning;
  classified: ClassifiedWarning;
  subject: string;
}

interface Verdict {
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

function whitelistHint(option: string | null, subject: string): string {
  if (!option || !subject.startsWith('/')) return '';
  return `; if expected, whitelist it with ${option}=${subject} in ${LOCAL_CONF}`;
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
  return { status: 'fail', label: 'possible tampering', why: `it became ${what} (permissions ${p.stored} → ${p.current})`, evidence: [] };
}

interface PackageFacts {
  owners: OwnerLookup | null;
  verify: VerifyLookup | null;
  /** Why files cannot be cross-checked at all (not a dpkg system …). */
  unavailable: string | null;
}

async function packageFacts(host: Host, flagged: Flagged[]): Promise<PackageFacts> {
  const files = flagged.filter((f) => f.classified.kind === 'file-properties' && f.subject.startsWith('/')).map((f) => f.subject);
  if (files.length === 0) return { owners: null, verify: null, unavailable: null };
  const dpkg = await lookupPackage(host, 'dpkg');
  if (dpkg.kind === 'no-dpkg') return { owners: null, verify: null, unavailable: 'not a dpkg system (rpm -V is not built yet)' };
  const owners = await dpkgOwners(host, files);
  if (owners.error) return { owners, verify: null, unavailable: `${owners.command} failed: ${owners.error}` };
  const packages = [...new Set([...owners.owners.values()].map((o) => o.packages[0]))];
  const verify = await dpkgVerify(host, packages.slice(0, rkhunterPolicy.verify.maxPackages));
  return { owners, verify, unavailable: null };
}

function propertiesVerdict(f: Flagged, facts: PackageFacts): Verdict {
  const c = f.classified;
  const changed = c.changed.length > 0 ? c.changed.join(', ') : 'properties';
  const risky = permissionsVerdict(c);
  if (risky) return risky;
  if (facts.unavailable) return { status: 'warn', label: 'not verified', why: `${changed} changed; not cross-checked: ${facts.unavailable}`, evidence: [] };
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
      label: 'possible tampering',
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
    label: 'upgrade noise',
    why: `${changed} changed, but the file matches package ${pkg} (dpkg --verify): rkhunter's database is older than the package; run rkhunter --propupd`,
    evidence: [cmd],
  };
}

function verdictFor(f: Flagged, conf: ParsedRkhConf | null, facts: PackageFacts): Verdict {
  const whitelisted = whitelistVerdict(conf, f);
  if (whitelisted) return whitelisted;
  const kind = f.classified.kind;
  const policy = rkhunterPolicy.warningKinds[kind];
  const known = knownFalsePositive(kind, f.subject);
  if (known) {
    return {
      status: 'warn',
      label: 'known false positive',
      why: `known false positive: ${known.why}${whitelistHint(policy.option, f.subject)}`,
      evidence: [],
    };
  }
  if (kind === 'file-properties') return propertiesVerdict(f, facts);
  return { status: policy.status, label: KIND_LABEL[kind], why: `${policy.explain}${policy.status === 'fail' ? whitelistHint(policy.option, f.subject) : ''}`, evidence: [] };
}

function flag(w: RkhLogWarning): Flagged[] {
  const classified = classifyWarning(w);
  if (classified.subjects.length === 0) {
    const subject = classified.kind === 'syslog-not-running' ? 'system logging daemon' : (w.test ?? oneLine(w.message).slice(0, 60));
    return [{ warning: w, classified, subject }];
  }
  return classified.subjects.map((subject) => ({ warning: w, classified, subject }));
}

const ORDER: Status[] = ['fail', 'error', 'warn', 'info', 'pass', 'skip'];
function worst(statuses: Status[]): Status {
  return statuses.reduce<Status>((a, b) => (ORDER.indexOf(b) < ORDER.indexOf(a) ? b : a), 'pass');
}

export const rkhWarnings: Check = guardedCheck({
  id: 'rkhunter.warnings',
  area: 'rkhunter',
  title: 'rkhunter found nothing suspicious',
  severity: 'high',
  watch: [rkhunterPolicy.log.defaultPath, MAIN_CONF, LOCAL_CONF, '/etc/rkhunter.d'],
  interval: 3600,
  // dpkg --verify reads every file of the packages involved.
  timeoutMs: 180_000,
  async run(host, _ctx: RunContext) {
    const gate = await gateOnRkhunter(rkhWarnings, host);
    if (gate.stop) return gate.stop;
    const config = await loadRkhunterConfig(host);
    if (config.kind === 'error') return finding(rkhWarnings, 'error', `${config.summary}: cannot tell which warnings are whitelisted`, config.evidence);
    const conf = config.kind === 'ok' ? config.conf : null;
    const scan = await loadLastScan(host, conf);
    if (scan.kind === 'error') return finding(rkhWarnings, 'error', scan.summary, scan.evidence);
    if (scan.kind === 'none') return finding(rkhWarnings, 'skip', `no scan to judge: ${scan.summary} (see rkhunter.last-scan)`, scan.evidence);

    const when = `the last scan (${isoMinute(scan.startedAt)}, ${scan.where})`;
    const unfinished = scan.run.end ? '' : `; it did not finish (no "End date" line), so later tests never ran`;
    const scanEvidence: Evidence = { file: scan.file, line: scan.start.line, text: scan.start.text };
    if (scan.run.warnings.length === 0) {
      return finding(rkhWarnings, scan.run.end ? 'pass' : 'warn', `${when} logged no warnings${unfinished}`, [scanEvidence]);
    }

    const flagged = scan.run.warnings.flatMap(flag);
    const facts = await packageFacts(host, flagged);
    const items: (Item & { label: string })[] = flagged.map((f) => {
      const v = verdictFor(f, conf, facts);
      const test = f.warning.test ? `${f.warning.test}: ` : '';
      const details = f.warning.details.length > 0 ? ` (${f.warning.details.join('; ')})` : '';
      return {
        subject: f.subject,
        status: v.status,
        label: v.label,
        summary: oneLine(`${test}${f.warning.message}${details} — ${v.why}`),
        evidence: [...warningEvidence(scan.file, f.warning), ...v.evidence],
      };
    });

    const counted = items.filter((i) => i.status !== 'pass');
    const whitelisted = items.length - counted.length;
    const status = counted.length === 0 ? 'pass' : worst(counted.map((i) => i.status));
    const finalStatus: Status = !scan.run.end && status === 'pass' ? 'warn' : status;
    const sorted = [...counted].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
    const tampering = counted.filter((i) => i.label === 'possible tampering').length;
    const parts: string[] = [];
    if (counted.length === 0) {
      parts.push(`${when} logged ${items.length} warning${items.length === 1 ? '' : 's'}, all whitelisted since`);
    } else {
      const head = `${counted.length} warning${counted.length === 1 ? '' : 's'} in ${when}`;
      const extra = [tampering > 0 ? `${tampering} possible tampering` : '', whitelisted > 0 ? `${whitelisted} more whitelisted since` : ''].filter(Boolean).join(', ');
      parts.push(`${head}${extra ? `, ${extra}` : ''}: ${listSome(sorted.map((i) => `${i.subject} [${i.label}]`), 4)}`);
    }
    const summary = `${parts.join('')}${unfinished}`;
    const fixes = offer('rkhunter.whitelist', 'rkhunter.propupd');
    const f = finding(rkhWarnings, finalStatus, summary, [scanEvidence], fixes);
    f.items = items.map(({ label: _label, ...item }) => item);
    return f;
  },
});
