// Reading a fleet directory through the real Host (src/cli/fleet-command.ts):
// what lands in DIR is untrusted, so links, FIFOs, huge files and hard links
// become "unreadable" rows instead of being followed, hanging or eating memory.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFleet, FLEET_MAX_FILE_BYTES } from '../../src/core/fleet';
import { formatJson } from '../../src/core/report';
import { createLocalHost } from '../../src/host/local-host';
import { loadFleetDir, readFleetDir } from '../../src/cli/fleet-command';
import { generateFleet, writeFleet } from '../helpers/fleet-reports';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-fleet-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const host = createLocalHost({ root: '/' });

test('links, FIFOs, huge files and hard links are listed as unreadable; dot files and subdirectories are skipped', async (t) => {
  const dir = tempDir(t);
  const outside = tempDir(t);
  const [good, other] = generateFleet(2);
  fs.writeFileSync(path.join(dir, 'good.json'), formatJson(good));
  fs.writeFileSync(path.join(outside, 'other.json'), formatJson(other));
  fs.symlinkSync(path.join(outside, 'other.json'), path.join(dir, 'link.json'));
  fs.symlinkSync('/etc/shadow', path.join(dir, 'shadow.json'));
  execFileSync('mkfifo', [path.join(dir, 'fifo.json')]);
  fs.writeFileSync(path.join(dir, 'huge.json'), Buffer.alloc(FLEET_MAX_FILE_BYTES + 1, 0x20));
  fs.writeFileSync(path.join(outside, 'secret'), formatJson(other));
  fs.linkSync(path.join(outside, 'secret'), path.join(dir, 'hardlink.json'));
  fs.writeFileSync(path.join(dir, '.partial.json'), '{"schema"');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'nested.json'), formatJson(other));

  const read = await readFleetDir(host, dir);
  if ('error' in read) return t.fail(read.error);
  const model = buildFleet(read.inputs);
  t.deepEqual(model.hosts.map((h) => h.file), ['good.json']);
  const byFile = Object.fromEntries(model.problems.map((p) => [p.file, `${p.kind}: ${p.message}`]));
  t.deepEqual(Object.keys(byFile).sort(), ['fifo.json', 'hardlink.json', 'huge.json', 'link.json', 'shadow.json']);
  t.regex(byFile['link.json'], /^unreadable: a symbolic link: not followed/);
  t.regex(byFile['shadow.json'], /^unreadable: a symbolic link/);
  t.regex(byFile['fifo.json'], /^unreadable: not a regular file \(fifo\)/);
  t.regex(byFile['huge.json'], /^unreadable: larger than 4 MiB/);
  t.regex(byFile['hardlink.json'], /^unreadable: .*hard link/);
});

test('past the total byte budget, the remaining files are listed as not read', async (t) => {
  const dir = tempDir(t);
  const reports = generateFleet(10);
  writeFleet(dir, reports);
  const size = fs.statSync(path.join(dir, 'host-0001.json')).size;
  // Room for about four reports.
  const read = await readFleetDir(host, dir, Math.floor(size * 4.5));
  if ('error' in read) return t.fail(read.error);
  const model = buildFleet(read.inputs);
  t.true(model.hosts.length >= 3 && model.hosts.length <= 5, `${model.hosts.length} read`);
  t.is(model.hosts.length + model.problems.length, 10);
  t.true(model.problems.every((p) => p.kind === 'unreadable' && /^not read: the directory holds more than/.test(p.message)));
});

test('a directory that does not exist is an error, not a crash', async (t) => {
  const r = await loadFleetDir(host, '/nonexistent/hardtop-fleet');
  t.true('error' in r);
});

test('1,000 reports on disk: read and modelled quickly', async (t) => {
  const dir = tempDir(t);
  writeFleet(dir, generateFleet(1000));
  const t0 = performance.now();
  const model = await loadFleetDir(host, dir);
  const ms = performance.now() - t0;
  if ('error' in model) return t.fail(model.error);
  t.is(model.hosts.length, 1000);
  t.is(model.problems.length, 0);
  // About 0.3 s here; the bound only catches something badly wrong (serial, quadratic).
  t.true(ms < 10_000, `loading took ${ms} ms`);
  t.log(`1,000 reports loaded in ${Math.round(ms)} ms`);
});

test('the same fleet as ansible --tree files reads the same', async (t) => {
  const dir = tempDir(t);
  const reports = generateFleet(50);
  writeFleet(dir, reports, 'ansible');
  const model = await loadFleetDir(host, dir);
  if ('error' in model) return t.fail(model.error);
  t.is(model.hosts.length, 50);
  t.true(model.hosts.every((h) => h.source === 'ansible'));
  const byName = new Map(model.hosts.map((h) => [h.name, h.score]));
  for (const r of reports) t.is(byName.get(r.host.hostname), r.summary.score);
});
