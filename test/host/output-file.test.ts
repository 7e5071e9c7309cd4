// writeOutputFile (`hardtop check --output FILE`): the report replaces the
// NAME atomically and never writes through a symlink, whatever is planted
// there before or during the write; the result is always ours and 0644; a
// directory other users could rewrite afterwards is refused.

import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import { put, tempDir } from './helpers';

const TEMP_NAME = /^\.hardtop-.*\.tmp$/;

/** A root-owned 0600 file the attacker wants us to overwrite, in a directory of its own. */
function victimFile(t: Parameters<typeof tempDir>[0]): { victim: string; mtimeMs: number; ino: number } {
  const victim = put(tempDir(t), 'root-only', 'precious\n');
  fs.chmodSync(victim, 0o600);
  const past = new Date('2001-01-01T00:00:00Z');
  fs.utimesSync(victim, past, past);
  const st = fs.statSync(victim);
  return { victim, mtimeMs: st.mtimeMs, ino: st.ino };
}

function assertUntouched(t: Parameters<typeof tempDir>[0], v: ReturnType<typeof victimFile>): void {
  const st = fs.statSync(v.victim);
  t.is(fs.readFileSync(v.victim, 'utf8'), 'precious\n', 'the symlink target was written');
  t.is(st.mtimeMs, v.mtimeMs, 'the symlink target was modified');
  t.is(st.ino, v.ino);
  t.is(st.mode & 0o7777, 0o600);
  t.is(st.uid, 0);
}

test('a new report file is ours, 0644, with the content, and no temp file is left', async (t) => {
  const dir = tempDir(t);
  const out = path.join(dir, 'report.json');
  await createLocalHost().writeOutputFile(out, '{"ok":true}\n');
  const st = fs.lstatSync(out);
  t.true(st.isFile());
  t.is(st.mode & 0o7777, 0o644);
  t.is(st.uid, process.geteuid!());
  t.is(st.gid, process.getegid!());
  t.is(fs.readFileSync(out, 'utf8'), '{"ok":true}\n');
  t.deepEqual(fs.readdirSync(dir).filter((n) => TEMP_NAME.test(n)), []);
});

test('a pre-existing user-owned 0666 file is replaced by a file of ours, 0644 (the user cannot forge the report)', async (t) => {
  const dir = tempDir(t);
  const out = put(dir, 'report.prom', 'forged 1\n');
  fs.chownSync(out, 1234, 1234);
  fs.chmodSync(out, 0o666);
  // A second name for the user's inode: replacing by rename never writes into it.
  const other = path.join(dir, 'hardlink');
  fs.linkSync(out, other);
  await createLocalHost().writeOutputFile(out, 'hardtop_score 80\n');
  const st = fs.lstatSync(out);
  t.is(st.uid, process.geteuid!(), 'still owned by the user: they can rewrite the report');
  t.is(st.gid, process.getegid!());
  t.is(st.mode & 0o7777, 0o644);
  t.is(st.nlink, 1);
  t.is(fs.readFileSync(out, 'utf8'), 'hardtop_score 80\n');
  t.is(fs.readFileSync(other, 'utf8'), 'forged 1\n', 'the old inode was written in place');
});

test('a symlink planted at the name beforehand is refused; its target is untouched and the link left alone', async (t) => {
  // Choice: refuse (one clear line, exit 2 in the CLI) rather than silently
  // replace the link — the admin named a path someone tampered with.
  const v = victimFile(t);
  const dir = tempDir(t);
  const out = path.join(dir, 'r.json');
  fs.symlinkSync(v.victim, out);
  const err = await t.throwsAsync(createLocalHost().writeOutputFile(out, 'REPORT\n'), { name: 'HostError' });
  t.regex(err!.message, /is a symlink; refusing to write the report there/);
  assertUntouched(t, v);
  t.true(fs.lstatSync(out).isSymbolicLink());
  t.deepEqual(fs.readdirSync(dir).filter((n) => TEMP_NAME.test(n)), []);
});

test('a directory writable by its group and not sticky is refused (someone could replace the report afterwards)', async (t) => {
  const dir = tempDir(t);
  const shared = path.join(dir, 'shared');
  fs.mkdirSync(shared);
  fs.chmodSync(shared, 0o2775); // like Debian's root:staff /usr/local
  const err = await t.throwsAsync(createLocalHost().writeOutputFile(path.join(shared, 'r.json'), 'x'), { name: 'HostError' });
  t.regex(err!.message, /shared is writable by its group and not sticky/);
  t.deepEqual(fs.readdirSync(shared), [], 'something was written');
  // Control: a sticky world-writable directory (like /tmp) is fine: others cannot remove our file there.
  const sticky = path.join(dir, 'sticky');
  fs.mkdirSync(sticky);
  fs.chmodSync(sticky, 0o1777);
  await createLocalHost().writeOutputFile(path.join(sticky, 'r.json'), 'ok\n');
  t.is(fs.readFileSync(path.join(sticky, 'r.json'), 'utf8'), 'ok\n');
});

test('a directory, a missing parent and "/" are clear errors', async (t) => {
  const dir = tempDir(t);
  fs.mkdirSync(path.join(dir, 'd'));
  const host = createLocalHost();
  const e1 = await t.throwsAsync(host.writeOutputFile(path.join(dir, 'd'), 'x'), { name: 'HostError' });
  t.regex(e1!.message, /is a directory; refusing to write the report there/);
  const e2 = await t.throwsAsync(host.writeOutputFile(path.join(dir, 'no/such/r.json'), 'x'), { name: 'HostError' });
  t.regex(e2!.message, /no\/such\/r\.json: /);
  await t.throwsAsync(host.writeOutputFile('/', 'x'), { name: 'HostError' });
});

test('race: a process swapping the name between absent and a symlink never gets the target written', async (t) => {
  const v = victimFile(t);
  const dir = tempDir(t);
  const out = path.join(dir, 'r.json');
  // The swapper: a tight symlink/unlink loop in another process, bounded in time.
  const swapper = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('fs'); const end = Date.now() + 6000;
       process.stdout.write('go\\n');
       while (Date.now() < end) {
         try { fs.symlinkSync(${JSON.stringify(v.victim)}, ${JSON.stringify(out)}); } catch {}
         try { fs.unlinkSync(${JSON.stringify(out)}); } catch {}
       }`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.teardown(() => {
    swapper.kill('SIGKILL');
  });
  await new Promise((resolve) => swapper.stdout.once('data', resolve));
  const host = createLocalHost();
  let written = 0;
  let refused = 0;
  const until = Date.now() + 3000;
  while (Date.now() < until) {
    try {
      await host.writeOutputFile(out, 'REPORT\n');
      written++;
    } catch {
      refused++;
    }
    if (fs.readFileSync(v.victim, 'utf8') !== 'precious\n') break;
  }
  swapper.kill('SIGKILL');
  t.log(`${written} written, ${refused} refused`);
  t.true(written + refused > 50, 'too few attempts to say anything');
  assertUntouched(t, v);
});
