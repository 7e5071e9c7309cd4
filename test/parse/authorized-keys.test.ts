// authorized_keys parser: every key type ssh-keygen makes (type, bits and
// fingerprint checked against `ssh-keygen -l`), certificates and security-key
// lines, sshd's option syntax, an ugly real-world file cross-checked with
// ssh-keygen, and fuzz (no throw, linear time).

import test from 'ava';
import * as fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeOptions, parseAuthorizedKeyLine, parseAuthorizedKeys, parseOptions } from '../../src/parse/authorized-keys';
import { describePublicKeyBlob, keyLabel } from '../../src/parse/ssh-key-blob';

const FIXTURES = path.resolve(__dirname, '../fixtures/sshk');

function tmpdir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-ak-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function keygen(dir: string, name: string, args: string[]): string {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-N', '', '-C', `${name}@test`, '-f', file, ...args]);
  return `${file}.pub`;
}

/** ssh-keygen -l -f FILE: one [bits, fingerprint, type] per key it can read. */
function keygenList(file: string): { bits: number; fp: string; kind: string }[] {
  return execFileSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => {
      const parts = l.split(' ');
      return { bits: Number(parts[0]), fp: parts[1], kind: parts[parts.length - 1].replace(/[()]/g, '') };
    });
}

const TYPES: [string, string[], string, string, number][] = [
  ['ed25519', ['-t', 'ed25519'], 'ssh-ed25519', 'ed25519', 256],
  ['ecdsa256', ['-t', 'ecdsa', '-b', '256'], 'ecdsa-sha2-nistp256', 'ecdsa', 256],
  ['ecdsa384', ['-t', 'ecdsa', '-b', '384'], 'ecdsa-sha2-nistp384', 'ecdsa', 384],
  ['ecdsa521', ['-t', 'ecdsa', '-b', '521'], 'ecdsa-sha2-nistp521', 'ecdsa', 521],
  ['rsa1024', ['-t', 'rsa', '-b', '1024'], 'ssh-rsa', 'rsa', 1024],
  ['rsa2048', ['-t', 'rsa', '-b', '2048'], 'ssh-rsa', 'rsa', 2048],
  ['rsa3072', ['-t', 'rsa', '-b', '3072'], 'ssh-rsa', 'rsa', 3072],
  ['rsa4096', ['-t', 'rsa', '-b', '4096'], 'ssh-rsa', 'rsa', 4096],
  ['dsa', ['-t', 'dsa'], 'ssh-dss', 'dsa', 1024],
];

test('every key type ssh-keygen makes: type, family, bits and fingerprint agree with ssh-keygen -l', (t) => {
  const dir = tmpdir(t);
  for (const [name, args, type, family, bits] of TYPES) {
    const pub = keygen(dir, name, args);
    const [kg] = keygenList(pub);
    const parsed = parseAuthorizedKeys(fs.readFileSync(pub, 'utf8'), pub);
    t.deepEqual(parsed.problems, [], name);
    const e = parsed.entries[0];
    t.like(e, { type, comment: `${name}@test`, line: 1, file: pub }, name);
    t.like(e.key, { type, keyType: type, family, bits, fingerprint: kg.fp }, name);
    t.is(kg.bits, bits, `${name}: ssh-keygen agrees on the size`);
  }
});

test('a certificate: the certified key, principals, validity and the CA type; ssh-keygen fingerprints it as its key', (t) => {
  const dir = tmpdir(t);
  keygen(dir, 'ca', ['-t', 'ed25519']);
  const pub = keygen(dir, 'user', ['-t', 'rsa', '-b', '3072']);
  execFileSync('ssh-keygen', ['-q', '-s', path.join(dir, 'ca'), '-I', 'alice-id', '-n', 'alice,admins', '-V', '20260101:20270101', pub]);
  const cert = path.join(dir, 'user-cert.pub');
  const e = parseAuthorizedKeys(fs.readFileSync(cert, 'utf8'), cert).entries[0];
  t.like(e.key, { type: 'ssh-rsa-cert-v01@openssh.com', keyType: 'ssh-rsa', family: 'rsa', bits: 3072 });
  t.like(e.key.certificate, { certType: 1, keyId: 'alice-id', principals: ['alice', 'admins'], signedBy: 'ssh-ed25519' });
  t.true((e.key.certificate?.validBefore ?? 0n) > (e.key.certificate?.validAfter ?? 0n));
  t.is(e.key.fingerprint, keygenList(cert)[0].fp);
  t.is(e.key.fingerprint, keygenList(pub)[0].fp, 'the same fingerprint as the plain key');
  t.is(keyLabel(e.key), 'RSA 3072 certificate');
});

