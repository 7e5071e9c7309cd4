// ssh.client.harden on copies of fixture roots, through the real fix engine,
// the real LocalHost, the real `ssh -Q` and the real `ssh -G` (on staged
// copies): where the settings land, what is commented out and why, that the
// real client then gives every host the new values, that the ssh.client.*
// checks pass, and that undo puts every byte back.
//
// ssh-client-weak (test/fixtures/roots): Debian 12's stock ssh_config with
// `Include /etc/ssh/ssh_config.d/*.conf` above its `Host *`, to which were
// added a weak Ciphers line and two obsolete options (UseRoaming, Protocol);
// a drop-in that sorts before ours and turns passwords on for every host (and
// uses the old ChallengeResponseAuthentication alias); a drop-in with
// host-specific SHA-1 kex / ssh-rsa for a legacy router and a password
// exception for a file server. No /etc/passwd: no user configs here (those
// are sshk-mixed's).

import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clientAndKeyChecks } from '../../checks/ssh/index';
import { clientHardenProblems, clientPolicy } from '../../checks/ssh/client-policy';
import { CLIENT_PROBE_HOST, hardenClient, rewriteClientForStage } from '../../checks/ssh/fix-client-harden';
import { fixes } from '../../checks/ssh/fixes';
import type { Finding, Plan } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import { undo } from '../../src/fix/undo';
import type { Host } from '../../src/host/host';
import { copySshkRoot } from './ssh-keys-helpers';
import { copyRoot, ctx, hostFor } from './ssh-server-helpers';

const isRoot = process.getuid?.() === 0;
const hasSsh = fs.existsSync('/usr/bin/ssh');
const asRoot = isRoot && hasSsh ? test : test.skip;
const withSsh = hasSsh ? test : test.skip;
const DROP_IN = '/etc/ssh/ssh_config.d/00-hardtop.conf';
const CLIENT_IDS = ['ssh.client.password-auth', 'ssh.client.algorithms', 'ssh.client.deprecated-options'];
const clientChecks = clientAndKeyChecks.filter((c) => CLIENT_IDS.includes(c.id));

function supported(query: string): Set<string> {
  return new Set(execFileSync('/usr/bin/ssh', ['-Q', query], { encoding: 'utf8' }).split('\n').filter(Boolean));
}

function policyList(keyword: string): string[] {
  const entry = clientPolicy.harden.lists.entries.find((e) => e.keyword === keyword)!;
  const ok = entry.query.map((q) => { try { return supported(q); } catch { return null; } }).find((s) => s !== null && s.size > 0)!;
  return entry.names.filter((n) => ok.has(n));
}

async function runClient(host: Host): Promise<Map<string, Finding>> {
  const out = new Map<string, Finding>();
  for (const c of clientChecks) out.set(c.id, await c.run(host, ctx));
  return out;
}

/** Every file under etc/ssh with its mode and bytes, plus whether the drop-in exists. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const base = path.join(root, 'etc/ssh');
  for (const rel of fs.readdirSync(base, { recursive: true }) as string[]) {
    const st = fs.lstatSync(path.join(base, rel));
    if (st.isFile()) out.set(rel, `${(st.mode & 0o7777).toString(8)}:${fs.readFileSync(path.join(base, rel), 'base64')}`);
  }
  return out;
}

/** What the REAL ssh makes of ROOT's system config for `dest`: a copy with Includes pointed into it (as the fix's validation does). */
function sshG(t: ExecutionContext, root: string, dest: string): Record<string, string> {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-sshG-'));
  t.teardown(() => fs.rmSync(stage, { recursive: true, force: true }));
  fs.cpSync(path.join(root, 'etc/ssh'), path.join(stage, 'etc/ssh'), { recursive: true });
  for (const rel of fs.readdirSync(path.join(stage, 'etc/ssh'), { recursive: true }) as string[]) {
    const p = path.join(stage, 'etc/ssh', rel);
    if (fs.statSync(p).isFile()) fs.writeFileSync(p, rewriteClientForStage(fs.readFileSync(p, 'utf8'), stage));
  }
  const out = execFileSync('/usr/bin/ssh', ['-G', '-F', path.join(stage, 'etc/ssh/ssh_config'), dest], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const values: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^(\S+) (.*)$/.exec(line);
    if (m && values[m[1]] === undefined) values[m[1]] = m[2];
  }
  return values;
}

