// Ubuntu 24.04's usual rkhunter false positives (ubuntu2404-warnings.log,
// assembled by test/fixtures/rkhunter/make-ubuntu2404.sh from a real 1.4.6
// log): each one explained as a known false positive with the line that
// silences it and the item's own whitelist fix; the one hidden file that is
// NOT a false positive stays red. Broken copies of that log (cut off, or with
// a foreign line in it) are an `error` naming file:line, never a crash.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rkhLastScan } from '../../checks/rkhunter/last-scan';
import { rkhWarnings } from '../../checks/rkhunter/warnings';
import type { RunContext } from '../../src/core/types';
import { RKH_FIXTURES } from './rkhunter-helpers';
import { at, copyRoot, run } from './updates-reboot-helpers';

const ctx: RunContext = at('2026-11-29T12:00:00Z');
const LOG = '/var/log/rkhunter.log';
const UBUNTU_LOG = fs.readFileSync(path.join(RKH_FIXTURES, 'ubuntu2404-warnings.log'), 'utf8');

/**
 * An Ubuntu-like root: Debian's rkhunter.conf (the same 1.4.6 package) without
 * its SCRIPTWHITELIST lines for egrep and fgrep, and the given log.
 */
function ubuntuRoot(t: { teardown(fn: () => void): void }, log: string): string {
  const root = copyRoot(t, 'rkh-default');
  const conf = path.join(root, 'etc/rkhunter.conf');
  fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^SCRIPTWHITELIST=\/usr\/bin\/[ef]grep\n/gm, ''));
  fs.writeFileSync(path.join(root, LOG), log);
  return root;
}

test("Ubuntu 24.04's usual false positives are explained, each with its whitelist line and fix; an unknown hidden binary fails", async (t) => {
  const root = ubuntuRoot(t, UBUNTU_LOG);
  const f = await run(rkhWarnings, root, ctx);
  t.is(f.status, 'fail');
  const rows = (f.items ?? []).map((i) => [i.subject, i.status, i.summary.replace(/^.* — /, ''), i.fix?.args.warning ?? null]);
  const known = (why: string, line: string) => `known false positive: ${why}; if expected, whitelist it with ${line} in /etc/rkhunter.conf.local`;
  t.deepEqual(rows, [
    ['/usr/bin/egrep', 'warn', known("a shell wrapper around grep -E in Debian's grep package", 'SCRIPTWHITELIST=/usr/bin/egrep'), 'script-replaced:/usr/bin/egrep'],
    ['/usr/bin/fgrep', 'warn', known("a shell wrapper around grep -F in Debian's grep package", 'SCRIPTWHITELIST=/usr/bin/fgrep'), 'script-replaced:/usr/bin/fgrep'],
    ['/usr/bin/lwp-request', 'warn', known('a Perl script in libwww-perl', 'SCRIPTWHITELIST=/usr/bin/lwp-request'), 'script-replaced:/usr/bin/lwp-request'],
    [
      '/etc/ssh/sshd_config',
      'warn',
      'known false positive: rkhunter greps only /etc/ssh/sshd_config (the last match) and ignores Include and sshd_config.d, where Debian and Ubuntu put settings; the ssh checks judge the effective value; if expected, whitelist it with ALLOW_SSH_ROOT_USER=unset in /etc/rkhunter.conf.local',
      'ssh-root-unset:/etc/ssh/sshd_config',
    ],
    ['/dev/shm/PostgreSQL.1804289383', 'warn', known("PostgreSQL's dynamic shared memory segments", 'ALLOWDEVFILE=/dev/shm/PostgreSQL.*'), 'dev-files:/dev/shm/PostgreSQL.1804289383'],
    [
      '/dev/shm/lttng-ust-wait-8',
      'warn',
      known("LTTng-UST's shared-memory wait files (liblttng-ust, loaded by programs built with tracing)", 'ALLOWDEVFILE=/dev/shm/lttng-ust-wait-*'),
      'dev-files:/dev/shm/lttng-ust-wait-8',
    ],
    ['/etc/.java', 'warn', known("Java's system preferences directory (created by OpenJDK packages)", 'ALLOWHIDDENDIR=/etc/.java'), 'hidden-dir:/etc/.java'],
    [
      '/etc/.resolv.conf.systemd-resolved.bak',
      'warn',
      known("a backup left by systemd-resolved's package scripts", 'ALLOWHIDDENFILE=/etc/.resolv.conf.systemd-resolved.bak'),
      'hidden-file:/etc/.resolv.conf.systemd-resolved.bak',
    ],
    ['/etc/.updated', 'warn', known("systemd's ConditionNeedsUpdate= stamp", 'ALLOWHIDDENFILE=/etc/.updated'), 'hidden-file:/etc/.updated'],
    [
      '/usr/share/man/man5/.k5identity.5.gz',
      'warn',
      known('the man page of ~/.k5identity, shipped by MIT Kerberos packages (named after the dotfile it documents)', 'ALLOWHIDDENFILE=/usr/share/man/man5/.k5identity.5.gz'),
      'hidden-file:/usr/share/man/man5/.k5identity.5.gz',
    ],
    [
      '/usr/share/man/man5/.k5login.5.gz',
      'warn',
      known('the man page of ~/.k5login, shipped by MIT Kerberos packages (named after the dotfile it documents)', 'ALLOWHIDDENFILE=/usr/share/man/man5/.k5login.5.gz'),
      'hidden-file:/usr/share/man/man5/.k5login.5.gz',
    ],
    // Not a false positive: red, and whitelisted only if the admin picks it (by its exact path).
    [
      '/usr/bin/.sshd',
      'fail',
      'a hidden file in a system directory: rootkits hide their files this way; if expected, whitelist it with ALLOWHIDDENFILE=/usr/bin/.sshd in /etc/rkhunter.conf.local',
      'hidden-file:/usr/bin/.sshd',
    ],
  ]);
  t.true(f.summary.startsWith('12 warnings in the last scan (2026-11-28 20:15Z, /var/log/rkhunter.log:3): /usr/bin/.sshd [hidden file], '), f.summary);
  t.deepEqual(f.fixes, ['rkhunter.whitelist']);
  t.is((await run(rkhLastScan, root, ctx)).status, 'pass');
});

