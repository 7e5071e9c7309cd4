// Issue 4's parser fixtures, judged where the admin sees them: at the CHECK
// level. Include loops, binary garbage and a 1 MB junk file must give clear
// `error` findings (one line, naming file:line, small enough for a panel and
// a report), never a crash; CRLF files, a 1 MB file of comments, an Include
// that matches nothing and Match all must be read as sshd and ssh read them.
// Every server case runs twice: through the real `sshd -T` (on a staged copy)
// and through hardtop's own parse (sshd unavailable).

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientAndKeyChecks, serverChecks } from '../../checks/ssh/index';
import type { Finding } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { canRunSshd, copyRoot, ensurePrivsepDir, evidenceProblems, hostFor, runAll, withoutSshd } from './ssh-server-helpers';

ensurePrivsepDir();
const sshdTest = canRunSshd ? test : test.skip;
const clientChecks = clientAndKeyChecks.filter((c) => c.id.startsWith('ssh.client.'));

/** Deterministic bytes of every value, NULs and invalid UTF-8 included. */
const GARBAGE = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
const MB_JUNK = 'x'.repeat(1_100_000);
const MB_COMMENTS = '# padding\n'.repeat(110_000);

type Mutate = (etc: string) => void;

function rootWith(t: { teardown(fn: () => void): void }, mutate: Mutate): string {
  const root = copyRoot(t, 'ssh-deb12-default');
  mutate(path.join(root, 'etc/ssh'));
  return root;
}

/** The ways to ask: the real sshd -T, and our own parse alone. */
function hostsFor(root: string): [string, Host][] {
  return [
    ['sshd -T', hostFor(root)],
    ['own parse', withoutSshd(hostFor(root))],
  ];
}

/** What "a clear error" means for the admin: one short line naming the place, small evidence, host paths only. */
function assertClearError(t: { true(v: boolean, m?: string): void; is(a: unknown, b: unknown, m?: string): void; deepEqual(a: unknown, b: unknown, m?: string): void }, f: Finding, where: string, root: string, label: string): void {
  t.is(f.status, 'error', `${label} ${f.id}: ${f.summary.slice(0, 300)}`);
  t.true(f.summary.includes(where), `${label} ${f.id} names ${where}: ${f.summary.slice(0, 300)}`);
  t.true(f.summary.length <= 400 && !/[\r\n]/.test(f.summary), `${label} ${f.id}: one short line (${f.summary.length} chars)`);
  t.true(JSON.stringify(f).length <= 8192, `${label} ${f.id}: the finding stays small (${JSON.stringify(f).length} bytes)`);
  t.deepEqual(evidenceProblems(f, root), [], `${label} ${f.id}`);
}

// ---------------------------------------------------------------------------
// sshd_config

const SERVER_BROKEN: [string, Mutate, string][] = [
  ['an Include loop', (etc) => fs.writeFileSync(path.join(etc, 'sshd_config.d/10-loop.conf'), 'Include /etc/ssh/sshd_config.d/10-loop.conf\n'), '/etc/ssh/sshd_config.d/10-loop.conf:1'],
  ['binary garbage', (etc) => fs.writeFileSync(path.join(etc, 'sshd_config.d/30-bin.conf'), GARBAGE), '/etc/ssh/sshd_config.d/30-bin.conf:1'],
  ['a 1 MB line of junk', (etc) => fs.writeFileSync(path.join(etc, 'sshd_config.d/20-big.conf'), MB_JUNK), '/etc/ssh/sshd_config.d/20-big.conf:1'],
];

sshdTest('sshd_config: an Include loop, binary garbage, a 1 MB junk drop-in: every server check a clear error naming file:line, both ways; never a throw', async (t) => {
  t.timeout(120_000);
  for (const [what, mutate, where] of SERVER_BROKEN) {
    const root = rootWith(t, mutate);
    for (const [how, host] of hostsFor(root)) {
      const found = await runAll(serverChecks, host);
      t.deepEqual([...found.keys()], serverChecks.map((c) => c.id), `${what}, ${how}: one finding per check`);
      t.is(found.get('ssh.server.installed')?.status, 'pass', `${what}, ${how}: the package is still installed`);
      for (const [id, f] of found) if (id !== 'ssh.server.installed') assertClearError(t, f, where, root, `${what}, ${how}:`);
    }
  }
});

