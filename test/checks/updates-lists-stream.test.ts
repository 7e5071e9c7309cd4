// apt lists are scanned a piece at a time (issue #10: a 50 MB index read as
// one string made `hardtop check` peak at ~270 MB). The streaming scanner
// must give exactly what a whole-text scan gives, wherever the pieces are cut,
// and the plain-file reader (Host.readFrom, 1 MiB pieces) must agree with the
// decompressor path (the real zcat) on the same list.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LIST_CHUNK_BYTES, loadAptLists } from '../../checks/updates/apt-lists';
import { createLocalHost } from '../../src/host/local-host';
import { PackagesScanner, scanPackagesIndex } from '../../src/parse/apt-packages';

const EXCERPT = fs.readFileSync(path.join(__dirname, '../fixtures/apt-lists/bookworm-security-excerpt_Packages'), 'utf8');
const INRELEASE = path.join(__dirname, '../fixtures/apt-lists/deb.debian.org_debian-security_dists_bookworm-security_InRelease');

function inPieces(text: string, cuts: number[], wanted?: (n: string) => boolean) {
  const scanner = new PackagesScanner(wanted);
  let at = 0;
  for (const cut of cuts) {
    scanner.push(text.slice(at, cut));
    at = cut;
  }
  scanner.push(text.slice(at));
  return scanner.finish();
}

test('scanner: pieces cut at every size give the whole-text result (LF, CRLF, no final newline, junk stanza)', (t) => {
  const texts = [
    EXCERPT,
    EXCERPT.replace(/\n/g, '\r\n'),
    EXCERPT.trimEnd(),
    `\n\n${EXCERPT}\n\n\nVersion: 1\nArchitecture: all\n`,
    'Package: a\nVersion: 1\nArchitecture: all\n\n\n\nPackage: b\nVersion: 2\n',
  ];
  for (const text of texts) {
    const whole = scanPackagesIndex(text);
    t.true(whole.stanzas > 0);
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const cuts: number[] = [];
      for (let i = size; i < text.length; i += size) cuts.push(i);
      t.deepEqual(inPieces(text, cuts), whole, `pieces of ${size}`);
    }
    // Cuts right at each separator and each "\r".
    const special = [...text.matchAll(/\n\n|\r/g)].flatMap((m) => [m.index as number, (m.index as number) + 1]);
    t.deepEqual(inPieces(text, special), whole, 'cut at separators');
  }
  const wanted = (n: string) => n === 'openssl' || n === 'libc-bin';
  t.deepEqual(inPieces(EXCERPT, [100, 2000, 2001, 5000], wanted), scanPackagesIndex(EXCERPT, wanted));
});

test('plain lists are read in pieces and agree with the decompressor path (real zcat) on a multi-MiB list', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-lists-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  // ~3.5 pieces of stanzas, then a last line without "\n"; one stanza has a non-ASCII maintainer.
  const stanzas: string[] = [];
  for (let i = 0, size = 0; size < LIST_CHUNK_BYTES * 3.5; i++) {
    stanzas.push(`Package: pkg${i}\nVersion: 1.${i}-1\nMaintainer: Jörg Üñïcödé <j@example.org>\nArchitecture: amd64\nDescription: filler ${'x'.repeat(200)}\n`);
    size += stanzas[i].length + 1;
  }
  const text = `${stanzas.join('\n')}\nPackage: last\nVersion: 9\nArchitecture: all`;
  const lists = path.join(root, 'var/lib/apt/lists');
  fs.mkdirSync(lists, { recursive: true });
  fs.copyFileSync(INRELEASE, path.join(lists, 'deb.debian.org_debian-security_dists_bookworm-security_InRelease'));
  const plain = path.join(lists, 'deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages');
  fs.writeFileSync(plain, text);

  const wanted = new Set(['pkg0', 'pkg7', `pkg${stanzas.length - 1}`, 'last']);
  const read = async () => {
    const r = await loadAptLists(createLocalHost({ root, network: false }), wanted, `${Math.random()}`);
    t.truthy(r);
    t.deepEqual(r?.problems, []);
    return [...(r?.versions.values() ?? [])].flat().map((v) => [v.name, v.version, v.architecture, v.line]);
  };
  return (async () => {
    const streamed = await read();
    t.is(streamed.length, 4);
    t.deepEqual(streamed.at(-1), ['last', '9', 'all', text.split('\n').length - 2]);
    t.deepEqual(streamed, scanPackagesIndex(text, (n) => wanted.has(n)).versions.map((v) => [v.name, v.version, v.architecture, v.line]));
    // The same list gzip'd: read through zcat, whole.
    execFileSync('gzip', ['-9', plain]);
    t.deepEqual(await read(), streamed);
  })();
});