test('the Ubuntu log cut off mid-line (disk full during the cron scan) is an error naming the line, for both checks', async (t) => {
  // Cut inside the hidden-file warning for /etc/.updated.
  const cut = UBUNTU_LOG.slice(0, UBUNTU_LOG.indexOf('/etc/.updated') + 5);
  const line = cut.split('\n').length;
  const root = ubuntuRoot(t, cut);
  for (const c of [rkhLastScan, rkhWarnings]) {
    const f = await run(c, root, ctx);
    t.is(f.status, 'error', c.id);
    t.is(f.summary, `malformed /var/log/rkhunter.log:${line}: the last line has no end of line: the log was cut off mid-line`, c.id);
    t.deepEqual(f.evidence, [{ file: LOG, line }], c.id);
  }
});

test('the Ubuntu log with a foreign line in the middle (another program writing to the same file) is an error naming the line', async (t) => {
  const lines = UBUNTU_LOG.split('\n');
  const at_ = lines.findIndex((l) => l.includes('Warning: Hidden directory found: /etc/.java'));
  lines.splice(at_, 0, 'Nov 28 20:18:07 web1 CRON[4242]: (root) CMD (test -x /etc/cron.daily/rkhunter)');
  const root = ubuntuRoot(t, lines.join('\n'));
  for (const c of [rkhLastScan, rkhWarnings]) {
    const f = await run(c, root, ctx);
    t.is(f.status, 'error', c.id);
    t.is(f.summary, `malformed /var/log/rkhunter.log:${at_ + 1}: not an rkhunter log line (no [HH:MM:SS] time stamp)`, c.id);
  }
  // A NUL byte (a log overwritten by a binary): an error too, never a throw.
  const nul = ubuntuRoot(t, UBUNTU_LOG.replace('/etc/.updated', '/etc/.upd\u0000ted'));
  const f = await run(rkhWarnings, nul, ctx);
  t.is(f.status, 'error');
  t.regex(f.summary, /^malformed \/var\/log\/rkhunter.log:\d+: contains a NUL byte/);
});
