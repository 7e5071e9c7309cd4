import test from 'ava';
import * as fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  aptBool,
  aptConfPartsInOrder,
  isAptConfPartName,
  mergeAptConf,
  parseAptConf,
  parsePeriodicInterval,
  type ParsedAptConf,
} from '../../src/parse/apt-conf';

const dir = path.resolve(__dirname, '../fixtures/apt-conf');
const fixture = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
const parse = (name: string, as = `/etc/apt/apt.conf.d/${name}`): ParsedAptConf => parseAptConf(fixture(name), as);
const brief = (p: ParsedAptConf) => p.entries.map((e) => [e.op, e.key, e.value, e.line]);

test('20auto-upgrades: two settings with their lines', (t) => {
  const p = parse('20auto-upgrades');
  t.deepEqual(p.errors, []);
  t.deepEqual(brief(p), [
    ['set', 'APT::Periodic::Update-Package-Lists', '1', 1],
    ['set', 'APT::Periodic::Unattended-Upgrade', '1', 2],
  ]);
});

test("Debian's stock 50unattended-upgrades: only the three live Origins-Pattern items survive its comment blocks", (t) => {
  const p = parse('50unattended-upgrades.debian', '/etc/apt/apt.conf.d/50unattended-upgrades');
  t.deepEqual(p.errors, []);
  t.deepEqual(p.warnings, []);
  t.deepEqual(brief(p), [
    ['append', 'Unattended-Upgrade::Origins-Pattern', 'origin=Debian,codename=${distro_codename},label=Debian', 31],
    ['append', 'Unattended-Upgrade::Origins-Pattern', 'origin=Debian,codename=${distro_codename},label=Debian-Security', 32],
    ['append', 'Unattended-Upgrade::Origins-Pattern', 'origin=Debian,codename=${distro_codename}-security,label=Debian-Security', 33],
  ]);
  const merged = mergeAptConf([p]);
  // Commented-out options stay unset: the defaults apply.
  t.is(merged.get('Unattended-Upgrade::Automatic-Reboot'), undefined);
  t.is(merged.get('Unattended-Upgrade::Mail'), undefined);
  t.deepEqual(merged.list('Unattended-Upgrade::Package-Blacklist'), []);
});

test('01autoremove: nested scopes with # comments inside lists', (t) => {
  const merged = mergeAptConf([parse('01autoremove')]);
  t.deepEqual(
    merged.list('APT::VersionedKernelPackages').map((v) => v.value),
    ['linux-.*', 'kfreebsd-.*', 'gnumach-.*', '.*-modules', '.*-kernel'],
  );
  t.deepEqual(merged.list('apt::never-markauto-sections').map((v) => [v.value, v.line]), [
    ['metapackages', 24],
    ['tasks', 25],
  ]);
});

test('10periodic then 20auto-upgrades: the later file wins and is the evidence', (t) => {
  const merged = mergeAptConf([parse('10periodic'), parse('20auto-upgrades')]);
  t.deepEqual(merged.get('APT::Periodic::Unattended-Upgrade'), {
    key: 'APT::Periodic::Unattended-Upgrade',
    value: '1',
    file: '/etc/apt/apt.conf.d/20auto-upgrades',
    line: 2,
  });
  t.is(merged.get('APT::Periodic::AutocleanInterval')?.file, '/etc/apt/apt.conf.d/10periodic');
  // And the other way round, the "0" wins.
  t.is(mergeAptConf([parse('20auto-upgrades'), parse('10periodic')]).get('APT::Periodic::Unattended-Upgrade')?.value, '0');
});

test('an ugly hand-edited file: comments, quotes, scopes, #clear, list appends, #include noted', (t) => {
  const p = parse('99ugly');
  t.deepEqual(p.errors, []);
  const merged = mergeAptConf([p]);
  t.is(merged.get('Acquire::http::Proxy')?.value, 'http://proxy.example:3128/', '"//" inside quotes is not a comment');
  t.is(merged.get('Acquire::https::Proxy')?.value, 'DIRECT', '"#" after the statement is a comment');
  t.is(merged.get('APT::Periodic::AutocleanInterval')?.line, 11, 'statement after an inline /* */ comment');
  t.deepEqual(merged.get('APT::Get::Assume-Yes'), { key: 'APT::Get::Assume-Yes', value: 'false', file: '/etc/apt/apt.conf.d/99ugly', line: 13 });
  // Keys are case-insensitive; the first spelling is kept, the later value wins.
  t.deepEqual(merged.get('APT::PERIODIC::VERBOSE'), { key: 'APT::Periodic::Verbose', value: '3', file: '/etc/apt/apt.conf.d/99ugly', line: 16 });
  // #clear dropped the two items above it; "Key::" appends after it.
  t.deepEqual(merged.list('Unattended-Upgrade::Allowed-Origins').map((v) => [v.value, v.line]), [['${distro_id}ESM:${distro_codename}-infra-security', 22]]);
  t.deepEqual(merged.list('DPkg::Post-Invoke').map((v) => v.value), ['rm -f /var/cache/apt/archives/*.deb || true']);
  t.is(merged.get('Unattended-Upgrade::Mail')?.value, '');
  t.is(merged.get('Joined::Value')?.value, 'one two', 'adjacent quoted strings join with one space, as apt does');
  t.deepEqual(merged.includes.map((e) => [e.value, e.line]), [['/etc/apt/local-extra.conf', 27]]);
});

