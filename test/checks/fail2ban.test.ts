// The fail2ban checks on fixture sysroots (test/fixtures/roots/f2b-*, built by
// build-f2b.sh): no server runs here, except the fake ones a test makes to
// play a hung or dead server. The real server: fail2ban-live.test.ts.

import test from 'ava';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { checks, fixes } from '../../checks/fail2ban/index';
import { fail2banBans } from '../../checks/fail2ban/bans';
import { parseBanData, parseBanHistory, parseOffenderBans, sqliteReadOnlyUri } from '../../checks/fail2ban/db';
import { fail2banInstalled } from '../../checks/fail2ban/installed';
import { fail2banPolicyCheck } from '../../checks/fail2ban/jail-policy';
import { fail2banPolicy, policyProblems } from '../../checks/fail2ban/policy';
import { fail2banRecidive } from '../../checks/fail2ban/recidive';
import { fail2banRunning } from '../../checks/fail2ban/running';
import { callClient } from '../../checks/fail2ban/server';
import { fail2banSelfProtect } from '../../checks/fail2ban/self-protect';
import { fail2banSshdJail } from '../../checks/fail2ban/sshd-jail';
import { fail2banWebJails } from '../../checks/fail2ban/web-jails';
import type { Check, Finding, RunContext, Status } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';

const ROOTS = path.resolve(__dirname, '../fixtures/roots');
const F2B_ROOTS = fs.readdirSync(ROOTS).filter((n) => n.startsWith('f2b-'));
const ctx: RunContext = { now: new Date('2026-11-28T20:14:00'), network: false, signal: new AbortController().signal };

/** A sysroot's host, with the environment the check sees (SSH_CONNECTION …). */
function hostFor(root: string, env: Record<string, string> = {}): Host {
  // The env map is the whole environment: no SSH_CONNECTION of the test's own session leaks in (nor an ancestor's).
  return createLocalHost({ root: path.isAbsolute(root) ? root : path.join(ROOTS, root), network: false, env });
}

async function run(check: Check, root: string, env: Record<string, string> = {}): Promise<Finding> {
  return check.run(hostFor(root, env), ctx);
}

/** A private copy of a fixture root, removed when the test ends. Short path: Unix socket paths are limited to 108 bytes. */
function copyRoot(t: { teardown(fn: () => void): void }, name: string, parent = os.tmpdir()): string {
  const dest = fs.mkdtempSync(path.join(parent, 'f2b-'));
  fs.cpSync(path.join(ROOTS, name), dest, { recursive: true, verbatimSymlinks: true });
  t.teardown(() => fs.rmSync(dest, { recursive: true, force: true }));
  return dest;
}

function hostPathsOnly(f: Finding): boolean {
  const all = [...f.evidence, ...(f.items ?? []).flatMap((i) => i.evidence)];
  return all.every((e) => (e.file === undefined || (e.file.startsWith('/') && !e.file.includes('fixtures') && !e.file.startsWith(os.tmpdir()))) && !(e.command ?? '').includes(os.tmpdir()));
}

test('the area: CHECKS.md ids in order with CHECKS.md severities, refresh hints, policy data sane, ban and unban fixes', (t) => {
  t.deepEqual(
    checks.map((c) => [c.id, c.area, c.severity]),
    [
      ['fail2ban.installed', 'fail2ban', 'high'],
      ['fail2ban.running', 'fail2ban', 'high'],
      ['fail2ban.sshd-jail', 'fail2ban', 'high'],
      ['fail2ban.recidive', 'fail2ban', 'low'],
      ['fail2ban.policy', 'fail2ban', 'medium'],
      ['fail2ban.web-jails', 'fail2ban', 'low'],
      ['fail2ban.self-protect', 'fail2ban', 'medium'],
      ['fail2ban.bans', 'fail2ban', 'info'],
    ],
  );
  for (const c of checks) t.true((c.watch?.length ?? 0) > 0 && (c.interval ?? 0) > 0, c.id);
  t.deepEqual(fixes.map((f) => f.id), ['fail2ban.install', 'fail2ban.enable-jails', 'fail2ban.ban', 'fail2ban.unban', 'fail2ban.ignore']);
  t.deepEqual(policyProblems(fail2banPolicy), []);
  t.deepEqual(policyProblems({ ...fail2banPolicy, thresholds: { ...fail2banPolicy.thresholds, widestIgnoreipPrefixV4: 40 } }), ['thresholds.widestIgnoreipPrefixV4 must be 1–32'], 'the validator can fail');
});

