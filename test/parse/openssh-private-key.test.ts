// Private key files: every format ssh-keygen writes, with and without a
// passphrase (type, bits and fingerprint checked against ssh-keygen -l of the
// .pub), fixture files (CRLF, OpenSSL's PKCS#8 Ed25519, hand-made PuTTY
// files, truncated and fake keys), and fuzz. Nothing is ever decrypted.

import test from 'ava';
import * as fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeProtection, looksLikePrivateKey, parsePrivateKey, type PrivateKeyFacts } from '../../src/parse/openssh-private-key';

const FIXTURES = path.resolve(__dirname, '../fixtures/sshk');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

function keygenL(pub: string): { bits: number; fp: string } {
  const [bits, fp] = execFileSync('ssh-keygen', ['-l', '-f', pub], { encoding: 'utf8' }).split(' ');
  return { bits: Number(bits), fp };
}

function facts(text: string): PrivateKeyFacts {
  const r = parsePrivateKey(text);
  if (r.kind !== 'key') throw new Error(`not a key: ${JSON.stringify(r)}`);
  return r.facts;
}

const KINDS: [string, string[], string][] = [
  ['ed25519', ['-t', 'ed25519'], 'ssh-ed25519'],
  ['ecdsa 256', ['-t', 'ecdsa', '-b', '256'], 'ecdsa-sha2-nistp256'],
  ['ecdsa 521', ['-t', 'ecdsa', '-b', '521'], 'ecdsa-sha2-nistp521'],
  ['rsa 2048', ['-t', 'rsa', '-b', '2048'], 'ssh-rsa'],
  ['rsa 3072', ['-t', 'rsa', '-b', '3072'], 'ssh-rsa'],
  ['dsa', ['-t', 'dsa'], 'ssh-dss'],
];
// ssh-keygen writes Ed25519 as openssh-key-v1 whatever -m says.
const FORMATS: [string, string[], Record<string, string>][] = [
  ['openssh', [], { default: 'openssh-key-v1' }],
  ['PEM', ['-m', 'PEM'], { 'ssh-rsa': 'pem-rsa', 'ssh-dss': 'pem-dsa', ecdsa: 'pem-ec', 'ssh-ed25519': 'openssh-key-v1' }],
  ['PKCS8', ['-m', 'PKCS8'], { 'ssh-rsa': 'pkcs8', 'ssh-dss': 'pkcs8', ecdsa: 'pkcs8', 'ssh-ed25519': 'openssh-key-v1' }],
];

test('every type × format × passphrase ssh-keygen writes: format, protection, type, bits, fingerprint', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-pk-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [kind, args, type] of KINDS) {
    for (const [fmtName, fmtArgs, formats] of FORMATS) {
      for (const pass of ['', 'a long passphrase']) {
        const file = path.join(dir, `k${Math.random().toString(36).slice(2)}`);
        execFileSync('ssh-keygen', ['-q', '-N', pass, '-C', 'c@test 2020-01-02', '-f', file, ...args, ...fmtArgs]);
        const label = `${kind} ${fmtName} ${pass ? 'protected' : 'clear'}`;
        const f = facts(fs.readFileSync(file, 'utf8'));
        const plainFormat = formats[type.startsWith('ecdsa') ? 'ecdsa' : type] ?? formats.default;
        const expectedFormat = plainFormat === 'pkcs8' && pass ? 'pkcs8-encrypted' : plainFormat;
        t.is(f.format as string, expectedFormat, label);
        t.is(f.encrypted, pass !== '', label);
        const kg = keygenL(`${file}.pub`);
        if (f.key === null) {
          // Only an encrypted PEM/PKCS#8 hides its type: the passphrase would be needed.
          t.true(pass !== '' && f.format !== 'openssh-key-v1', label);
          continue;
        }
        t.is(f.key.type, type, label);
        t.is(f.key.bits, kg.bits, label);
        if (f.key.fingerprint !== null) t.is(f.key.fingerprint, kg.fp, label);
        else t.true(f.format === 'pkcs8' && type === 'ssh-dss', `${label}: only PKCS#8 DSA lacks the public value`);
        if (f.format === 'openssh-key-v1') {
          t.is(f.cipher, pass ? 'aes256-ctr' : 'none', label);
          t.is(f.kdf, pass ? 'bcrypt' : 'none', label);
          if (pass) t.is(f.kdfRounds, 16, label);
          // The comment is in the private section: readable only without a passphrase.
          t.is(f.comment, pass ? undefined : 'c@test 2020-01-02', label);
        }
      }
    }
  }
});

