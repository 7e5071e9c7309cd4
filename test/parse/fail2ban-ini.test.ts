import test from 'ava';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFail2banIni, type ParsedIni } from '../../src/parse/fail2ban-ini';

const FIX = path.resolve(__dirname, '../fixtures/fail2ban');

function read(rel: string): ParsedIni {
  const file = path.join(FIX, rel);
  return parseFail2banIni(fs.readFileSync(file, 'utf8'), `/etc/fail2ban/${path.basename(rel)}`);
}

function plain(p: ParsedIni) {
  const obj = (m: Map<string, { value: string }>) => Object.fromEntries([...m].map(([k, v]) => [k, v.value]));
  return { defaults: obj(p.defaults), sections: Object.fromEntries(p.sections.map((s) => [s.name, obj(s.options)])) };
}

// ---------------------------------------------------------------------------
// fail2ban's own reader as the oracle: every fixture, the real jail.conf and
// every filter/action file of the installed package, parsed by both.

const PY = `
import json, sys, configparser
from fail2ban.client.configparserinc import SafeConfigParserWithIncludes as P
out = {}
for f in sys.argv[1:]:
    p = P()
    try:
        p.read(f, get_includes=False)
        out[f] = {'defaults': dict(p._defaults), 'sections': {s: dict(p._sections[s]) for s in p._sections}}
    except configparser.MissingSectionHeaderError as e:
        out[f] = {'error': type(e).__name__, 'line': e.lineno}
    except configparser.ParsingError as e:
        out[f] = {'error': type(e).__name__, 'line': e.errors[0][0]}
    except configparser.Error as e:
        out[f] = {'error': type(e).__name__, 'line': getattr(e, 'lineno', None)}
print(json.dumps(out))
`;

/** The Python fail2ban runs under (its scripts' shebang), not whatever python3 is first on PATH. */
function fail2banPython(): string {
  const first = fs.readFileSync('/usr/bin/fail2ban-client', 'utf8').split('\n')[0];
  return first.replace(/^#!\s*/, '').split(/\s+/)[0];
}

function corpus(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(conf|local)$/.test(e.name)) files.push(p);
    }
  };
  walk(FIX);
  walk('/etc/fail2ban');
  return files;
}