test('on every fixture root, every check gives one well-formed finding with host paths only, never a throw', async (t) => {
  const all = fs.readdirSync(ROOTS).filter((n) => fs.statSync(path.join(ROOTS, n)).isDirectory());
  t.true(F2B_ROOTS.length >= 7);
  for (const root of all) {
    for (const env of [{}, { SSH_CONNECTION: '192.0.2.50 5555 192.0.2.1 22' }] as Array<Record<string, string>>) {
      for (const check of checks) {
        const f = await run(check, root, env);
        t.is(f.id, check.id);
        t.is(f.area, 'fail2ban');
        t.is(f.severity, check.severity);
        t.false(/[\r\n]/.test(f.summary), `${root} ${check.id}: one line`);
        t.true(f.summary.length > 0);
        t.true(hostPathsOnly(f), `${root} ${check.id}: ${JSON.stringify(f.evidence)}`);
        for (const item of f.items ?? []) t.false(/[\r\n]/.test(item.summary), `${root} ${check.id} ${item.subject}`);
        if (f.items?.length) t.not(f.status, 'skip');
      }
    }
  }
});

// ---------------------------------------------------------------------------
// Expected verdicts, root by root

const SSH = { SSH_CONNECTION: '192.0.2.50 5555 192.0.2.1 22' };

