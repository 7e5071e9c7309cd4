// checks/ssh/effective-view.ts: the full effective server configuration as
// lines, each weak or deprecated item marked, with the file:line that set it.
// First pure (the fixture's text and values shaped like sshd -T output), then
// from the real sshd -T and from the fallback parse on the same fixture.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildEffectiveView, effectiveViewOf, judgeValue, type EffectiveLine } from '../../checks/ssh/effective-view';
import { loadServerState } from '../../checks/ssh/server-config';
import { loadSshdConfig, type ConfigSource } from '../../src/parse/sshd-config';
import { canRunSshd, copyRoot, ctx, ensurePrivsepDir, hostFor, ROOTS, withoutSshd } from './ssh-server-helpers';

ensurePrivsepDir();
const sshdTest = canRunSshd ? test : test.skip;

function fixtureSource(root: string): ConfigSource {
  return {
    async read(p) {
      const f = path.join(root, p);
      return fs.existsSync(f) ? { ok: true, text: fs.readFileSync(f, 'utf8') } : { ok: false, reason: 'missing', message: 'no such file' };
    },
    async glob(pattern) {
      const dir = path.dirname(pattern);
      const re = new RegExp(`^${path.basename(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      const real = path.join(root, dir);
      return fs.existsSync(real) ? fs.readdirSync(real).filter((n) => re.test(n) && !n.startsWith('.')).sort().map((n) => `${dir}/${n}`) : [];
    },
  };
}

const find = (lines: EffectiveLine[], canonical: string) => lines.filter((l) => l.canonical === canonical);

test('pure: values as sshd -T prints them + the parse of ssh-weak → lines with sources and verdicts', async (t) => {
  const parsed = await loadSshdConfig('/etc/ssh/sshd_config', fixtureSource(path.join(ROOTS, 'ssh-weak')));
  const values = new Map<string, string[]>([
    ['port', ['22']],
    ['permitrootlogin', ['yes']],
    ['passwordauthentication', ['yes']],
    ['kbdinteractiveauthentication', ['yes']],
    ['ciphers', ['aes128-cbc,3des-cbc,aes128-ctr']],
    ['macs', ['hmac-md5,hmac-sha1,hmac-sha2-256']],
    ['hostkey', ['/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_dsa_key']],
    ['x11forwarding', ['no']],
  ]);
  const view = buildEffectiveView({ values, parsed });
  const at = (file: string, text: string) => {
    const line = fs.readFileSync(path.join(ROOTS, 'ssh-weak', file), 'utf8').split('\n').findIndex((l) => l.trim() === text) + 1;
    return { file, line, text };
  };
  t.deepEqual(find(view.lines, 'permitrootlogin'), [
    { key: 'PermitRootLogin', canonical: 'permitrootlogin', value: 'yes', source: at('/etc/ssh/sshd_config', 'PermitRootLogin yes'), origin: 'line', verdict: 'weak', why: 'root can log in, with a password too' },
  ]);
  const ciphers = find(view.lines, 'ciphers')[0];
  t.is(ciphers.verdict, 'weak');
  t.deepEqual(ciphers.weakNames, ['aes128-cbc', '3des-cbc']);
  t.deepEqual(find(view.lines, 'macs')[0].weakNames, ['hmac-md5', 'hmac-sha1', 'hmac-sha2-256'], 'the non-EtM twin counts too');
  // An alias that also turns something weak on is weak first (the why says which).
  const kbd = find(view.lines, 'kbdinteractiveauthentication')[0];
  t.is(kbd.key, 'ChallengeResponseAuthentication');
  t.is(kbd.verdict, 'weak');
  // Multi-valued: one line per value, each with its own HostKey line.
  t.deepEqual(find(view.lines, 'hostkey').map((l) => l.source?.line), [at('/etc/ssh/sshd_config', 'HostKey /etc/ssh/ssh_host_rsa_key').line, at('/etc/ssh/sshd_config', 'HostKey /etc/ssh/ssh_host_dsa_key').line]);
  // Not set anywhere: the default, ok, no source.
  t.deepEqual(find(view.lines, 'x11forwarding'), [{ key: 'x11forwarding', canonical: 'x11forwarding', value: 'no', source: undefined, origin: 'default', verdict: 'ok' }]);
  // Protocol has no sshd -T line (ignored): listed from the file, deprecated.
  const protocol = find(view.lines, 'protocol')[0];
  t.is(protocol.verdict, 'deprecated');
  t.deepEqual(protocol.source, at('/etc/ssh/sshd_config', 'Protocol 2'));
  t.is(view.counts.weak, 5);
});

test('judgeValue: the check policy in one place (prohibit-password is ok with a note; aliases of yes/no)', (t) => {
  t.deepEqual(judgeValue('permitrootlogin', 'without-password'), { verdict: 'ok', why: 'root can still log in with a key (the check warns)' });
  t.is(judgeValue('passwordauthentication', 'no').verdict, 'ok');
  t.is(judgeValue('permitemptypasswords', 'YES').verdict, 'weak');
  t.deepEqual(judgeValue('kexalgorithms', 'sntrup761x25519-sha512@openssh.com,diffie-hellman-group14-sha1').weakNames, ['diffie-hellman-group14-sha1']);
  t.is(judgeValue('kexalgorithms', 'sntrup761x25519-sha512@openssh.com,curve25519-sha256').verdict, 'ok');
});

sshdTest('from the real sshd -T and from the fallback parse: the same options are weak on ssh-weak; nothing is weak on ssh-hardened; Match blocks are listed', async (t) => {
  const weakOf = (lines: EffectiveLine[]) => [...new Set(lines.filter((l) => l.verdict === 'weak').map((l) => l.canonical))].sort();
  const viaT = await loadServerState(hostFor(copyRoot(t, 'ssh-weak')), ctx);
  const viaParse = await loadServerState(withoutSshd(hostFor(copyRoot(t, 'ssh-weak'))), ctx);
  if (viaT.kind !== 'ok' || viaParse.kind !== 'ok') return t.fail(`${viaT.kind} ${viaParse.kind}`);
  t.is(viaT.config.via, 'sshd -T');
  const a = effectiveViewOf(viaT.config);
  const b = effectiveViewOf(viaParse.config);
  t.deepEqual(weakOf(a.lines), ['ciphers', 'hostkeyalgorithms', 'kbdinteractiveauthentication', 'kexalgorithms', 'macs', 'passwordauthentication', 'permitemptypasswords', 'permitrootlogin']);
  t.deepEqual(weakOf(b.lines), weakOf(a.lines));
  t.true(a.lines.length > 80, `sshd -T prints every option (${a.lines.length})`);
  t.true(a.lines.some((l) => l.canonical === 'protocol' && l.verdict === 'deprecated'));

  const hardened = await loadServerState(hostFor(copyRoot(t, 'ssh-hardened')), ctx);
  if (hardened.kind !== 'ok') return t.fail(hardened.kind);
  t.is(effectiveViewOf(hardened.config).counts.weak, 0);

  const match = await loadServerState(hostFor(copyRoot(t, 'ssh-match')), ctx);
  if (match.kind !== 'ok') return t.fail(match.kind);
  const m = effectiveViewOf(match.config).matches;
  t.deepEqual(m.map((x) => [x.text, x.lines.map((l) => `${l.key} ${l.value} ${l.verdict}`)]), [
    ['Match Address 10.0.0.0/8', ['PasswordAuthentication yes weak']],
    ['Match User backup', ['PermitRootLogin no ok', 'ForceCommand /usr/local/bin/backup ok']],
  ]);
});
