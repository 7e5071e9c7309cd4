// The pure parts of key rotation: the HostKey text edits, the known_hosts and
// SSHFP lines (checked against the real `ssh-keygen -r`), where sshd listens,
// the rotation record, the undo tag of a user key (checked with the real
// sed), and the policy data.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addHostKeyLines, removeHostKeyLines, ROTATE_MARKER } from '../../checks/ssh/host-key-edit';
import { knownHostsLine, readPublicKeyLine, sshfpRecords } from '../../checks/ssh/host-key-publish';
import { keyTag, tagDeleteScript } from '../../checks/ssh/fix-rotate-user-key';
import { rotatePolicy, rotatePolicyProblems } from '../../checks/ssh/rotate-policy';
import { parseRotationRecord, serialiseRotationRecord, type RotationRecord } from '../../checks/ssh/rotation-record';
import { loopbackTarget, parseListen } from '../../checks/ssh/server-listen';
import { usableForLogin, withoutLines } from '../../checks/ssh/fix-remove-authorized-key';
import { fixes, offer, SSH_FIX_IDS } from '../../checks/ssh/fixes';
import { parseAuthorizedKeys } from '../../src/parse/authorized-keys';
import { loadSshdConfig, type ConfigSource } from '../../src/parse/sshd-config';

function source(files: Record<string, string>): ConfigSource {
  return {
    async read(p) {
      return p in files ? { ok: true, text: files[p] } : { ok: false, reason: 'missing', message: `${p}: missing` };
    },
    async glob(pattern) {
      const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      return Object.keys(files).filter((p) => re.test(p)).sort();
    },
  };
}