const EXPECT: Array<[string, Check, Status, RegExp, Record<string, string>?]> = [
  ['f2b-absent', fail2banInstalled, 'fail', /^fail2ban is not installed: nothing bans brute-force attackers$/],
  ['f2b-absent', fail2banRunning, 'skip', /^fail2ban is not installed$/],
  ['f2b-absent', fail2banSelfProtect, 'skip', /^fail2ban is not installed$/, SSH],
  ['f2b-removed', fail2banInstalled, 'fail', /^fail2ban was removed \(only its config files remain\)/],
  ['f2b-removed', fail2banSshdJail, 'skip', /only its config files remain/],

  ['f2b-stock', fail2banInstalled, 'pass', /^fail2ban is installed \(package fail2ban 1\.0\.2-2\)$/],
  ['f2b-stock', fail2banRunning, 'fail', /^fail2ban is not running: no socket at \/var\/run\/fail2ban\/fail2ban\.sock; fail2ban will not start: \[sshd\] logpath \/var\/log\/auth\.log matches no file$/],
  ['f2b-stock', fail2banSshdJail, 'fail', /^\[sshd\] is enabled but its logpath \/var\/log\/auth\.log matches no file \(backend auto\): fail2ban will not start; on a journald-only system set backend = systemd$/],
  ['f2b-stock', fail2banRecidive, 'fail', /^\[recidive\] is not enabled \(\/etc\/fail2ban\/jail\.conf:160\): repeat offenders/],
  ['f2b-stock', fail2banPolicyCheck, 'warn', /^1 of 1 jail\(s\): \[sshd\] bantime 10m \(\/etc\/fail2ban\/jail\.conf:103\) is under 1h and bantime\.increment is off$/],
  ['f2b-stock', fail2banWebJails, 'fail', /^nginx: installed but no active jail guards it \(available: nginx-http-auth, nginx-botsearch\)/],
  ['f2b-stock', fail2banSelfProtect, 'warn', /^your address 192\.0\.2\.50 is not in ignoreip of \[sshd\]/, SSH],
  ['f2b-stock', fail2banBans, 'skip', /^not running: no socket at \/var\/run\/fail2ban\/fail2ban\.sock; no ban database at \/var\/lib\/fail2ban\/fail2ban\.sqlite3$/],

  ['f2b-hardened', fail2banRunning, 'fail', /^fail2ban is not running: no socket at \/run\/fail2ban\/fail2ban\.sock$/],
  ['f2b-hardened', fail2banSshdJail, 'pass', /^\[sshd\] is enabled \(\/etc\/fail2ban\/jail\.d\/hardtop\.local:11\); not running/],
  ['f2b-hardened', fail2banRecidive, 'pass', /^\[recidive\] is enabled \(\/etc\/fail2ban\/jail\.d\/hardtop\.local:16\)/],
  ['f2b-hardened', fail2banPolicyCheck, 'pass', /^4 jail\(s\) within policy: sshd, nginx-http-auth, nginx-botsearch, recidive \(not running/],
  ['f2b-hardened', fail2banWebJails, 'pass', /^nginx: guarded by \[nginx-http-auth\], \[nginx-botsearch\]/],
  ['f2b-hardened', fail2banSelfProtect, 'pass', /^your address 192\.0\.2\.50 is exempt in every active jail/, SSH],
  ['f2b-hardened', fail2banBans, 'info', /^server not running; database: \[nginx-http-auth\] 1, \[recidive\] 1, \[sshd\] 5; top offenders: 203\.0\.113\.5 \(4 bans\), 198\.51\.100\.23 \(2 bans\), 2001:db8::7 \(1 ban\)$/],

  ['f2b-bad', fail2banSshdJail, 'fail', /^\[sshd\] is not enabled \(\/etc\/fail2ban\/jail\.local:14\); \[ssh\] is enabled but is an old name with no filter since fail2ban 0\.9\/0\.10: use \[sshd\]/],
  ['f2b-bad', fail2banRecidive, 'warn', /^\[recidive\] is enabled but fail2ban logs to SYSTEMD-JOURNAL, not a file: recidive has nothing to read/],
  ['f2b-bad', fail2banPolicyCheck, 'fail', /^1 of 3 jail\(s\): \[postfix-rbl\] .*ignoreip 0\.0\.0\.0\/0 \(\/etc\/fail2ban\/jail\.local:22\) exempts every IPv4 address: the jail bans nobody$/],
  ['f2b-bad', fail2banWebJails, 'fail', /^Apache: installed but no active jail guards it \(available: apache-auth, apache-badbots\)/],
  ['f2b-bad', fail2banSelfProtect, 'warn', /not in ignoreip of \[recidive\], \[ssh\]/, SSH],

  ['f2b-malformed', fail2banRunning, 'error', /^cannot tell where the server listens: "socket": %\(rundir\)s is not defined in \[Definition\] or \[DEFAULT\] \(\/etc\/fail2ban\/fail2ban\.local:2\)$/],
  ['f2b-malformed', fail2banSshdJail, 'error', /^malformed \/etc\/fail2ban\/jail\.local:3: not a "key = value" line: "maxretry 3" \(fail2ban refuses to start\)$/],
  ['f2b-malformed', fail2banRecidive, 'error', /^malformed \/etc\/fail2ban\/jail\.local:3:/],
  ['f2b-malformed', fail2banPolicyCheck, 'error', /^malformed \/etc\/fail2ban\/jail\.local:3:/],
  ['f2b-malformed', fail2banSelfProtect, 'error', /^malformed \/etc\/fail2ban\/jail\.local:3:/, SSH],
  ['f2b-malformed', fail2banBans, 'error', /fail2ban\.local:2/],

  ['f2b-interp', fail2banRunning, 'fail', /^fail2ban is not running: no socket at \/var\/run\/fail2ban\/fail2ban\.sock; fail2ban will not start: \[sshd\] "logpath": %\(sshd_logg\)s is not defined/],
  ['f2b-interp', fail2banSshdJail, 'error', /^\[sshd\] "logpath": %\(sshd_logg\)s is not defined in \[sshd\] or \[DEFAULT\] \(\/etc\/fail2ban\/jail\.local:3\): fail2ban refuses this configuration$/],
];

for (const [root, check, status, summary, env] of EXPECT) {
  test(`${root}: ${check.id} is ${status}`, async (t) => {
    const f = await run(check, root, env);
    t.is(f.status, status, f.summary);
    t.regex(f.summary, summary);
  });
}

test('evidence names the lines to change, as host paths', async (t) => {
  const sshd = await run(fail2banSshdJail, 'f2b-stock');
  t.deepEqual(sshd.evidence, [
    { file: '/etc/fail2ban/jail.d/defaults-debian.conf', line: 2, text: 'enabled = true' },
    { file: '/etc/fail2ban/jail.conf', line: 284, text: 'backend = %(sshd_backend)s (= auto)' },
    { file: '/etc/fail2ban/jail.conf', line: 283, text: 'logpath = %(sshd_log)s (= /var/log/auth.log)' },
  ]);
  const malformed = await run(fail2banPolicyCheck, 'f2b-malformed');
  t.deepEqual(malformed.evidence, [{ file: '/etc/fail2ban/jail.local', line: 3, text: 'not a "key = value" line: "maxretry 3"' }]);
});

test('policy: one item per active jail, each with its own verdict and lines', async (t) => {
  const f = await run(fail2banPolicyCheck, 'f2b-bad');
  t.deepEqual(
    f.items?.map((i) => [i.subject, i.status]),
    [
      ['postfix-rbl', 'fail'],
      ['recidive', 'warn'],
      ['ssh', 'warn'],
    ],
    'in order of first appearance in the merged files (jail.conf before jail.local)',
  );
  const ssh = f.items![2].summary;
  t.regex(ssh, /maxretry 10 \(\/etc\/fail2ban\/jail\.local:4\) is over 5/);
  t.regex(ssh, /findtime 1m \(\/etc\/fail2ban\/jail\.local:5\) is under 10m/);
  t.regex(ssh, /ignoreip 10\.0\.0\.0\/8 \(\/etc\/fail2ban\/jail\.local:3\) is wider than \/16/);
  t.regex(ssh, /ignoreip 2001:db8::\/32 \(\/etc\/fail2ban\/jail\.local:3\) is wider than \/48/);
  t.notRegex(ssh, /127\.0\.0\.1\/8/, 'loopback is not a hole');
  t.regex(f.items![1].summary, /^maxretry 10 \(\/etc\/fail2ban\/jail\.local:4\) is over 5; ignoreip 10\.0\.0\.0\/8 [^;]*; ignoreip 2001:db8::\/32 [^;]*$/, 'recidive keeps its 1w bantime and 1d findtime');
  const ok = await run(fail2banPolicyCheck, 'f2b-hardened');
  t.deepEqual(
    ok.items?.map((i) => [i.subject, i.status, i.summary]),
    [
      ['sshd', 'pass', 'bantime 1h (increment on), maxretry 3, findtime 10m: within policy'],
      ['nginx-http-auth', 'pass', 'bantime 1h (increment on), maxretry 3, findtime 10m: within policy'],
      ['nginx-botsearch', 'pass', 'bantime 1h (increment on), maxretry 3, findtime 10m: within policy'],
      ['recidive', 'pass', 'bantime 1w (increment on), maxretry 3, findtime 1d: within policy'],
    ],
  );
});

test('policy: bantime.increment excuses a short bantime; a permanent ban passes; ::/0 fails; a host name is not judged', async (t) => {
  const root = copyRoot(t, 'f2b-stock');
  const local = path.join(root, 'etc/fail2ban/jail.local');
  fs.writeFileSync(local, '[sshd]\nbantime.increment = true\n');
  t.is((await run(fail2banPolicyCheck, root)).status, 'pass');
  fs.writeFileSync(local, '[sshd]\nbantime = -1\n');
  t.is((await run(fail2banPolicyCheck, root)).status, 'pass');
  fs.writeFileSync(local, '[sshd]\nbantime = 1h\nignoreip = ::1 ::/0 admin.example.org\n');
  const f = await run(fail2banPolicyCheck, root);
  t.is(f.status, 'fail');
  t.regex(f.summary, /ignoreip ::\/0 \(\/etc\/fail2ban\/jail\.local:3\) exempts every IPv6 address/);
  fs.writeFileSync(local, '[sshd]\nbantime = 1 fortnight\n');
  const bad = await run(fail2banPolicyCheck, root);
  t.is(bad.status, 'error');
  t.regex(bad.summary, /bantime: "1 fortnight" is not a time .* \(\/etc\/fail2ban\/jail\.local:2\)/);
});

test('self-protect: no SSH session or no address is a skip; loopback admin with ignoreself passes; exempting range named', async (t) => {
  t.regex((await run(fail2banSelfProtect, 'f2b-stock')).summary, /^not in an SSH session/);
  t.is((await run(fail2banSelfProtect, 'f2b-stock', { SSH_CONNECTION: 'garbage' })).status, 'skip');
  t.is((await run(fail2banSelfProtect, 'f2b-stock', { SSH_CONNECTION: '127.0.0.1 5555 127.0.0.1 22' })).status, 'pass');
  const v6 = await run(fail2banSelfProtect, 'f2b-hardened', { SSH_CONNECTION: '2001:db8:1234:99::5 40000 2001:db8::1 22' });
  t.is(v6.status, 'pass');
  t.is(v6.items?.[0].summary, 'exempt by ignoreip 2001:db8:1234::/48 (/etc/fail2ban/jail.d/hardtop.local:5)');
  const outside = await run(fail2banSelfProtect, 'f2b-hardened', { SSH_CONNECTION: '2001:db8:1235::5 40000 2001:db8::1 22' });
  t.is(outside.status, 'warn');
  t.is(outside.items?.length, 4);
});

test('self-protect under sudo: the address comes from an ancestor process\'s SSH session, and the evidence says so', async (t) => {
  const base = hostFor('f2b-hardened');
  const host = new Proxy(base, {
    get(target, prop) {
      if (prop === 'sshConnection') return async () => ({ value: '2001:db8:1235::5 40000 2001:db8::1 22', from: 'ancestor', pid: 4242 });
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const f = await fail2banSelfProtect.run(host, ctx);
  t.is(f.status, 'warn');
  t.is(f.evidence[0].text, 'SSH_CONNECTION client 2001:db8:1235::5 (from the SSH session of an ancestor process, pid 4242: sudo dropped SSH_CONNECTION)');
});

test('web-jails: info, not skip, when no web server is installed', async (t) => {
  const f = await run(fail2banWebJails, 'f2b-malformed');
  t.is(f.status, 'info');
  t.is(f.summary, 'no web server (nginx, Apache) is installed: no web jails needed');
});

// ---------------------------------------------------------------------------
// A server that is not there, hung, or behind a symlink

function listen(t: { teardown(fn: () => void): void }, socketPath: string, onConnection: (s: net.Socket) => void): Promise<void> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true });
  const server = net.createServer(onConnection);
  const sockets: net.Socket[] = [];
  server.on('connection', (s) => sockets.push(s));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return new Promise((resolve) => server.listen(socketPath, resolve));
}

test('running: a server that accepts but never answers is a fail after the timeout, not a hang', async (t) => {
  const root = copyRoot(t, 'f2b-hardened');
  await listen(t, path.join(root, 'run/fail2ban/fail2ban.sock'), () => {
    /* accept, say nothing */
  });
  const started = Date.now();
  const f = await run(fail2banRunning, root);
  const took = Date.now() - started;
  t.is(f.status, 'fail');
  t.regex(f.summary, /^fail2ban gives no answer within 5 s \(fail2ban-client -s \/run\/fail2ban\/fail2ban\.sock ping\): the server is hung or overloaded$/);
  t.true(took >= fail2banPolicy.client.timeoutMs - 100 && took < fail2banPolicy.client.timeoutMs + 5000, `took ${took} ms`);
});

test('a hung server costs one timeout, not one per check: concurrent checks share the wait, later ones answer at once', async (t) => {
  const root = copyRoot(t, 'f2b-hardened');
  let connections = 0;
  await listen(t, path.join(root, 'run/fail2ban/fail2ban.sock'), () => {
    connections++; /* accept, say nothing */
  });
  const host = hostFor(root, {});
  const started = Date.now();
  const first = await Promise.all([fail2banRunning, fail2banSshdJail, fail2banRecidive, fail2banPolicyCheck, fail2banBans].map((c) => c.run(host, ctx)));
  const firstMs = Date.now() - started;
  t.is(first[0].status, 'fail');
  t.regex(first[0].summary, /gives no answer within 5 s/);
  // running pings, the others ask `status`: two distinct calls, each made once.
  t.true(connections <= 2, `${connections} fail2ban-client connections for 5 concurrent checks`);
  t.true(firstMs < 2 * fail2banPolicy.client.timeoutMs, `took ${firstMs} ms: one timeout, not one per check`);

  // Right after: the socket is known hung for one more timeout; no new wait, no new connection.
  const before = connections;
  const t1 = Date.now();
  const again = await Promise.all([fail2banSelfProtect, fail2banWebJails].map((c) => c.run(host, ctx)));
  t.true(Date.now() - t1 < fail2banPolicy.client.timeoutMs - 500, 'answered without waiting out another timeout');
  t.is(connections, before);
  for (const f of again) t.notRegex(f.summary, /^internal error/);
  // Another Host (another run of hardtop) asks afresh.
  const other = await fail2banRunning.run(hostFor(root, {}), ctx);
  t.is(other.status, 'fail');
  t.true(connections > before, 'a new host waits for its own answer');
});

test('a shared call to a hung server: a caller that gives up leaves at once, the others still get their answer; the last to leave ends it', async (t) => {
  const root = copyRoot(t, 'f2b-hardened');
  let connections = 0;
  const sockets: net.Socket[] = [];
  await listen(t, path.join(root, 'run/fail2ban/fail2ban.sock'), (s) => {
    connections++;
    sockets.push(s);
    s.resume(); // read (and drop) what the client sends, so its going away is seen
  });
  const host = hostFor(root, {});
  const a = new AbortController();
  const b = new AbortController();
  const connected = async (n: number) => {
    for (const deadline = Date.now() + 10_000; connections < n && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  };
  const first = callClient(host, '/run/fail2ban/fail2ban.sock', ['status'], a.signal);
  const second = callClient(host, '/run/fail2ban/fail2ban.sock', ['status'], b.signal);
  await connected(1);
  const t0 = Date.now();
  a.abort();
  t.like(await first, { kind: 'failed', why: 'cancelled' });
  t.true(Date.now() - t0 < 1000, 'the one that gave up did not wait');
  t.like(await second, { kind: 'timeout', command: 'fail2ban-client -s /run/fail2ban/fail2ban.sock status' });
  t.is(connections, 1, 'one fail2ban-client for both');

  // Everyone gives up: the client is ended (its connection closes), and the next caller starts afresh.
  const other = hostFor(root, {});
  const c = new AbortController();
  const third = callClient(other, '/run/fail2ban/fail2ban.sock', ['ping'], c.signal);
  await connected(2);
  t.is(connections, 2);
  const closed = new Promise<void>((resolve) => sockets[1].once('close', () => resolve()));
  const t1 = Date.now();
  c.abort();
  t.like(await third, { kind: 'failed', why: 'cancelled' });
  await closed;
  const endedMs = Date.now() - t1;
  t.true(endedMs < fail2banPolicy.client.timeoutMs / 2, `the abandoned fail2ban-client was ended after ${endedMs} ms, not left to its timeout`);
});

test('running: a stale socket (nothing listening) is "not running"', async (t) => {
  const root = copyRoot(t, 'f2b-hardened');
  const sock = path.join(root, 'run/fail2ban/fail2ban.sock');
  fs.mkdirSync(path.dirname(sock), { recursive: true });
  // Closing a listening Unix socket removes its file: move it aside first and
  // put it back afterwards, the way a crashed server leaves it.
  const dead = net.createServer();
  await new Promise<void>((r) => dead.listen(sock, r));
  fs.renameSync(sock, `${sock}.keep`);
  dead.close();
  fs.renameSync(`${sock}.keep`, sock);
  t.is(fs.statSync(sock).isSocket(), true);
  const f = await run(fail2banRunning, root);
  t.is(f.status, 'fail');
  t.regex(f.summary, /^fail2ban is not running: nothing answers on \/run\/fail2ban\/fail2ban\.sock$/);
});

test('running: under --root a socket reached through a symlink is refused, never followed to the real system', async (t) => {
  const root = copyRoot(t, 'f2b-stock');
  // Debian's /var/run -> /run link, as in a real tree; the socket itself is in the sysroot.
  fs.mkdirSync(path.join(root, 'run/fail2ban'), { recursive: true });
  fs.symlinkSync('/run', path.join(root, 'var/run'));
  await listen(t, path.join(root, 'run/fail2ban/fail2ban.sock'), (s) => s.end());
  const f = await run(fail2banRunning, root);
  t.is(f.status, 'error');
  t.regex(f.summary, /\/var\/run is a symlink, not followed under --root/);
});

test('running: a regular file where the socket should be is an error', async (t) => {
  const root = copyRoot(t, 'f2b-hardened');
  fs.mkdirSync(path.join(root, 'run/fail2ban'), { recursive: true });
  fs.writeFileSync(path.join(root, 'run/fail2ban/fail2ban.sock'), '');
  const f = await run(fail2banRunning, root);
  t.is(f.status, 'error');
  t.regex(f.summary, /\/run\/fail2ban\/fail2ban\.sock is not a socket/);
});

// ---------------------------------------------------------------------------
// The ban database

test('bans: the database is read read-only (no journal, no change), items per jail, then the top offenders\' latest bans', async (t) => {
  const root = copyRoot(t, 'f2b-hardened');
  const db = path.join(root, 'var/lib/fail2ban/fail2ban.sqlite3');
  const before = crypto.createHash('sha256').update(fs.readFileSync(db)).digest('hex');
  const mtime = fs.statSync(db).mtimeMs;
  const f = await run(fail2banBans, root);
  t.is(f.status, 'info');
  t.deepEqual(
    f.items?.slice(0, 3).map((i) => [i.subject, i.summary.replace(/newest .*/, 'newest …')]),
    [
      ['nginx-http-auth', '1 ban(s) in the database, newest …'],
      ['recidive', '1 ban(s) in the database, newest …'],
      ['sshd', '5 ban(s) in the database, newest …'],
    ],
  );
  // From bips: the latest ban of each top offender, per jail (this database keeps no matched lines).
  t.deepEqual(
    f.items?.slice(3).map((i) => [i.subject, i.summary, i.evidence.map((e) => `${e.file}: ${e.text}`)]),
    [
      ['203.0.113.5', '[recidive] last banned 2026-11-28T15:35:00Z for 1w (ban #1 of this address, 3 failures)'],
      ['203.0.113.5', '[sshd] last banned 2026-11-28T15:33:20Z for 4h (ban #3 of this address, 3 failures); users tried: root'],
      ['198.51.100.23', '[nginx-http-auth] last banned 2026-11-28T11:56:40Z for 1h (ban #1 of this address, 3 failures)'],
      ['198.51.100.23', '[sshd] last banned 2026-11-28T11:23:20Z for 1h (ban #1 of this address, 3 failures)'],
      ['2001:db8::7', '[sshd] last banned 2026-11-28T11:40:00Z for 1h (ban #1 of this address, 5 failures)'],
    ].map(([ip, summary]) => [ip, summary, ['/var/lib/fail2ban/fail2ban.sqlite3: no matched lines in the database (fail2ban keeps dbmaxmatches of them)']]),
    'bips: the latest ban of each top offender per jail, most banned first',
  );
  t.is(crypto.createHash('sha256').update(fs.readFileSync(db)).digest('hex'), before);
  t.is(fs.statSync(db).mtimeMs, mtime);
  t.deepEqual(fs.readdirSync(path.dirname(db)), ['fail2ban.sqlite3']);
});

test('bans: a database path with URI-special characters is opened as that file', async (t) => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'odd ?#%name-'));
  t.teardown(() => fs.rmSync(parent, { recursive: true, force: true }));
  const root = copyRoot(t, 'f2b-hardened', parent);
  const f = await run(fail2banBans, root);
  t.is(f.status, 'info');
  t.regex(f.summary, /\[sshd\] 5/);
});

