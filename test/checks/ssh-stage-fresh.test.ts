// The validation of ssh.server.harden / ssh.client.harden runs on the
// configuration as it is at APPLY time (stage-fresh.ts): an Include'd file
// the plan only read, changed between the preview and the apply, must not
// be validated as it was. Here it is changed into something the real
// checker rejects; with the planning-time text in the stage, `sshd -t` /
// `ssh -G` would pass it and the apply would go live with a configuration
// that sshd refuses at its next restart (or ssh at its next run).

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hardenClient } from '../../checks/ssh/fix-client-harden';
import { hardenServer } from '../../checks/ssh/fix-harden';
import { staleConfigReason } from '../../checks/ssh/stage-fresh';
import { applyPlan } from '../../src/fix/engine';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { sshRoot } from '../helpers/sshd';
import { copyRoot, ctx, hostFor } from './ssh-server-helpers';

const isRoot = process.getuid?.() === 0;
const asRoot = isRoot && fs.existsSync('/usr/sbin/sshd') && fs.existsSync('/usr/bin/ssh') ? test : test.skip;

function asAlice(root: string): Host {
  const env: Record<string, string> = { SSH_CONNECTION: '192.0.2.7 50000 192.0.2.1 22', SUDO_USER: 'alice' };
  // The env map is the whole environment: no SSH_CONNECTION of the test's own session leaks in (nor an ancestor's).
  return createLocalHost({ root, network: false, env });
}

test('staleConfigReason: a changed, a new and a vanished file are each named; the same files are not', (t) => {
  const a = { path: '/etc/ssh/sshd_config', text: 'Include x\n' };
  const b = { path: '/etc/ssh/sshd_config.d/50-x.conf', text: 'X11Forwarding no\n' };
  t.is(staleConfigReason([a, b], [a, { ...b }]), null);
  t.is(staleConfigReason([a, b], [a, { ...b, text: 'X11Forwarding yes\n' }]), '/etc/ssh/sshd_config.d/50-x.conf changed since the preview; preview again');
  t.is(staleConfigReason([a], [a, b]), '/etc/ssh/sshd_config.d/50-x.conf is read by the configuration now but was not when the plan was made; preview again');
  t.is(staleConfigReason([a, b], [a]), '/etc/ssh/sshd_config.d/50-x.conf is no longer read by the configuration (removed since the preview); preview again');
});

asRoot('ssh.server.harden: an Include\'d drop-in changed after the preview is not validated as it was: the apply is refused, nothing changes', async (t) => {
  const config = [
    'Include /etc/ssh/sshd_config.d/*.conf',
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PermitRootLogin no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'Ciphers aes128-cbc,aes256-ctr',
    '',
  ].join('\n');
  const root = sshRoot(t, {
    config,
    dropIns: { '50-site.conf': 'X11Forwarding no\n' },
    hostKeys: [{ type: 'ed25519' }],
    users: [{ name: 'alice', uid: 1000, gid: 1000, groups: ['sudo'], keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss alice@laptop'] }],
  });
  const host = asAlice(root);
  const plan = await hardenServer.plan(host, ctx);
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.false(plan.edits.some((e) => e.path.endsWith('50-site.conf')), 'the plan only reads the site drop-in');
  const site = path.join(root, 'etc/ssh/sshd_config.d/50-site.conf');
  fs.writeFileSync(site, 'X11Forwarding no\nFrobnicateEverything yes\n'); // sshd -t: Bad configuration option
  const mainBefore = fs.readFileSync(path.join(root, 'etc/ssh/sshd_config'), 'utf8');

  const outcome = await applyPlan(host, plan);
  t.false(outcome.ok, 'validated on the stale text, this would have gone live');
  if (!outcome.ok) {
    t.is(outcome.stage, 'validate');
    t.regex(outcome.message, /\/etc\/ssh\/sshd_config\.d\/50-site\.conf changed since the preview; preview again/);
  }
  t.false(fs.existsSync(path.join(root, 'etc/ssh/sshd_config.d/00-hardtop.conf')), 'nothing was written');
  t.is(fs.readFileSync(path.join(root, 'etc/ssh/sshd_config'), 'utf8'), mainBefore);

  // Previewed again, the new text is what sshd -t sees: refused while planning or at validation.
  const again = await hardenServer.plan(host, ctx);
  if (again.guard === undefined) {
    const second = await applyPlan(host, again);
    t.false(second.ok);
    if (!second.ok) t.regex(second.message, /FrobnicateEverything|Bad configuration option/i);
  } else t.regex(again.guard.reason, /FrobnicateEverything|frobnicateeverything/i);
});

asRoot('ssh.client.harden: an Include\'d drop-in changed after the preview is not validated as it was: the apply is refused, nothing changes', async (t) => {
  const root = copyRoot(t, 'ssh-client-weak');
  const host = hostFor(root);
  const plan = await hardenClient.plan(host, ctx);
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.false(plan.edits.some((e) => e.path.endsWith('10-legacy.conf')), 'the plan only reads the legacy drop-in');
  const legacy = path.join(root, 'etc/ssh/ssh_config.d/10-legacy.conf');
  fs.appendFileSync(legacy, 'Host nas\n    Ciphers frobnicate-ctr\n'); // ssh -G: Bad SSH2 cipher spec
  const before = fs.readFileSync(path.join(root, 'etc/ssh/ssh_config'), 'utf8');

  const outcome = await applyPlan(host, plan);
  t.false(outcome.ok, 'validated on the stale text, this would have gone live');
  if (!outcome.ok) {
    t.is(outcome.stage, 'validate');
    t.regex(outcome.message, /\/etc\/ssh\/ssh_config\.d\/10-legacy\.conf changed since the preview; preview again/);
  }
  t.false(fs.existsSync(path.join(root, 'etc/ssh/ssh_config.d/00-hardtop.conf')), 'nothing was written');
  t.is(fs.readFileSync(path.join(root, 'etc/ssh/ssh_config'), 'utf8'), before);
  t.regex((await hardenClient.plan(host, ctx)).guard?.reason ?? '', /^ssh -G refuses the edited configuration: .*frobnicate-ctr/, 'previewed again, the real client sees the new text');
});