sshdTest('sshd_config: CRLF, a 1 MB file of comments, an Include that matches nothing and Match all are read as sshd reads them', async (t) => {
  t.timeout(120_000);
  const baseRoot = copyRoot(t, 'ssh-deb12-default');
  const baseline = await runAll(serverChecks, hostFor(baseRoot));
  const mainLines = fs.readFileSync(path.join(baseRoot, 'etc/ssh/sshd_config'), 'utf8').split('\n').length;
  const statuses = (m: Map<string, Finding>) => Object.fromEntries([...m].map(([id, f]) => [id, f.status]));

  // CRLF: the same judgement as LF, and a CRLF line's value counts with its line number.
  const crlf = rootWith(t, (etc) => {
    const main = path.join(etc, 'sshd_config');
    fs.writeFileSync(main, `${fs.readFileSync(main, 'utf8')}PermitRootLogin yes\n`.replace(/\n/g, '\r\n'));
  });
  for (const [how, host] of hostsFor(crlf)) {
    const found = await runAll(serverChecks, host);
    t.deepEqual(statuses(found), { ...statuses(baseline), 'ssh.server.root-login': 'fail' }, `CRLF, ${how}`);
    t.true(found.get('ssh.server.root-login')!.summary.startsWith(`PermitRootLogin yes (/etc/ssh/sshd_config:${mainLines})`), `CRLF, ${how}: ${found.get('ssh.server.root-login')!.summary}`);
  }

  // 1 MB of comments before the one line that matters.
  const big = rootWith(t, (etc) => fs.writeFileSync(path.join(etc, 'sshd_config.d/20-big.conf'), `${MB_COMMENTS}PasswordAuthentication no\n`));
  for (const [how, host] of hostsFor(big)) {
    const f = (await runAll(serverChecks, host)).get('ssh.server.password-auth')!;
    t.is(f.status, 'pass', `1 MB, ${how}: ${f.summary}`);
    t.true(f.summary.includes('/etc/ssh/sshd_config.d/20-big.conf:110001'), `1 MB, ${how}: ${f.summary}`);
  }

  // An Include that matches nothing: sshd skips it silently, so do we (no error anywhere).
  const missing = rootWith(t, (etc) => fs.appendFileSync(path.join(etc, 'sshd_config'), 'Include /etc/ssh/nowhere/*.conf\nInclude /etc/ssh/absent.conf\n'));
  for (const [how, host] of hostsFor(missing)) t.deepEqual(statuses(await runAll(serverChecks, host)), statuses(baseline), `missing Include target, ${how}`);

  // Match all: its value is every connection's value.
  const all = rootWith(t, (etc) => fs.appendFileSync(path.join(etc, 'sshd_config'), 'Match all\n PasswordAuthentication no\n'));
  for (const [how, host] of hostsFor(all)) {
    const f = (await runAll(serverChecks, host)).get('ssh.server.password-auth')!;
    t.is(f.status, 'pass', `Match all, ${how}: ${f.summary}`);
    t.true(f.summary.includes(`/etc/ssh/sshd_config:${mainLines + 1}`), `Match all, ${how}: ${f.summary}`);
  }
});

// ---------------------------------------------------------------------------
// ssh_config

const CLIENT_BROKEN: [string, string | Buffer][] = [
  ['an Include loop', 'Include ssh_config\n'],
  ['binary garbage', GARBAGE],
  ['a 1 MB line of junk', MB_JUNK],
];

test('ssh_config: an Include loop, binary garbage, a 1 MB junk file: every client check a clear error naming file:line; CRLF and an Include that matches nothing are read', async (t) => {
  t.timeout(120_000);
  for (const [what, text] of CLIENT_BROKEN) {
    const root = rootWith(t, (etc) => fs.writeFileSync(path.join(etc, 'ssh_config'), text));
    const found = await runAll(clientChecks, hostFor(root));
    t.deepEqual([...found.keys()], clientChecks.map((c) => c.id), what);
    for (const f of found.values()) assertClearError(t, f, '/etc/ssh/ssh_config:1', root, `${what}:`);
  }

  for (const [what, text] of [
    ['CRLF', 'Host *\r\n  PasswordAuthentication no\r\n'],
    ['a missing Include target', 'Include /etc/ssh/nope/*.conf\nInclude absent.conf\nHost *\n  PasswordAuthentication no\n'],
  ]) {
    const root = rootWith(t, (etc) => fs.writeFileSync(path.join(etc, 'ssh_config'), text));
    const found = await runAll(clientChecks, hostFor(root));
    for (const f of found.values()) t.not(f.status, 'error', `${what} ${f.id}: ${f.summary}`);
    const pw = found.get('ssh.client.password-auth')!;
    t.is(pw.status, 'pass', `${what}: ${pw.summary}`);
    t.regex(pw.summary, /\/etc\/ssh\/ssh_config:\d/, what);
  }
});