test('bans: a corrupt database is an error that names it, other checks unaffected', async (t) => {
  const root = copyRoot(t, 'f2b-hardened');
  fs.writeFileSync(path.join(root, 'var/lib/fail2ban/fail2ban.sqlite3'), 'this is not a database');
  const f = await run(fail2banBans, root);
  t.is(f.status, 'skip');
  t.regex(f.summary, /ban history unreadable: sqlite3 could not read \/var\/lib\/fail2ban\/fail2ban\.sqlite3/);
  t.is((await run(fail2banPolicyCheck, root)).status, 'pass');
});

test('bans: the sqlite URI is read-only and escapes what URIs treat specially; odd output is refused', (t) => {
  t.is(sqliteReadOnlyUri('/tmp/a b?#%/fail2ban.sqlite3'), 'file:/tmp/a%20b%3F%23%25/fail2ban.sqlite3?mode=ro');
  t.deepEqual(parseBanHistory(''), { perJail: [], topIps: [] }, 'no rows: sqlite3 prints nothing');
  t.deepEqual(parseBanHistory('[{"kind":"jail","key":"sshd","bans":2,"last":5},{"kind":"ip","key":"192.0.2.1","bans":2,"last":5}]'), {
    perJail: [{ key: 'sshd', bans: 2, last: 5 }],
    topIps: [{ key: '192.0.2.1', bans: 2, last: 5 }],
  });
  t.is(parseBanHistory('Error: no such table: bans'), null);
  t.is(parseBanHistory('[{"kind":"other","key":"x","bans":1,"last":1}]'), null);
  t.is(parseBanHistory('{"kind":"jail"}'), null);
});

