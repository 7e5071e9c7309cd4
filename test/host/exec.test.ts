// exec(): the right binary, a clean environment, no shell, bounded in time and
// output, and the whole process group killed — never a rejection.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import { cleanEnvironment } from '../../src/host/run-program';
import { findTrustedProgram } from '../../src/host/trusted-program';
import { processGone, tempDir, trustedBase, waitFor } from './helpers';

// Serial tests run before the concurrent ones in ava: mutating process.env is safe here.

test.serial('a program planted first in $PATH is never run: the trusted /usr/bin one is', async (t) => {
  // Planted where the ownership checks would accept it (root-owned, 0755 all
  // the way up): only "search the fixed system dirs, never $PATH" stops it.
  const dir = path.join(trustedBase(t), 'bin');
  fs.mkdirSync(dir, { mode: 0o755 });
  const marker = path.join(dir, 'fake-ran');
  fs.writeFileSync(path.join(dir, 'id'), `#!/bin/sh\ntouch ${marker}\necho FAKE\n`, { mode: 0o755 });
  const oldPath = process.env.PATH;
  process.env.PATH = `${dir}:${oldPath}`;
  t.teardown(() => {
    process.env.PATH = oldPath;
  });
  t.true((await findTrustedProgram('id', [dir])).ok, 'precondition: the planted id would pass the ownership checks');
  const host = createLocalHost();
  const realId = fs.realpathSync('/usr/bin/id');
  t.is(await host.which('id'), realId);
  const r = await host.exec('id', ['-u']);
  t.is(r.program, realId);
  t.deepEqual(r.argv, ['id', '-u']);
  t.is(r.stdout.trim(), String(process.geteuid!()));
  t.is(r.exitCode, 0);
  t.false(fs.existsSync(marker), 'the planted program ran');
});

test.serial('LD_PRELOAD, BASH_ENV, IFS and friends in our environment never reach the child', async (t) => {
  const poison: Record<string, string> = {
    LD_PRELOAD: '/nonexistent/evil.so',
    LD_LIBRARY_PATH: '/nonexistent/lib',
    BASH_ENV: '/nonexistent/bashenv',
    ENV: '/nonexistent/env',
    IFS: 'x',
    PYTHONPATH: '/nonexistent/py',
    PERL5LIB: '/nonexistent/perl',
    HARDTOP_TEST_SECRET: 'leak',
  };
  const saved = Object.fromEntries(Object.keys(poison).map((k) => [k, process.env[k]]));
  Object.assign(process.env, poison);
  t.teardown(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const r = await createLocalHost().exec('env', [], { env: { EXTRA: 'yes' } });
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stderr, '', 'ld.so complained: LD_PRELOAD reached the child');
  const vars = Object.fromEntries(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  t.deepEqual(vars, { PATH: cleanEnvironment().PATH, LC_ALL: 'C', LANG: 'C', EXTRA: 'yes' });
});

test('arguments are passed as argv, never through a shell', async (t) => {
  const r = await createLocalHost().exec('echo', ['$(id)', ';', 'rm -rf /', '*', '`id`']);
  t.is(r.stdout, '$(id) ; rm -rf / * `id`\n');
});

test('a timeout kills the child AND its grandchildren (the whole process group)', async (t) => {
  const started = Date.now();
  const r = await createLocalHost().exec('sh', ['-c', 'sleep 100 & echo $!; sleep 100'], { timeoutMs: 300 });
  t.true(r.timedOut);
  t.is(r.signal, 'SIGTERM');
  t.is(r.exitCode, null);
  t.true(Date.now() - started < 30_000, 'killed at its timeout, not after the 100 s sleep');
  const grandchild = Number(r.stdout.trim());
  t.true(grandchild > 1, `no pid in ${JSON.stringify(r.stdout)}`);
  t.true(await waitFor(() => processGone(grandchild), 15_000), `grandchild ${grandchild} survived the timeout`);
});

test('a group that ignores SIGTERM gets SIGKILL about a second later', async (t) => {
  const started = Date.now();
  const r = await createLocalHost().exec('sh', ['-c', 'trap "" TERM; sleep 100 & echo $!; wait'], { timeoutMs: 200 });
  const took = Date.now() - started;
  t.true(r.timedOut);
  t.is(r.signal, 'SIGKILL');
  t.true(took >= 1000 && took < 30_000, `took ${took} ms`);
  const grandchild = Number(r.stdout.trim());
  t.true(await waitFor(() => processGone(grandchild), 15_000), `grandchild ${grandchild} survived SIGKILL`);
});

test('output past the cap is cut, the process killed, and truncated set', async (t) => {
  const started = Date.now();
  const r = await createLocalHost().exec('yes', [], { maxOutputBytes: 1000 });
  t.true(r.truncated);
  t.false(r.timedOut);
  t.is(r.stdout.length, 1000);
  t.true(r.stdout.startsWith('y\ny\n'));
  t.true(Date.now() - started < 5000);
});

test('an AbortSignal stops the program like a timeout; an aborted signal never starts one', async (t) => {
  const host = createLocalHost();
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const started = Date.now();
  const r = await host.exec('sleep', ['100'], { signal: controller.signal });
  t.true(r.timedOut);
  t.true(Date.now() - started < 30_000, 'aborted, not after the 100 s sleep');
  const pre = await host.exec('sleep', ['100'], { signal: AbortSignal.abort() });
  t.truthy(pre.spawnError);
  t.is(pre.exitCode, null);
});

test('stdin gets opts.input, or is closed at once (cat does not wait)', async (t) => {
  const host = createLocalHost();
  t.is((await host.exec('cat', [], { input: 'hello\n' })).stdout, 'hello\n');
  const r = await host.exec('cat', [], { timeoutMs: 3000 });
  t.false(r.timedOut);
  t.is(r.exitCode, 0);
  t.is(r.stdout, '');
});

test('exit codes, stderr and cwd come through', async (t) => {
  const dir = fs.realpathSync(tempDir(t));
  const host = createLocalHost();
  const r = await host.exec('sh', ['-c', 'echo oops >&2; exit 3']);
  t.is(r.exitCode, 3);
  t.is(r.stderr, 'oops\n');
  t.is((await host.exec('pwd', [], { cwd: dir })).stdout.trim(), dir);
});

test('failures to start come back as spawnError, never as a rejection', async (t) => {
  const host = createLocalHost();
  const missing = await host.exec('hardtop-no-such-program', ['x']);
  t.regex(missing.spawnError ?? '', /not found/);
  t.is(missing.exitCode, null);
  t.is(await host.which('hardtop-no-such-program'), null);
  const pathy = await host.exec('/bin/sh', ['-c', 'id']);
  t.regex(pathy.spawnError ?? '', /bare program name/);
  const badCwd = await host.exec('true', [], { cwd: '/nonexistent/dir' });
  t.truthy(badCwd.spawnError);
  const nul = await host.exec('echo', ['a\0b']);
  t.truthy(nul.spawnError);
});

test('a background process still holding our pipes does not stall the result', async (t) => {
  const started = Date.now();
  const r = await createLocalHost().exec('sh', ['-c', 'sleep 30 & echo $!']);
  const straggler = Number(r.stdout.trim());
  t.teardown(() => {
    try {
      process.kill(straggler, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  t.is(r.exitCode, 0);
  t.false(r.timedOut);
  t.true(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
});
