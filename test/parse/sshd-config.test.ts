import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  allGlobal,
  effectiveDirective,
  firstGlobal,
  loadSshdConfig,
  matchOverrides,
  SSHD_MAX_FILE_LOADS,
  tokenizeSshdLine,
  type ConfigSource,
  type SshdConfig,
} from '../../src/parse/sshd-config';

const dir = path.resolve(__dirname, '../fixtures/sshd');
const fixture = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

/** An in-memory tree: host path → text (null: a directory). Glob supports * and ? in the last component. */
function memorySource(files: Record<string, string | null>): ConfigSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async read(p) {
      reads.push(p);
      if (!(p in files)) return { ok: false, reason: 'missing', message: `${p}: it does not exist` };
      const text = files[p];
      if (text === null) return { ok: false, reason: 'not-a-file', message: `${p}: is a directory` };
      return { ok: true, text };
    },
    async glob(pattern) {
      const slash = pattern.lastIndexOf('/');
      const parent = pattern.slice(0, slash);
      const re = new RegExp(`^${pattern.slice(slash + 1).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      return Object.keys(files)
        .filter((p) => p.slice(0, p.lastIndexOf('/')) === parent && re.test(p.slice(p.lastIndexOf('/') + 1)) && !p.slice(p.lastIndexOf('/') + 1).startsWith('.'))
        .sort();
    },
  };
}

const MAIN = '/etc/ssh/sshd_config';
const load = (files: Record<string, string | null>) => loadSshdConfig(MAIN, memorySource(files));
const value = (cfg: SshdConfig, key: string) => {
  const d = firstGlobal(cfg, key);
  return d ? [d.args.join(' '), `${d.file}:${d.line}`] : undefined;
};

// ---------------------------------------------------------------------------
// One line, as sshd tokenises it

test('tokenizer: key value, key=value, key = value, case kept, tabs and CR', (t) => {
  t.deepEqual(tokenizeSshdLine('PermitRootLogin no'), { kind: 'directive', keyword: 'PermitRootLogin', args: ['no'] });
  t.deepEqual(tokenizeSshdLine('Port=2222'), { kind: 'directive', keyword: 'Port', args: ['2222'] });
  t.deepEqual(tokenizeSshdLine('PasswordAuthentication = no\r'), { kind: 'directive', keyword: 'PasswordAuthentication', args: ['no'] });
  t.deepEqual(tokenizeSshdLine(' \t passwordauthentication\tno \t'), { kind: 'directive', keyword: 'passwordauthentication', args: ['no'] });
  t.deepEqual(tokenizeSshdLine('Subsystem\tsftp\t/usr/lib/openssh/sftp-server'), { kind: 'directive', keyword: 'Subsystem', args: ['sftp', '/usr/lib/openssh/sftp-server'] });
});

test('tokenizer: quotes, escapes and comments as argv_split does them', (t) => {
  t.deepEqual(tokenizeSshdLine('Banner "/etc/issue net"'), { kind: 'directive', keyword: 'Banner', args: ['/etc/issue net'] });
  t.deepEqual(tokenizeSshdLine("MACs 'hmac-sha2-256'"), { kind: 'directive', keyword: 'MACs', args: ['hmac-sha2-256'] });
  t.deepEqual(tokenizeSshdLine('AllowUsers carol\\ jones "a\\"b"'), { kind: 'directive', keyword: 'AllowUsers', args: ['carol jones', 'a"b'] });
  t.deepEqual(tokenizeSshdLine('PermitRootLogin no # trailing comment'), { kind: 'directive', keyword: 'PermitRootLogin', args: ['no'] });
  // A '#' inside an argument is not a comment (sshd keeps "22#x").
  t.deepEqual(tokenizeSshdLine('Port 22#x'), { kind: 'directive', keyword: 'Port', args: ['22#x'] });
  t.deepEqual(tokenizeSshdLine('# PermitRootLogin yes'), { kind: 'empty' });
  t.deepEqual(tokenizeSshdLine('    #PermitRootLogin yes'), { kind: 'empty' });
  t.deepEqual(tokenizeSshdLine('\r'), { kind: 'empty' });
});

test('tokenizer: what sshd refuses, in its own words', (t) => {
  t.deepEqual(tokenizeSshdLine('LogLevel'), { kind: 'error', keyword: 'LogLevel', message: 'no argument after keyword "LogLevel"' });
  t.deepEqual(tokenizeSshdLine('LogLevel   \t'), { kind: 'error', keyword: 'LogLevel', message: 'no argument after keyword "LogLevel"' });
  t.deepEqual(tokenizeSshdLine('AllowUsers "alice'), { kind: 'error', keyword: 'AllowUsers', message: 'invalid quotes' });
  t.deepEqual(tokenizeSshdLine('AllowUsers # only a comment'), { kind: 'error', keyword: 'AllowUsers', message: 'no argument after keyword "AllowUsers"' });
});

test('tokenizer: a NUL ends the line (C strings); binary garbage never throws', (t) => {
  t.deepEqual(tokenizeSshdLine('PermitRootLogin no\0yes'), { kind: 'directive', keyword: 'PermitRootLogin', args: ['no'] });
  for (const junk of ['\xff\xfe\x00\x01', '"', '=', '==x', '"""', '\\', "'\"'", '\u202e\u0007']) t.notThrows(() => tokenizeSshdLine(junk), JSON.stringify(junk));
});

// ---------------------------------------------------------------------------
// Real-world files

test("Debian 12's stock sshd_config: its Include, its few live lines, no problems", async (t) => {
  const cfg = await load({ [MAIN]: fixture('debian12-sshd_config') });
  t.deepEqual(cfg.problems, []);
  t.deepEqual(
    cfg.directives.map((d) => [d.keyword, d.args.join(' '), d.line]),
    [
      ['KbdInteractiveAuthentication', 'no', 62],
      ['UsePAM', 'yes', 85],
      ['X11Forwarding', 'yes', 90],
      ['PrintMotd', 'no', 94],
      ['AcceptEnv', 'LANG LC_*', 112],
      ['Subsystem', 'sftp /usr/lib/openssh/sftp-server', 115],
    ],
  );
  t.is(cfg.includes.length, 1);
  t.deepEqual(cfg.includes[0].resolved, ['/etc/ssh/sshd_config.d/*.conf']);
  t.is(cfg.includes[0].line, 12);
  t.deepEqual(cfg.matches, []);
});

test("Ubuntu's cloud-init drop-in sorts first and wins over the main file (first value wins)", async (t) => {
  const main = fixture('debian12-sshd_config').replace('#PasswordAuthentication yes', 'PasswordAuthentication no');
  const cfg = await load({
    [MAIN]: main,
    '/etc/ssh/sshd_config.d/50-cloud-init.conf': fixture('ubuntu-50-cloud-init.conf'),
    '/etc/ssh/sshd_config.d/README': 'not a .conf: never read',
  });
  t.deepEqual(cfg.problems, []);
  t.deepEqual(value(cfg, 'PasswordAuthentication'), ['yes', '/etc/ssh/sshd_config.d/50-cloud-init.conf:1']);
  t.deepEqual(allGlobal(cfg, 'passwordauthentication').map((d) => `${d.file}:${d.line}`), ['/etc/ssh/sshd_config.d/50-cloud-init.conf:1', '/etc/ssh/sshd_config:57']);
  t.deepEqual(cfg.files.map((f) => f.path), [MAIN, '/etc/ssh/sshd_config.d/50-cloud-init.conf']);
});

test('a 2016-era Debian jessie config: Protocol, UsePrivilegeSeparation and friends parse; aliases fold', async (t) => {
  const cfg = await load({ [MAIN]: fixture('jessie-2016-sshd_config') });
  t.deepEqual(cfg.problems, [], 'all of them are keywords sshd still recognises');
  t.deepEqual(value(cfg, 'Protocol'), ['2', `${MAIN}:9`]);
  t.deepEqual(value(cfg, 'UsePrivilegeSeparation'), ['yes', `${MAIN}:16`]);
  // ChallengeResponseAuthentication is KbdInteractiveAuthentication for sshd.
  const kbd = firstGlobal(cfg, 'KbdInteractiveAuthentication');
  t.is(kbd?.keyword, 'ChallengeResponseAuthentication');
  t.is(kbd?.line, 49);
  t.deepEqual(allGlobal(cfg, 'hostkey').map((d) => d.args[0]), ['/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_dsa_key', '/etc/ssh/ssh_host_ecdsa_key', '/etc/ssh/ssh_host_ed25519_key']);
});

test('the Mozilla 2016 hardened config: capitalised values and multi-word Subsystem survive', async (t) => {
  const cfg = await load({ [MAIN]: fixture('mozilla-2016-hardened.conf') });
  t.deepEqual(cfg.problems, []);
  t.deepEqual(value(cfg, 'permitrootlogin'), ['No', `${MAIN}:29`]);
  t.deepEqual(value(cfg, 'AUTHENTICATIONMETHODS'), ['publickey', `${MAIN}:15`]);
  t.deepEqual(firstGlobal(cfg, 'subsystem')?.args, ['sftp', '/usr/lib/ssh/sftp-server', '-f', 'AUTHPRIV', '-l', 'INFO']);
});

test('CRLF line endings, tabs, key=value, quotes and escaped spaces', async (t) => {
  const cfg = await load({ [MAIN]: fixture('crlf-tabs.conf') });
  t.deepEqual(cfg.problems, []);
  t.deepEqual(value(cfg, 'port'), ['2222', `${MAIN}:3`]);
  t.deepEqual(value(cfg, 'permitrootlogin'), ['no', `${MAIN}:4`]);
  t.deepEqual(value(cfg, 'passwordauthentication'), ['no', `${MAIN}:5`]);
  t.deepEqual(firstGlobal(cfg, 'banner')?.args, ['/etc/issue net']);
  t.deepEqual(firstGlobal(cfg, 'allowusers')?.args, ['alice', 'bob smith', 'carol jones']);
  t.deepEqual(firstGlobal(cfg, 'acceptenv')?.args, ['LANG', 'LC_*']);
  t.false(cfg.directives.some((d) => d.args.some((a) => a.includes('\r')) || d.text.includes('\r')));
  t.is(firstGlobal(cfg, 'permitrootlogin')?.text, 'PermitRootLogin\tno\t# no root');
});

test('Match blocks are kept apart with their criteria; Match All overrides the global value', async (t) => {
  const cfg = await load({ [MAIN]: fixture('match-user.conf') });
  t.deepEqual(cfg.problems, []);
  t.deepEqual(
    cfg.matches.map((m) => [m.criteria, m.all, m.line, m.directives.map((d) => d.key)]),
    [
      [['User', 'sftp-*,!sftp-admin'], false, 5, ['chrootdirectory', 'forcecommand', 'passwordauthentication', 'allowtcpforwarding']],
      [['Group', 'admins', 'Address', '192.0.2.0/24'], false, 11, ['permitrootlogin', 'passwordauthentication']],
      [['All'], true, 15, ['x11forwarding']],
    ],
  );
  t.deepEqual(value(cfg, 'passwordauthentication'), ['no', `${MAIN}:1`], 'Match lines are not global');
  t.deepEqual(value(cfg, 'x11forwarding'), ['no', `${MAIN}:3`]);
  t.is(effectiveDirective(cfg, 'x11forwarding')?.line, 16, 'Match All applies to every connection');
  t.is(effectiveDirective(cfg, 'passwordauthentication')?.line, 1);
  t.deepEqual(
    matchOverrides(cfg, 'passwordauthentication').map((o) => [o.block.line, o.directive.args[0]]),
    [
      [5, 'yes'],
      [11, 'no'],
    ],
  );
});

test('malformed lines are reported with file:line, and parsing goes on', async (t) => {
  const cfg = await load({ [MAIN]: fixture('malformed.conf') });
  t.deepEqual(
    cfg.problems.map((p) => [p.line, p.kind, p.fatal, p.message]),
    [
      [2, 'syntax', true, 'no argument after keyword "LogLevel"'],
      [3, 'syntax', true, 'invalid quotes'],
      [4, 'syntax', true, 'no argument after keyword "Match"'],
      [5, 'syntax', true, 'Bad Match condition: unsupported attribute "Color"'],
      [6, 'syntax', true, "Directive 'Ciphers' is not allowed within a Match block"],
      [8, 'unknown-keyword', false, 'unknown keyword "strange"'],
      [10, 'unknown-keyword', false, 'unknown keyword "BogusKeyword"'],
    ],
  );
  t.true(cfg.problems.every((p) => p.file === MAIN));
  // sshd reads `=strange yes` as keyword "strange" (it says "Bad configuration option: strange"), here inside Match All.
  t.is(cfg.matches.at(-1)?.directives[0].keyword, 'strange');
  t.deepEqual(tokenizeSshdLine('=PermitRootLogin no'), { kind: 'directive', keyword: 'PermitRootLogin', args: ['no'] });
});

// ---------------------------------------------------------------------------
// Include

test('relative Include patterns resolve against /etc/ssh, whatever the main file is', async (t) => {
  const src = memorySource({
    '/opt/alt/sshd_config': 'Include extra/*.conf\nInclude /abs.conf\n',
    '/etc/ssh/extra/a.conf': 'PermitRootLogin no\n',
    '/abs.conf': 'Port 2200\n',
    '/opt/alt/extra/a.conf': 'PermitRootLogin yes\n',
  });
  const cfg = await loadSshdConfig('/opt/alt/sshd_config', src);
  t.deepEqual(cfg.includes.map((i) => i.resolved), [['/etc/ssh/extra/*.conf'], ['/abs.conf']]);
  t.deepEqual(value(cfg, 'permitrootlogin'), ['no', '/etc/ssh/extra/a.conf:1']);
  t.false(src.reads.includes('/opt/alt/extra/a.conf'));
  const staged = await loadSshdConfig('/stage/etc/ssh/sshd_config', memorySource({ '/stage/etc/ssh/sshd_config': 'Include x.conf\n', '/stage/etc/ssh/x.conf': 'Port 1\n' }), { configDir: '/stage/etc/ssh' });
  t.deepEqual(value(staged, 'port'), ['1', '/stage/etc/ssh/x.conf:1']);
});

test('an Include that matches nothing is silent; a match that cannot be read is fatal; a directory is skipped', async (t) => {
  const cfg = await load({
    [MAIN]: 'Include /etc/ssh/none/*.conf\nInclude /etc/ssh/d/*.conf\nPort 22\n',
    '/etc/ssh/d/a.conf': null,
    '/etc/ssh/d/b.conf': 'PermitRootLogin no\n',
  });
  t.deepEqual(cfg.problems, []);
  t.deepEqual(cfg.includes.map((i) => i.matched), [[], ['/etc/ssh/d/a.conf', '/etc/ssh/d/b.conf']]);
  t.deepEqual(value(cfg, 'permitrootlogin'), ['no', '/etc/ssh/d/b.conf:1']);

  // A glob that matches a dangling link (listed, unreadable): sshd dies on it.
  const src = memorySource({ [MAIN]: 'Include /etc/ssh/d/*.conf\n' });
  src.glob = async () => ['/etc/ssh/d/dangling.conf'];
  const broken = await loadSshdConfig(MAIN, src);
  t.deepEqual(broken.problems.map((p) => [p.kind, p.file, p.line, p.fatal]), [['io', MAIN, 1, true]]);
  t.regex(broken.problems[0].message, /Include \/etc\/ssh\/d\/dangling\.conf: .*does not exist/);
});

test('an Include loop stops at sshd depth limit with the line that loops, not a hang or a crash', async (t) => {
  const cfg = await load({ [MAIN]: 'Port 22\nInclude /etc/ssh/a.conf\n', '/etc/ssh/a.conf': 'Include /etc/ssh/b.conf\n', '/etc/ssh/b.conf': 'Include /etc/ssh/a.conf\n' });
  const deep = cfg.problems.filter((p) => p.kind === 'include-depth');
  t.is(deep.length, 1);
  t.true(deep[0].fatal);
  t.true(['/etc/ssh/a.conf', '/etc/ssh/b.conf'].includes(deep[0].file));
  t.is(deep[0].line, 1);
  const self = await load({ [MAIN]: 'Include /etc/ssh/sshd_config\n' });
  t.deepEqual(self.problems.map((p) => [p.kind, p.file, p.line]), [['include-depth', MAIN, 1]]);
});

test('a file that includes itself three times (3^16 parses for sshd: a hang) stops at a budget, fatal, with the Include line', async (t) => {
  let reads = 0;
  const files: Record<string, string> = { [MAIN]: 'Include /etc/ssh/a.conf\n', '/etc/ssh/a.conf': 'Include a.conf a.conf a.conf\nPort 22\n' };
  const source = {
    read: async (p: string) => {
      reads++;
      return p in files ? { ok: true as const, text: files[p] } : { ok: false as const, reason: 'missing' as const, message: `${p}: missing` };
    },
    glob: async (p: string) => (p in files ? [p] : []),
  };
  const t0 = Date.now();
  const cfg = await loadSshdConfig(MAIN, source);
  t.true(Date.now() - t0 < 4000, `${Date.now() - t0} ms`);
  t.true(reads <= SSHD_MAX_FILE_LOADS + 2, `${reads} reads`);
  const p = cfg.problems.find((x) => x.message.includes(`more than ${SSHD_MAX_FILE_LOADS} included files`));
  t.like(p, { kind: 'include-depth', file: '/etc/ssh/a.conf', line: 1, fatal: true });
});

test('a Match inside an included file ends with that file; an Include inside a Match belongs to it', async (t) => {
  const cfg = await load({
    [MAIN]: 'Include /etc/ssh/m.conf\nPasswordAuthentication no\nMatch User bob\n  Include /etc/ssh/p.conf\n',
    '/etc/ssh/m.conf': 'Match User alice\nPasswordAuthentication yes\n',
    '/etc/ssh/p.conf': 'PermitRootLogin yes\n',
  });
  t.deepEqual(cfg.problems, []);
  t.deepEqual(value(cfg, 'passwordauthentication'), ['no', `${MAIN}:2`], 'line 2 is global again after the included Match');
  t.deepEqual(cfg.matches.map((m) => [m.file, m.criteria.join(' '), m.directives.map((d) => `${d.file}:${d.line}`)]), [
    ['/etc/ssh/m.conf', 'User alice', ['/etc/ssh/m.conf:2']],
    [MAIN, 'User bob', ['/etc/ssh/p.conf:1']],
  ]);
  t.is(firstGlobal(cfg, 'permitrootlogin'), undefined);
});

test('a missing main file, a throwing source, a 1 MB file and binary garbage give problems, never a throw', async (t) => {
  const missing = await load({});
  t.deepEqual(missing.problems.map((p) => [p.kind, p.file, p.line, p.fatal]), [['io', MAIN, 0, true]]);

  const throwing: ConfigSource = {
    read: async () => ({ ok: true, text: 'Include /etc/ssh/*.conf\n' }),
    glob: async () => {
      throw new Error('EACCES: permission denied, scandir');
    },
  };
  const t1 = await loadSshdConfig(MAIN, throwing);
  t.deepEqual(t1.problems.map((p) => [p.kind, p.line]), [['io', 1]]);

  const big = 'PermitRootLogin no\n' + '# padding padding padding padding padding padding\n'.repeat(21000) + 'PermitRootLogin yes\n';
  t.true(big.length > 1_000_000);
  const bigCfg = await load({ [MAIN]: big });
  t.deepEqual(value(bigCfg, 'permitrootlogin'), ['no', `${MAIN}:1`]);
  t.is(allGlobal(bigCfg, 'permitrootlogin')[1].line, 21002);

  const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)).toString('latin1');
  const g = await load({ [MAIN]: garbage });
  t.true(Array.isArray(g.problems));
  t.true(g.problems.every((p) => p.file === MAIN && p.line >= 1));
});

// ---------------------------------------------------------------------------
// The parser agrees with sshd itself

const canRunSshd = process.getuid?.() === 0 && fs.existsSync('/usr/sbin/sshd');

function ensurePrivsepDir(): void {
  // sshd -T refuses to run without it; ssh.service makes it (RuntimeDirectory=sshd).
  if (!fs.existsSync('/run/sshd')) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
}

/** The single-valued keywords compared with `sshd -T`. */
const COMPARED = ['port', 'permitrootlogin', 'passwordauthentication', 'kbdinteractiveauthentication', 'permitemptypasswords', 'x11forwarding', 'usepam', 'printmotd', 'loglevel', 'maxauthtries', 'ciphers', 'macs', 'kexalgorithms', 'authenticationmethods', 'pubkeyauthentication', 'banner'];

(canRunSshd ? test : test.skip)('for each fixture, the value our parse says sshd uses is the one sshd -T prints', async (t) => {
  ensurePrivsepDir();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-sshd-parse-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const key = path.join(tmp, 'hostkey');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  let compared = 0;
  for (const name of ['debian12-sshd_config', 'jessie-2016-sshd_config', 'mozilla-2016-hardened.conf', 'crlf-tabs.conf', 'match-user.conf']) {
    // No Include and no HostKey may reach the real /etc/ssh: strip them (the
    // check stages a copy instead; here only the parse is under test).
    const text = fixture(name).replace(/^(\s*)(Include|HostKey)\b/gim, '$1#$2');
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    const out = execFileSync('sshd', ['-T', '-f', file, '-h', key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const printed = new Map(out.split('\n').map((l) => [l.split(' ')[0].toLowerCase(), l.slice(l.indexOf(' ') + 1)]));
    const cfg = await load({ [MAIN]: text });
    for (const k of COMPARED) {
      const d = effectiveDirective(cfg, k);
      if (!d) continue;
      let ours = d.args.join(' ');
      if (k === 'permitrootlogin' && /^prohibit-password$/i.test(ours)) ours = 'without-password';
      t.is(printed.get(k)?.toLowerCase(), ours.toLowerCase(), `${name}: ${k} from ${d.file}:${d.line}`);
      compared++;
    }
  }
  t.true(compared >= 25, `compared ${compared} values`);
});
