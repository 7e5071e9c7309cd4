// Host.sshConnection on real processes: a chain of shells, some holding
// SSH_CONNECTION, with a node at the bottom that creates a local host and
// prints what it finds. Each chain runs in a fresh PID namespace (its own
// /proc), so the walk ends at that namespace's PID 1 and never reaches the
// SSH session the tests themselves may run in.

import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import { tempDir } from './helpers';

const repo = path.resolve(__dirname, '../..');

function canUnshare(): boolean {
  try {
    execFileSync('/usr/bin/unshare', ['--pid', '--fork', '--mount-proc', '/bin/true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const withNamespace = canUnshare() ? test : test.skip;

const A = '203.0.113.9 5555 192.0.2.1 22';
const B = '198.51.100.4 6000 192.0.2.1 22';

/** One process of the chain: a shell with `env` changes that runs the rest as its CHILD (no exec). */
function level(envArgs: string[], rest: string[]): string[] {
  return ['/usr/bin/env', ...envArgs, '/bin/sh', '-c', '"$@"; exit $?', 'sh', ...rest];
}

interface Seen {
  result: { value: string; from: string; pid?: number } | null;
  ppid: number;
  grandparent: number;
}

/**
 * Run `levels` (outermost first) above a node that prints host.sshConnection()
 * of createLocalHost({ root }). The node itself gets `own` (or no SSH_CONNECTION).
 */
function chain(t: ExecutionContext, levels: string[][], own: string | null, root = '/'): Seen {
  const dir = tempDir(t, 'hardtop-sshconn-');
  const script = path.join(dir, 'print.ts');
  fs.writeFileSync(
    script,
    `import * as fs from 'node:fs';
import { createLocalHost } from ${JSON.stringify(path.join(repo, 'src/host/local-host'))};
const grandparent = Number(fs.readFileSync('/proc/' + process.ppid + '/stat', 'utf8').split(') ')[1]!.split(' ')[1]);
createLocalHost({ root: ${JSON.stringify(root)} }).sshConnection().then((result) => process.stdout.write(JSON.stringify({ result, ppid: process.ppid, grandparent })));
`,
  );
  let argv = ['/usr/bin/env', ...(own === null ? ['-u', 'SSH_CONNECTION'] : [`SSH_CONNECTION=${own}`]), process.execPath, '--import=tsx', script];
  for (const envArgs of [...levels].reverse()) argv = level(envArgs, argv);
  // PID 1 of the namespace is a plain shell without the variable: the chain hangs below it.
  argv = ['/usr/bin/unshare', '--pid', '--fork', '--mount-proc', ...level([], argv)];
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: repo, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, encoding: 'utf8', timeout: 30_000 });
  t.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Seen;
}

withNamespace('sudo dropped it: the parent shell\'s SSH_CONNECTION is found, with its pid', (t) => {
  const seen = chain(t, [[`SSH_CONNECTION=${A}`]], null);
  t.deepEqual(seen.result, { value: A, from: 'ancestor', pid: seen.ppid });
});

withNamespace('the nearest ancestor wins, past one that has none (sudo itself after env_reset)', (t) => {
  const seen = chain(t, [[`SSH_CONNECTION=${A}`], [`SSH_CONNECTION=${B}`], ['-u', 'SSH_CONNECTION']], null);
  t.deepEqual(seen.result, { value: B, from: 'ancestor', pid: seen.grandparent });
});

withNamespace('no ancestor has it: null', (t) => {
  t.is(chain(t, [['-u', 'SSH_CONNECTION'], ['-u', 'SSH_CONNECTION']], null).result, null);
});

withNamespace('an ancestor\'s malformed value: null', (t) => {
  t.is(chain(t, [[`SSH_CONNECTION=${A}`], ['SSH_CONNECTION=not an ssh connection']], null).result, null);
});

withNamespace('our own value wins over the ancestors\'', (t) => {
  t.deepEqual(chain(t, [[`SSH_CONNECTION=${A}`]], B).result, { value: B, from: 'env' });
});

withNamespace('under --root no process is looked at: only our own environment counts', (t) => {
  const root = tempDir(t, 'hardtop-sshconn-root-');
  t.is(chain(t, [[`SSH_CONNECTION=${A}`]], null, root).result, null);
  t.deepEqual(chain(t, [[`SSH_CONNECTION=${A}`]], B, root).result, { value: B, from: 'env' });
});

test('an explicit env map is the whole environment: no ancestor walk', async (t) => {
  t.is(await createLocalHost({ env: {} }).sshConnection(), null);
  t.is(createLocalHost({ env: { A: '1' } }).env('PATH'), undefined);
  t.deepEqual(await createLocalHost({ env: { SSH_CONNECTION: A } }).sshConnection(), { value: A, from: 'env' });
});