const planOf = (root: string): Promise<Plan> => hardenClient.plan(hostFor(root), ctx);

// ---------------------------------------------------------------------------

test('the client policy data agrees with the audit (nothing it writes is weak), and that test can fail', (t) => {
  t.deepEqual(clientHardenProblems(clientPolicy), []);
  const bad = structuredClone(clientPolicy);
  bad.harden.lists.entries[2].names.push('hmac-sha1');
  bad.harden.settings.values[0].value = 'yes';
  bad.harden.lists.entries.pop();
  t.deepEqual(clientHardenProblems(bad), [
    'client.harden.settings: PasswordAuthentication yes does not pass its check (wants no)',
    "client.harden.lists: MACs hmac-sha1 is weak by the audit's own policy (SHA-1)",
    'client.harden.lists: no list for CASignatureAlgorithms',
  ]);
});

test('ssh.client.harden exists, is disruptive (not lockout-risk), and the checks offer it when they fail', async (t) => {
  const fix = fixes.find((f) => f.id === 'ssh.client.harden');
  t.is(fix?.risk, 'disruptive');
  if (!hasSsh) return;
  const found = await runClient(hostFor(copyRoot(t, 'ssh-client-weak')));
  for (const id of CLIENT_IDS) t.deepEqual(found.get(id)!.fixes, ['ssh.client.harden'], id);
});