test('security-key lines (hand-made from real public parts) parse, and ssh-keygen agrees', (t) => {
  const lines = fs.readFileSync(path.resolve(__dirname, '../fixtures/roots/sshk-mixed/home/alice/.ssh/authorized_keys'), 'utf8');
  const sk = parseAuthorizedKeys(lines, 'x').entries.filter((e) => e.key.family.startsWith('sk-'));
  t.deepEqual(sk.map((e) => [e.key.type, e.key.bits, e.key.application, e.comment, keyLabel(e.key)]), [
    ['sk-ssh-ed25519@openssh.com', 256, 'ssh:', 'alice@yubikey', 'Ed25519-SK'],
    ['sk-ecdsa-sha2-nistp256@openssh.com', 256, 'ssh:', 'alice@solokey', 'ECDSA-SK P-256'],
  ]);
  const dir = tmpdir(t);
  for (const e of sk) {
    const f = path.join(dir, 'sk.pub');
    fs.writeFileSync(f, `${e.type} ${lines.split('\n').find((l) => l.includes(e.comment))!.split(' ')[1]} ${e.comment}\n`);
    t.is(keygenList(f)[0].fp, e.key.fingerprint, e.type);
  }
});

test('options: quoted commas and spaces, escaped quotes, flags in any case, from= split', (t) => {
  const r = parseAuthorizedKeyLine(
    'restrict,command="rsync --server . /backup/a,b",from="10.0.0.0/8,!10.0.0.1",NO-PTY,environment="A=\\"x y\\"",expiry-time="20300101",principals="alice,bob",permitopen="db:5432",tunnel="0",no-touch-required,verify-required,pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOUvXCBo8LhQUEiUv5yXxtnsJz3TS1+Gt3ugd589zFVq c o m m e n t',
  );
  if (!r.ok) return t.fail(r.problem);
  const e = r.entry;
  t.is(e.command, 'rsync --server . /backup/a,b');
  t.deepEqual(e.from, ['10.0.0.0/8', '!10.0.0.1']);
  t.true(e.restrict);
  t.false(e.certAuthority);
  t.is(e.principals, 'alice,bob');
  t.is(e.expiryTime, '20300101');
  t.is(e.comment, 'c o m m e n t');
  t.deepEqual(
    e.options.map((o) => `${o.negated ? 'no-' : ''}${o.name}${o.value !== undefined ? `=${o.value}` : ''}`),
    ['restrict', 'command=rsync --server . /backup/a,b', 'from=10.0.0.0/8,!10.0.0.1', 'no-pty', 'environment=A="x y"', 'expiry-time=20300101', 'principals=alice,bob', 'permitopen=db:5432', 'tunnel=0', 'no-touch-required', 'verify-required', 'pty'],
  );
  t.regex(describeOptions(e), /^restrict,command="rsync/);
});

test('what sshd refuses in options is a problem with the reason, never an entry', (t) => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOUvXCBo8LhQUEiUv5yXxtnsJz3TS1+Gt3ugd589zFVq k';
  const bad: [string, RegExp][] = [
    [`bogus-option ${key}`, /unsupported option "bogus-option"/],
    [`no-restrict ${key}`, /unsupported option "no-restrict"/],
    [`command=unquoted ${key}`, /needs a quoted value/],
    [`command="a",command="b" ${key}`, /more than one command=/],
    [`restrict, ${key}`, /empty option/],
    [`restrict,,pty ${key}`, /empty option/],
    [`command="never closed ${key}`, /quote is not closed/],
    [`restrict=yes ${key}`, /unsupported option "restrict"/],
  ];
  for (const [line, why] of bad) {
    const r = parseAuthorizedKeyLine(line);
    t.false(r.ok, line);
    if (!r.ok) t.regex(r.problem, why, line);
  }
  t.deepEqual(parseOptions('pty,no-x11-forwarding,X11-Forwarding'), {
    ok: true,
    options: [
      { name: 'pty', negated: false },
      { name: 'x11-forwarding', negated: true },
      { name: 'x11-forwarding', negated: false },
    ],
  });
});

test('lines that hold no usable key say why', (t) => {
  const cases: [string, RegExp][] = [
    ['ssh-ed25519', /with no key data/],
    ['ssh-ed25519    ', /with no key data/],
    ['ssh-ed25519 !!notbase64 x', /not valid base64/],
    ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJvb3Q= x', /truncated/],
    ['ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOUvXCBo8LhQUEiUv5yXxtnsJz3TS1+Gt3ugd589zFVq x', /the key data is ssh-ed25519 but the line says ssh-rsa/],
    ['1024 35 1462925428919236236421 alice@ssh1', /SSH-1 RSA key/],
    ['hello world', /no key on this line \("world" is not a key type\)/],
    ['from="x"', /no key on this line/],
  ];
  for (const [line, why] of cases) {
    const r = parseAuthorizedKeyLine(line);
    t.false(r.ok, line);
    if (!r.ok) t.regex(r.problem, why, line);
  }
});

