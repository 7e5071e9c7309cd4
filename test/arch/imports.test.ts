// The layer rule of DESIGN.md: only src/host touches the machine; checks
// never import blessed; screens never spawn processes; core imports nothing
// outside itself but the Host *type*.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '../..');
// 'os' is not here: src/tty needs its signal-name table; machine facts still come through the Host.
const MACHINE_MODULES = ['fs', 'fs/promises', 'child_process', 'net', 'tls', 'dgram', 'http', 'https', 'systeminformation', 'openssl-wrapper'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(repo, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(rel));
    else if (/\.ts$/.test(entry.name)) out.push(rel);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(repo, file), 'utf8');
  const specs: string[] = [];
  const re = /(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3] ?? m[4]).replace(/^node:/, ''));
  return specs;
}

function violations(dirs: string[], forbidden: (spec: string, file: string) => boolean): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    for (const file of sources(dir)) {
      for (const spec of importsOf(file)) if (forbidden(spec, file)) out.push(`${file} imports ${spec}`);
    }
  }
  return out;
}

test('only src/host imports fs, child_process, net, tls, os or the system libraries', (t) => {
  const bad = violations(['src', 'checks', 'screens'], (spec, file) => !file.startsWith('src/host/') && MACHINE_MODULES.includes(spec));
  t.deepEqual(bad, []);
});

test('checks never import blessed, node-pty or screens', (t) => {
  const bad = violations(['checks'], (spec) => /^(blessed|blessed-contrib|node-pty|@xterm\/)/.test(spec) || spec.includes('screens/'));
  t.deepEqual(bad, []);
});

test('screens never spawn processes', (t) => {
  const bad = violations(['screens'], (spec) => spec === 'node-pty' || spec === 'child_process');
  t.deepEqual(bad, []);
});

test('core depends on nothing outside itself but the Host type', (t) => {
  const bad = violations(['src/core'], (spec) => spec.startsWith('.') && !spec.startsWith('./') && spec !== '../host/host');
  t.deepEqual(bad, []);
});

test('the rule itself can fail: it sees a planted import', (t) => {
  t.deepEqual(importsOf('test/arch/imports.test.ts').filter((s) => s === 'fs'), ['fs']);
});
