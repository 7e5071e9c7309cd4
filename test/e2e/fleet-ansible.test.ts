// A REAL ansible run (Debian package ansible-core), connection local, makes
// the --tree directory the fleet view reads: `ansible … -m command -a
// 'hardtop check --format json …' --tree DIR`, one host per fixture root,
// plus a host whose run fails and one ansible cannot reach (ssh to a closed
// port on 127.0.0.1). Nothing leaves this machine.

import test from 'ava';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadFleetDir } from '../../src/cli/fleet-command';
import { createLocalHost } from '../../src/host/local-host';
import { freePort } from '../helpers/nginx';
import { reportProblems } from '../helpers/report-schema';
import { startTui } from '../helpers/tui';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
const roots = path.join(repo, 'test/fixtures/roots');
const ANSIBLE = ['/usr/bin/ansible'].find((p) => fs.existsSync(p)) ?? null;

const FIXTURES: Record<string, string> = { web1: 'deb12-auto-off', web2: 'ssh-hardened', shop: 'tls-weak' };

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

test('ansible --tree output of hardtop check: the fleet reads every host, a failed run and an unreachable host', async (t) => {
  t.truthy(ANSIBLE, 'ansible is installed (Debian package ansible-core)');
  if (!ANSIBLE) return;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-ansible-'));
  t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));
  const tree = path.join(work, 'tree');
  const closedPort = await freePort();
  const inventory = [
    ...Object.entries(FIXTURES).map(([name, fixture]) => `${name} ansible_connection=local fixture=${path.join(roots, fixture)}`),
    'broken ansible_connection=local fixture=/nonexistent/hardtop-root',
    `down ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=${closedPort} ansible_user=nobody fixture=/`,
  ].join('\n');
  fs.writeFileSync(path.join(work, 'inventory'), inventory + '\n');
  // ansible's own state in the temp dir, not in ~/.ansible; no user config read.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_CONFIG: path.join(work, 'ansible.cfg'),
    ANSIBLE_HOME: path.join(work, 'home'),
    ANSIBLE_LOCAL_TEMP: path.join(work, 'local-tmp'),
    ANSIBLE_REMOTE_TEMP: path.join(work, 'remote-tmp'),
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_SSH_ARGS: '-o ConnectTimeout=5 -F /dev/null',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
  };
  fs.writeFileSync(env.ANSIBLE_CONFIG!, '[defaults]\n');
  const command = `${process.execPath} ${bin} check --format json --root {{ fixture }} --no-network`;
  const r = await run(ANSIBLE, ['all', '-i', path.join(work, 'inventory'), '-m', 'command', '-a', command, '--tree', tree], env);
  // 2: some host failed (check exits 1 on a failing check; "broken" exits 2); 4: a host was unreachable.
  t.true(r.code !== null && r.code !== 0, `ansible exit ${r.code}\n${r.stderr}`);
  t.deepEqual(fs.readdirSync(tree).sort(), ['broken', 'down', 'shop', 'web1', 'web2'], r.stdout + r.stderr);

  // The reports inside are reports the tests produce: they validate.
  for (const name of Object.keys(FIXTURES)) {
    const result = JSON.parse(fs.readFileSync(path.join(tree, name), 'utf8'));
    t.true(result.rc === 0 || result.rc === 1, `${name}: rc ${result.rc}`);
    t.deepEqual(reportProblems(result.stdout), [], name);
  }

  const model = await loadFleetDir(createLocalHost({ root: '/' }), tree);
  if ('error' in model) return t.fail(model.error);
  t.deepEqual(model.hosts.map((h) => h.name).sort(), ['shop', 'web1', 'web2']);
  for (const h of model.hosts) {
    t.is(h.source, 'ansible');
    t.is(h.root, path.join(roots, FIXTURES[h.name]));
    t.true(h.checks.length > 0);
  }
  for (let i = 1; i < model.hosts.length; i++) t.true(model.hosts[i - 1].score <= model.hosts[i].score);
  const problems = Object.fromEntries(model.problems.map((p) => [p.name, p]));
  t.deepEqual(Object.keys(problems).sort(), ['broken', 'down']);
  t.is(problems.broken.kind, 'run-failed');
  t.regex(problems.broken.message, /exit 2.*no such directory/);
  t.is(problems.down.kind, 'unreachable', fs.readFileSync(path.join(tree, 'down'), 'utf8'));
  t.regex(problems.down.message, /ansible could not reach the host/);

  // And the view shows it.
  const tui = startTui({ cmd: process.execPath, args: [bin, 'fleet', tree], cols: 120, rows: 30 });
  t.teardown(() => tui.dispose());
  await tui.waitForText('3 hosts · 2 unusable files');
  await tui.waitForText(/down\s+unreachable: ansible could not reach the host/);
  await tui.waitForText(/broken\s+run failed: hardtop printed no report \(exit 2\)/);
  for (const name of Object.keys(FIXTURES)) await tui.waitForText(new RegExp(`\\d+\\s+${name}\\b`));
  tui.press('/web1');
  await tui.waitForText('filter "web1": 1 of 5');
  tui.key('enter');
  await tui.waitForText('Enter findings');
  tui.key('enter');
  await tui.waitForText('web1 — findings');
  await tui.waitForText('ansible --tree web1');
  tui.press('q');
  await tui.waitForNoText('— findings');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});
