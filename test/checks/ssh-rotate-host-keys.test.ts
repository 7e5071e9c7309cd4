// ssh.rotate-host-keys and ssh.retire-host-keys on throwaway sysroots,
// through the real fix engine, the real LocalHost, the real ssh-keygen and
// the real `sshd -t` (on the engine's staged copy): where the new HostKey
// lines go and why, the stand-in keys of the validation, the rotation
// record, the guards, and that undo puts every byte back (the live sshd side
// is test/e2e/ssh-rotate.test.ts).

import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { catalog } from '../../checks/index';
import { retireHostKeys } from '../../checks/ssh/fix-retire-host-keys';
import { rotateHostKeys } from '../../checks/ssh/fix-rotate-host-keys';
import { parseRotationRecord, ROTATION_RECORD } from '../../checks/ssh/rotation-record';
import { undoChange } from '../../src/cli/fix-command';
import type { Plan } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import { previewPlan } from '../../src/fix/preview';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { canRunRealSshd, sshRoot, tempDir } from '../helpers/sshd';

const withSshd = canRunRealSshd ? test.serial : test.serial.skip;
const DAY = 86_400_000;
const T0 = new Date('2026-11-28T12:00:00Z');
const ctxAt = (now: Date) => ({ now, network: false, signal: new AbortController().signal });

const CONFIG = `# test
Include /etc/ssh/sshd_config.d/*.conf
Port 2222
ListenAddress 127.0.0.1
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_rsa_key
PasswordAuthentication no
Subsystem sftp /usr/lib/openssh/sftp-server
`;

function hostOf(root: string): Host {
  return createLocalHost({ root, network: false });
}

function read(root: string, p: string): string | null {
  const f = path.join(root, p);
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null;
}