test('CRLF line ends are whitespace', (t) => {
  t.deepEqual(brief(parse('crlf.conf')), [
    ['set', 'APT::Periodic::Enable', '1', 1],
    ['set', 'APT::Periodic::Unattended-Upgrade', '1', 2],
  ]);
});

test('syntax errors: apt\'s message with file:line, and parsing stops there', (t) => {
  const cases: Array<[string, number, string, number]> = [
    ['20auto-upgrades.missing-semicolon', 2, 'Extra junk after value', 0],
    ['directive-in-scope', 2, 'Directives can only be done at the top level', 0],
    ['block-without-name', 2, 'Block starts with no name.', 1],
    ['junk-at-end', 3, 'Extra junk at end of file', 1], // apt counts the empty read after the last newline
  ];
  for (const [name, line, message, entriesBefore] of cases) {
    const file = `/etc/apt/apt.conf.d/${name}`;
    const p = parse(name);
    t.deepEqual(p.errors, [{ file, line, message: `Syntax error ${file}:${line}: ${message}` }], name);
    t.is(p.entries.length, entriesBefore, name);
  }
  t.deepEqual(parseAptConf('#frobnicate x;\n', 'f').entries, [], 'an unknown #word is a comment');
  t.regex(parseAptConf('#clearly x;\n', 'f').errors[0].message, /Unsupported directive 'clearly'/);
  t.regex(parseAptConf('"#clear";\n', 'f').errors[0].message, /clear directive requires an option tree/);
  t.regex(parseAptConf('Key "unterminated;\n', 'f').errors[0].message, /f:2: Extra junk at end of file/);
});

test('what apt accepts silently becomes a warning, not an error', (t) => {
  const unclosed = parse('unclosed-block');
  t.deepEqual(unclosed.errors, []);
  t.is(unclosed.entries[0].key, 'APT::Periodic::Enable');
  t.regex(unclosed.warnings[0].message, /1 block\(s\) never closed/);
  t.regex(parseAptConf('A "1";\n};\n', 'f').warnings[0].message, /f:2: '}' closes no block/);
  t.regex(parseAptConf('A "1";\n/* open\n', 'f').warnings[0].message, /f:2: '\/\*' comment never closed/);
});

test('a value may span lines and a list may close on the same line', (t) => {
  const p = parseAptConf('A::B\n  "x";\nL { "1"; "2"; };\nM::N:: "3";\n', 'f');
  t.deepEqual(brief(p), [
    ['set', 'A::B', 'x', 1],
    ['append', 'L', '1', 3],
    ['append', 'L', '2', 3],
    ['append', 'M::N', '3', 4],
  ]);
});

test('merging across files: later set wins, lists append across files, #clear resets a subtree', (t) => {
  const a = parseAptConf('X::Y "1";\nL { "a"; };\n', 'a');
  const b = parseAptConf('x::y "2";\nL:: "b";\n', 'b');
  const c = parseAptConf('#clear L;\nL:: "c";\n', 'c');
  const ab = mergeAptConf([a, b]);
  t.deepEqual(ab.get('X::Y'), { key: 'X::Y', value: '2', file: 'b', line: 1 });
  t.deepEqual(ab.list('L').map((v) => `${v.file}:${v.value}`), ['a:a', 'b:b']);
  t.deepEqual(mergeAptConf([a, b, c]).list('L').map((v) => v.value), ['c']);
  t.deepEqual(mergeAptConf([a, b]).files, ['a', 'b']);
});

test('which apt.conf.d names apt reads, in byte order', (t) => {
  const names = ['50unattended-upgrades', '20auto-upgrades.dpkg-old', '50unattended-upgrades.ucf-dist', '99local.conf', '.hidden', 'Zed', 'a b', 'trailing.', '01autoremove', '20auto-upgrades~', 'x:y'];
  t.deepEqual(aptConfPartsInOrder(names), ['01autoremove', '50unattended-upgrades', '99local.conf', 'Zed', 'x:y']);
  t.false(isAptConfPartName('foo.bak'));
  t.true(isAptConfPartName('foo.conf'));
});

test('aptBool and APT::Periodic intervals read values as apt does', (t) => {
  t.true(aptBool('true', false));
  t.true(aptBool('YES', false));
  t.false(aptBool('0', true));
  t.false(aptBool('off', true));
  t.true(aptBool('maybe', true), 'unknown words fall back');
  t.false(aptBool(undefined, false));
  t.deepEqual(parsePeriodicInterval('0'), { kind: 'off' });
  t.deepEqual(parsePeriodicInterval('1'), { kind: 'on', seconds: 86400 });
  t.deepEqual(parsePeriodicInterval('12h'), { kind: 'on', seconds: 43200 });
  t.deepEqual(parsePeriodicInterval('always'), { kind: 'on', seconds: 'always' });
  t.deepEqual(parsePeriodicInterval('yes'), { kind: 'invalid' });
});

