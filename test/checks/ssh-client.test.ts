// ssh.client.password-auth, .algorithms and .deprecated-options on the
// sshk-* sysroots: /etc/ssh/ssh_config with its drop-ins, every user's
// ~/.ssh/config, first-value-wins per host, ssh's own defaults from the real
// `ssh -G -F none` (and the policy's fallback when ssh cannot be run).

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientDefaults } from '../../checks/ssh/client-config';
import { clientAndKeyChecks } from '../../checks/ssh/index';
import type { Finding } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { copySshkRoot, ctx, ensurePrivsepDir, evidenceProblems, get, hostFor, item, itemStatuses, runKeys } from './ssh-keys-helpers';

ensurePrivsepDir();
const CLIENT_IDS = ['ssh.client.password-auth', 'ssh.client.algorithms', 'ssh.client.deprecated-options'];
const clientChecks = clientAndKeyChecks.filter((c) => CLIENT_IDS.includes(c.id));
const statusOf = (m: Map<string, Finding>) => Object.fromEntries([...m].map(([id, f]) => [id.replace('ssh.client.', ''), f.status]));
const run = (root: string, host?: Host) => runKeys(root, clientChecks, host);

/** The same host, but `ssh` cannot be run on it. */
function withoutSsh(host: Host): Host {
  return new Proxy(host, {
    get(target, prop) {
      if (prop === 'exec') {
        return async (p: string, args: string[], opts?: Parameters<Host['exec']>[2]) =>
          p === 'ssh' ? { program: p, argv: [p, ...args], exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, truncated: false, spawnError: 'ssh: not found' } : target.exec(p, args, opts);
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

test('sshk-mixed: passwords on by default (and a user turns them on again), weak algorithms per host and per user, deprecated options with file:line', async (t) => {
  const root = copySshkRoot(t, 'sshk-mixed');
  const found = await run(root);
  t.deepEqual(statusOf(found), { 'password-auth': 'fail', algorithms: 'fail', 'deprecated-options': 'warn' });
  for (const f of found.values()) t.deepEqual(evidenceProblems(f, root), [], f.id);

  const pa = get(found, 'ssh.client.password-auth');
  t.is(pa.summary, "PasswordAuthentication not set for every host in /etc/ssh/ssh_config: ssh's default yes (OpenSSH_9.2p1): ssh offers passwords to every server; turned back on in ~/.ssh/config by alice (/home/alice/.ssh/config:6)");
  t.true(pa.evidence.some((e) => e.command === 'ssh -G -F none hardtop.invalid'));
  t.true(pa.evidence.some((e) => e.file === '/home/alice/.ssh/config' && e.line === 6));

  const alg = get(found, 'ssh.client.algorithms');
  t.deepEqual(itemStatuses(alg), { '/etc/ssh/ssh_config': 'fail', '/home/alice/.ssh/config': 'fail' });
  const sys = item(alg, '/etc/ssh/ssh_config');
  t.regex(sys.summary, /^KexAlgorithms for Host legacy-router \(\/etc\/ssh\/ssh_config\.d\/10-legacy\.conf:3\): diffie-hellman-group1-sha1 \(1024-bit group and SHA-1\); MACs for every host: not set, ssh's defaults \(OpenSSH_9\.2p1\): umac-64-etm@openssh\.com \(64-bit tag\), hmac-sha1-etm@openssh\.com \(SHA-1\), umac-64@openssh\.com \(64-bit tag\) and 4 more; \+1 more$/);
  t.true(sys.evidence.some((e) => e.file === '/etc/ssh/ssh_config.d/10-legacy.conf' && e.line === 4 && e.text === 'HostKeyAlgorithms +ssh-rsa'), 'the third weak use: ssh-rsa signatures for the router');
  t.regex(item(alg, '/home/alice/.ssh/config').summary, /^MACs for Host old-nas \(\/home\/alice\/\.ssh\/config:2\): umac-64-etm@openssh\.com \(64-bit tag\), hmac-sha1-etm@openssh\.com \(SHA-1\), umac-64@openssh\.com \(64-bit tag\) and 5 more$/);
  t.true(item(alg, '/home/alice/.ssh/config').evidence.some((e) => e.text === 'MACs +hmac-md5'));

  const dep = get(found, 'ssh.client.deprecated-options');
  t.deepEqual(
    dep.evidence.map((e) => `${e.file}:${e.line} ${e.text}`),
    ['/etc/ssh/ssh_config.d/10-legacy.conf:8 UseRoaming no', '/etc/ssh/ssh_config.d/10-legacy.conf:9 ChallengeResponseAuthentication no', '/home/alice/.ssh/config:7 UseRoaming no'],
  );
  t.regex(dep.summary, /^3 deprecated options: UseRoaming \(deprecated, ignored since OpenSSH 7\.2: .*\) at \/etc\/ssh\/ssh_config\.d\/10-legacy\.conf:8, ChallengeResponseAuthentication \(an old alias .*; use KbdInteractiveAuthentication\) at \/etc\/ssh\/ssh_config\.d\/10-legacy\.conf:9, UseRoaming .* at \/home\/alice\/\.ssh\/config:7$/);
});

test('sshk-hardened: Host * with PasswordAuthentication no and strong lists passes, the same with or without ssh to ask', async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  for (const [label, host] of [['ssh -G', hostFor(root)], ['fallback', withoutSsh(hostFor(root))]] as const) {
    const found = await run(root, host);
    t.deepEqual(statusOf(found), { 'password-auth': 'pass', algorithms: 'pass', 'deprecated-options': 'pass' }, label);
    t.is(get(found, 'ssh.client.password-auth').summary, 'PasswordAuthentication no for every host (/etc/ssh/ssh_config.d/00-hardening.conf:3)', label);
    t.is(get(found, 'ssh.client.algorithms').summary, 'no weak algorithm in /etc/ssh/ssh_config and 1 user config', label);
    t.is(get(found, 'ssh.client.deprecated-options').summary, 'no deprecated, removed or aliased option in 2 ssh config files', label);
    for (const f of found.values()) t.deepEqual(f.fixes, [], `${label} ${f.id}: no fix exists yet`);
  }
  const fb = get(await run(root, withoutSsh(hostFor(root))), 'ssh.client.algorithms');
  t.true(fb.evidence.some((e) => e.text === 'ssh could not be asked for its defaults: those of OpenSSH 9.2p1 (Debian 12) (assets/policy/ssh.json)'));
});

test('no SSH client and no ssh_config (sshk-empty): every client check skips', async (t) => {
  const root = copySshkRoot(t, 'sshk-empty');
  const found = await run(root);
  t.deepEqual(statusOf(found), { 'password-auth': 'skip', algorithms: 'skip', 'deprecated-options': 'skip' });
  t.is(get(found, 'ssh.client.algorithms').summary, 'no SSH client: openssh-client is not installed and there is no /etc/ssh/ssh_config: nothing to check');
});

test('a keyword ssh does not know in the system file: every client check is an error naming file:line; in a user file, that user only', async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  fs.writeFileSync(path.join(root, 'home/alice/.ssh/config'), 'Host *\n  UseKeychain yes\n');
  let found = await run(root);
  t.is(item(get(found, 'ssh.client.algorithms'), '/home/alice/.ssh/config').status, 'error');
  t.is(item(get(found, 'ssh.client.algorithms'), '/home/alice/.ssh/config').summary, 'ssh refuses it for alice: /home/alice/.ssh/config:2: Bad configuration option: UseKeychain');
  t.regex(get(found, 'ssh.client.deprecated-options').summary, /UseKeychain \(not an option ssh knows: ssh stops with "Bad configuration option" for alice\) at \/home\/alice\/\.ssh\/config:2/);
  t.is(get(found, 'ssh.client.password-auth').status, 'pass');

  fs.writeFileSync(path.join(root, 'etc/ssh/ssh_config.d/50-mac.conf'), 'Host *\n    UseKeychain yes\n');
  found = await run(root);
  for (const f of found.values()) {
    t.is(f.status, 'error', f.id);
    t.is(f.summary, 'ssh refuses its configuration: /etc/ssh/ssh_config.d/50-mac.conf:2: Bad configuration option: UseKeychain (ssh will not run for anyone)', f.id);
    t.deepEqual(f.evidence, [{ file: '/etc/ssh/ssh_config.d/50-mac.conf', line: 2, text: 'Bad configuration option: UseKeychain' }]);
  }
  // IgnoreUnknown before it makes ssh (and hardtop) accept it.
  fs.writeFileSync(path.join(root, 'etc/ssh/ssh_config.d/50-mac.conf'), 'IgnoreUnknown UseKeychain\nHost *\n    UseKeychain yes\n');
  t.is(get(await run(root), 'ssh.client.password-auth').status, 'pass');
});

test('first value wins: a weak list in a Host block after the global one is never used, one before it is; Match all counts for every host', async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  const dropIn = path.join(root, 'etc/ssh/ssh_config.d/00-hardening.conf');
  fs.appendFileSync(dropIn, 'Host late-router\n    KexAlgorithms +diffie-hellman-group1-sha1\n');
  let alg = get(await run(root), 'ssh.client.algorithms');
  t.is(alg.status, 'pass', 'the line after Host * never takes effect');

  fs.writeFileSync(dropIn, `Host early-router\n    KexAlgorithms +diffie-hellman-group1-sha1\n${fs.readFileSync(dropIn, 'utf8')}`);
  alg = get(await run(root), 'ssh.client.algorithms');
  t.is(alg.status, 'fail');
  t.regex(item(alg, '/etc/ssh/ssh_config').summary, /^KexAlgorithms for Host early-router \(\/etc\/ssh\/ssh_config\.d\/00-hardening\.conf:2\): diffie-hellman-group1-sha1/);

  fs.writeFileSync(path.join(root, 'etc/ssh/ssh_config.d/00-first.conf'), 'Match all\n    PasswordAuthentication yes\n');
  const pa = get(await run(root), 'ssh.client.password-auth');
  t.is(pa.status, 'fail');
  t.is(pa.summary, 'PasswordAuthentication yes for every host (/etc/ssh/ssh_config.d/00-first.conf:2): ssh offers passwords to every server');
});

test("a user's config: Include relative to ~/.ssh is followed (untrusted), a file others can write is what ssh refuses", async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  const cfg = path.join(root, 'home/alice/.ssh/config');
  fs.writeFileSync(cfg, 'Include conf.d/*\nHost *\n  IdentitiesOnly yes\n');
  fs.mkdirSync(path.join(root, 'home/alice/.ssh/conf.d'));
  fs.writeFileSync(path.join(root, 'home/alice/.ssh/conf.d/legacy'), 'Host switch\n  Ciphers +3des-cbc\n');
  let alg = get(await run(root), 'ssh.client.algorithms');
  t.regex(item(alg, '/home/alice/.ssh/config').summary, /^Ciphers for Host switch \(\/home\/alice\/\.ssh\/conf\.d\/legacy:2\): 3des-cbc \(CBC mode\)$/);

  // A symlink among the included files is refused, not followed.
  fs.symlinkSync('/etc/ssh/ssh_host_ed25519_key', path.join(root, 'home/alice/.ssh/conf.d/zz-link'));
  alg = get(await run(root), 'ssh.client.algorithms');
  t.is(item(alg, '/home/alice/.ssh/config').status, 'fail', 'still judged on what could be read');
  t.false(JSON.stringify(alg).includes('OPENSSH PRIVATE KEY'));

  fs.chmodSync(cfg, 0o666);
  alg = get(await run(root), 'ssh.client.algorithms');
  t.is(item(alg, '/home/alice/.ssh/config').status, 'warn');
  t.is(item(alg, '/home/alice/.ssh/config').summary, 'ssh refuses to run for alice: Bad owner or permissions (uid 0, mode 0666) (alice)');
});

test("ssh's defaults come from `ssh -G -F none`: the machine's own ssh_config never leaks into a report about --root", async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  const d = await clientDefaults(hostFor(root), ctx);
  t.is(d.source.command, 'ssh -G -F none hardtop.invalid');
  t.regex(d.label, /^OpenSSH_\d/);
  t.truthy(d.values.kexalgorithms);
  const machine = fs.existsSync('/etc/ssh/ssh_config') ? fs.readFileSync('/etc/ssh/ssh_config', 'utf8') : '';
  if (/^\s*HashKnownHosts\s+yes/im.test(machine)) t.is(d.values.hashknownhosts, 'no', "this machine's HashKnownHosts yes did not leak");
  if (/^\s*SendEnv/im.test(machine)) t.false('sendenv' in d.values, "this machine's SendEnv did not leak");
});
