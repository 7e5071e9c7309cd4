// Every parser meets untrusted text (issue 11): property-based, no input may
// make one throw, and pathological input (million-character lines, deep
// nesting, huge line counts) must finish in about linear time.
// HARDTOP_FUZZ_RUNS raises the case count (`npm run fuzz`).
import test from 'ava';
import * as fc from 'fast-check';
import { mergeAptConf, parseAptConf } from '../../src/parse/apt-conf';
import { compareDebianVersions } from '../../src/parse/deb-version';
import { parseDpkgStatus } from '../../src/parse/dpkg-status';
import { type ConfigSource, loadSshdConfig } from '../../src/parse/sshd-config';
import { parseSshdDiagnostics, parseSshdT } from '../../src/parse/sshd-t';
import { parseUnattendedUpgradesLog } from '../../src/parse/unattended-upgrades-log';

const RUNS = Number(process.env.HARDTOP_FUZZ_RUNS ?? 2000);
/** Generous: a parser that is quadratic on these inputs takes minutes, not seconds. */
const PATHOLOGICAL_BUDGET_MS = 8000;

/** Text built from the tokens a format cares about, so the fuzz reaches deep code paths. */
function tokenText(tokens: string[]): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 })), { maxLength: 60 })
    .map((parts) => parts.join(''));
}

const APT_TOKENS = ['APT::Periodic::', 'Unattended-Upgrade', ' "1";', '"0"', '{', '}', ';', '//', '/*', '*/', '#clear ', '#include ', '::', '"', '\n', '\t', '\\'];
const DPKG_TOKENS = ['Package: ', 'Status: install ok installed', 'Version: 1:2.3-4', '\n', '\n\n', ' ', ':', 'Architecture: amd64'];
const SSHD_TOKENS = ['Include ', 'Match ', 'User ', 'All', 'PasswordAuthentication', ' yes', ' no', '=', '"', '#', '\n', '\r\n', '\t', '*', '/etc/ssh/sshd_config.d/', 'sshd_config', 'HostKey ', '\\'];
const SSHDT_TOKENS = ['permitrootlogin ', 'kexalgorithms ', 'a,b,c', '\n', ' ', '/etc/ssh/sshd_config line 3: ', 'Bad configuration option', 'Deprecated option', 'terminating, 1 bad configuration options'];
const UU_TOKENS = ['2026-11-10 06:31:12,001 INFO Starting unattended upgrades script', '2026-13-40 99:99:99,x ', ' INFO ', 'Packages that will be upgraded: ', '\n', 'WARNING'];
const VERSION_TOKENS = ['1', '0', ':', '-', '~', '+', '.', 'a', 'z', '9'];

const parsers: { name: string; text: fc.Arbitrary<string>; run: (text: string) => unknown }[] = [
  { name: 'apt.conf', text: tokenText(APT_TOKENS), run: (t) => mergeAptConf([parseAptConf(t, '/etc/apt/apt.conf.d/99fuzz')]) },
  { name: 'dpkg status', text: tokenText(DPKG_TOKENS), run: (t) => parseDpkgStatus(t) },
  { name: 'sshd -T output', text: tokenText(SSHDT_TOKENS), run: (t) => [parseSshdT(t), parseSshdDiagnostics(t)] },
  { name: 'unattended-upgrades log', text: tokenText(UU_TOKENS), run: (t) => parseUnattendedUpgradesLog(t) },
  { name: 'Debian version', text: tokenText(VERSION_TOKENS), run: (t) => compareDebianVersions(t, t.split('').reverse().join('')) },
];

/** sshd_config through a tiny in-memory source: the main file is the fuzz text, includes resolve to it too. */
function sshdSource(text: string): ConfigSource {
  return {
    read: async () => ({ ok: true as const, text }),
    glob: async (pattern: string) => (pattern.includes('*') ? ['/etc/ssh/sshd_config.d/fuzz.conf'] : [pattern]),
  };
}

for (const p of parsers) {
  test(`${p.name}: no input makes the parser throw`, (t) => {
    fc.assert(
      fc.property(fc.oneof(p.text, fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })), (text) => {
        p.run(text);
      }),
      { numRuns: RUNS },
    );
    t.pass();
  });
}

test('sshd_config: no input makes the loader throw (Include loops included)', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(tokenText(SSHD_TOKENS), fc.string({ unit: 'binary', maxLength: 300 })), async (text) => {
      const cfg = await loadSshdConfig('/etc/ssh/sshd_config', sshdSource(text));
      if (!Array.isArray(cfg.problems)) throw new Error('no problems array');
    }),
    { numRuns: Math.max(200, Math.floor(RUNS / 4)) },
  );
  t.pass();
});

const pathological: [string, string][] = [
  ['a million-character line', 'x'.repeat(1_000_000)],
  ['a million-character quoted value', `Key "${'a'.repeat(1_000_000)}`],
  ['100,000 nested braces', '{'.repeat(100_000) + '}'.repeat(100_000)],
  ['200,000 short lines', 'a b;\n'.repeat(200_000)],
  ['an unterminated comment over 1 MB', `/*${'*'.repeat(1_000_000)}`],
  ['500,000 separators', ':'.repeat(500_000)],
];

for (const p of parsers) {
  test(`${p.name}: pathological input finishes in about linear time`, (t) => {
    for (const [label, text] of pathological) {
      const t0 = Date.now();
      p.run(text);
      const ms = Date.now() - t0;
      t.true(ms < PATHOLOGICAL_BUDGET_MS, `${label}: ${ms} ms`);
    }
  });
}

test('sshd_config: pathological input finishes in about linear time', async (t) => {
  for (const [label, text] of pathological) {
    const t0 = Date.now();
    await loadSshdConfig('/etc/ssh/sshd_config', sshdSource(text));
    t.true(Date.now() - t0 < PATHOLOGICAL_BUDGET_MS, label);
  }
});