asRoot('ssh-client-weak: a drop-in that sorts first, in the removal form; earlier universal lines commented out; host-specific exceptions left and named; obsolete options removed; the real ssh agrees; undo is byte for byte', async (t) => {
  const root = copyRoot(t, 'ssh-client-weak');
  const host = hostFor(root);
  const before = await runClient(host);
  t.deepEqual([...before.values()].map((f) => f.status), ['fail', 'fail', 'warn']);

  const plan = await planOf(root);
  t.is(plan.guard, undefined, plan.guard?.reason);
  const byPath = new Map(plan.edits.map((e) => [e.path, e]));
  t.deepEqual([...byPath.keys()], [DROP_IN, '/etc/ssh/ssh_config', '/etc/ssh/ssh_config.d/00-admin.conf'], "10-legacy.conf (the router's exception) is not touched");
  t.is(byPath.get(DROP_IN)!.before, null);
  const ours = byPath.get(DROP_IN)!.after.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  // Ciphers: the universal value is the main file's weak line, but it comes after the
  // Include: our drop-in wins without touching it. MACs: ssh's own defaults are weak.
  // KbdInteractiveAuthentication: 00-admin.conf already says no (as its old alias).
  // The lists are written as removals from ssh's own defaults (known_hosts order is kept).
  t.deepEqual(ours.slice(0, 2), ['PasswordAuthentication no', 'Ciphers -aes128-cbc']);
  t.is(ours.length, 3);
  t.regex(ours[2], /^MACs -\S*hmac-sha1/);
  t.is(
    byPath.get('/etc/ssh/ssh_config.d/00-admin.conf')!.after,
    "# An admin's old defaults (sorts before 00-hardtop.conf).\n# hardtop: disabled, see 00-hardtop.conf: PasswordAuthentication yes\nKbdInteractiveAuthentication no\nForwardAgent no\n\n# The backup NAS has no key support.\nHost backup-nas\n    PasswordAuthentication yes\n",
  );
  const main = byPath.get('/etc/ssh/ssh_config')!;
  t.is(main.after, main.before!.replace('    UseRoaming no\n', '# hardtop: removed (obsolete option):     UseRoaming no\n').replace('    Protocol 2\n', '# hardtop: removed (obsolete option):     Protocol 2\n'));
  t.true(plan.warnings.includes('/etc/ssh/ssh_config.d/10-legacy.conf:3 "KexAlgorithms +diffie-hellman-group1-sha1" left alone: Host legacy-router is still offered diffie-hellman-group1-sha1 (a host-specific exception, usually for old equipment); ssh.client.algorithms still reports it. Remove it by hand once that host no longer needs it'), plan.warnings.join('\n'));
  t.true(plan.warnings.some((w) => w.startsWith('/etc/ssh/ssh_config.d/10-legacy.conf:4 "HostKeyAlgorithms +ssh-rsa" left alone: Host legacy-router is still offered ssh-rsa')), plan.warnings.join('\n'));
  t.true(plan.warnings.includes('/etc/ssh/ssh_config.d/00-admin.conf:8 "PasswordAuthentication yes" stays: Host backup-nas keeps its own value (read before 00-hardtop.conf); review it by hand'), plan.warnings.join('\n'));
  t.true(plan.warnings.some((w) => w.startsWith('/etc/ssh/ssh_config:') && w.includes('"Ciphers aes128-cbc,aes256-ctr" stays but no longer counts')), plan.warnings.join('\n'));
  t.true(plan.warnings.some((w) => w.startsWith('ssh -G on the edited copy shows, for every host: PasswordAuthentication no;')));
  t.deepEqual(plan.validate.map((v) => v.argv), [['ssh', '-G', '-F', '{stage}/etc/ssh/ssh_config', CLIENT_PROBE_HOST]]);
  t.deepEqual(plan.commands, []);

  const snap = snapshot(root);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  const after = await runClient(host);
  t.is(after.get('ssh.client.password-auth')!.status, 'pass');
  t.is(after.get('ssh.client.deprecated-options')!.status, 'pass');
  const algorithms = after.get('ssh.client.algorithms')!;
  t.is(algorithms.status, 'fail', 'the legacy router exception is still reported');
  t.regex(algorithms.summary, /legacy-router/);
  // The real client, on the applied files: every host gets the policy; the router keeps its exception.
  for (const dest of ['example.org', 'legacy-router']) {
    const g = sshG(t, root, dest);
    t.is(g.passwordauthentication, 'no', dest);
    t.is(g.kbdinteractiveauthentication, 'no', dest);
    t.false(g.ciphers.split(',').includes('aes128-cbc'), dest);
    t.deepEqual(g.macs.split(',').sort(), policyList('MACs').sort(), `${dest}: the default MACs minus the weak ones`);
  }
  t.false(sshG(t, root, 'example.org').kexalgorithms.includes('group1-sha1'));
  t.true(sshG(t, root, 'legacy-router').kexalgorithms.includes('diffie-hellman-group1-sha1'), 'the router is still reachable');
  t.true(sshG(t, root, 'legacy-router').hostkeyalgorithms.split(',').includes('ssh-rsa'));
  t.is(sshG(t, root, 'backup-nas').passwordauthentication, 'yes', "the NAS's own exception, read before the drop-in, is kept (and named in the plan)");

  const undone = await undo(host, {});
  t.true(undone.ok, JSON.stringify(undone));
  t.deepEqual(snapshot(root), snap, 'undo restored /etc/ssh byte for byte (modes too), and removed the new drop-in');
  t.deepEqual([...(await runClient(host)).values()].map((f) => f.status), ['fail', 'fail', 'warn']);
});

