// ssh_config parser: Host/Match blocks and first-value-wins per host,
// Include (~, relative to ~/.ssh or /etc/ssh, loops, a Host inside an
// included file), key=value and quoting, unknown keywords and IgnoreUnknown,
// Debian's real ssh_config, cross-checked with `ssh -G` on real files; fuzz.

import test from 'ava';
import * as fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hostOverrides, isUniversal, loadSshConfig, sshPatternMatch, universalValue, whereApplies, type SshConfig, type SshLoadOptions } from '../../src/parse/ssh-config';
import type { ConfigSource } from '../../src/parse/sshd-config';

/** host path → text (null: a directory). Globs: * and ? in the last component. */
function memorySource(files: Record<string, string | null>): ConfigSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async read(p) {
      reads.push(p);
      if (!(p in files)) return { ok: false, reason: 'missing', message: `${p}: no such file` };
      const text = files[p];
      if (text === null) return { ok: false, reason: 'not-a-file', message: `${p}: is a directory` };
      return { ok: true, text };
    },
    async glob(pattern) {
      const slash = pattern.lastIndexOf('/');
      const parent = pattern.slice(0, slash);
      const re = new RegExp(`^${pattern.slice(slash + 1).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      return Object.keys(files).filter((p) => p.slice(0, p.lastIndexOf('/')) === parent && re.test(p.slice(p.lastIndexOf('/') + 1))).sort();
    },
  };
}

const SYS = '/etc/ssh/ssh_config';
const USER = '/home/alice/.ssh/config';
const system = (files: Record<string, string | null>) => loadSshConfig(SYS, memorySource(files), { kind: 'system' });
const user = (files: Record<string, string | null>, opts: Partial<SshLoadOptions> = {}) => loadSshConfig(USER, memorySource(files), { kind: 'user', home: '/home/alice', ...opts });
const globalOf = (cfg: SshConfig, key: string) => {
  const v = universalValue({ configs: [cfg] }, key);
  return v ? `${v.directive.args.join(' ')} @${v.directive.file}:${v.directive.line}` : undefined;
};

test('first value wins for every host; an earlier Host block overrides it for its hosts, a later one is never used', async (t) => {
  const cfg = await system({
    [SYS]: [
      '# comment',
      'Host legacy',
      '    PasswordAuthentication yes',
      'Host *',
      '    PasswordAuthentication no',
      '    PasswordAuthentication yes',
      'Host late',
      '    PasswordAuthentication yes',
    ].join('\n'),
  });
  t.deepEqual(cfg.problems, []);
  t.is(globalOf(cfg, 'PasswordAuthentication'), `no @${SYS}:5`);
  const o = hostOverrides({ configs: [cfg] }, 'passwordauthentication');
  t.deepEqual(o.effective.map((l) => [l.directive.line, whereApplies(l.config, l.directive)]), [[3, 'Host legacy']]);
  t.deepEqual(o.shadowed.map((l) => l.directive.line), [8]);
});

test('what counts for every host: lines before any Host, Host * (with exceptions), Match all and Match final all', async (t) => {
  const cfg = await system({
    [SYS]: [
      'Ciphers aes256-ctr',
      'Host * !bastion',
      '  MACs hmac-sha2-256-etm@openssh.com',
      'Match all',
      '  KexAlgorithms curve25519-sha256',
      'Match final all',
      '  HostKeyAlgorithms ssh-ed25519',
      'Match canonical all',
      '  User canon',
      'Match host *.lan exec "test -f /x"',
      '  User lan',
      'Host *.example.com *',
      '  Port 2222',
      'Host !*',
      '  Port 1',
    ].join('\n'),
  });
  t.deepEqual(cfg.problems, []);
  t.deepEqual(cfg.blocks.map((b) => [b.kind, b.universal, b.except]), [
    ['host', true, ['bastion']],
    ['match', true, []],
    ['match', true, []],
    ['match', false, []],
    ['match', false, []],
    ['host', true, []],
    ['host', false, []],
  ]);
  t.is(globalOf(cfg, 'ciphers'), `aes256-ctr @${SYS}:1`);
  t.is(globalOf(cfg, 'macs'), `hmac-sha2-256-etm@openssh.com @${SYS}:3`);
  t.is(globalOf(cfg, 'kexalgorithms'), `curve25519-sha256 @${SYS}:5`);
  t.is(globalOf(cfg, 'hostkeyalgorithms'), `ssh-ed25519 @${SYS}:7`);
  t.is(globalOf(cfg, 'user'), undefined);
  t.is(globalOf(cfg, 'port'), `2222 @${SYS}:13`);
});

test('tokens as ssh splits them: key=value, quotes, a # argument ends the line, CRLF, case, aliases', async (t) => {
  const cfg = await user({
    [USER]: ['HOST=*\r', '  passwordAUTHENTICATION = no\r', '\tIdentityFile "/home/alice/my keys/id" # trailing', 'ChallengeResponseAuthentication no', 'SendEnv LANG#notacomment', ''].join('\n'),
  });
  t.deepEqual(cfg.problems, []);
  t.deepEqual(
    cfg.directives.map((d) => [d.key, d.keyword, d.args, d.line]),
    [
      ['passwordauthentication', 'passwordAUTHENTICATION', ['no'], 2],
      ['identityfile', 'IdentityFile', ['/home/alice/my keys/id'], 3],
      ['kbdinteractiveauthentication', 'ChallengeResponseAuthentication', ['no'], 4],
      ['sendenv', 'SendEnv', ['LANG#notacomment'], 5],
    ],
  );
  t.is(cfg.directives[0].text, 'passwordAUTHENTICATION = no', 'evidence text without the CR');
});

test('Include: relative to ~/.ssh in a user file and to /etc/ssh in the system file, ~ and ~user expanded, sorted globs', async (t) => {
  const u = await user(
    {
      [USER]: 'Include conf.d/*.conf ~/extra ~bob/shared\nHost *\n  User me',
      '/home/alice/.ssh/conf.d/20-b.conf': 'Port 20',
      '/home/alice/.ssh/conf.d/10-a.conf': 'Port 10',
      '/home/alice/extra': 'Compression yes',
      '/home/bob/shared': 'ForwardAgent no',
    },
    { homeOf: (n) => (n === 'bob' ? '/home/bob' : null) },
  );
  t.deepEqual(u.problems, []);
  t.deepEqual(u.files.map((f) => f.path), [USER, '/home/alice/.ssh/conf.d/10-a.conf', '/home/alice/.ssh/conf.d/20-b.conf', '/home/alice/extra', '/home/bob/shared']);
  t.is(globalOf(u, 'port'), '10 @/home/alice/.ssh/conf.d/10-a.conf:1');

  const s = await system({ [SYS]: 'Include ssh_config.d/*.conf ~/.ssh/extra\nHost *\n  Port 22', '/etc/ssh/ssh_config.d/a.conf': 'Port 2200', '/etc/ssh/ssh_config.d/dir.conf': null });
  t.is(globalOf(s, 'port'), '2200 @/etc/ssh/ssh_config.d/a.conf:1');
  t.deepEqual(s.includes[0].resolved, ['/etc/ssh/ssh_config.d/*.conf']);
  t.deepEqual(
    s.problems.map((p) => [p.kind, p.fatal, p.message]),
    [['per-user', false, 'Include ~/.ssh/extra: depends on the user running ssh']],
    'a directory matched by the glob is skipped in silence, as ssh does',
  );
});

test('an Include inside a Host block: its lines apply only there, and a Host in the included file ends with that file', async (t) => {
  const cfg = await system({
    [SYS]: ['Host work', '  Include work.conf', '  User afterinclude', 'Host *', '  User everyone'].join('\n'),
    '/etc/ssh/work.conf': ['Compression yes', 'Host *', '  ForwardAgent yes'].join('\n'),
  });
  const d = (key: string) => cfg.directives.find((x) => x.key === key)!;
  t.false(isUniversal(cfg, d('compression')), 'only for Host work');
  t.false(isUniversal(cfg, d('forwardagent')), 'Host * inside the include is still under Host work');
  t.is(whereApplies(cfg, d('forwardagent')), 'Host work');
  t.is(cfg.directives.find((x) => x.key === 'user' && x.args[0] === 'afterinclude')!.conditions.length, 1, 'back in the Host work block');
  t.is(globalOf(cfg, 'user'), `everyone @${SYS}:5`);
});

test('what ssh stops on is fatal with file:line: unknown keywords (unless IgnoreUnknown), bad quotes, bad Match, include loops', async (t) => {
  const cfg = await system({
    [SYS]: ['UseKeychain yes', 'IgnoreUnknown UseKeychain,AddKeysToAgentX*', 'UseKeychain yes', 'AddKeysToAgentXYZ no', 'SendEnv "unclosed', 'Match nonsense x', 'Match host', 'Port', 'Include loop.conf'].join('\n'),
    '/etc/ssh/loop.conf': 'Include loop.conf',
  });
  t.deepEqual(
    cfg.problems.map((p) => [p.kind, `${p.file}:${p.line}`, p.message, p.fatal]),
    [
      ['unknown-keyword', `${SYS}:1`, 'Bad configuration option: UseKeychain', true],
      ['syntax', `${SYS}:5`, 'invalid quotes', true],
      ['syntax', `${SYS}:6`, 'Unsupported Match attribute nonsense', true],
      ['syntax', `${SYS}:7`, 'Missing Match criteria for host', true],
      ['syntax', `${SYS}:8`, 'no argument after keyword "Port"', true],
      ['include-depth', '/etc/ssh/loop.conf:1', 'Include /etc/ssh/loop.conf: too many recursive configuration includes (more than 16 deep; a loop?)', true],
    ],
  );
});

test('a file that includes itself twice (2^16 parses for ssh) stops at a budget, fatal, with the Include line', async (t) => {
  const src = memorySource({ [SYS]: 'Include twice.conf', '/etc/ssh/twice.conf': 'Include twice.conf twice.conf\nPort 22' });
  const t0 = Date.now();
  const cfg = await loadSshConfig(SYS, src, { kind: 'system' });
  t.true(Date.now() - t0 < 4000);
  t.true(src.reads.length <= 260, `${src.reads.length} reads`);
  const p = cfg.problems.find((x) => /more than 256 included files/.test(x.message));
  t.like(p, { kind: 'include-depth', file: '/etc/ssh/twice.conf', line: 1, fatal: true });
});

test('a missing main file is no problem (ssh uses its defaults); an unreadable one is said', async (t) => {
  const missing = await system({});
  t.true(missing.missing);
  t.deepEqual(missing.problems, []);
  const refused = await loadSshConfig(USER, { read: async () => ({ ok: false, reason: 'other', message: 'refused: it is a FIFO' }), glob: async () => [] }, { kind: 'user', home: '/home/alice' });
  t.deepEqual(refused.problems.map((p) => p.message), ['refused: it is a FIFO']);
  const throwing = await loadSshConfig(USER, { read: async () => { throw new Error('boom'); }, glob: async () => { throw new Error('glob boom'); } }, { kind: 'user' });
  t.is(throwing.problems[0].message, 'boom');
});

test("Debian's real /etc/ssh/ssh_config parses without a problem, and its global values are what ssh -G says", async (t) => {
  if (!fs.existsSync('/etc/ssh/ssh_config')) return t.pass('no ssh_config here');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-sshcfg-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const text = fs.readFileSync('/etc/ssh/ssh_config', 'utf8').replace(/^Include .*$/m, '# (include dropped for the test)');
  const extra = ['Host special', '  PasswordAuthentication yes', 'Host *', '  PasswordAuthentication no', '  KexAlgorithms +diffie-hellman-group14-sha1', ''].join('\n');
  const file = path.join(dir, 'ssh_config');
  fs.writeFileSync(file, extra + text);
  const cfg = await loadSshConfig(file, { read: async (p) => ({ ok: true, text: fs.readFileSync(p, 'utf8') }), glob: async () => [] }, { kind: 'system' });
  t.deepEqual(cfg.problems, []);
  // ssh -G on the same file (no Match exec in it): what an ordinary host and the special one get.
  const g = (host: string) => execFileSync('ssh', ['-G', '-F', file, host], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const any = g('some.host.invalid');
  const special = g('special');
  t.regex(any, /^passwordauthentication no$/m);
  t.regex(special, /^passwordauthentication yes$/m);
  t.is(globalOf(cfg, 'passwordauthentication')?.split(' @')[0], 'no');
  t.is(hostOverrides({ configs: [cfg] }, 'passwordauthentication').effective[0].directive.args[0], 'yes');
  t.regex(any, /^kexalgorithms .*diffie-hellman-group14-sha1/m);
  t.regex(any, /^hashknownhosts yes$/m);
  t.is(globalOf(cfg, 'hashknownhosts')?.split(' @')[0], 'yes');
});

test('host patterns match as ssh does: wildcards, case, and no backtracking blow-up', (t) => {
  t.true(sshPatternMatch('*.Example.COM', 'web.example.com'));
  t.true(sshPatternMatch('web?', 'web1'));
  t.false(sshPatternMatch('web?', 'web10'));
  t.true(sshPatternMatch('*', ''));
  t.true(sshPatternMatch('a*b*c', 'axxbyyc'));
  t.false(sshPatternMatch('a*b*c', 'axxbyy'));
  const t0 = Date.now();
  t.false(sshPatternMatch('*a*a*a*a*a*a*a*a*b', 'a'.repeat(20_000)));
  t.true(Date.now() - t0 < 4000);
});

const TOKENS = ['Host ', 'Match ', 'all', 'final ', 'Include ', '~/', 'conf.d/*', 'PasswordAuthentication', ' yes', ' no', '=', '"', '#', '\n', '\r\n', '\t', '*', '!', 'IgnoreUnknown ', 'Foo', '\\'];

test('fuzz: no input makes the loader throw (Include loops included); pathological input is linear', async (t) => {
  const src = (text: string) => ({ read: async () => ({ ok: true as const, text }), glob: async (p: string) => (p.includes('*') ? ['/etc/ssh/x.conf'] : [p]) });
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 })), { maxLength: 60 }).map((a) => a.join('')), fc.string({ maxLength: 300 })), async (text) => {
      const cfg = await loadSshConfig(SYS, src(text), { kind: 'system' });
      for (const p of cfg.problems) if (/[\r\n]/.test(p.message)) throw new Error('multi-line message');
    }),
    { numRuns: 1000 },
  );
  for (const [label, text] of [
    ['a million-character keyword', 'x'.repeat(1_000_000)],
    ['a million-character value', `Host ${'a'.repeat(1_000_000)}`],
    ['200,000 lines', 'Host *\n  Port 22\n'.repeat(100_000)],
    ['IgnoreUnknown with stars against a long keyword', `IgnoreUnknown ${'*a'.repeat(30)}*b\n${'a'.repeat(100_000)} x`],
  ] as const) {
    const t0 = Date.now();
    await loadSshConfig(SYS, { read: async () => ({ ok: true, text }), glob: async () => [] }, { kind: 'system' });
    t.true(Date.now() - t0 < 8000, label);
  }
});
