// The lockout guard of ssh.server.harden (rules in checks/ssh/harden-guard.ts)
// and the reload it plans, on throwaway sysroots with real key files. The
// admin's identity comes from the root's /proc/self/loginuid, SUDO_USER and
// SSH_CONNECTION, as on a real box.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hardenServer } from '../../checks/ssh/fix-harden';
import { expandAuthorizedKeysFile } from '../../checks/ssh/harden-accounts';
import { whyNotUsableForLogin } from '../../checks/ssh/keys-judge';
import { parseAuthorizedKeys } from '../../src/parse/authorized-keys';
import type { Plan } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { sshRoot, tempDir, type RootUser, type SshRootOptions } from '../helpers/sshd';

const ctx = { now: new Date('2026-11-28T12:00:00Z'), network: false, signal: new AbortController().signal };
const asRoot = process.getuid?.() === 0 ? test : test.skip;

const WEAK = `Include /etc/ssh/sshd_config.d/*.conf
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
`;

function newKey(t: { teardown(fn: () => void): void }, type = 'ed25519'): string {
  const dir = tempDir(t, 'hardtop-guardkey-');
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'k@test', '-f', path.join(dir, 'k')]);
  return fs.readFileSync(path.join(dir, 'k.pub'), 'utf8').trim();
}

function hostWith(root: string, env: Record<string, string>): Host {
  // The env map is the whole environment: no SSH_CONNECTION of the test's own session leaks in (nor an ancestor's).
  return createLocalHost({ root, network: false, env });
}

const OVER_SSH = { SSH_CONNECTION: '192.0.2.7 50000 192.0.2.1 22' };

async function planOn(t: { teardown(fn: () => void): void }, opts: Partial<SshRootOptions> & { users: RootUser[] }, env: Record<string, string> = {}): Promise<{ plan: Plan; root: string }> {
  const root = sshRoot(t, { config: WEAK, hostKeys: [{ type: 'ed25519' }], ...opts });
  return { plan: await hardenServer.plan(hostWith(root, env), ctx), root };
}

function refusal(plan: Plan): string {
  return plan.guard && !plan.guard.ok ? plan.guard.reason : '';
}

// ---------------------------------------------------------------------------
// Pure pieces

test('authorized_keys lines: the shared parser splits options like sshd does; what counts as a way in (one rule for every guard)', (t) => {
  const key = newKey(t);
  const judge = (line: string): string | null | 'not an entry' => {
    const parsed = parseAuthorizedKeys(`${line}\n`, '/k');
    return parsed.entries.length === 1 ? whyNotUsableForLogin(parsed.entries[0], ctx.now) : 'not an entry';
  };
  const [e] = parseAuthorizedKeys(`from="10.0.0.1,10.0.0.2",no-pty ${key}\n`, '/k').entries;
  t.deepEqual(e.from, ['10.0.0.1', '10.0.0.2']);
  t.is(judge(key), null);
  t.is(judge(`no-pty,from="10.0.0.0/8" ${key}`), null);
  t.is(judge(`command="/usr/bin/backup" ${key}`), 'limited to a forced command');
  t.regex(judge(`expiry-time="20260101" ${key}`) ?? '', /^expired/, 'expired before "now"');
  t.is(judge(`expiry-time="20270101" ${key}`), null);
  t.regex(judge(`cert-authority ${key}`) ?? '', /certificate authority/);
  t.is(judge(`unknown-option ${key}`), 'not an entry', 'sshd skips a line with an option it does not know');
  t.is(judge('ssh-ed25519 not-base64!! x'), 'not an entry');
  t.is(parseAuthorizedKeys('# a comment\n   \n', '/k').entries.length, 0);
});

test('AuthorizedKeysFile tokens: %h %u %U %%, relative to the home directory', (t) => {
  const a = { name: 'alice', uid: 1000, gid: 1000, home: '/home/alice', shell: '/bin/bash' };
  t.is(expandAuthorizedKeysFile('.ssh/authorized_keys', a), '/home/alice/.ssh/authorized_keys');
  t.is(expandAuthorizedKeysFile('/etc/ssh/keys/%u', a), '/etc/ssh/keys/alice');
  t.is(expandAuthorizedKeysFile('%h/.ssh/k-%U-%%', a), '/home/alice/.ssh/k-1000-%');
  t.is(expandAuthorizedKeysFile('none', a), null);
  t.is(expandAuthorizedKeysFile('/x/%z', a), null);
});

// ---------------------------------------------------------------------------
// The rules

asRoot('R1: no account has a usable key → refused, and the admin is named', async (t) => {
  const { plan } = await planOn(t, { users: [{ name: 'alice', uid: 1000, gid: 1000, groups: ['sudo'] }] }, { ...OVER_SSH, SUDO_USER: 'alice' });
  t.regex(refusal(plan), /no account that may log in has a usable authorized key/);
  t.regex(refusal(plan), /you are alice \(by SUDO_USER, over SSH from 192\.0\.2\.7\)/);
});

