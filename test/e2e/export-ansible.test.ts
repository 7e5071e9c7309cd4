// `hardtop export ansible` against REAL ansible-core (Debian package
// ansible-core): connection local, no facts, Ansible's state in temp dirs,
// every playbook run on a private copy of a fixture root through
// -e hardtop_root=COPY. This machine's /etc is never written: the one test
// that runs with hardtop_root=/ does so in a private mount namespace where
// /etc is read-only and /etc/ssh is the sysroot's.
//
// What each test proves:
// - the first run changes what the fixes need and `hardtop check --root`
//   then passes the checks those fixes verify; a second run changes nothing
//   (PLAY RECAP changed=0); `--check --diff` on a fresh copy changes nothing
//   on disk (a byte, mode and owner snapshot of the whole tree);
// - lockout-risk fixes only run when asked;
// - a file that is not what the plan saw stops the play, and a validator that
//   refuses the new text leaves the file as it was;
// - hostile file content (Jinja, YAML breakers, escape sequences) is written
//   as text, never evaluated, and never reaches the terminal raw.

import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { catalog } from '../../checks/index';
import { exportAnsible, writeExport } from '../../src/cli/export-command';
import { main } from '../../src/cli/main';
import { buildAnsibleExport } from '../../src/export/ansible';
import type { Finding, Plan, Report } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { copyRoot, ensurePrivsepDir } from '../checks/ssh-server-helpers';
import { canRunRealSshd, sshRoot, type RootUser } from '../helpers/sshd';
import { ANSIBLE_PLAYBOOK, ansibleEnv, loadOne, plain, runPlaybook, snapshotTree, type PlaybookRun } from '../export/ansible-helpers';

const withAnsible = ANSIBLE_PLAYBOOK ? test : test.skip;
const withAnsibleAndSshd = ANSIBLE_PLAYBOOK && canRunRealSshd ? test : test.skip;

const ALICE_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss alice@laptop';
const alice: RootUser = { name: 'alice', uid: 1000, gid: 1000, keys: [ALICE_KEY], groups: ['sudo'] };
const DEBIAN_LIKE = `# Debian-like
Include /etc/ssh/sshd_config.d/*.conf
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM yes
Ciphers aes128-cbc,aes128-ctr
MACs hmac-sha1,hmac-sha2-256-etm@openssh.com
Subsystem sftp /usr/lib/openssh/sftp-server
`;

