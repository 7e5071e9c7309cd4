// ssh.keys.authorized, ssh.keys.user and ssh.keys.age on the sshk-* sysroots:
// real keys from ssh-keygen (fingerprints compared with `ssh-keygen -l`),
// AuthorizedKeysFile from the effective server config (real `sshd -T` where
// it can run, hardtop's own parse where it cannot), StrictModes, ages from
// comments and file times. The untrusted-home cases are in
// ssh-keys-untrusted.test.ts.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checks, clientAndKeyChecks, serverChecks } from '../../checks/ssh/index';
import { clientPolicy, clientPolicyProblems, userKeyPolicy } from '../../checks/ssh/client-policy';
import { expandAuthorizedKeysPattern } from '../../checks/ssh/keys-inventory';
import { datedComment, judgeKeyStrength } from '../../checks/ssh/keys-judge';
import type { Finding } from '../../src/core/types';
import { parsePasswd } from '../../src/parse/passwd';
import { copyRoot, SSH_ROOTS } from './ssh-server-helpers';
import { copySshkRoot, ctx, ensurePrivsepDir, evidenceProblems, get, hostFor, item, itemStatuses, mentions, runKeys, setMtime, withoutSshd } from './ssh-keys-helpers';

ensurePrivsepDir();
const KEY_IDS = ['ssh.keys.authorized', 'ssh.keys.user', 'ssh.keys.age'];
const keyChecks = clientAndKeyChecks.filter((c) => KEY_IDS.includes(c.id));
const fp = (root: string, rel: string, n = 0) => execFileSync('ssh-keygen', ['-l', '-f', path.join(root, rel)], { encoding: 'utf8' }).trim().split('\n')[n].split(' ')[1];
const statusOf = (m: Map<string, Finding>) => Object.fromEntries([...m].filter(([id]) => KEY_IDS.includes(id)).map(([id, f]) => [id.replace('ssh.keys.', ''), f.status]));

test('the client and key checks follow the server checks in CHECKS.md order, with their severities, watches and intervals', (t) => {
  t.deepEqual(checks.slice(0, serverChecks.length), serverChecks);
  t.deepEqual(
    checks.slice(serverChecks.length).map((c) => [c.id, c.area, c.severity]),
    [
      ['ssh.client.password-auth', 'ssh', 'low'],
      ['ssh.client.algorithms', 'ssh', 'medium'],
      ['ssh.client.deprecated-options', 'ssh', 'low'],
      ['ssh.keys.authorized', 'ssh', 'high'],
      ['ssh.keys.user', 'ssh', 'medium'],
      ['ssh.keys.age', 'ssh', 'low'],
    ],
  );
  for (const c of clientAndKeyChecks) {
    t.true((c.watch ?? []).includes('/etc/ssh') && (c.watch ?? []).includes('/etc/passwd'), c.id);
    t.true((c.interval ?? 0) > 0 && (c.timeoutMs ?? 0) > 0, c.id);
  }
});

test('the client and key policy in assets/policy/ssh.json is sane, and a bad edit is caught', (t) => {
  t.deepEqual(clientPolicyProblems(), []);
  t.is(userKeyPolicy.rsaMinBits, 3072);
  t.is(userKeyPolicy.rotationDays, 365);
  t.deepEqual(clientPolicyProblems(clientPolicy, { ...userKeyPolicy, forbiddenFamilies: {} }), ['userKeys.forbiddenFamilies must name dsa (CHECKS.md: none is DSA)']);
  const noRoaming = { ...clientPolicy, deprecatedOptions: { entries: clientPolicy.deprecatedOptions.entries.filter((e) => e.keyword !== 'UseRoaming') } };
  t.deepEqual(clientPolicyProblems(noRoaming), ['client.deprecatedOptions must list UseRoaming (CHECKS.md names it)']);
});

test('key strength: DSA and RSA < 2048 fail, RSA 2048–3071 warns, RSA ≥ 3072, ECDSA, Ed25519 and security keys pass', (t) => {
  const s = (family: Parameters<typeof judgeKeyStrength>[0], bits: number | null) => judgeKeyStrength(family, bits).status;
  t.deepEqual(
    [s('dsa', 1024), s('rsa', 1024), s('rsa', 2047), s('rsa', 2048), s('rsa', 3071), s('rsa', 3072), s('rsa', 4096), s('ecdsa', 256), s('ed25519', 256), s('sk-ed25519', 256), s('sk-ecdsa', 256), s('xmss', null), s('unknown', null)],
    ['fail', 'fail', 'fail', 'warn', 'warn', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'warn', 'warn'],
  );
});