test('every config file reads exactly as fail2ban reads it (real jail.conf, filter.d, action.d and the fixtures)', (t) => {
  const files = corpus();
  t.true(files.length > 100, 'the installed fail2ban package provides the bulk of the corpus');
  const out = child.execFileSync(fail2banPython(), ['-c', PY, ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const oracle = JSON.parse(out) as Record<string, { error?: string; line?: number; defaults?: object; sections?: object }>;
  let rejected = 0;
  for (const f of files) {
    const ours = parseFail2banIni(fs.readFileSync(f, 'utf8'), f);
    const theirs = oracle[f];
    if (theirs.error) {
      rejected++;
      t.true(ours.errors.length > 0, `${f}: fail2ban rejects it (${theirs.error}), so must we`);
      t.is(ours.errors[0]?.line ?? -1, theirs.line ?? -2, `${f}: same line as ${theirs.error}`);
    } else {
      t.deepEqual(ours.errors, [], f);
      t.deepEqual(plain(ours), { defaults: theirs.defaults, sections: theirs.sections }, f);
    }
  }
  t.is(rejected, fs.readdirSync(path.join(FIX, 'malformed')).length, 'exactly the malformed fixtures are rejected');
});

// ---------------------------------------------------------------------------
// Details, each pinned on its own

test('Debian jail.conf: [INCLUDES], [DEFAULT], multi-line values, comments, file:line of each key', (t) => {
  const p = read('debian12/jail.conf');
  t.deepEqual(p.errors, []);
  t.deepEqual(
    p.sections.map((s) => s.name),
    ['INCLUDES', 'sshd', 'dropbear', 'selinux-ssh', 'apache-auth', 'apache-badbots', 'nginx-http-auth', 'nginx-botsearch', 'php-url-fopen', 'postfix-rbl', 'nsd', 'recidive', 'pam-generic', 'counter-strike'],
  );
  t.is(p.sections[0].options.get('before')?.value, 'paths-debian.conf');
  t.is(p.defaults.get('bantime')?.value, '10m');
  t.is(p.defaults.get('enabled')?.value, 'false');
  const mw = p.defaults.get('action_mw');
  t.is(mw?.value, '%(action_)s\n%(mta)s-whois[sender="%(sender)s", dest="%(destemail)s", protocol="%(protocol)s", chain="%(chain)s"]');
  const sshd = p.sections.find((s) => s.name === 'sshd')!;
  t.deepEqual([...sshd.options.keys()], ['port', 'logpath', 'backend'], 'the commented "#mode = normal" is not a key');
  const logpath = sshd.options.get('logpath')!;
  t.is(logpath.file, '/etc/fail2ban/jail.conf');
  t.is(fs.readFileSync(path.join(FIX, 'debian12/jail.conf'), 'utf8').split('\n')[logpath.line - 1], 'logpath = %(sshd_log)s');
  t.is(p.sections.find((s) => s.name === 'php-url-fopen')!.options.get('logpath')?.value, '%(nginx_access_log)s\n%(apache_access_log)s');
});

test('inline ";" comments need whitespace before them; "#" after a value is part of it', (t) => {
  const p = read('overrides/jail.local');
  t.is(p.defaults.get('findtime')?.value, '10m');
  t.is(p.defaults.get('destemail')?.value, 'root@example.org#not-a-comment');
  t.is(p.defaults.get('ignoreip')?.value, '127.0.0.1/8 ::1,\n192.0.2.0/24  2001:db8:1234::/48\nadmin.example.org');
  const inline = parseFail2banIni('[a]\nx = 1;2 ; gone\ny = ;\n', '/f');
  t.is(inline.sections[0].options.get('x')?.value, '1;2');
  t.is(inline.sections[0].options.get('y')?.value, '');
});

test('keys are case-insensitive, section names are not; ":" works as "="', (t) => {
  const p = parseFail2banIni('[SSHD]\nEnabled: true\n[sshd]\nenabled = false\n', '/f');
  t.deepEqual(plain(p), { defaults: {}, sections: { SSHD: { enabled: 'true' }, sshd: { enabled: 'false' } } });
});

test('an indented line continues the value above it, even when it looks like a key (Python\'s rule)', (t) => {
  const p = read('ugly/continuation-surprise.local');
  t.deepEqual(p.errors, []);
  t.is(p.defaults.get('bantime')?.value, '1h\nfindtime = 10m');
  t.false(p.defaults.has('findtime'));
  t.is(p.defaults.get('maxretry')?.line, 4);
});

test('blank lines inside a value are kept, trailing ones dropped; comment lines are skipped', (t) => {
  const p = parseFail2banIni('[a]\nx = one\n\n  two\n  # not me\n  three\n\n\n[b]\n', '/f');
  t.is(p.sections[0].options.get('x')?.value, 'one\n\ntwo\nthree');
});

test('CRLF files read like LF files', (t) => {
  const p = read('ugly/crlf.local');
  t.deepEqual(plain(p), { defaults: { bantime: '2h' }, sections: { sshd: { enabled: 'yes' } } });
});

test('malformed files: each error names file:line, as fail2ban would refuse them', (t) => {
  const cases: Array<[string, number, RegExp]> = [
    ['malformed/no-equals.local', 3, /not a "key = value" line: "enabled true"/],
    ['malformed/duplicate-key.local', 4, /option "enabled" appears twice in section \[sshd\]/],
    ['malformed/duplicate-section.local', 7, /section \[sshd\] appears twice/],
    ['malformed/before-section.local', 2, /text before the first \[section\]/],
    ['malformed/bom.local', 1, /text before the first \[section\]/],
  ];
  for (const [rel, line, message] of cases) {
    const p = read(rel);
    t.is(p.errors.length, 1, rel);
    t.is(p.errors[0].line, line, rel);
    t.is(p.errors[0].file, `/etc/fail2ban/${path.basename(rel)}`);
    t.regex(p.errors[0].message, message, rel);
  }
});

test('a second [DEFAULT] in one file is allowed, a key twice in [DEFAULT] is not', (t) => {
  t.deepEqual(parseFail2banIni('[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n', '/f').errors, []);
  t.is(parseFail2banIni('[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n', '/f').errors[0]?.line, 4);
});

test('never throws on garbage', (t) => {
  for (const text of ['', '\0\0\0', '[', ']', '[]', '=', '[a]\n=\n', '[a]\n  \n\t=x', 'x'.repeat(100000), '[a]\n' + '  y\n'.repeat(1000)]) {
    t.notThrows(() => parseFail2banIni(text, '/f'));
  }
});