test('bans: the data of a ban (bips.data) read as fail2ban writes it; attackers\' text is sanitised and cut, garbage is left out', (t) => {
  // fail2ban 1.0.2, verbatim: matches as strings or [prefix, time, rest], users as a Python set's repr.
  const real =
    '{"matches": [["", "2026-11-28T22:57:18+00:00", " testhost sshd[4000]: Failed password for root from 127.0.0.2 port 50000 ssh2"], "2026-11-28T22:57:18+00:00 testhost sshd[4000]: Failed password for admin from 127.0.0.2 port 50000 ssh2"], "failures": 3, "mlfid": " testhost sshd[4000]: ", "user": "root", "ip4": "127.0.0.2", "users": "[\'admin\', \'root\']"}';
  t.deepEqual(parseBanData(real), {
    failures: 3,
    users: ['admin', 'root'],
    matches: [
      '2026-11-28T22:57:18+00:00 testhost sshd[4000]: Failed password for root from 127.0.0.2 port 50000 ssh2',
      '2026-11-28T22:57:18+00:00 testhost sshd[4000]: Failed password for admin from 127.0.0.2 port 50000 ssh2',
    ],
  });
  t.deepEqual(parseBanData('{"users": ["b", "a", "a"], "failures": 2}'), { failures: 2, users: ['a', 'b'], matches: [] }, 'a JSON list too');
  t.deepEqual(parseBanData('{"user": "solo"}').users, ['solo'], 'one user only');
  const hostile = parseBanData(JSON.stringify({ users: ['\u001b]0;pwned\u0007x', 'y'.repeat(500)], matches: ['a\u001b[2Jb\nc', 42, ['x', 7]] }));
  for (const s of [...hostile.users, ...hostile.matches]) {
    t.false(/[\u0000-\u001f\u007f-\u009f]/.test(s), JSON.stringify(s));
    t.true(s.length <= 200);
  }
  t.is(hostile.matches.length, 1, 'a number and a list with a number are not lines');
  for (const junk of [null, 'not json', '[1,2]', '"x"', '{"failures": "many", "matches": "no"}']) t.deepEqual(parseBanData(junk), { failures: null, users: [], matches: [] }, String(junk));
  t.deepEqual(parseOffenderBans(''), []);
  t.is(parseOffenderBans('[{"ip": "192.0.2.1"}]'), null, 'a row without its columns is refused');
  t.is(parseOffenderBans('Error: no such table: bips'), null);
});
