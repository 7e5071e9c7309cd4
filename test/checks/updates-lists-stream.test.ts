// apt lists are scanned a piece at a time (issue #10: a 50 MB index read as
// one string made `hardtop check` peak at ~270 MB). The streaming scanner
// must give exactly what a whole-text scan gives, wherever the pieces are cut,
// and the plain-file reader (Host.readFrom, LIST_CHUNK_BYTES pieces) must agree
// with the decompressor path (real zcat, xzcat, lz4cat, streamed through
// Host.execStream: the decompressed list is never collected whole either).

import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LIST_CHUNK_BYTES, loadAptLists } from '../../checks/updates/apt-lists';
import type { Host } from '../../src/host/host';
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
    // The same list gzip'd: streamed through zcat.
    execFileSync('gzip', ['-9', plain]);
    t.deepEqual(await read(), streamed);
  })();
});

/** A list of ~3.5 LIST_CHUNK_BYTES (non-ASCII maintainers), ending in a line without "\n". */
function bigList(): { text: string; last: string } {
  const stanzas: string[] = [];
  for (let i = 0, size = 0; size < LIST_CHUNK_BYTES * 3.5; i++) {
    stanzas.push(`Package: pkg${i}\nVersion: 2.${i}-1\nMaintainer: Jörg Üñïcödé <j@example.org>\nArchitecture: amd64\nDescription: filler ${'€'.repeat(60)}\n`);
    size += Buffer.byteLength(stanzas[i]) + 1;
  }
  return { text: `${stanzas.join('\n')}\nPackage: last\nVersion: 9\nArchitecture: all`, last: `pkg${stanzas.length - 1}` };
}

/** A sysroot whose lists dir holds `name` with `data`. */
function listsRoot(t: ExecutionContext, name: string, data: Buffer | string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-lists-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const lists = path.join(root, 'var/lib/apt/lists');
  fs.mkdirSync(lists, { recursive: true });
  fs.copyFileSync(INRELEASE, path.join(lists, 'deb.debian.org_debian-security_dists_bookworm-security_InRelease'));
  fs.writeFileSync(path.join(lists, name), data);
  return root;
}

/** The host, recording what is run: exec calls by program, and execStream's pieces. */
function recording(host: Host) {
  const seen = { exec: [] as string[], streamed: [] as string[], pieces: 0, largestPiece: 0 };
  const proxy = new Proxy(host, {
    get(target, prop) {
      if (prop === 'exec') {
        return (program: string, ...rest: unknown[]) => {
          seen.exec.push(program);
          return (target.exec as (...a: unknown[]) => unknown)(program, ...rest);
        };
      }
      if (prop === 'execStream') {
        return (program: string, args: string[], onText: (text: string) => void, opts: unknown) => {
          seen.streamed.push(program);
          return target.execStream(program, args, (text) => {
            seen.pieces++;
            seen.largestPiece = Math.max(seen.largestPiece, Buffer.byteLength(text));
            onText(text);
          }, opts as Parameters<Host['execStream']>[3]);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { host: proxy, seen };
}

const PACKAGES = 'deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages';

test('gz, xz and lz4 lists are streamed from their decompressor in pieces (never collected) and agree with the plain read', async (t) => {
  const { text, last } = bigList();
  const wanted = new Set(['pkg0', 'pkg5', last, 'last']);
  const versionsOf = async (root: string, spy?: ReturnType<typeof recording>) => {
    const host = spy?.host ?? createLocalHost({ root, network: false });
    const r = await loadAptLists(host, wanted, `${Math.random()}`);
    t.deepEqual(r?.problems, []);
    return [...(r?.versions.values() ?? [])].flat().map((v) => [v.name, v.version, v.architecture, v.line]);
  };
  const plain = await versionsOf(listsRoot(t, PACKAGES, text));
  t.is(plain.length, 4);
  t.deepEqual(plain, scanPackagesIndex(text, (n) => wanted.has(n)).versions.map((v) => [v.name, v.version, v.architecture, v.line]));
  for (const [ext, compress, tool] of [
    ['gz', ['gzip', '-c'], 'zcat'],
    ['xz', ['xz', '-c'], 'xzcat'],
    ['lz4', ['lz4', '-c'], 'lz4cat'],
  ] as const) {
    const compressed = execFileSync(compress[0], [compress[1]], { input: text, maxBuffer: 64 * 1024 * 1024 });
    const root = listsRoot(t, `${PACKAGES}.${ext}`, compressed);
    const spy = recording(createLocalHost({ root, network: false }));
    t.deepEqual(await versionsOf(root, spy), plain, ext);
    t.deepEqual(spy.seen.streamed, [tool], `${ext}: ${tool} streamed`);
    t.deepEqual(spy.seen.exec, [], `${ext}: nothing collected through exec`);
    t.true(spy.seen.pieces > 3, `${ext}: ${spy.seen.pieces} pieces`);
    t.true(spy.seen.largestPiece <= LIST_CHUNK_BYTES, `${ext}: a piece of ${spy.seen.largestPiece} bytes`);
  }
});

test('a compressed list cut short: the decompressor fails midway, a problem naming it, its partial versions left out', async (t) => {
  const { text } = bigList();
  const whole = execFileSync('gzip', ['-c'], { input: text, maxBuffer: 64 * 1024 * 1024 });
  const root = listsRoot(t, `${PACKAGES}.gz`, whole.subarray(0, Math.floor(whole.length / 2)));
  const r = await loadAptLists(createLocalHost({ root, network: false }), new Set(['pkg0', 'pkg1']), `${Math.random()}`);
  t.is(r?.problems.length, 1);
  t.regex(r?.problems[0].summary ?? '', new RegExp(`^cannot read /var/lib/apt/lists/${PACKAGES}\\.gz: zcat failed: `));
  t.deepEqual(r?.problems[0].evidence, [{ file: `/var/lib/apt/lists/${PACKAGES}.gz`, command: `zcat /var/lib/apt/lists/${PACKAGES}.gz` }]);
  t.is(r?.versions.size, 0, 'versions read before the failure are dropped');
});