test('fixture files: CRLF copy, OpenSSL PKCS#8 Ed25519, PuTTY v2/v3, DSA, encrypted PEM and PKCS#8', (t) => {
  t.like(facts(fixture('id_ed25519_crlf')), { format: 'openssh-key-v1', encrypted: false, comment: 'clear@fixture 2020-02-02' });
  t.is(facts(fixture('id_ed25519_crlf')).key?.fingerprint, keygenL(path.join(FIXTURES, 'id_ed25519_clear.pub')).fp);
  t.like(facts(fixture('id_ed25519_openssl.pem')), { format: 'pkcs8', encrypted: false, key: { type: 'ssh-ed25519', family: 'ed25519', bits: 256, fingerprint: null } });
  const v2 = facts(fixture('putty_v2_clear.ppk'));
  t.like(v2, { format: 'putty', encrypted: false, cipher: 'none', comment: 'putty@fixture 2018-07-01', key: { type: 'ssh-rsa', bits: 3072 } });
  const v3 = facts(fixture('putty_v3_enc.ppk'));
  t.like(v3, { format: 'putty', encrypted: true, cipher: 'aes256-cbc', key: { type: 'ssh-ed25519', bits: 256 } });
  t.like(facts(fixture('id_dsa')), { encrypted: false, key: { type: 'ssh-dss', family: 'dsa', bits: 1024 } });
  t.like(facts(fixture('id_rsa_pem_enc')), { format: 'pem-rsa', encrypted: true, cipher: 'AES-128-CBC', key: null });
  t.like(facts(fixture('id_rsa_pkcs8_enc')), { format: 'pkcs8-encrypted', encrypted: true, key: null });
  t.like(facts(fixture('id_ecdsa_pkcs8')), { format: 'pkcs8', encrypted: false, key: { type: 'ecdsa-sha2-nistp384', bits: 384 } });
  t.is(facts(fixture('id_ecdsa_pkcs8')).key?.fingerprint, keygenL(path.join(FIXTURES, 'id_ecdsa_pkcs8.pub')).fp);
  t.is(describeProtection(facts(fixture('id_ed25519_bcrypt'))), 'passphrase (aes256-ctr, bcrypt 16 rounds)');
  t.is(describeProtection(facts(fixture('id_rsa_pem_clear'))), 'no passphrase');
});

test('not a key, or a broken one: said so, never thrown', (t) => {
  t.deepEqual(parsePrivateKey(fixture('not_a_key.txt')), { kind: 'malformed', format: 'pem', problem: 'a BEGIN OPENSSH PRIVATE KEY line without its END line' });
  t.deepEqual(parsePrivateKey('Host *\n  User x\n'), { kind: 'not-a-key' });
  t.deepEqual(parsePrivateKey(fixture('id_ed25519_clear.pub')), { kind: 'not-a-key' });
  t.like(parsePrivateKey(fixture('id_truncated')), { kind: 'malformed', format: 'pem' });
  t.like(parsePrivateKey(fixture('id_short')), { kind: 'malformed', format: 'openssh-key-v1', problem: 'the openssh-key-v1 data is truncated' });
  t.like(parsePrivateKey('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n'), { kind: 'malformed', problem: 'not an openssh-key-v1 file (bad magic)' });
  t.like(parsePrivateKey('-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n'), { kind: 'malformed', format: 'pem-rsa' });
  t.like(parsePrivateKey('-----BEGIN FOO PRIVATE KEY-----\nAAAA\n-----END FOO PRIVATE KEY-----\n'), { kind: 'malformed', problem: 'a "FOO PRIVATE KEY" block, a format hardtop does not read' });
  t.true(looksLikePrivateKey(fixture('id_rsa_pem_enc')));
  t.false(looksLikePrivateKey(fixture('id_rsa_pem_enc.pub')));
});