test('an ugly real-world file: every key ssh-keygen -l reads is an entry, in order, with file:line for the rest', (t) => {
  const file = path.join(FIXTURES, 'authorized_keys.ugly');
  const parsed = parseAuthorizedKeys(fs.readFileSync(file, 'utf8'), '/home/alice/.ssh/authorized_keys');
  // ssh-keygen does not judge options: it lists the line with two command= options, sshd refuses it.
  const kg = keygenList(file);
  const refusedForOptions = parsed.problems.filter((p) => /more than one command=/.test(p.message));
  t.is(refusedForOptions.length, 1);
  t.deepEqual(parsed.entries.map((e) => e.key.fingerprint), kg.filter((_, i) => i !== 5).map((k) => k.fp));
  t.deepEqual(
    parsed.entries.map((e) => [e.line, e.type, e.comment.slice(0, 30)]),
    [
      [2, 'ssh-ed25519', 'alice@laptop'],
      [4, 'ecdsa-sha2-nistp384', 'carol@mac'],
      [5, 'ssh-rsa', 'the comment after tabs'],
      [8, 'ssh-ed25519', 'alice@laptop'],
      [9, 'ecdsa-sha2-nistp384', 'x'.repeat(30)],
      [14, 'ssh-ed25519-cert-v01@openssh.com', 'alice@laptop'],
      [15, 'ssh-ed25519', 'ca@office'],
    ],
  );
  t.deepEqual(
    parsed.problems.map((p) => [p.line, p.message.replace(/ \(.*$/, '')]),
    [
      [1, 'a byte-order mark'],
      [6, 'ssh-rsa key: the key data is truncated'],
      [7, 'no key on this line'],
      [10, 'ecdsa-sha2-nistp384 key: the key data is ecdsa-sha2-nistp256 but the line says ecdsa-sha2-nistp384'],
      [11, 'ssh-ed25519 with no key data after it'],
      [12, 'invalid key option string'],
      [13, 'bad key options: more than one command= option'],
    ],
  );
  for (const p of parsed.problems) t.is(p.file, '/home/alice/.ssh/authorized_keys');
  const withOptions = parsed.entries.find((e) => e.line === 8)!;
  t.is(withOptions.command, 'echo "hello, world"');
  t.is(parsed.entries.find((e) => e.line === 15)!.certAuthority, true);
});

test('the key blob reader refuses lies: curve mismatch, short Ed25519 key, unknown certificate type', (t) => {
  const str = (s: string | Buffer) => {
    const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
    const l = Buffer.alloc(4);
    l.writeUInt32BE(b.length);
    return Buffer.concat([l, b]);
  };
  const mismatch = Buffer.concat([str('ecdsa-sha2-nistp384'), str('nistp256'), str(Buffer.alloc(65, 4))]);
  t.like(describePublicKeyBlob(mismatch), { ok: false, problem: 'the key is on curve nistp256 but its type says nistp384' });
  t.like(describePublicKeyBlob(Buffer.concat([str('ssh-ed25519'), str(Buffer.alloc(31))])), { ok: false });
  t.like(describePublicKeyBlob(Buffer.concat([str('foo-cert-v01@openssh.com'), str('x')])), { ok: false, problem: 'unknown certificate type foo-cert-v01@openssh.com' });
  t.like(describePublicKeyBlob(Buffer.from([0, 0, 0xff, 0xff])), { ok: false, problem: 'the key data is truncated' });
  t.like(describePublicKeyBlob(Buffer.alloc(0)), { ok: false });
});

const TOKENS = ['ssh-ed25519 ', 'ssh-rsa ', 'AAAAC3NzaC1lZDI1NTE5AAAAIOUvXCBo8LhQUEiUv5yXxtnsJz3TS1+Gt3ugd589zFVq', 'AAAA', '"', '\\"', ',', '=', 'command=', 'from="', 'restrict', ' ', '\t', '\n', '\r\n', '#', 'no-', '\ufeff'];

test('fuzz: no input makes it throw', (t) => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 })), { maxLength: 60 }).map((a) => a.join('')),
        fc.string({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 200 }).map((b) => `ssh-ed25519 ${Buffer.from(b).toString('base64')} x`),
        fc.uint8Array({ maxLength: 200 }).map((b) => `ssh-rsa-cert-v01@openssh.com ${Buffer.from(b).toString('base64')}`),
      ),
      (text) => {
        const p = parseAuthorizedKeys(text, '/x');
        for (const pr of p.problems) if (/[\r\n]/.test(pr.message)) throw new Error('multi-line problem');
      },
    ),
    { numRuns: 3000 },
  );
  t.pass();
});

test('pathological input finishes in about linear time', (t) => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOUvXCBo8LhQUEiUv5yXxtnsJz3TS1+Gt3ugd589zFVq';
  const inputs: [string, string][] = [
    ['a million-character line', 'x'.repeat(1_000_000)],
    ['a million commas of options', `${'pty,'.repeat(250_000)}pty ${key}`],
    ['a million-character quoted value', `command="${'a'.repeat(1_000_000)}" ${key}`],
    ['an unclosed quote over 1 MB', `command="${'a, '.repeat(330_000)}`],
    ['a million quotes', '"'.repeat(1_000_000)],
    ['a 1 MB base64 blob', `ssh-rsa ${'A'.repeat(1_000_000)}`],
    ['100,000 keys', `${key} k\n`.repeat(100_000)],
  ];
  for (const [label, text] of inputs) {
    const t0 = Date.now();
    parseAuthorizedKeys(text, '/x');
    const ms = Date.now() - t0;
    t.true(ms < 8000, `${label}: ${ms} ms`);
  }
});