asRoot('R2: root over SSH (loginuid 0), and the only key holder cannot sudo → refused', async (t) => {
  const users = [{ name: 'alice', uid: 1000, gid: 1000, keys: [newKey(t)] }];
  const { plan } = await planOn(t, { users, loginuid: 0 }, OVER_SSH);
  t.regex(refusal(plan), /no account that can administer this box .* keeps a usable key/);
  t.regex(refusal(plan), /you are root \(by loginuid 0, over SSH/);
});

asRoot('R2: root over SSH with a key-holding sudoer: allowed, and told to use that account', async (t) => {
  const users = [{ name: 'alice', uid: 1000, gid: 1000, keys: [newKey(t)], groups: ['sudo'] }];
  const { plan } = await planOn(t, { users, loginuid: 0 }, OVER_SSH);
  t.is(plan.guard, undefined);
  t.true(plan.warnings[0].startsWith('lockout guard: you are root (by loginuid 0, over SSH from 192.0.2.7): your account keeps NO way in'), plan.warnings[0]);
  t.true(plan.warnings[0].includes('log in as alice and use sudo from now on'));
});

asRoot('R3: the admin (bob, over SSH) has no key although alice has one → refused, naming bob', async (t) => {
  const users = [
    { name: 'alice', uid: 1000, gid: 1000, keys: [newKey(t)], groups: ['sudo'] },
    { name: 'bob', uid: 1001, gid: 1001, groups: ['sudo'] },
  ];
  const { plan } = await planOn(t, { users }, { ...OVER_SSH, SUDO_USER: 'bob' });
  t.regex(refusal(plan), /you are bob .*your account keeps NO way in.*could not log in again/);
  // alice, over SSH, keeps her key: allowed, and the preview says so by name.
  const { plan: hers } = await planOn(t, { users }, { ...OVER_SSH, SUDO_USER: 'alice' });
  t.is(hers.guard, undefined, refusal(hers));
  t.true(hers.warnings[0].startsWith('lockout guard: you are alice (by SUDO_USER, over SSH from 192.0.2.7): your account keeps a way in (1 usable key)'), hers.warnings[0]);
  // The same at the console (no SSH_CONNECTION): allowed, but bob is still told.
  const { plan: console } = await planOn(t, { users }, { SUDO_USER: 'bob' });
  t.is(console.guard, undefined);
  t.regex(console.warnings[0], /you are bob \(by SUDO_USER\): your account keeps NO way in/);
});

asRoot('keys sshd would ignore do not count: group-writable file (StrictModes), command=, nologin shell, symlink', async (t) => {
  const key = newKey(t);
  const cases: [string, (root: string) => void, RootUser][] = [
    ['world-writable', (root) => fs.chmodSync(path.join(root, 'home/alice/.ssh/authorized_keys'), 0o666), { name: 'alice', uid: 1000, gid: 1000, keys: [key], groups: ['sudo'] }],
    ['forced command', () => undefined, { name: 'alice', uid: 1000, gid: 1000, keys: [`command="/bin/true" ${key}`], groups: ['sudo'] }],
    ['nologin', () => undefined, { name: 'alice', uid: 1000, gid: 1000, keys: [key], groups: ['sudo'], shell: '/usr/sbin/nologin' }],
    [
      'symlink',
      (root) => {
        const ak = path.join(root, 'home/alice/.ssh/authorized_keys');
        fs.renameSync(ak, path.join(root, 'home/alice/keys'));
        fs.symlinkSync('../keys', ak);
      },
      { name: 'alice', uid: 1000, gid: 1000, keys: [key], groups: ['sudo'] },
    ],
  ];
  for (const [what, spoil, user] of cases) {
    const root = sshRoot(t, { config: WEAK, hostKeys: [{ type: 'ed25519' }], users: [user] });
    spoil(root);
    const plan = await hardenServer.plan(hostWith(root, { SUDO_USER: 'alice' }), ctx);
    t.regex(refusal(plan), /no account that may log in has a usable authorized key/, what);
  }
});

asRoot('AuthorizedKeysFile with %u outside the home is honoured', async (t) => {
  const key = newKey(t);
  const config = `${WEAK}AuthorizedKeysFile /etc/ssh/keys/%u\n`;
  const root = sshRoot(t, { config, hostKeys: [{ type: 'ed25519' }], users: [{ name: 'alice', uid: 1000, gid: 1000, groups: ['sudo'] }] });
  const refused = await hardenServer.plan(hostWith(root, { SUDO_USER: 'alice' }), ctx);
  t.regex(refusal(refused), /no account that may log in/);
  fs.mkdirSync(path.join(root, 'etc/ssh/keys'));
  fs.writeFileSync(path.join(root, 'etc/ssh/keys/alice'), `${key}\n`, { mode: 0o644 });
  const plan = await hardenServer.plan(hostWith(root, { SUDO_USER: 'alice' }), ctx);
  t.is(plan.guard, undefined, refusal(plan));
});

asRoot('R0: AuthenticationMethods that need a password, or PubkeyAuthentication no → refused', async (t) => {
  const users = [{ name: 'alice', uid: 1000, gid: 1000, keys: [newKey(t)], groups: ['sudo'] }];
  const a = await planOn(t, { users, config: `${WEAK}AuthenticationMethods publickey,password\n` });
  t.regex(refusal(a.plan), /AuthenticationMethods publickey,password needs a password/);
  const b = await planOn(t, { users, config: `${WEAK}PubkeyAuthentication no\n` });
  t.regex(refusal(b.plan), /PubkeyAuthentication is no/);
});

asRoot('AllowUsers that leaves the key holder out → refused', async (t) => {
  const users = [{ name: 'alice', uid: 1000, gid: 1000, keys: [newKey(t)], groups: ['sudo'] }];
  const { plan } = await planOn(t, { users, config: `${WEAK}AllowUsers carol\n` });
  t.regex(refusal(plan), /no account that may log in has a usable authorized key/);
  const ok = await planOn(t, { users, config: `${WEAK}AllowUsers carol al*\n` });
  t.is(ok.plan.guard, undefined, refusal(ok.plan));
});

// ---------------------------------------------------------------------------
// The reload

asRoot('reload: SIGHUP to the PidFile pid, only if that process is sshd (pkill -F … -x sshd, real path under --root)', async (t) => {
  const users = [{ name: 'alice', uid: 1000, gid: 1000, keys: [newKey(t)], groups: ['sudo'] }];
  const root = sshRoot(t, { config: WEAK, hostKeys: [{ type: 'ed25519' }], users });
  fs.writeFileSync(path.join(root, 'run/sshd.pid'), '4242\n');
  const plan = await hardenServer.plan(hostWith(root, { SUDO_USER: 'alice' }), ctx);
  t.deepEqual(
    plan.commands.map((c) => [c.argv, c.reload]),
    [[['pkill', '--signal', 'HUP', '-F', path.join(fs.realpathSync(root), 'run/sshd.pid'), '-x', 'sshd'], true]],
  );
});

/**
 * The sysroot as if it were the live system ("/") on which `systemctl is-active`
 * answers `state`: the plan is only looked at, never applied (the machine's
 * own systemd must never be asked about, or told to reload, a sysroot).
 */
function claimsLiveSystemd(root: string, env: Record<string, string>, state: string): Host {
  const host = hostWith(root, env);
  return new Proxy(host, {
    get(target, prop) {
      if (prop === 'root') return '/';
      if (prop === 'exec') {
        return async (p: string, args: string[], opts?: Parameters<Host['exec']>[2]) =>
          p === 'systemctl' && args[0] === 'is-active'
            ? { program: '/usr/bin/systemctl', argv: [p, ...args], exitCode: state === 'active' ? 0 : 3, signal: null, stdout: `${state}\n`, stderr: '', timedOut: false, truncated: false }
            : target.exec(p, args, opts);
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

asRoot('reload on a systemd box: systemctl reload ssh.service when it runs; else the PidFile; socket activation is noted', async (t) => {
  const users = [{ name: 'alice', uid: 1000, gid: 1000, keys: [newKey(t)], groups: ['sudo'] }];
  const root = sshRoot(t, { config: WEAK, hostKeys: [{ type: 'ed25519' }], users });
  fs.mkdirSync(path.join(root, 'run/systemd/system'), { recursive: true });
  fs.mkdirSync(path.join(root, 'lib/systemd/system'), { recursive: true });
  fs.writeFileSync(path.join(root, 'lib/systemd/system/ssh.service'), '[Service]\n');
  fs.mkdirSync(path.join(root, 'etc/systemd/system/sockets.target.wants'), { recursive: true });
  fs.symlinkSync('/lib/systemd/system/ssh.socket', path.join(root, 'etc/systemd/system/sockets.target.wants/ssh.socket'));
  const env = { SUDO_USER: 'alice' };

  const active = await hardenServer.plan(claimsLiveSystemd(root, env, 'active'), ctx);
  t.deepEqual(active.commands.map((c) => [c.argv, c.reload]), [[['systemctl', 'reload', 'ssh.service'], true]]);
  t.true(active.warnings.some((w) => w.startsWith('ssh.socket is enabled (socket activation)')));

  // ssh.service not running (socket activation before the first connection, or sshd started by hand):
  const idle = await hardenServer.plan(claimsLiveSystemd(root, env, 'inactive'), ctx);
  t.deepEqual(idle.commands, []);
  t.true(idle.warnings.some((w) => w === 'ssh.service is not running (inactive)'));
  fs.writeFileSync(path.join(root, 'run/sshd.pid'), '4242\n');
  const byHand = await hardenServer.plan(claimsLiveSystemd(root, env, 'inactive'), ctx);
  t.deepEqual(byHand.commands.map((c) => c.argv.slice(0, 3)), [['pkill', '--signal', 'HUP']]);

  // Under --root the machine's systemd is never used, even if the sysroot looks like a systemd box.
  const sysroot = await hardenServer.plan(hostWith(root, env), ctx);
  t.deepEqual(sysroot.commands.map((c) => c.argv[0]), ['pkill']);
});