test('an openssh-key-v1 header that contradicts itself is malformed, not trusted', (t) => {
  const str = (s: string | Buffer) => {
    const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
    const l = Buffer.alloc(4);
    l.writeUInt32BE(b.length);
    return Buffer.concat([l, b]);
  };
  const pub = Buffer.from(fixture('id_ed25519_clear.pub').split(' ')[1], 'base64');
  const file = (cipher: string, kdf: string) => {
    const n = Buffer.alloc(4);
    n.writeUInt32BE(1);
    const raw = Buffer.concat([Buffer.from('openssh-key-v1\0'), str(cipher), str(kdf), str(''), n, str(pub), str(Buffer.alloc(8))]);
    return `-----BEGIN OPENSSH PRIVATE KEY-----\n${raw.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
  };
  t.like(parsePrivateKey(file('none', 'bcrypt')), { kind: 'malformed', problem: 'cipher "none" with kdf "bcrypt"' });
  t.like(parsePrivateKey(file('aes256-ctr', 'none')), { kind: 'malformed', problem: 'cipher "aes256-ctr" without a kdf' });
  t.like(parsePrivateKey(file('aes256-ctr', 'bcrypt')), { kind: 'key', facts: { encrypted: true, key: { type: 'ssh-ed25519' } } });
  t.like(parsePrivateKey(file('none', 'none')), { kind: 'key', facts: { encrypted: false } });
});

test('any cipher ssh-keygen -Z picks means a passphrase', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-pkz-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const cipher of ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes192-ctr']) {
    const file = path.join(dir, cipher.replace(/[@.]/g, '_'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a long passphrase', '-Z', cipher, '-f', file]);
    t.like(facts(fs.readFileSync(file, 'utf8')), { format: 'openssh-key-v1', encrypted: true, cipher, kdf: 'bcrypt' }, cipher);
  }
});

test('fuzz: no input makes it throw; pathological input is linear', (t) => {
  const clear = fixture('id_ed25519_clear');
  const body = clear.split('\n').slice(1, -2).join('');
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 400 }).map((b) => `-----BEGIN OPENSSH PRIVATE KEY-----\n${Buffer.concat([Buffer.from('openssh-key-v1\0'), Buffer.from(b)]).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`),
        fc.uint8Array({ maxLength: 400 }).map((b) => `-----BEGIN RSA PRIVATE KEY-----\n${Buffer.from(b).toString('base64')}\n-----END RSA PRIVATE KEY-----\n`),
        fc.uint8Array({ maxLength: 400 }).map((b) => `-----BEGIN PRIVATE KEY-----\n${Buffer.from(b).toString('base64')}\n-----END PRIVATE KEY-----\n`),
        fc.nat({ max: body.length }).map((n) => `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.slice(0, n)}\n-----END OPENSSH PRIVATE KEY-----\n`),
        fc.array(fc.constantFrom('PuTTY-User-Key-File-2: ssh-rsa\n', 'Encryption: none\n', 'Public-Lines: 99999\n', 'AAAA\n', ':'), { maxLength: 30 }).map((a) => a.join('')),
      ),
      (text) => {
        parsePrivateKey(text);
      },
    ),
    { numRuns: 3000 },
  );
  for (const [label, text] of [
    ['a million BEGIN lines', '-----BEGIN X-----\n'.repeat(60_000)],
    ['a BEGIN PRIVATE KEY without END and 1 MB after it', `-----BEGIN RSA PRIVATE KEY-----\n${'A'.repeat(1_000_000)}`],
    ['a million-character line', 'x'.repeat(1_000_000)],
    ['PuTTY with a huge Public-Lines', `PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nPublic-Lines: 999999999\n${'AAAA\n'.repeat(200_000)}`],
  ] as const) {
    const t0 = Date.now();
    parsePrivateKey(text);
    t.true(Date.now() - t0 < 8000, label);
  }
});