asRoot('no Include: a marked block at the top of ssh_config; applied, a second plan has nothing to change', async (t) => {
  const root = copyRoot(t, 'ssh-client-weak');
  const file = path.join(root, 'etc/ssh/ssh_config');
  const text = fs.readFileSync(file, 'utf8').replace('Include /etc/ssh/ssh_config.d/*.conf\n', '');
  fs.writeFileSync(file, `${text}Host fileserver\n    PasswordAuthentication yes\n`);
  const plan = await planOf(root);
  t.true(
    plan.warnings.includes(
      '/etc/ssh/ssh_config:64 "PasswordAuthentication yes" no longer takes effect for Host fileserver: the hardtop block at the top of /etc/ssh/ssh_config is read first (ssh uses the first value); to keep that exception, it must be read before the hardtop block at the top of /etc/ssh/ssh_config',
    ),
    plan.warnings.join('\n'),
  );
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.edits.map((e) => e.path), ['/etc/ssh/ssh_config']);
  const lines = plan.edits[0].after.split('\n');
  t.is(lines[0], '# BEGIN hardtop ssh.client.harden');
  const end = lines.indexOf('# END hardtop ssh.client.harden');
  t.deepEqual(lines.slice(2, end - 1), ['PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'Ciphers -aes128-cbc']);
  t.regex(lines[end - 1], /^MACs -/);
  t.true(lines.includes('    Ciphers aes128-cbc,aes256-ctr'), 'the later weak line stays: it no longer counts');
  const host = hostFor(root);
  const snap = snapshot(root);
  t.true((await applyPlan(host, plan)).ok);
  for (const [id, f] of await runClient(host)) t.is(f.status, 'pass', `${id}: ${f.summary}`);
  t.regex((await planOf(root)).guard?.reason ?? '', /^nothing to change: \/etc\/ssh\/ssh_config already follows the policy$/);
  t.true((await undo(host, {})).ok);
  t.deepEqual(snapshot(root), snap);
});

withSsh("users' ~/.ssh/config files are named in the warnings, never edited (sshk-mixed)", async (t) => {
  const root = copySshkRoot(t, 'sshk-mixed');
  const plan = await planOf(root);
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.false(plan.edits.some((e) => e.path.startsWith('/home/') || e.path.startsWith('/root/')));
  const alice = plan.warnings.find((w) => w.startsWith('/home/alice/.ssh/config (alice) is read before /etc/ssh/ssh_config and keeps: '));
  t.truthy(alice, plan.warnings.join('\n'));
  t.regex(alice!, /PasswordAuthentication yes \(\/home\/alice\/\.ssh\/config:6\)/);
  t.regex(alice!, /MACs with .* for Host old-nas \(\/home\/alice\/\.ssh\/config:2\)/);
  t.regex(alice!, /hardtop does not rewrite users' files/);
});

withSsh('an already hardened client (sshk-hardened): nothing to change', async (t) => {
  const plan = await planOf(copySshkRoot(t, 'sshk-hardened'));
  t.is(plan.guard?.reason, 'nothing to change: /etc/ssh/ssh_config already follows the policy');
});

withSsh('the real client judges the edited copy: a line only ssh rejects refuses the plan, and no `Match exec` command runs', async (t) => {
  const root = copyRoot(t, 'ssh-client-weak');
  const marker = path.join(root, 'exec-ran');
  fs.appendFileSync(path.join(root, 'etc/ssh/ssh_config.d/10-legacy.conf'), `Match exec "touch ${marker}"\n    ForwardX11 no\n`);
  t.is((await planOf(root)).guard, undefined);
  t.false(fs.existsSync(marker), 'Match exec was not run by the plan');
  // Our parser takes any cipher name; ssh does not.
  fs.appendFileSync(path.join(root, 'etc/ssh/ssh_config.d/10-legacy.conf'), 'Host nas\n    Ciphers frobnicate-ctr\n');
  const plan = await planOf(root);
  t.regex(plan.guard?.reason ?? '', /^ssh -G refuses the edited configuration: .*frobnicate-ctr/);
  t.false(plan.guard?.reason.includes(os.tmpdir() + '/hardtop') ?? true, 'the staging dir is cut out of the message');
});

withSsh('no SSH client at all: refused, nothing to harden', async (t) => {
  const plan = await planOf(copySshkRoot(t, 'sshk-empty'));
  t.regex(plan.guard?.reason ?? '', /^no SSH client: .*: nothing to harden$/);
});