test('dates in key comments: ISO, slashes, compact; impossible and future dates are not believed', (t) => {
  const d = (c: string) => datedComment(c, ctx.now)?.toISOString().slice(0, 10) ?? null;
  t.is(d('deploy@ci 2019-05-01'), '2019-05-01');
  t.is(d('bob@desktop 2021/03/07'), '2021-03-07');
  t.is(d('key-20230115-laptop'), '2023-01-15');
  t.is(d('2023-02-30 nope'), null);
  t.is(d('build 1234567890123'), null);
  t.is(d('from 2031-01-01'), null);
  t.is(d('alice@host'), null);
});

test('AuthorizedKeysFile tokens: %h %u %U %%, relative to the home, none, and an unknown token sshd refuses', (t) => {
  const [alice] = parsePasswd('alice:x:1000:1000::/home/alice:/bin/bash\n').accounts;
  t.deepEqual(expandAuthorizedKeysPattern('.ssh/authorized_keys', alice), { path: '/home/alice/.ssh/authorized_keys' });
  t.deepEqual(expandAuthorizedKeysPattern('%h/keys/%u.%U', alice), { path: '/home/alice/keys/alice.1000' });
  t.deepEqual(expandAuthorizedKeysPattern('/etc/ssh/keys/%u', alice), { path: '/etc/ssh/keys/alice' });
  t.deepEqual(expandAuthorizedKeysPattern('100%%/x', alice), { path: '/home/alice/100%/x' });
  t.is(expandAuthorizedKeysPattern('none', alice), null);
  t.deepEqual(expandAuthorizedKeysPattern('%d/x', alice), { problem: 'AuthorizedKeysFile %d/x: unknown token %d (sshd refuses it)' });
});