test('never throws: any text gives entries, errors and warnings with file:line', (t) => {
  const alphabet = fc.constantFrom(...'ab:"{};#/* \n\t%'.split(''), 'clear', 'include', '//', '/*', '*/', '::');
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 80 }), (chars) => {
      const p = parseAptConf(chars.join(''), 'fuzz');
      for (const e of [...p.errors, ...p.warnings]) if (e.file !== 'fuzz' || e.line < 0) return false;
      mergeAptConf([p]);
      return true;
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

// Differential check against the real apt, where it is installed: every value
// our merge reports must be in `apt-config dump` (format `%F "%v";`: the value raw).
function aptConfigAvailable(): boolean {
  try {
    execFileSync('apt-config', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}


(aptConfigAvailable() ? test : test.skip)('agrees with apt-config dump on real-world files', (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-aptconf-'));
  try {
    const parts = path.join(tmp, 'etc/apt/apt.conf.d');
    fs.mkdirSync(parts, { recursive: true });
    const files: Record<string, string> = {
      '01autoremove': fixture('01autoremove'),
      '10periodic': fixture('10periodic'),
      '20auto-upgrades': fixture('20auto-upgrades'),
      '50unattended-upgrades': fixture('50unattended-upgrades.debian'),
      '70debconf': fixture('70debconf'),
      '99ugly': fixture('99ugly').replace(/^#include.*\n/m, ''),
      'crlf.conf': fixture('crlf.conf'),
      'docker-clean': fixture('docker-clean'),
      '50unattended-upgrades.ucf-dist': 'Unattended-Upgrade::Automatic-Reboot "true";\n',
    };
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(parts, name), text);
    fs.writeFileSync(path.join(tmp, 'base.conf'), `Dir::Etc "${tmp}/etc/apt/";\nDir::Etc::Parts "apt.conf.d";\nDir::Etc::main "apt.conf";\n`);
    const dump = execFileSync('apt-config', ['dump'], { env: { ...process.env, APT_CONFIG: path.join(tmp, 'base.conf') }, encoding: 'utf8' });
    const aptLines = new Set(dump.split('\n'));

    const ours = mergeAptConf(aptConfPartsInOrder(Object.keys(files)).map((name) => parseAptConf(files[name], name)));
    const mine = ours.dump().map((v) => `${v.key} "${v.value}";`);
    t.true(mine.length > 30);
    t.deepEqual(mine.filter((line) => !aptLines.has(line)), []);
    t.false(aptLines.has('Unattended-Upgrade::Automatic-Reboot "true";'), 'apt ignores *.ucf-dist, as we do');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

/** apt-config dump prints keys through QuoteString(key, "=\"\n"): those, %, space and non-ASCII as %xx. */
function aptQuoteKey(key: string): string {
  return [...Buffer.from(key, 'utf8')]
    .map((b) => (b <= 0x20 || b >= 0x7f || b === 0x25 || '="\n'.includes(String.fromCharCode(b)) ? `%${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b)))
    .join('');
}

(aptConfigAvailable() ? test : test.skip)('differential fuzz: same syntax errors (message, line) and same values as apt-config', (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-aptfuzz-'));
  try {
    const parts = path.join(tmp, 'etc/apt/apt.conf.d');
    fs.mkdirSync(parts, { recursive: true });
    fs.writeFileSync(path.join(tmp, 'base.conf'), `Dir::Etc "${tmp}/etc/apt/";\nDir::Etc::Parts "apt.conf.d";\nDir::Etc::main "apt.conf";\n`);
    const file = path.join(parts, '50fuzz');
    const token = fc.constantFrom('A', 'b', 'Cc', '::', ' ', '"x"', '"y z"', '"', ';', '{', '}', '\n', '#clear A', '#clear', '//c', '/*', '*/', '#', '"//"', 'A::B', '\t', '%41');
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 25 }), (tokens) => {
        const text = tokens.join('');
        fs.writeFileSync(file, text);
        let aptOut: string;
        let aptFailed = false;
        try {
          aptOut = execFileSync('apt-config', ['dump'], { env: { ...process.env, APT_CONFIG: path.join(tmp, 'base.conf') }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        } catch (e) {
          aptFailed = true;
          aptOut = String((e as { stderr?: unknown }).stderr);
        }
        const ours = parseAptConf(text, file);
        if (aptFailed) return ours.errors.length > 0 && aptOut.includes(`E: ${ours.errors[0].message}`);
        if (ours.errors.length > 0) return false;
        const aptLines = new Set(aptOut.split('\n'));
        // Known divergence: a key that starts with "::" gets an extra empty level in apt; nonsense either way.
        const mine = mergeAptConf([ours]).dump().filter((v) => v.key !== '' && !v.key.startsWith('::'));
        return mine.every((v) => aptLines.has(`${aptQuoteKey(v.key)} "${v.value}";`));
      }),
      { numRuns: 300 },
    );
    t.pass();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