function tempDir(t: { teardown(fn: () => void): void }, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The CLI in-process, as bin/hardtop runs it. */
async function hardtop(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: false } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WritableStream,
    stdinIsTTY: false,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

async function checkReport(root: string, only?: string): Promise<Report> {
  const r = await hardtop(['check', '--format', 'json', '--no-network', '--root', root, ...(only ? ['--only', only] : [])]);
  return JSON.parse(r.stdout) as Report;
}

/** The checks the exported fixes claim to fix (Fix.verifies): none may fail or error after the playbook. */
function notFixed(report: Report, fixIds: string[]): string[] {
  const ids = new Set(fixIds.flatMap((id) => catalog.fixes.find((f) => f.id === id)?.verifies ?? []));
  return report.checks.filter((c: Finding) => ids.has(c.id) && (c.status === 'fail' || c.status === 'error')).map((c) => `${c.id}: ${c.status} ${c.summary}`);
}

function ok(t: ExecutionContext, run: PlaybookRun, what: string): NonNullable<PlaybookRun['recap']> {
  t.is(run.code, 0, `${what}\n${run.output}`);
  if (!run.recap) throw new Error(`${what}: no PLAY RECAP\n${run.output}`);
  t.is(run.recap.failed, 0, run.output);
  return run.recap;
}

/** The fixture host as an admin over SSH (sudo -E keeps these): the ssh lockout guard has someone to name. */
function adminHost(root: string): Host {
  const env: Record<string, string> = { SSH_CONNECTION: '192.0.2.7 50000 192.0.2.1 22', SUDO_USER: 'alice' };
  // The env map is the whole environment: no SSH_CONNECTION of the test's own session leaks in (nor an ancestor's).
  return createLocalHost({ root, network: false, env });
}

/**
 * Export from one copy, then: --check --diff on a fresh copy changes nothing,
 * the first real run changes something and the checks pass, a second run changes nothing.
 */
async function roundTrip(t: ExecutionContext, fixture: string, expectExported: string[]): Promise<{ out: string; root: string; env: NodeJS.ProcessEnv }> {
  const root = copyRoot(t, fixture);
  const out = tempDir(t, 'hardtop-export-');
  const exp = await hardtop(['export', 'ansible', '--root', root, '--out', out, '--no-network']);
  t.is(exp.code, 0, exp.stderr);
  t.false(exp.stdout.includes('\x1b'));
  const site = path.join(out, 'site.yml');
  const tasksText = fs.readFileSync(path.join(out, 'roles/hardtop/tasks/main.yml'), 'utf8');
  for (const id of expectExported) t.true(tasksText.includes(`- "${id}"`), `${id} is exported\n${exp.stdout}`);
  t.false(tasksText.includes('ansible.builtin.shell'), 'never a shell string');
  t.false(fs.readFileSync(site, 'utf8').includes('\x1b'));
  const env = ansibleEnv(t);

  // --check --diff on a FRESH copy: it reports what it would change, and changes nothing.
  const fresh = copyRoot(t, fixture);
  const before = snapshotTree(fresh);
  const dry = await runPlaybook(env, site, fresh, ['--check', '--diff']);
  t.true(ok(t, dry, 'check mode').changed > 0, 'check mode reports the changes it would make');
  t.deepEqual(snapshotTree(fresh), before, '--check --diff changed nothing on disk');

  const first = ok(t, await runPlaybook(env, site, root), 'first run');
  t.true(first.changed > 0);
  t.deepEqual(notFixed(await checkReport(root), expectExported), [], 'the checks the exported fixes verify pass');
  const second = await runPlaybook(env, site, root);
  t.is(ok(t, second, 'second run').changed, 0, `idempotent: a second run changes nothing\n${second.output}`);
  return { out, root, env };
}

withAnsible('deb12-auto-off: apt settings, the reboot policy and the timers (offline systemctl --root); idempotent; --check changes nothing', async (t) => {
  t.timeout(180_000);
  const { root } = await roundTrip(t, 'deb12-auto-off', ['updates.enable-unattended', 'updates.enable-timers', 'reboot.set-policy']);
  const report = await checkReport(root);
  for (const id of ['updates.auto.enabled', 'updates.auto.timers', 'reboot.policy']) t.is(report.checks.find((c) => c.id === id)?.status, 'pass', id);
});

withAnsible('rkh-default: two fixes rewriting /etc/default/rkhunter are one write; sh -n and grep run for real', async (t) => {
  t.timeout(180_000);
  const { out, root } = await roundTrip(t, 'rkh-default', ['rkhunter.apt-autogen', 'rkhunter.schedule']);
  const text = fs.readFileSync(path.join(root, 'etc/default/rkhunter'), 'utf8');
  t.regex(text, /^APT_AUTOGEN="true"$/m);
  t.regex(text, /^CRON_DAILY_RUN="yes"$/m);
  const tasks = plain(loadOne(fs.readFileSync(path.join(out, 'roles/hardtop/tasks/main.yml'), 'utf8'))) as Record<string, any>[];
  const block = tasks.find((x) => x.tags?.includes('rkhunter.schedule'))!;
  t.true(block.tags.includes('rkhunter.apt-autogen'), 'one block for both');
  t.is(block.block.filter((x: Record<string, unknown>) => x['ansible.builtin.copy']).length, 1);
});

withAnsible('ssh.server.harden: skipped unless hardtop_allow_lockout_risk=true; then the ssh checks pass, and a second run changes nothing', async (t) => {
  t.timeout(180_000);
  const root = sshRoot(t, { config: DEBIAN_LIKE, users: [alice], hostKeys: [{ type: 'ed25519' }] });
  const out = tempDir(t, 'hardtop-export-');
  const result = await exportAnsible(adminHost(root), catalog, ['ssh']);
  t.deepEqual(result.exported, ['ssh.server.harden'], JSON.stringify(result.leftOut));
  await writeExport(createLocalHost({ root: '/' }), out, result);
  const site = path.join(out, 'site.yml');
  const env = ansibleEnv(t);

  const before = snapshotTree(root);
  const gated = ok(t, await runPlaybook(env, site, root), 'without the switch');
  t.is(gated.changed, 0);
  t.deepEqual(snapshotTree(root), before, 'nothing written without hardtop_allow_lockout_risk');

  const allow = ['-e', 'hardtop_allow_lockout_risk=true'];
  const dry = ok(t, await runPlaybook(env, site, root, [...allow, '--check', '--diff']), 'check mode');
  t.true(dry.changed > 0);
  t.deepEqual(snapshotTree(root), before, '--check --diff changed nothing');

  t.true(ok(t, await runPlaybook(env, site, root, allow), 'first run').changed > 0);
  t.true(fs.existsSync(path.join(root, 'etc/ssh/sshd_config.d/00-hardtop.conf')));
  t.deepEqual(notFixed(await checkReport(root, 'ssh'), ['ssh.server.harden']), []);
  t.is(ok(t, await runPlaybook(env, site, root, allow), 'second run').changed, 0);
});

withAnsible('a file that is not what the plan saw stops the play before anything is written', async (t) => {
  t.timeout(120_000);
  const root = copyRoot(t, 'deb12-auto-off');
  const out = tempDir(t, 'hardtop-export-');
  t.is((await hardtop(['export', 'ansible', '--root', root, '--out', out, '--no-network'])).code, 0);
  // Someone edits the file after the export (or this is another host).
  const file = path.join(root, 'etc/apt/apt.conf.d/20auto-upgrades');
  fs.appendFileSync(file, '// local change\n');
  const edited = fs.readFileSync(file, 'utf8');
  const before = snapshotTree(root);
  const run = await runPlaybook(ansibleEnv(t), path.join(out, 'site.yml'), root);
  t.not(run.code, 0);
  t.is(run.recap?.failed, 1, run.output);
  t.regex(run.output, /is not the file hardtop planned from/);
  t.is(fs.readFileSync(file, 'utf8'), edited);
  t.deepEqual(snapshotTree(root), before, 'the play stopped: nothing written, no other fix applied');
});

withAnsible('a validator that refuses the new text (sh -n, for real) leaves the file as it was', async (t) => {
  t.timeout(120_000);
  const root = tempDir(t, 'hardtop-export-root-');
  fs.mkdirSync(path.join(root, 'etc/default'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/default/thing'), 'A=1\n');
  const plan: Plan = {
    fixId: 'test.broken',
    title: 'A plan whose new text is not valid shell',
    risk: 'safe',
    edits: [{ path: '/etc/default/thing', before: 'A=1\n', after: 'A=1\nif then (\n', mode: 0o644 }],
    validate: [{ argv: ['sh', '-n', '{stage}/etc/default/thing'], describe: 'sh -n', stage: ['/etc/default'] }],
    commands: [],
    warnings: [],
  };
  const out = tempDir(t, 'hardtop-export-');
  await writeExport(createLocalHost({ root: '/' }), out, buildAnsibleExport({ plans: [plan], leftOut: [], root, hostname: 'x', version: '0', generatedAt: 'now' }));
  const run = await runPlaybook(ansibleEnv(t), path.join(out, 'site.yml'), root);
  t.is(run.recap?.failed, 1, run.output);
  t.regex(run.output, /failed to validate/);
  t.is(fs.readFileSync(path.join(root, 'etc/default/thing'), 'utf8'), 'A=1\n');
});

/**
 * rkh-default with hostile lines in /etc/default/rkhunter, right below the
 * APT_AUTOGEN line that rkhunter.apt-autogen rewrites (so --diff shows them
 * as context), kept by the fix.
 */
function hostileRoot(t: ExecutionContext, lines: string): { root: string; marker: string } {
  const root = copyRoot(t, 'rkh-default');
  const marker = path.join(tempDir(t, 'hardtop-marker-'), 'PWNED');
  const file = path.join(root, 'etc/default/rkhunter');
  const text = fs.readFileSync(file, 'utf8');
  t.regex(text, /^APT_AUTOGEN=.*\n/m);
  fs.writeFileSync(file, text.replace(/^(APT_AUTOGEN=.*\n)/m, `$1${lines.replace(/MARKER/g, marker)}`));
  return { root, marker };
}

const JINJA_LINES = "# {{ lookup('pipe','touch MARKER') }}\n# {% set x = lookup('pipe','touch MARKER') %}{# c #}\n# '\n- name: x\n  ansible.builtin.command: touch MARKER\n";

withAnsible('hostile file content: Jinja and YAML breakers are written as text, never run; --diff shows them as text', async (t) => {
  t.timeout(180_000);
  const { root, marker } = hostileRoot(t, JINJA_LINES);
  const out = tempDir(t, 'hardtop-export-');
  const exp = await hardtop(['export', 'ansible', '--root', root, '--out', out, '--no-network']);
  t.is(exp.code, 0, exp.stderr);
  const env = ansibleEnv(t);
  const site = path.join(out, 'site.yml');
  const dry = await runPlaybook(env, site, root, ['--check', '--diff']);
  ok(t, dry, 'check mode');
  t.true(dry.output.includes("lookup('pipe','touch "), 'the diff shows the line as text');
  t.false(fs.existsSync(marker), 'nothing was evaluated in check mode');
  ok(t, await runPlaybook(env, site, root), 'real run');
  t.false(fs.existsSync(marker), 'nothing was evaluated');
  const text = fs.readFileSync(path.join(root, 'etc/default/rkhunter'), 'utf8');
  t.true(text.includes(JINJA_LINES.replace(/MARKER/g, marker)), 'the hostile lines are still there, byte for byte');
  t.regex(text, /^APT_AUTOGEN="true"$/m);
  t.is(ok(t, await runPlaybook(env, site, root), 'second run').changed, 0);
});

withAnsible('hostile file content: escape sequences never reach the terminal (export output, ansible output with --diff)', async (t) => {
  t.timeout(180_000);
  const { root } = hostileRoot(t, '# \x1b]0;pwned\x07\x1b[2J\x1b[31mred\x9b31m \u202eevil\n');
  const original = fs.readFileSync(path.join(root, 'etc/default/rkhunter'));
  const out = tempDir(t, 'hardtop-export-');
  const exp = await hardtop(['export', 'ansible', '--root', root, '--out', out, '--no-network']);
  t.is(exp.code, 0, exp.stderr);
  t.false(/[\x1b\x9b]/.test(exp.stdout + exp.stderr));
  for (const f of ['site.yml', 'roles/hardtop/tasks/main.yml']) t.false(/[\x1b\x9b\u202e]/.test(fs.readFileSync(path.join(out, f), 'utf8')), f);
  const env = ansibleEnv(t);
  const site = path.join(out, 'site.yml');
  for (const extra of [['--check', '--diff'], ['--diff'], ['--diff']]) {
    const run = await runPlaybook(env, site, root, extra);
    ok(t, run, extra.join(' '));
    t.false(/[\x1b\x9b\u202e]/.test(run.output), `ansible-playbook ${extra.join(' ')} printed a raw control character`);
  }
  const after = fs.readFileSync(path.join(root, 'etc/default/rkhunter'));
  t.true(after.includes(Buffer.from('# \x1b]0;pwned\x07\x1b[2J\x1b[31mred\x9b31m \u202eevil\n')), 'the file keeps its own bytes');
  t.not(after.toString(), original.toString());
});

withAnsibleAndSshd('hardtop_root=/ (in a private mount namespace, /etc read-only, /etc/ssh = the sysroot): sshd -t runs for real after the drop-in and as validate: of the main file', async (t) => {
  t.timeout(180_000);
  ensurePrivsepDir();
  const realSsh = fs.existsSync('/etc/ssh') ? snapshotTree('/etc/ssh') : null;
  const env = ansibleEnv(t);
  const allow = ['-e', 'hardtop_allow_lockout_risk=true'];
  // The namespace: /etc read-only (belt and braces), the sysroot's etc/ssh over /etc/ssh; nothing leaves it.
  const inNamespace = (root: string) => [
    '/usr/bin/unshare',
    '--mount',
    '--propagation',
    'private',
    '/bin/sh',
    '-c',
    'mount --bind /etc /etc && mount -o remount,bind,ro /etc && mount --bind "$0" /etc/ssh && exec "$@"',
    path.join(root, 'etc/ssh'),
  ];
  const exportSsh = async (root: string) => {
    const out = tempDir(t, 'hardtop-export-');
    const result = await exportAnsible(adminHost(root), catalog, ['ssh']);
    t.deepEqual(result.exported, ['ssh.server.harden'], JSON.stringify(result.leftOut));
    await writeExport(createLocalHost({ root: '/' }), out, result);
    // What may run with hardtop_root=/: writes under /etc/ssh and sshd -t, no handler (no sshd runs in the sysroot).
    t.deepEqual(plain(loadOne(fs.readFileSync(path.join(out, 'roles/hardtop/handlers/main.yml'), 'utf8'))), []);
    const text = fs.readFileSync(path.join(out, 'roles/hardtop/tasks/main.yml'), 'utf8');
    for (const m of text.matchAll(/(?:dest|path): "\{\{ hardtop_prefix \}\}([^"]*)"/g)) t.true(m[1].startsWith('/etc/ssh/'), m[1]);
    return path.join(out, 'site.yml');
  };

  // 1. Drop-in placement: the copy has no validate:, `sshd -t` runs after it — and catches a broken tree.
  const dropRoot = sshRoot(t, { config: DEBIAN_LIKE, users: [alice], hostKeys: [{ type: 'ed25519' }] });
  const dropSite = await exportSsh(dropRoot);
  const good = await runPlaybook(env, dropSite, '/', allow, inNamespace(dropRoot));
  ok(t, good, 'drop-in, live');
  t.regex(good.output, /check the written files: \/usr\/sbin\/sshd -t -f \/etc\/ssh\/sshd_config\] \*+\nok: \[localhost\]/, 'sshd -t ran (not skipped)');
  const dropRoot2 = sshRoot(t, { config: DEBIAN_LIKE, users: [alice], hostKeys: [{ type: 'ed25519' }] });
  const dropSite2 = await exportSsh(dropRoot2);
  fs.writeFileSync(path.join(dropRoot2, 'etc/ssh/sshd_config.d/99-broken.conf'), 'NoSuchOption yes\n'); // after the export
  const bad = await runPlaybook(env, dropSite2, '/', allow, inNamespace(dropRoot2));
  t.is(bad.recap?.failed, 1, bad.output);
  t.regex(bad.output, /NoSuchOption/);

  // 2. Main-file placement (no Include): validate: sshd -t -f %s refuses, the main file stays as it was.
  const mainConfig = DEBIAN_LIKE.replace(/^Include .*\n/m, '');
  const mainRoot = sshRoot(t, { config: mainConfig, users: [alice], hostKeys: [{ type: 'ed25519' }] });
  const mainSite = await exportSsh(mainRoot);
  fs.rmSync(path.join(mainRoot, 'etc/ssh/ssh_host_ed25519_key')); // after the export: sshd -t now has no host key
  const refused = await runPlaybook(env, mainSite, '/', allow, inNamespace(mainRoot));
  t.is(refused.recap?.failed, 1, refused.output);
  t.regex(refused.output, /failed to validate/);
  t.is(fs.readFileSync(path.join(mainRoot, 'etc/ssh/sshd_config'), 'utf8'), mainConfig);

  if (realSsh) t.deepEqual(snapshotTree('/etc/ssh'), realSsh, "this machine's /etc/ssh is untouched");
});

test('export --out refuses a directory others could write to, or a symlink: the playbook will run as root', async (t) => {
  const base = tempDir(t, 'hardtop-export-out-');
  const open = path.join(base, 'open');
  fs.mkdirSync(open, { mode: 0o755 });
  fs.chmodSync(open, 0o755);
  const r = await hardtop(['export', 'ansible', '--root', path.resolve(__dirname, '../fixtures/roots/deb12-auto-off'), '--out', open, '--no-network', '--only', 'reboot']);
  t.is(r.code, 2);
  t.regex(r.stderr, /0755.*must be 0700/);
  t.deepEqual(fs.readdirSync(open), []);
  const target = path.join(base, 'target');
  fs.mkdirSync(target, { mode: 0o700 });
  fs.symlinkSync(target, path.join(base, 'link'));
  const l = await hardtop(['export', 'ansible', '--root', path.resolve(__dirname, '../fixtures/roots/deb12-auto-off'), '--out', path.join(base, 'link'), '--no-network', '--only', 'reboot']);
  t.is(l.code, 2);
  t.regex(l.stderr, /symlink/);
  t.deepEqual(fs.readdirSync(target), []);
  // A new directory is created 0700, subdirectories too.
  const fresh = path.join(base, 'new/deeper');
  const n = await hardtop(['export', 'ansible', '--root', path.resolve(__dirname, '../fixtures/roots/deb12-auto-off'), '--out', fresh, '--no-network', '--only', 'reboot']);
  t.is(n.code, 0, n.stderr);
  for (const d of [fresh, path.join(fresh, 'roles'), path.join(fresh, 'roles/hardtop/tasks')]) t.is(fs.statSync(d).mode & 0o777, 0o700, d);
  t.true(fs.existsSync(path.join(fresh, 'roles/hardtop/defaults/main.yml')));
});