function tmp(t: { teardown(fn: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-rotparts-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

test('addHostKeyLines: after the LAST HostKey line in reading order, even when that is in a drop-in; nothing else moves', async (t) => {
  const files = {
    '/etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\nHostKey /etc/ssh/ssh_host_ed25519_key\nPort 22\nMatch User bob\n  X11Forwarding no\n',
    '/etc/ssh/sshd_config.d/50-cloud.conf': 'HostKey /etc/ssh/ssh_host_rsa_key\nPasswordAuthentication no',
  };
  const cfg = await loadSshdConfig('/etc/ssh/sshd_config', source(files));
  // Reading order: the drop-in (Include comes first), then the main file's HostKey.
  const r = addHostKeyLines(cfg, ['/etc/ssh/new_ed', '/etc/ssh/new_rsa'], 'test');
  t.true(r.ok);
  if (!r.ok) return;
  t.deepEqual([...r.texts.keys()], ['/etc/ssh/sshd_config']);
  t.is(
    r.texts.get('/etc/ssh/sshd_config'),
    `Include /etc/ssh/sshd_config.d/*.conf\nHostKey /etc/ssh/ssh_host_ed25519_key\n${ROTATE_MARKER}: test\nHostKey /etc/ssh/new_ed\nHostKey /etc/ssh/new_rsa\nPort 22\nMatch User bob\n  X11Forwarding no\n`,
  );
  const bad = addHostKeyLines(cfg, ['/etc/ssh/with space'], 'x');
  t.false(bad.ok);
});

test('addHostKeyLines keeps CRLF files CRLF and a missing last newline missing; removeHostKeyLines takes only the named lines and our comment', async (t) => {
  const crlf = 'Port 22\r\nHostKey /etc/ssh/a\r\nHostKey b\r\nX11Forwarding no';
  const cfg = await loadSshdConfig('/etc/ssh/sshd_config', source({ '/etc/ssh/sshd_config': crlf }));
  const r = addHostKeyLines(cfg, ['/etc/ssh/c'], 'new');
  t.true(r.ok);
  if (!r.ok) return;
  const added = r.texts.get('/etc/ssh/sshd_config')!;
  t.is(added, `Port 22\r\nHostKey /etc/ssh/a\r\nHostKey b\r\n${ROTATE_MARKER}: new\r\nHostKey /etc/ssh/c\r\nX11Forwarding no`);
  const after = await loadSshdConfig('/etc/ssh/sshd_config', source({ '/etc/ssh/sshd_config': added }));
  // "HostKey b" is relative: sshd takes it from / (its cwd), so it names /b.
  const removed = removeHostKeyLines(after, new Set(['/etc/ssh/a', '/b']));
  t.deepEqual(removed.removed.map((d) => d.line), [2, 3]);
  t.is(removed.texts.get('/etc/ssh/sshd_config'), 'Port 22\r\nHostKey /etc/ssh/c\r\nX11Forwarding no');
});

test('known_hosts and SSHFP lines are what ssh-keygen -r prints, for Ed25519, RSA and ECDSA', (t) => {
  const dir = tmp(t);
  for (const [type, bits] of [['ed25519', ''], ['rsa', '3072'], ['ecdsa', '384']]) {
    const key = path.join(dir, type);
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', bits] : []), '-N', '', '-C', 'c', '-f', key]);
    const pub = readPublicKeyLine(fs.readFileSync(`${key}.pub`, 'utf8'))!;
    t.truthy(pub);
    const expected = execFileSync('/usr/bin/ssh-keygen', ['-r', 'web1.example.org', '-f', `${key}.pub`], { encoding: 'utf8' }).trim().split('\n');
    t.deepEqual(sshfpRecords('web1.example.org', pub), expected, type);
    t.is(pub.fingerprint, execFileSync('/usr/bin/ssh-keygen', ['-l', '-f', `${key}.pub`], { encoding: 'utf8' }).split(' ')[1]);
  }
  const ed = readPublicKeyLine(fs.readFileSync(path.join(dir, 'ed25519.pub'), 'utf8'))!;
  t.is(knownHostsLine('web1', 22, ed), `web1 ssh-ed25519 ${ed.base64}`);
  t.is(knownHostsLine('web1', 2222, ed), `[web1]:2222 ssh-ed25519 ${ed.base64}`);
  t.is(readPublicKeyLine('ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss x'), null, 'a line whose type lies is refused');
});

test('where sshd listens: sshd -T forms, bare addresses with the Port lines, and only loopback for a proof', (t) => {
  t.deepEqual(parseListen('127.0.0.1:2222', []), [{ addr: '127.0.0.1', port: 2222 }]);
  t.deepEqual(parseListen('[::1]:22', []), [{ addr: '::1', port: 22 }]);
  t.deepEqual(parseListen('0.0.0.0', [22, 2222]), [{ addr: '0.0.0.0', port: 22 }, { addr: '0.0.0.0', port: 2222 }]);
  t.deepEqual(parseListen('::', [22]), [{ addr: '::', port: 22 }]);
  t.deepEqual(loopbackTarget([{ addr: '10.0.0.5', port: 22 }, { addr: '0.0.0.0', port: 2222 }]), { addr: '127.0.0.1', port: 2222 });
  t.deepEqual(loopbackTarget([{ addr: '127.0.0.5', port: 22 }]), { addr: '127.0.0.5', port: 22 });
  t.deepEqual(loopbackTarget([{ addr: '::', port: 22 }]), { addr: '::1', port: 22 });
  t.is(loopbackTarget([{ addr: '10.0.0.5', port: 22 }, { addr: '2001:db8::1', port: 22 }]), null, 'never any other address');
});

test('the rotation record round-trips and a damaged one is a problem, not a crash', (t) => {
  const rec: RotationRecord = {
    schema: 'hardtop.host-key-rotation/1',
    startedAt: '2026-11-28T12:00:00.000Z',
    retireAfter: '2026-12-12T12:00:00.000Z',
    graceDays: 14,
    old: [{ path: '/etc/ssh/ssh_host_ed25519_key', type: 'ssh-ed25519', bits: 256, fingerprint: 'SHA256:x' }],
    new: [{ path: '/etc/ssh/ssh_host_ed25519_key-20261128', type: 'ssh-ed25519', bits: 256, fingerprint: null }],
  };
  t.deepEqual(parseRotationRecord(serialiseRotationRecord(rec)), { ok: true, record: rec });
  t.false(parseRotationRecord('{').ok);
  t.false(parseRotationRecord('null').ok);
  t.false(parseRotationRecord(JSON.stringify({ ...rec, schema: 'x' })).ok);
  t.false(parseRotationRecord(JSON.stringify({ ...rec, new: [] })).ok);
  t.false(parseRotationRecord(JSON.stringify({ ...rec, old: [{ path: 'relative', type: 'x', bits: null, fingerprint: null }] })).ok);
});

test("the undo of a user key deletes exactly the line with the fix's tag (real sed), nothing else", (t) => {
  const tag = keyTag('al.ice', 'web1.example.org', '20261128', 'a1b2c3');
  t.is(tag, 'al.ice@web1.example.org-20261128-hardtop-a1b2c3');
  t.is(keyTag('x y', 'h$(reboot)', '20261128', '000000'), 'x-y@h--reboot--20261128-hardtop-000000', 'nothing sed or a shell would read as syntax');
  const file = path.join(tmp(t), 'authorized_keys');
  const lines = [
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss old@laptop',
    // '.' in the tag must not match any character: a look-alike comment stays.
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss alXice@web1.example.org-20261128-hardtop-a1b2c3',
    `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7SsK ${tag}`,
    `command="echo ${tag}" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7SsK other`,
  ];
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  execFileSync('/usr/bin/sed', ['-i', '-e', tagDeleteScript(tag), '--', file]);
  t.is(fs.readFileSync(file, 'utf8'), `${[lines[0], lines[1], lines[3]].join('\n')}\n`);
});

test('remove-authorized-key: only the given lines go; the lockout guard counts only keys that can log in', (t) => {
  t.is(withoutLines('a\nb\nc\n', new Set([2])), 'a\nc\n');
  t.is(withoutLines('a\r\nb\r\nc', new Set([3])), 'a\r\nb\r');
  const now = new Date('2026-11-28T00:00:00Z');
  const { entries } = parseAuthorizedKeys(
    [
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss plain',
      'cert-authority ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss ca',
      'command="/bin/backup" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss forced',
      'expiry-time="20250101" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss expired',
      'expiry-time="20300101" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss later',
    ].join('\n'),
    '/x',
  );
  t.deepEqual(entries.map((e) => [e.comment, usableForLogin(e, now)]), [['plain', true], ['ca', false], ['forced', false], ['expired', false], ['later', true]]);
});

test('the rotation policy data is sane, and the check can fail', (t) => {
  t.deepEqual(rotatePolicyProblems(rotatePolicy), []);
  const bad = structuredClone(rotatePolicy);
  bad.hostKeys.rsaBits = 2048;
  bad.hostKeys.graceDays = 0;
  bad.authLogs.files = ['var/log/auth.log'];
  t.is(rotatePolicyProblems(bad).length, 3);
});

test('the ids findings may offer are exactly the fixes that exist', (t) => {
  t.deepEqual([...SSH_FIX_IDS], fixes.map((f) => f.id));
  t.deepEqual(offer('ssh.rotate-host-keys', 'ssh.no-such-fix'), ['ssh.rotate-host-keys'], 'a fix not written yet is never offered');
});

test("a last line without a newline gets one before the key is appended (the plan's sed '$a\\\\', real sed), and only then", (t) => {
  const file = path.join(tmp(t), 'authorized_keys');
  fs.writeFileSync(file, 'ssh-ed25519 AAAA old');
  execFileSync('/usr/bin/sed', ['-i', '-e', '$a\\', '--', file]);
  t.is(fs.readFileSync(file, 'utf8'), 'ssh-ed25519 AAAA old\n');
  execFileSync('/usr/bin/sed', ['-i', '-e', '$a\\', '--', file]);
  t.is(fs.readFileSync(file, 'utf8'), 'ssh-ed25519 AAAA old\n', 'a file that ends with a newline is left alone');
});
