// What our children inherit from us: a PATH made only of directories that
// pass the trusted-program ownership checks, and no life after ours (a dead
// hardtop takes its process groups with it).

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import { cleanEnvironment } from '../../src/host/run-program';
import { TRUSTED_DIRS, trustedSearchPath } from '../../src/host/trusted-program';
import { processGone, tempDir, trustedBase, waitFor } from './helpers';

const repo = path.resolve(__dirname, '../..');

function dir(base: string, name: string, mode = 0o755): string {
  const d = path.join(base, name);
  fs.mkdirSync(d);
  fs.chmodSync(d, mode);
  return d;
}

test('the child PATH keeps only directories that pass the ownership checks', (t) => {
  const base = trustedBase(t);
  const good = dir(base, 'good');
  const staff = dir(base, 'staff', 0o2775); // Debian's root:staff /usr/local: group-writable
  const world = dir(base, 'world', 0o1777);
  const users = dir(base, 'users');
  fs.chownSync(users, 1234, 0);
  const inTmp = tempDir(t); // fine itself, but /tmp above it is world-writable
  const missing = path.join(base, 'missing');
  const good2 = dir(base, 'good2');
  const dirs = [good, staff, world, users, inTmp, missing, good2];
  t.is(trustedSearchPath(dirs), `${good}:${good2}`);
  t.is(cleanEnvironment({}, dirs).PATH, `${good}:${good2}`);
});

test('a link in the list is judged by where it lands', (t) => {
  const base = trustedBase(t);
  const staff = dir(base, 'staff', 0o2775);
  const viaLink = path.join(base, 'link');
  fs.symlinkSync(staff, viaLink);
  t.is(trustedSearchPath([viaLink]), '');
  const good = dir(base, 'good');
  const goodLink = path.join(base, 'goodlink');
  fs.symlinkSync(good, goodLink);
  t.is(trustedSearchPath([goodLink]), goodLink, 'the name given is kept (argv[0] / PATH look as usual)');
});

test('the real PATH children get (exec and the embedded terminal) is the checked list, computed once', async (t) => {
  const expected = trustedSearchPath(TRUSTED_DIRS);
  for (const d of expected.split(':').filter(Boolean)) t.true(TRUSTED_DIRS.includes(d), d);
  t.is(cleanEnvironment().PATH, expected);
  const host = createLocalHost();
  const r = await host.exec('sh', ['-c', 'printf %s "$PATH"']);
  t.is(r.stdout, expected);
  const pty = await host.ptySpawn('sh', []);
  t.is(pty?.env.PATH, expected);
  t.is(trustedSearchPath(), trustedSearchPath(), 'cached');
});

test('children still running when hardtop exits are killed with it (their own process groups included)', async (t) => {
  const work = tempDir(t);
  const pidFile = path.join(work, 'pid');
  const script = path.join(work, 'dies.ts');
  fs.writeFileSync(
    script,
    `import * as fs from 'node:fs';
import { createLocalHost } from ${JSON.stringify(path.join(repo, 'src/host/local-host'))};
// "exec sleep": the pid written is the sleep's own.
void createLocalHost().exec('sh', ['-c', ${JSON.stringify(`echo $$ > ${pidFile}; exec sleep 100`)}]);
const poll = (): void => {
  if (fs.existsSync(${JSON.stringify(pidFile)}) && fs.readFileSync(${JSON.stringify(pidFile)}, 'utf8').trim() !== '') process.exit(0);
  else setTimeout(poll, 20);
};
poll();
`,
  );
  execFileSync(process.execPath, ['--import=tsx', script], { cwd: repo, timeout: 20_000, stdio: ['ignore', 'inherit', 'inherit'] });
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  t.true(pid > 1);
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  });
  t.true(await waitFor(() => processGone(pid), 15_000), `sleep ${pid} outlived hardtop`);
});