/** Every file under etc/ssh with its bytes and mode, and the state file that matters. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const base = path.join(root, 'etc/ssh');
  for (const rel of fs.readdirSync(base, { recursive: true }) as string[]) {
    const st = fs.lstatSync(path.join(base, rel));
    if (st.isFile()) out.set(rel, `${(st.mode & 0o7777).toString(8)}:${st.uid}:${fs.readFileSync(path.join(base, rel), 'base64')}`);
  }
  out.set('record', read(root, ROTATION_RECORD) ?? 'none');
  return out;
}

function fingerprintOf(file: string): string {
  return execFileSync('/usr/bin/ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' }).split(' ')[1];
}

async function rotate(t: ExecutionContext, root: string, now = T0): Promise<Plan> {
  const plan = await rotateHostKeys.plan(hostOf(root), ctxAt(now));
  t.is(plan.guard, undefined, plan.guard?.reason);
  const outcome = await applyPlan(hostOf(root), plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  return plan;
}

// ---------------------------------------------------------------------------

withSshd('rotate: the preview lists the current keys and what happens; new HostKey lines go AFTER the old ones; no key is made before apply', async (t) => {
  const root = sshRoot(t, { config: CONFIG });
  const before = snapshot(root);
  const plan = await rotateHostKeys.plan(hostOf(root), ctxAt(T0));
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(snapshot(root), before, 'plan() wrote nothing');
  const ed = fingerprintOf(path.join(root, 'etc/ssh/ssh_host_ed25519_key.pub'));
  t.true(plan.warnings.some((w) => w.startsWith('current host key /etc/ssh/ssh_host_ed25519_key: ssh-ed25519 256 bits') && w.includes(ed) && /\d+ days old/.test(w)));
  t.true(plan.warnings.some((w) => w.includes('/etc/ssh/ssh_host_rsa_key: ssh-rsa 3072 bits')));
  t.true(plan.warnings.some((w) => /what happens: sshd keeps offering the old key of each type first/.test(w) && w.includes('2026-12-12')));

  const main = plan.edits.find((e) => e.path === '/etc/ssh/sshd_config')!;
  const lines = main.after.split('\n');
  const at = (s: string) => lines.indexOf(s);
  t.true(at('HostKey /etc/ssh/ssh_host_rsa_key') < at('HostKey /etc/ssh/ssh_host_ed25519_key-20261128'), 'new keys come after every old one: sshd serves the first of each type');
  t.is(at('HostKey /etc/ssh/ssh_host_ed25519_key-20261128'), at('HostKey /etc/ssh/ssh_host_rsa_key') + 2, 'right after the last HostKey line (and our comment)');
  t.true(lines.includes('HostKey /etc/ssh/ssh_host_rsa_key-20261128'), 'RSA is rotated too: the config keeps an RSA key');
  t.is(main.after.replace(/# hardtop ssh.rotate-host-keys.*\nHostKey \/etc\/ssh\/ssh_host_ed25519_key-20261128\nHostKey \/etc\/ssh\/ssh_host_rsa_key-20261128\n/, ''), CONFIG, 'nothing else changes');

  const record = plan.edits.find((e) => e.path === ROTATION_RECORD)!;
  t.is(record.mode, 0o600);
  const parsed = parseRotationRecord(record.after);
  t.true(parsed.ok);
  if (parsed.ok) {
    t.deepEqual(parsed.record.old.map((k) => [k.path, k.type]), [['/etc/ssh/ssh_host_ed25519_key', 'ssh-ed25519'], ['/etc/ssh/ssh_host_rsa_key', 'ssh-rsa']]);
    t.deepEqual(parsed.record.new.map((k) => [k.path, k.bits]), [['/etc/ssh/ssh_host_ed25519_key-20261128', 256], ['/etc/ssh/ssh_host_rsa_key-20261128', 4096]]);
    t.is(parsed.record.retireAfter, new Date(T0.getTime() + 14 * DAY).toISOString());
  }
  const preview = previewPlan(plan);
  t.regex(preview.commands.join('\n'), /ssh-keygen -t ed25519 -N '' -C root@\S+ -f \S+\/etc\/ssh\/ssh_host_ed25519_key-20261128/);
  t.regex(preview.commands.join('\n'), /ssh-keygen -t rsa -b 4096 -N ''/);
  t.deepEqual(plan.undoCommands?.[0].argv.slice(0, 3), ['rm', '-f', '--']);
  t.deepEqual(plan.undoCommands?.[0].argv.slice(3).map((p) => p.slice(root.length)), [
    '/etc/ssh/ssh_host_ed25519_key-20261128',
    '/etc/ssh/ssh_host_ed25519_key-20261128.pub',
    '/etc/ssh/ssh_host_rsa_key-20261128',
    '/etc/ssh/ssh_host_rsa_key-20261128.pub',
  ]);
});

withSshd('rotate: apply generates the keys (root, 0600), sshd -t passed on the stage; the result names fingerprints, known_hosts and SSHFP; undo removes exactly them', async (t) => {
  t.timeout(120_000);
  const root = sshRoot(t, { config: CONFIG });
  const before = snapshot(root);
  const plan = await rotate(t, root);
  const newKey = path.join(root, 'etc/ssh/ssh_host_ed25519_key-20261128');
  const st = fs.statSync(newKey);
  t.is(st.mode & 0o777, 0o600);
  t.is(st.uid, 0);
  t.is(fs.statSync(`${newKey}.pub`).mode & 0o777, 0o644);
  t.true(fs.existsSync(path.join(root, 'etc/ssh/ssh_host_rsa_key-20261128')));
  t.is(fs.statSync(path.join(root, ROTATION_RECORD)).mode & 0o777, 0o600);
  // The configuration sshd will read is valid with the REAL new keys too.
  const check = path.join(tempDir(t, 'hardtop-sshd-t-'), 'sshd_config');
  fs.writeFileSync(check, `HostKey ${newKey}\nHostKey ${path.join(root, 'etc/ssh/ssh_host_rsa_key-20261128')}\n`);
  execFileSync('/usr/sbin/sshd', ['-t', '-f', check]);

  const lines = await plan.afterApply!(hostOf(root));
  const fp = fingerprintOf(`${newKey}.pub`);
  t.true(lines.some((l) => l === `new host key /etc/ssh/ssh_host_ed25519_key-20261128: ssh-ed25519 256 bits ${fp}`), lines.join('\n'));
  const pub = fs.readFileSync(`${newKey}.pub`, 'utf8').split(' ');
  const hostname = (await hostOf(root).facts()).hostname;
  t.true(lines.includes(`  known_hosts: [${hostname}]:2222 ssh-ed25519 ${pub[1]}`), 'known_hosts line with the port');
  const sshfp = execFileSync('/usr/bin/ssh-keygen', ['-r', 'HOST', '-f', `${newKey}.pub`], { encoding: 'utf8' }).trim().split('\n');
  for (const rr of sshfp) t.true(lines.includes(`  SSHFP: ${rr.replace(/^HOST/, hostname)}`), `SSHFP as ssh-keygen -r prints it: ${rr}`);

  const u = await undoChange(hostOf(root), null);
  t.true(u.ok, u.message);
  t.deepEqual(snapshot(root), before, 'undo: config, keys and record exactly as before; the generated files are gone');
});

withSshd('rotate: with no HostKey line, the defaults in use are written out first (else sshd would stop loading them)', async (t) => {
  const root = sshRoot(t, { config: CONFIG.replace(/HostKey .*\n/g, ''), hostKeys: [{ type: 'ed25519' }, { type: 'ecdsa' }] });
  const plan = await rotateHostKeys.plan(hostOf(root), ctxAt(T0));
  t.is(plan.guard, undefined, plan.guard?.reason);
  const after = plan.edits.find((e) => e.path === '/etc/ssh/sshd_config')!.after;
  const keys = after.split('\n').filter((l) => l.startsWith('HostKey '));
  t.deepEqual(keys, ['HostKey /etc/ssh/ssh_host_ecdsa_key', 'HostKey /etc/ssh/ssh_host_ed25519_key', 'HostKey /etc/ssh/ssh_host_ed25519_key-20261128']);
  t.true(after.startsWith('# hardtop ssh.rotate-host-keys'), 'at the top of the main file, before any Match block');
  t.true(plan.warnings.some((w) => /ecdsa_key \(ecdsa-sha2-nistp256\) is not rotated/.test(w)));
  t.false(after.includes('rsa'), 'no RSA key is made when the config keeps none');
  const outcome = await applyPlan(hostOf(root), plan);
  t.true(outcome.ok, JSON.stringify(outcome));
});

withSshd('rotate: a second rotation is refused while the first is open; a broken config is refused', async (t) => {
  t.timeout(120_000);
  const root = sshRoot(t, { config: CONFIG, hostKeys: [{ type: 'ed25519' }] });
  await rotate(t, root);
  const again = await rotateHostKeys.plan(hostOf(root), ctxAt(new Date(T0.getTime() + DAY)));
  t.regex(again.guard?.reason ?? '', /the rotation of 2026-11-28 is still open .*ssh\.retire-host-keys \(due after 2026-12-12\)/);

  const broken = sshRoot(t, { config: `${CONFIG}UseRoaming no\n`, hostKeys: [{ type: 'ed25519' }] });
  const refused = await rotateHostKeys.plan(hostOf(broken), ctxAt(T0));
  t.regex(refused.guard?.reason ?? '', /sshd cannot use its configuration as it is/);
});

withSshd('retire: removes the old HostKey lines, moves the old key files into the backup, drops the record; undo brings every byte back', async (t) => {
  t.timeout(180_000);
  const root = sshRoot(t, { config: CONFIG });
  await rotate(t, root);
  const rotated = snapshot(root);
  const oldPriv = fs.readFileSync(path.join(root, 'etc/ssh/ssh_host_ed25519_key'));

  const early = await retireHostKeys.plan(hostOf(root), ctxAt(new Date(T0.getTime() + 2 * DAY)));
  t.is(early.guard, undefined, early.guard?.reason);
  t.true(early.warnings.some((w) => /the grace period runs until 2026-12-12/.test(w)), 'retiring early is allowed, with a warning');

  const plan = await retireHostKeys.plan(hostOf(root), ctxAt(new Date(T0.getTime() + 15 * DAY)));
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.is(plan.risk, 'lockout-risk');
  t.false(plan.warnings.some((w) => /grace period runs until/.test(w)));
  t.true(plan.warnings.some((w) => /REMOTE HOST IDENTIFICATION HAS CHANGED/.test(w)));
  t.true(plan.warnings.some((w) => w.startsWith('  known_hosts: ')));
  const deleted = plan.edits.filter((e) => e.delete).map((e) => e.path).sort();
  t.deepEqual(deleted, [ROTATION_RECORD, '/etc/ssh/ssh_host_ed25519_key', '/etc/ssh/ssh_host_ed25519_key.pub', '/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_rsa_key.pub'].sort());
  const preview = previewPlan(plan).diffs.join('\n');
  t.notRegex(preview, /BEGIN OPENSSH PRIVATE KEY/, 'a retired private key never shows in the preview');

  const outcome = await applyPlan(hostOf(root), plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  const config = read(root, '/etc/ssh/sshd_config')!;
  t.deepEqual(config.split('\n').filter((l) => l.startsWith('HostKey')), ['HostKey /etc/ssh/ssh_host_ed25519_key-20261128', 'HostKey /etc/ssh/ssh_host_rsa_key-20261128']);
  t.false(config.includes('# hardtop ssh.rotate-host-keys'), 'our rotation comment goes with the old lines');
  t.false(fs.existsSync(path.join(root, 'etc/ssh/ssh_host_ed25519_key')));
  t.is(read(root, ROTATION_RECORD), null);
  const journal = fs.readFileSync(path.join(root, 'var/lib/hardtop/journal.jsonl'), 'utf8').trim().split('\n');
  const files = JSON.parse(journal.at(-1)!).files as { path: string; backup: string }[];
  const backup = files.find((f) => f.path === '/etc/ssh/ssh_host_ed25519_key')!.backup;
  t.deepEqual(fs.readFileSync(path.join(root, backup)), oldPriv, 'the old private key is in the backup');
  t.is(fs.statSync(path.join(root, backup)).mode & 0o777, 0o600);

  // The host-key checks after the retirement.
  const host = hostOf(root);
  const keysCheck = await catalog.checks.find((c) => c.id === 'ssh.server.host-keys')!.run(host, ctxAt(new Date(T0.getTime() + 15 * DAY)));
  t.is(keysCheck.status, 'pass', keysCheck.summary);

  const u = await undoChange(hostOf(root), null);
  t.true(u.ok, u.message);
  t.deepEqual(snapshot(root), rotated, 'undo: old keys (bytes, owner, mode), HostKey lines and the record are back');
});

withSshd("retire: the preview names the clients sshd's log shows only BEFORE the rotation began (still on the old keys), or says the log cannot tell", async (t) => {
  t.timeout(120_000);
  const root = sshRoot(t, { config: CONFIG });
  await rotate(t, root);
  const later = ctxAt(new Date(T0.getTime() + 15 * DAY));

  const blind = await retireHostKeys.plan(hostOf(root), later);
  t.true(blind.warnings.some((w) => w.startsWith('which clients logged in since the rotation began (2026-11-28) cannot be told: no sshd log found (/var/log/auth.log')), blind.warnings.join('\n'));

  const fp = `SHA256:${'Q'.repeat(43)}`;
  fs.mkdirSync(path.join(root, 'var/log'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'var/log/auth.log'),
    [
      `2026-11-20T08:00:00.000000+00:00 web1 sshd[101]: Accepted publickey for alice from 198.51.100.7 port 50022 ssh2: ED25519 ${fp}`,
      '2026-11-21T09:00:00+00:00 web1 sshd[102]: Accepted password for bob from 203.0.113.9 port 40000 ssh2',
      '2026-11-22T09:00:00+00:00 web1 sshd[103]: Invalid user Accepted password for mallory from 192.0.2.66 port 1 ssh2 from 192.0.2.66 port 2',
      `2026-11-30T10:00:00+00:00 web1 sshd-session[104]: Accepted publickey for bob from 203.0.113.9 port 40001 ssh2: RSA ${fp}`,
      `Dec  2 07:00:00 web1 sshd[105]: Accepted publickey for carol from 192.0.2.44 port 50200 ssh2: ED25519 ${fp}`,
      '',
    ].join('\n'),
  );
  const plan = await retireHostKeys.plan(hostOf(root), later);
  t.is(plan.guard, undefined, plan.guard?.reason);
  const said = plan.warnings.find((w) => w.startsWith('clients seen in /var/log/auth.log only BEFORE the rotation began (2026-11-28)'));
  t.truthy(said, plan.warnings.join('\n'));
  t.regex(said!, /not offered the new keys yet: alice@198\.51\.100\.7 \(last login 2026-11-20\); they will see "REMOTE HOST IDENTIFICATION HAS CHANGED"/);
  t.regex(said!, /; 2 clients logged in since$/);
  t.notRegex(said!, /bob|carol|mallory/, 'bob and carol logged in since; a smuggled "Accepted" is no login');

  // Everyone seen has logged in since: said as such, with its limit.
  fs.writeFileSync(path.join(root, 'var/log/auth.log'), `2026-11-30T10:00:00+00:00 web1 sshd[104]: Accepted publickey for bob from 203.0.113.9 port 40001 ssh2: RSA ${fp}\n`);
  const fine = await retireHostKeys.plan(hostOf(root), later);
  t.true(fine.warnings.includes('1 client (user@address) logged in since the rotation began (2026-11-28) and none was seen only before it in /var/log/auth.log; clients older than that log are not known'), fine.warnings.join('\n'));
});

withSshd('retire: refused without an open rotation, when a new key is gone, and when it would leave a type with no key', async (t) => {
  t.timeout(120_000);
  const root = sshRoot(t, { config: CONFIG, hostKeys: [{ type: 'ed25519' }] });
  const none = await retireHostKeys.plan(hostOf(root), ctxAt(T0));
  t.regex(none.guard?.reason ?? '', /no host key rotation is open .*ssh\.rotate-host-keys/);

  await rotate(t, root);
  const recordPath = path.join(root, ROTATION_RECORD);
  const record = JSON.parse(fs.readFileSync(recordPath, 'utf8'));

  // A record that claims an RSA key is being retired while no new RSA key exists.
  fs.writeFileSync(recordPath, JSON.stringify({ ...record, old: [...record.old, { path: '/etc/ssh/ssh_host_rsa_key', type: 'ssh-rsa', bits: 3072, fingerprint: null }] }));
  const onlyRsa = await retireHostKeys.plan(hostOf(root), ctxAt(T0));
  t.regex(onlyRsa.guard?.reason ?? '', /\/etc\/ssh\/ssh_host_rsa_key is the only ssh-rsa host key/);
  fs.writeFileSync(recordPath, JSON.stringify(record));

  fs.renameSync(path.join(root, 'etc/ssh/ssh_host_ed25519_key-20261128'), path.join(root, 'etc/ssh/moved-away'));
  const missing = await retireHostKeys.plan(hostOf(root), ctxAt(T0));
  t.regex(missing.guard?.reason ?? '', /the new key \/etc\/ssh\/ssh_host_ed25519_key-20261128 does not exist/);
});

withSshd('rotate: the validation stage holds stand-in keys of the new types at the new paths, so sshd -t loads every key the new config names', async (t) => {
  t.timeout(120_000);
  const root = sshRoot(t, { config: CONFIG });
  const plan = await rotateHostKeys.plan(hostOf(root), ctxAt(T0));
  const v = plan.validate[0];
  // The engine's own staging (validate.ts), kept open so the test can look inside.
  const host = hostOf(root);
  const staging = await host.makeTempDir('stage-');
  t.teardown(() => staging.dispose());
  const stage = staging.path;
  await host.copyTreeTo('/etc/ssh', path.join(stage, 'etc/ssh'));
  for (const e of plan.edits) if (e.path.startsWith('/etc/ssh/')) await host.writeReal(path.join(stage, e.path), e.after);
  await v.prepareStage!(host, stage);
  t.regex(execFileSync('/usr/bin/ssh-keygen', ['-l', '-f', path.join(stage, 'etc/ssh/ssh_host_ed25519_key-20261128')], { encoding: 'utf8' }), /^256 SHA256:.* \(ED25519\)/);
  t.regex(execFileSync('/usr/bin/ssh-keygen', ['-l', '-f', path.join(stage, 'etc/ssh/ssh_host_rsa_key-20261128')], { encoding: 'utf8' }), /^4096 SHA256:.* \(RSA\)/);
  t.false(fs.existsSync(path.join(root, 'etc/ssh/ssh_host_ed25519_key-20261128')), 'nothing generated in the live tree');
  const argv = v.argv.map((a, i) => (i === 0 ? a : a.split('{stage}').join(stage)));
  const loud = spawnSync(`/usr/sbin/${argv[0]}`, argv.slice(1), { encoding: 'utf8' });
  t.is(loud.status, 0, loud.stderr);
  t.notRegex(loud.stderr, /Unable to load host key/, 'every HostKey of the new config loads on the stage');
});

withSshd('the age check reminds: during the grace period the old keys are "being replaced" (info); past it, warn and offer the retirement', async (t) => {
  t.timeout(120_000);
  const root = sshRoot(t, { config: CONFIG, hostKeys: [{ type: 'ed25519' }] });
  const age = catalog.checks.find((c) => c.id === 'ssh.server.host-key-age')!;
  const keysCheck = catalog.checks.find((c) => c.id === 'ssh.server.host-keys')!;
  const before = await age.run(hostOf(root), ctxAt(T0));
  t.deepEqual(before.fixes, []);
  await rotate(t, root);

  const during = await age.run(hostOf(root), ctxAt(new Date(T0.getTime() + 3 * DAY)));
  t.is(during.status, 'info');
  t.is(during.summary, 'rotation of 2026-11-28 in progress: retire the old keys after 2026-12-12 (ssh.retire-host-keys)');
  t.deepEqual(during.items?.find((i) => i.subject === '/etc/ssh/ssh_host_ed25519_key')?.status, 'info');
  t.deepEqual(during.fixes, ['ssh.retire-host-keys']);

  const overdue = await age.run(hostOf(root), ctxAt(new Date(T0.getTime() + 20 * DAY)));
  t.is(overdue.status, 'warn');
  t.regex(overdue.summary, /^the rotation of 2026-11-28 is past its grace period \(2026-12-12\): retire the old keys/);
  t.regex(overdue.items?.find((i) => i.subject === '/etc/ssh/ssh_host_ed25519_key')?.summary ?? '', /still offered past the grace period/);
  t.deepEqual(overdue.fixes, ['ssh.retire-host-keys']);

  // The strength check (warn here: the RSA HostKey line names a missing file) offers the retirement, not a second rotation.
  const strength = await keysCheck.run(hostOf(root), ctxAt(T0));
  t.is(strength.status, 'warn', strength.summary);
  t.deepEqual(strength.fixes, ['ssh.retire-host-keys']);
});

withSshd('rotate: cancelling at the second ssh-keygen (Ctrl-C in the terminal) leaves everything as it was, the first new key included', async (t) => {
  t.timeout(120_000);
  const root = sshRoot(t, { config: CONFIG });
  const before = snapshot(root);
  const host = hostOf(root);
  const plan = await rotateHostKeys.plan(host, ctxAt(T0));
  const ran: string[] = [];
  const outcome = await applyPlan(host, plan, {
    runCommand: async (cmd) => {
      ran.push(cmd.argv[0]);
      if (cmd.argv.includes('rsa')) return { exitCode: 130 }; // the admin pressed Ctrl-C
      const r = await host.exec(cmd.argv[0], cmd.argv.slice(1), { timeoutMs: cmd.timeoutMs });
      return { exitCode: r.exitCode };
    },
  });
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, 'command');
    t.true(outcome.rolledBack, outcome.message);
  }
  t.deepEqual(ran, ['ssh-keygen', 'ssh-keygen', 'rm'], 'the Ed25519 key was made, the RSA one cancelled, then the undo command ran');
  t.deepEqual(snapshot(root), before, 'config, record and key files exactly as before');
});
