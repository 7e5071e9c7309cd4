// fail2ban.enable-jails and fail2ban.ignore against a REAL fail2ban-server
// (test/helpers/fail2ban-server.ts: temp config, socket, database and logs;
// banaction dummy; 127.x and documentation addresses only). The server
// starts with [sshd] and [recidive] defined but disabled, as Debian ships
// most jails.
//
// The fixes run on the server's sysroot view through the real engine
// (fail2ban's own -t on the staged tree). Under --root they do not reload
// (fix-common.ts says why), so the test plays the admin's reload: it copies
// the hardtop.local the fix wrote into the server's own config view (it
// holds no paths) and runs `fail2ban-client reload`. Then the server must
// run the jails with the policy's values, ban by them, and ignore the
// address; undo must restore the bytes and, reloaded, the old state.
// Serial: each step builds on the last.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { enableJails } from '../../checks/fail2ban/fix-enable-jails';
import { ignoreFix } from '../../checks/fail2ban/fix-ignore';
import { fail2banRecidive } from '../../checks/fail2ban/recidive';
import { fail2banSshdJail } from '../../checks/fail2ban/sshd-jail';
import type { RunContext } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import { undo } from '../../src/fix/undo';
import { createLocalHost } from '../../src/host/local-host';
import { changedPaths, snapshot } from '../fixtures/fix/updates/tree';
import { startFail2banServer, type Fail2banServer } from '../helpers/fail2ban-server';

const LOCAL = 'jail.d/hardtop.local';
const ctx: RunContext = { now: new Date(), network: false, signal: new AbortController().signal };
const teardowns: Array<() => Promise<void> | void> = [];
let server: Fail2banServer;
let etcBefore: Map<string, string>;

test.before(async () => {
  server = await startFail2banServer({ teardown: (fn) => void teardowns.push(fn) }, { disableJails: ['sshd', 'recidive'], maxretry: 6, bantime: '10m', findtime: '5m' });
  etcBefore = snapshot(path.join(server.root, 'etc'));
});

test.after.always(async () => {
  for (const fn of teardowns) await fn();
});

const host = () => createLocalHost({ root: server.root, network: false });

/** The admin's reload: hardtop.local as the fix left it, into the server's own view, then `fail2ban-client reload`. */
async function mirrorAndReload(): Promise<void> {
  const written = path.join(server.root, 'etc/fail2ban', LOCAL);
  const served = path.join(server.serverConf, LOCAL);
  fs.mkdirSync(path.dirname(served), { recursive: true });
  if (fs.existsSync(written)) fs.copyFileSync(written, served);
  else fs.rmSync(served, { force: true });
  const r = await server.client(['reload'], 30000);
  if (r.code !== 0) throw new Error(`reload failed: ${r.stdout}${r.stderr}`);
}

async function get(jail: string, what: string): Promise<string> {
  const r = await server.client(['get', jail, what]);
  return r.stdout.trim();
}

async function jailList(): Promise<string> {
  return /Jail list:\s*(.*)/.exec((await server.client(['status'])).stdout)?.[1].trim() ?? '?';
}

test.serial('enable-jails: the real server runs sshd and recidive with the policy values after reload, and bans by them', async (t) => {
  t.is(await jailList(), '', 'no jail runs before');
  const plan = await enableJails.plan(host(), ctx);
  t.true(plan.guard?.ok, plan.guard?.reason);
  t.deepEqual(plan.commands, []);
  t.true(plan.warnings.some((w) => w.startsWith('under --root the running fail2ban is not reloaded')), plan.warnings.join('\n'));
  const outcome = await applyPlan(host(), plan, { stateDir: '/var/lib/hardtop' });
  t.true(outcome.ok, JSON.stringify(outcome));
  await mirrorAndReload();

  t.is(await jailList(), 'recidive, sshd');
  t.deepEqual(
    [await get('sshd', 'bantime'), await get('sshd', 'findtime'), await get('sshd', 'maxretry'), await get('sshd', 'bantime.increment')],
    ['3600', '600', '3', 'True'],
  );
  t.deepEqual([await get('recidive', 'bantime'), await get('recidive', 'findtime'), await get('recidive', 'maxretry')], ['604800', '86400', '5']);
  t.is((await fail2banSshdJail.run(host(), ctx)).status, 'pass');
  t.is((await fail2banRecidive.run(host(), ctx)).status, 'pass');

  // maxretry 3 (the policy), not the server's 6: three failures ban.
  server.failLogins('127.0.0.9', 3);
  await server.waitForBan('sshd', '127.0.0.9');
  t.pass();
});

test.serial('ignore: the address is in the running jail\'s ignoreip after reload, and its failures are ignored; undo takes it back', async (t) => {
  const plan = await ignoreFix.plan(host(), ctx, { address: '192.0.2.0/24', wide: 'no' });
  t.true(plan.guard?.ok, plan.guard?.reason);
  const outcome = await applyPlan(host(), plan, { stateDir: '/var/lib/hardtop' });
  t.true(outcome.ok, JSON.stringify(outcome));
  await mirrorAndReload();
  t.regex(await get('sshd', 'ignoreip'), /192\.0\.2\.0\/24/);
  t.regex(await get('recidive', 'ignoreip'), /192\.0\.2\.0\/24/, '[DEFAULT]: every jail');

  server.failLogins('192.0.2.9', 4);
  await server.waitFor('fail2ban to ignore 192.0.2.9', () => fs.readFileSync(server.fail2banLog, 'utf8').includes('[sshd] Ignore 192.0.2.9 by ip'));
  t.false((await get('sshd', 'banip')).split(/\s+/).includes('192.0.2.9'));

  const undone = await undo(host(), { stateDir: '/var/lib/hardtop' });
  t.true(undone.ok, JSON.stringify(undone));
  await mirrorAndReload();
  t.notRegex(await get('sshd', 'ignoreip'), /192\.0\.2\.0/);
});

test.serial('on the live system (root /) a running server gets `fail2ban-client reload` with its own socket, marked as a reload (re-run by undo)', async (t) => {
  // A sysroot host that claims to be "/": the plan is built, never applied
  // (its reload would send the tree's host paths to this test server).
  const base = host();
  const live = new Proxy(base, {
    get(target, prop) {
      if (prop === 'root') return '/';
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const plan = await ignoreFix.plan(live, ctx, { address: '198.51.100.0/24', wide: 'no' });
  t.true(plan.guard?.ok, plan.guard?.reason);
  t.deepEqual(
    plan.commands.map((c) => [c.argv, c.reload]),
    [[['fail2ban-client', '-c', path.join(server.root, 'etc/fail2ban'), '-s', server.socket, 'reload'], true]],
  );
  t.deepEqual(plan.validate[0].argv, ['fail2ban-client', '-q', '-c', '{stage}/etc/fail2ban', '-t']);
});

test.serial('undo of enable-jails: /etc is byte for byte as before; reloaded, no jail runs', async (t) => {
  const undone = await undo(host(), { stateDir: '/var/lib/hardtop' });
  t.true(undone.ok, JSON.stringify(undone));
  t.deepEqual(changedPaths(etcBefore, snapshot(path.join(server.root, 'etc'))), []);
  await mirrorAndReload();
  t.is(await jailList(), '');
});
