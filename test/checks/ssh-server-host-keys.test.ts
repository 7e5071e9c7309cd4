// Host key files read without running anything: .pub, the public half in an
// openssh-key-v1 private key, a legacy PEM key; checked against ssh-keygen.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { serverChecks as checks } from '../../checks/ssh/index';
import { parsePrivateKeyFile, parsePublicKeyLine } from '../../checks/ssh/server-host-key-file';
import type { Finding } from '../../src/core/types';
import { canRunSshd, copyRoot, ensurePrivsepDir, hostFor, runAll } from './ssh-server-helpers';

ensurePrivsepDir();
const sshdTest = canRunSshd ? test : test.skip;

function keygen(t: { teardown(fn: () => void): void }, args: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-keys-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'key');
  execFileSync('ssh-keygen', ['-q', '-N', '', '-C', 'test@key', '-f', file, ...args]);
  return file;
}

/** ssh-keygen -l: "BITS SHA256:… comment (TYPE)". */
function keygenL(file: string): { bits: number; fp: string } {
  const [bits, fp] = execFileSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' }).split(' ');
  return { bits: Number(bits), fp };
}

for (const [type, args, sshType] of [
  ['ed25519', ['-t', 'ed25519'], 'ssh-ed25519'],
  ['rsa 3072', ['-t', 'rsa', '-b', '3072'], 'ssh-rsa'],
  ['rsa 1024', ['-t', 'rsa', '-b', '1024'], 'ssh-rsa'],
  ['ecdsa 384', ['-t', 'ecdsa', '-b', '384'], 'ecdsa-sha2-nistp384'],
  ['ecdsa 521', ['-t', 'ecdsa', '-b', '521'], 'ecdsa-sha2-nistp521'],
  ['dsa', ['-t', 'dsa'], 'ssh-dss'],
] as const) {
  test(`${type}: type, bits and fingerprint from the .pub and from the private key agree with ssh-keygen -l`, (t) => {
    const file = keygen(t, [...args]);
    const want = keygenL(`${file}.pub`);
    const pub = parsePublicKeyLine(fs.readFileSync(`${file}.pub`, 'utf8'));
    const priv = parsePrivateKeyFile(fs.readFileSync(file, 'utf8'));
    if (!pub.ok || !priv.ok) return t.fail(JSON.stringify({ pub, priv }));
    t.deepEqual([pub.key.type, pub.key.bits, pub.key.fingerprint, pub.key.comment], [sshType, want.bits, want.fp, 'test@key']);
    t.deepEqual([priv.key.type, priv.key.bits, priv.key.fingerprint], [sshType, want.bits, want.fp]);
  });
}

test('a legacy PEM RSA key gives type and size (no fingerprint without the .pub); junk gives a problem', (t) => {
  const file = keygen(t, ['-t', 'rsa', '-b', '2048', '-m', 'PEM']);
  const priv = parsePrivateKeyFile(fs.readFileSync(file, 'utf8'));
  t.deepEqual(priv, { ok: true, key: { type: 'ssh-rsa', bits: 2048, fingerprint: null, comment: '' } });
  t.deepEqual(parsePublicKeyLine('ssh-ed25519 AAAA'), { ok: false, problem: 'the key data is truncated' });
  t.deepEqual(parsePublicKeyLine('ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIG4C8I8wxHyPlcQ+3bcUtNe1CcmA6LazhHqcjgx4vgCz x'), { ok: false, problem: 'the key says ssh-ed25519 but the line says ssh-rsa' });
  t.deepEqual(parsePublicKeyLine('\n\n'), { ok: false, problem: 'empty public key file' });
  t.deepEqual(parsePrivateKeyFile('garbage'), { ok: false, problem: 'not a private key format hardtop reads' });
  t.deepEqual(parsePrivateKeyFile('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n'), { ok: false, problem: 'not an openssh-key-v1 file' });
});

sshdTest('without the .pub files the check reads the public half from the private keys', async (t) => {
  const root = copyRoot(t, 'ssh-deb12-default');
  const want = ['rsa', 'ecdsa', 'ed25519'].map((k) => keygenL(path.join(root, `etc/ssh/ssh_host_${k}_key.pub`)).fp);
  for (const k of ['rsa', 'ecdsa', 'ed25519']) fs.rmSync(path.join(root, `etc/ssh/ssh_host_${k}_key.pub`));
  const keys = (await runAll(checks, hostFor(root))).get('ssh.server.host-keys') as Finding;
  t.is(keys.status, 'pass');
  t.deepEqual(keys.items?.map((i) => i.evidence[0].file), ['/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_ecdsa_key', '/etc/ssh/ssh_host_ed25519_key']);
  t.deepEqual(keys.items?.map((i) => /SHA256:\S+/.exec(i.summary)?.[0]), want);
});
