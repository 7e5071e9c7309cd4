// The parsers of reboot.stale-services and updates.pending.* meet untrusted
// text: apt lists come from mirrors, maps paths from any user's file names.
// No input may make them throw, and their line numbers stay inside the input.
// Inputs: random text, and real files with random edits (the interesting
// failures sit one character away from a valid file). HARDTOP_FUZZ_RUNS
// raises the count.

import test from 'ava';
import * as fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanPackagesIndex } from '../../src/parse/apt-packages';
import { expressionMatches, parseAptPreferences } from '../../src/parse/apt-preferences';
import { parseRelease } from '../../src/parse/apt-release';
import { cgroupOwner, parseProcMaps, staleCodeMappings } from '../../src/parse/proc-maps';

const RUNS = Number(process.env.HARDTOP_FUZZ_RUNS ?? 2000);
const FIX = path.join(__dirname, '..', 'fixtures');
const REAL = [
  fs.readFileSync(path.join(FIX, 'apt-lists/deb.debian.org_debian-security_dists_bookworm-security_InRelease'), 'utf8').slice(0, 3000),
  fs.readFileSync(path.join(FIX, 'apt-lists/bookworm-security-excerpt_Packages'), 'utf8'),
  fs.readFileSync(path.join(FIX, 'roots/deb12-pending/etc/apt/preferences.d/kernel-hold'), 'utf8'),
  fs.readFileSync(path.join(FIX, 'roots/proc-stale/proc/410/maps'), 'utf8'),
  fs.readFileSync(path.join(FIX, 'roots/proc-stale/proc/900/cgroup'), 'utf8'),
];

const ALPHABET = ['\n', '\r', ' ', '\t', ':', '-', '=', ',', '"', '/', '*', '[', ']', '(', ')', 'a', 'Z', '0', '9', '~', '+', '.', '#', '\u00e9'];

const mutated = fc
  .tuple(fc.constantFrom(...REAL), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...ALPHABET), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 8 }))
  .map(([text, edits]) => {
    const chars = [...text];
    for (const [at, c, op] of edits) {
      const i = at % (chars.length + 1);
      if (op === 'set' && i < chars.length) chars[i] = c;
      else if (op === 'insert') chars.splice(i, 0, c);
      else if (op === 'delete' && i < chars.length) chars.splice(i, 1);
    }
    return chars.join('');
  });

const anyText = fc.oneof(fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 400 }), fc.string({ maxLength: 200 }), mutated);

function lines(text: string): number {
  return text.split('\n').length;
}

test('apt lists and preferences: no input throws; reported lines are inside the input', (t) => {
  fc.assert(
    fc.property(anyText, (text) => {
      const r = parseRelease(text);
      if (!r.ok && (r.error.line < 1 || r.error.line > lines(text))) throw new Error(`release line ${r.error.line}`);
      const p = scanPackagesIndex(text);
      for (const x of [...p.versions, ...p.errors]) if (x.line < 1 || x.line > lines(text)) throw new Error(`packages line ${x.line}`);
      const prefs = parseAptPreferences(text, '/etc/apt/preferences');
      for (const x of [...prefs.pins, ...prefs.errors]) if (x.line < 1 || x.line > lines(text)) throw new Error(`preferences line ${x.line}`);
      for (const pin of prefs.pins) for (const name of pin.packages) expressionMatches(name, 'openssl');
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('proc maps and cgroup: no input throws; stale paths come from the input', (t) => {
  fc.assert(
    fc.property(anyText, (text) => {
      const entries = parseProcMaps(text);
      for (const p of staleCodeMappings(entries, { ignorePrefixes: ['/memfd:'], ignorePatterns: ['/#\\d+$'] })) if (!text.includes(p)) throw new Error(`invented path ${p}`);
      cgroupOwner(text);
    }),
    { numRuns: RUNS },
  );
  t.pass();
});