test('sshk-mixed, authorized keys: one item per account, DSA and RSA 1024 fail, RSA 2048 warns, bad lines are errors with file:line', async (t) => {
  const root = copySshkRoot(t, 'sshk-mixed');
  const found = await runKeys(root, keyChecks);
  t.deepEqual(statusOf(found), { authorized: 'fail', user: 'fail', age: 'warn' });
  const f = get(found, 'ssh.keys.authorized');
  t.deepEqual(evidenceProblems(f, root), []);
  t.deepEqual(itemStatuses(f), { root: 'pass', svc: 'pass', alice: 'error', bob: 'fail', deploy: 'pass' });

  // root: the files AuthorizedKeysFile names (a drop-in: .ssh/authorized_keys and /etc/ssh/authorized_keys/%u)
  const rootItem = item(f, 'root');
  t.deepEqual(rootItem.evidence.map((e) => `${e.file}:${e.line}`), ['/root/.ssh/authorized_keys:1', '/root/.ssh/authorized_keys:2']);
  t.true(rootItem.evidence[0].text?.includes(fp(root, 'root/.ssh/authorized_keys', 0)));
  t.regex(rootItem.evidence[1].text ?? '', /^RSA 4096 SHA256:\S+ root@admin-laptop \[from="10\.0\.0\.0\/8,192\.168\.1\.\*",no-pty,no-agent-forwarding\]$/);
  t.is(rootItem.summary, '2 keys: Ed25519, RSA 4096');
  // svc's key lives outside its home, in root's /etc/ssh/authorized_keys/%u
  t.deepEqual(item(f, 'svc').evidence.map((e) => `${e.file}:${e.line}`), ['/etc/ssh/authorized_keys/svc:1']);

  const bob = item(f, 'bob');
  t.regex(bob.summary, /^DSA 1024 SHA256:\S+ at \/home\/bob\/\.ssh\/authorized_keys:1: DSA \(refused by default since OpenSSH 7\.0, removed in 10\.0\), RSA 1024 SHA256:\S+ at \/home\/bob\/\.ssh\/authorized_keys:2: RSA 1024 bits, below 2048/);
  t.true(bob.evidence.some((e) => e.text?.includes(fp(root, 'home/bob/.ssh/authorized_keys', 0))));

  const alice = item(f, 'alice');
  const aliceLines = alice.evidence.map((e) => [e.line, e.text?.split(' ').slice(0, 2).join(' ')]);
  t.deepEqual(aliceLines, [
    [2, 'RSA 2048'],
    [4, 'ECDSA P-256'],
    [5, 'Ed25519-SK SHA256:' + fp(root, 'home/alice/.ssh/authorized_keys', 2).slice(7)],
    [6, 'ECDSA-SK P-256'],
    [7, 'Ed25519 ' + fp(root, 'home/alice/.ssh/authorized_keys', 4)],
    [8, 'Ed25519 ' + fp(root, 'home/alice/.ssh/authorized_keys', 5)],
    [9, 'ssh-ed25519 key'],
    [10, 'an SSH-1'],
    [11, 'bad key'],
  ]);
  t.regex(alice.evidence[4].text ?? '', /a certificate authority/);
  t.regex(alice.evidence[5].text ?? '', /\[restrict,command="rsync --server -vlogDtpre\.iLsfxC \. \/backup\/a,b",from/);
  t.regex(alice.evidence[8].text ?? '', /^bad key options: unsupported option "bogus-option"/);
  // the worst first: lines sshd cannot use (error), then the weak key (warn)
  t.regex(alice.summary, /^\/home\/alice\/\.ssh\/authorized_keys:9: ssh-ed25519 key data is not valid base64, \/home\/alice\/\.ssh\/authorized_keys:10: an SSH-1 RSA key .* \+2 more \(6 keys: RSA 2048, ECDSA P-256, Ed25519-SK, ECDSA-SK P-256, Ed25519 ×2\)$/);
  t.regex(alice.evidence[0].text ?? '', /RSA 2048 bits, below 3072$/);

  // the summary: the worst first, keys per user, the key shared by root and deploy
  t.regex(f.summary, /^bob: DSA 1024/);
  t.regex(f.summary, /keys per user: root 2, svc 1, alice 6, bob 2, deploy 1/);
  t.regex(f.summary, /same key on root and deploy \(SHA256:/);
  t.true(f.evidence.some((e) => e.text === `the same key ${fp(root, 'root/.ssh/authorized_keys', 0)} is authorized for root, deploy`));
  t.false(/[\r\n]/.test(f.summary));
});

test('sshk-mixed, private keys: type, size and passphrase from the file headers, IdentityFile outside ~/.ssh, modes', async (t) => {
  const root = copySshkRoot(t, 'sshk-mixed');
  fs.chmodSync(path.join(root, 'home/alice/.ssh/id_ecdsa'), 0o640);
  const f = get(await runKeys(root, keyChecks), 'ssh.keys.user');
  t.deepEqual(evidenceProblems(f, root), []);
  t.deepEqual(itemStatuses(f), {
    '/root/.ssh/id_ed25519': 'warn',
    '/home/alice/.ssh/id_ecdsa': 'warn',
    '/home/alice/.ssh/id_legacy': 'warn',
    '/home/alice/.ssh/id_rsa': 'pass',
    '/home/alice/keys/nas_ed25519': 'warn',
    '/home/bob/.ssh/id_dsa': 'fail',
    '/home/bob/.ssh/id_rsa': 'warn',
  });
  t.is(item(f, '/home/alice/.ssh/id_rsa').summary, 'RSA 3072, passphrase (aes256-ctr, bcrypt 16 rounds) (alice)');
  t.is(item(f, '/root/.ssh/id_ed25519').summary, 'Ed25519, no passphrase: whoever can read the file holds the key (root)');
  t.regex(item(f, '/home/alice/.ssh/id_legacy').summary, /^RSA 2048, passphrase \(AES-128-CBC\) \(legacy PEM encryption, one MD5 round.*: RSA 2048 bits, below 3072 \(alice\)$/);
  t.regex(item(f, '/home/alice/.ssh/id_ecdsa').summary, /readable by its group \(mode 0640/);
  t.regex(item(f, '/home/bob/.ssh/id_dsa').summary, /^DSA 1024, no passphrase: DSA/);
  t.regex(item(f, '/home/bob/.ssh/id_rsa').summary, /^RSA 2048, no passphrase/);
  t.regex(item(f, '/home/alice/keys/nas_ed25519').evidence[0].text ?? '', /IdentityFile \(\/home\/alice\/\.ssh\/config:3\)/);
  t.regex(item(f, '/home/alice/.ssh/id_legacy').evidence[1].text ?? '', /from the public half/);
  t.false(mentions(f, 'notes.txt'), 'a file that is not a key is not an item');
  t.regex(f.summary, /^7 private keys, 4 without a passphrase: \/home\/bob\/\.ssh\/id_dsa/);

  fs.chmodSync(path.join(root, 'home/alice/.ssh/id_rsa'), 0o644);
  const again = get(await runKeys(root, keyChecks), 'ssh.keys.user');
  t.is(item(again, '/home/alice/.ssh/id_rsa').status, 'fail');
  t.regex(item(again, '/home/alice/.ssh/id_rsa').summary, /readable by every user \(mode 0644\)/);
});

test('sshk-mixed, ages: a dated comment wins over the file time; past the rotation period warns; a future date is info', async (t) => {
  const root = copySshkRoot(t, 'sshk-mixed');
  setMtime(path.join(root, 'home/bob/.ssh/authorized_keys'), 400);
  setMtime(path.join(root, 'home/alice/.ssh/id_rsa'), 800);
  const f = get(await runKeys(root, keyChecks), 'ssh.keys.age');
  t.is(f.status, 'warn');
  t.deepEqual(evidenceProblems(f, root), []);
  const deploy = item(f, 'deploy: /home/deploy/.ssh/authorized_keys:1');
  t.is(deploy.status, 'warn');
  t.regex(deploy.summary, /2768 days old \(since 2019-05-01, from its comment\), past the 365-day rotation period$/);
  t.regex(item(f, 'svc: /etc/ssh/authorized_keys/svc:1').summary, /180 days old \(since 2026-06-01, from its comment\)$/);
  t.is(item(f, 'bob: /home/bob/.ssh/authorized_keys:1').status, 'warn');
  t.regex(item(f, 'bob: /home/bob/.ssh/authorized_keys:2').evidence[0].text ?? '', /from its file time \(the last change to the file: the key may be older\)/);
  t.is(item(f, '/home/alice/.ssh/id_rsa').status, 'warn');
  t.is(item(f, 'root: /root/.ssh/authorized_keys:1').summary.endsWith(`${30} days old (since 2026-10-29, from its file time)`), true);
  t.regex(f.summary, /^4 of 19 keys older than 365 days: /);

  const fresh = copySshkRoot(t, 'sshk-hardened');
  setMtime(path.join(fresh, 'home/alice/.ssh/authorized_keys'), -30);
  const future = get(await runKeys(fresh, keyChecks), 'ssh.keys.age');
  t.is(future.status, 'info');
  t.regex(future.summary, /in the future: the clock or the file time is wrong/);
});

test('sshk-hardened: every key strong and protected, young keys', async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  const found = await runKeys(root, keyChecks);
  t.deepEqual(statusOf(found), { authorized: 'pass', user: 'pass', age: 'pass' });
  t.is(get(found, 'ssh.keys.authorized').summary, '4 authorized keys, all strong; keys per user: root 2, alice 2');
  t.is(get(found, 'ssh.keys.user').summary, '2 private keys; all strong and passphrase-protected');
  t.regex(get(found, 'ssh.keys.age').summary, /^6 keys younger than 365 days \(oldest 88 days\)$/);
  for (const f of found.values()) t.deepEqual(f.fixes, [], `${f.id}: no fix exists yet, so none is offered`);
});

test('nothing to look at: no /etc/passwd (every ssh-* server root) or no keys (sshk-empty) is a clean skip', async (t) => {
  for (const name of [...SSH_ROOTS, 'sshk-empty']) {
    const root = name.startsWith('sshk') ? copySshkRoot(t, name) : copyRoot(t, name);
    const found = await runKeys(root, keyChecks);
    for (const f of found.values()) {
      t.is(f.status, 'skip', `${name} ${f.id}: ${f.summary}`);
      t.deepEqual(evidenceProblems(f, root), [], name);
    }
    if (!name.startsWith('sshk')) t.is(get(found, 'ssh.keys.authorized').summary, 'no /etc/passwd: no accounts to look at');
  }
  const empty = copySshkRoot(t, 'sshk-empty');
  const found = await runKeys(empty, keyChecks);
  t.is(get(found, 'ssh.keys.authorized').summary, 'no authorized keys for any of 3 accounts (AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2); no SSH server is installed: these keys grant nothing until one is');
  t.is(get(found, 'ssh.keys.user').summary, 'no private keys in the ~/.ssh of 3 accounts');
});

test('AuthorizedKeysFile comes from the effective config — sshd -T or our parse, the same files either way — with Match blocks and several files', async (t) => {
  const root = copySshkRoot(t, 'sshk-mixed');
  fs.writeFileSync(
    path.join(root, 'etc/ssh/sshd_config.d/10-keys.conf'),
    ['AuthorizedKeysFile %h/.ssh/authorized_keys /etc/ssh/authorized_keys/%u %h/.ssh/keys.%U', 'AuthorizedKeysCommand /usr/local/bin/keys-from-ldap %u', 'AuthorizedKeysCommandUser nobody', 'Match User bob', '    AuthorizedKeysFile /srv/bob-keys', ''].join('\n'),
  );
  fs.writeFileSync(path.join(root, 'home/alice/.ssh/keys.1000'), fs.readFileSync(path.join(root, 'root/.ssh/authorized_keys'), 'utf8').split('\n')[1] + '\n');
  fs.mkdirSync(path.join(root, 'srv'));
  fs.writeFileSync(path.join(root, 'srv/bob-keys'), fs.readFileSync(path.join(root, 'home/deploy/.ssh/authorized_keys')));
  for (const [label, host] of [['sshd -T', hostFor(root)], ['own parse', withoutSshd(hostFor(root))]] as const) {
    const f = get(await runKeys(root, keyChecks, host), 'ssh.keys.authorized');
    t.true(item(f, 'alice').evidence.some((e) => e.file === '/home/alice/.ssh/keys.1000' && e.line === 1), label);
    // The Match block's file is read too (for every account: a Match may apply to any connection).
    t.true(item(f, 'bob').evidence.some((e) => e.file === '/srv/bob-keys'), label);
    t.regex(f.summary, /keys from AuthorizedKeysCommand \/usr\/local\/bin\/keys-from-ldap %u are not listed/, label);
    t.true(f.evidence.some((e) => e.file === '/etc/ssh/sshd_config.d/10-keys.conf' && e.line === 1), label);
    t.deepEqual(evidenceProblems(f, root), [], label);
  }
});

test('StrictModes: an authorized_keys others can write is ignored by sshd (warn), or a way in for anyone when StrictModes is off (fail)', async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  fs.chmodSync(path.join(root, 'home/alice/.ssh/authorized_keys'), 0o666);
  let f = get(await runKeys(root, keyChecks), 'ssh.keys.authorized');
  t.is(item(f, 'alice').status, 'warn');
  t.regex(item(f, 'alice').summary, /writable by every user \(mode 0666\): sshd ignores every key in it \(StrictModes\)/);
  fs.appendFileSync(path.join(root, 'etc/ssh/sshd_config.d/00-hardening.conf'), 'StrictModes no\n');
  f = get(await runKeys(root, keyChecks), 'ssh.keys.authorized');
  t.is(item(f, 'alice').status, 'fail');
  t.regex(item(f, 'alice').summary, /StrictModes is off: someone else can add a key that logs in as alice/);
});

test('the server is absent or broken: authorized keys are still listed, and the summary says why they matter less or more', async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  fs.writeFileSync(path.join(root, 'etc/ssh/sshd_config.d/00-hardening.conf'), 'UseRoaming no\nAuthorizedKeysFile .ssh/authorized_keys\n');
  let f = get(await runKeys(root, keyChecks), 'ssh.keys.authorized');
  t.is(f.status, 'pass');
  t.regex(f.summary, /the SSH server's configuration is broken \(sshd (refuses|would refuse) its configuration: \/etc\/ssh\/sshd_config\.d\/00-hardening\.conf:1/);
  fs.writeFileSync(path.join(root, 'var/lib/dpkg/status'), 'Package: openssh-client\nStatus: install ok installed\nVersion: 1:9.2p1-2+deb12u10\n\n');
  f = get(await runKeys(root, keyChecks), 'ssh.keys.authorized');
  t.is(f.status, 'pass');
  t.regex(f.summary, /no SSH server is installed: these keys grant nothing until one is$/);
});
