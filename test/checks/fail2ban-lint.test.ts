// Lint (issue 6): an enabled jail that cannot work here, on the f2b-lint-*
// fixture sysroots (test/fixtures/roots/build-f2b.sh), folded into the
// checks whose meaning fits: fail2ban.sshd-jail, fail2ban.recidive and
// fail2ban.web-jails. Plus the two small parsers it reads with, on real and
// ugly input, and fail2ban.enable-jails switching a banaction whose tool is
// missing (validated by the real fail2ban-client -t).

import test from 'ava';
import * as path from 'node:path';
import { enableJails } from '../../checks/fail2ban/fix-enable-jails';
import { portsOf } from '../../checks/fail2ban/lint';
import { fail2banRecidive } from '../../checks/fail2ban/recidive';
import { fail2banSshdJail } from '../../checks/fail2ban/sshd-jail';
import { fail2banWebJails } from '../../checks/fail2ban/web-jails';
import type { Check, Finding, RunContext } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import { undo } from '../../src/fix/undo';
import { createLocalHost } from '../../src/host/local-host';
import { parseServices } from '../../src/parse/etc-services';
import { listeningPorts, parseProcNetTcp } from '../../src/parse/proc-net-tcp';
import { changedPaths, copyRoot, read, ROOTS, snapshot, write } from '../fixtures/fix/updates/tree';

const ctx: RunContext = { now: new Date('2026-11-28T12:00:00Z'), network: false, signal: new AbortController().signal };

function run(check: Check, root: string): Promise<Finding> {
  return check.run(createLocalHost({ root: path.isAbsolute(root) ? root : path.join(ROOTS, root), network: false }), ctx);
}

const NOT_RUNNING = 'not running: no socket at /var/run/fail2ban/fail2ban.sock; judged from the configuration';

test('sshd-jail: a banaction whose firewall tool is missing is a fail, with the action line and enable-jails offered', async (t) => {
  const f = await run(fail2banSshdJail, 'f2b-lint-firewall');
  t.is(f.status, 'fail');
  t.is(
    f.summary,
    `[sshd] is enabled (/etc/fail2ban/jail.d/defaults-debian.conf:2); ${NOT_RUNNING}, but action iptables-multiport needs iptables, which is not installed: fail2ban logs bans and blocks nothing (apt-get install iptables, or set banaction)`,
  );
  t.deepEqual(f.evidence[1], { file: '/etc/fail2ban/jail.conf', line: 265, text: 'action = %(action_)s (= iptables-multiport[port="ssh", protocol="tcp", chain="<known/chain>"])' });
  t.deepEqual(f.fixes, ['fail2ban.enable-jails']);
});

test('sshd-jail: a jail guarding a port nothing listens on is a warn; an established connection on 22 is not a listener', async (t) => {
  const f = await run(fail2banSshdJail, 'f2b-lint-port');
  t.is(f.status, 'warn');
  t.is(
    f.summary,
    `[sshd] is enabled (/etc/fail2ban/jail.d/defaults-debian.conf:2); ${NOT_RUNNING}, but port ssh (22): nothing listens there (TCP listening: 80, 2222), so bans block a port no one uses; set port to where the service listens`,
  );
  t.deepEqual(f.evidence.slice(1), [
    { file: '/etc/fail2ban/jail.conf', line: 282, text: 'port = ssh' },
    { file: '/proc/net/tcp', text: 'listening: 80, 2222' },
  ]);
  t.deepEqual(f.fixes, [], 'enable-jails does not move ports');
  // Where sshd listens on 22 too, the same jail is fine.
  const root = copyRoot(t, 'f2b-lint-port');
  write(root, '/proc/net/tcp6', `${read(root, '/proc/net/tcp6')}   2: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 100 0 0 10 0\n`);
  t.is((await run(fail2banSshdJail, root)).status, 'pass');
  // A moved port the jail follows: pass again.
  const moved = copyRoot(t, 'f2b-lint-port');
  write(moved, '/etc/fail2ban/jail.local', '[sshd]\nport = 2222\n');
  t.is((await run(fail2banSshdJail, moved)).status, 'pass');
});

test('sshd-jail: backend = systemd without python3-systemd (or without journald) is a fail', async (t) => {
  const f = await run(fail2banSshdJail, 'f2b-lint-backend');
  t.is(f.status, 'fail');
  t.regex(f.summary, /, but backend = systemd needs python3-systemd, which is not installed: fail2ban cannot start the jail \(apt-get install python3-systemd\)$/);
  t.deepEqual(f.evidence[1], { file: '/etc/fail2ban/jail.local', line: 2, text: 'backend = systemd' });
  const noJournald = copyRoot(t, 'f2b-lint-backend');
  write(noJournald, '/var/lib/dpkg/status', read(noJournald, '/var/lib/dpkg/status').replace('Package: systemd\n', 'Package: systemd-not\n'));
  t.regex((await run(fail2banSshdJail, noJournald)).summary, /, but backend = systemd but journald is not installed: the jail has no journal to read$/);
  const withPy = copyRoot(t, 'f2b-lint-backend');
  write(withPy, '/usr/lib/python3/dist-packages/systemd/journal.py', '');
  t.is((await run(fail2banSshdJail, withPy)).status, 'pass', 'a pip/module install of the binding counts');
});

test('recidive: its all-ports action needs the firewall tool too; the port of an all-ports jail is not judged', async (t) => {
  const root = copyRoot(t, 'f2b-lint-firewall');
  write(root, '/etc/fail2ban/jail.local', '[recidive]\nenabled = true\n');
  const f = await run(fail2banRecidive, root);
  t.is(f.status, 'fail');
  t.regex(f.summary, /^\[recidive\] is enabled \(\/etc\/fail2ban\/jail\.local:2\); .*, but action iptables-allports needs iptables, which is not installed/);
  const port = copyRoot(t, 'f2b-lint-port');
  write(port, '/etc/fail2ban/jail.local', '[recidive]\nenabled = true\nport = 9999\n');
  t.is((await run(fail2banRecidive, port)).status, 'pass', 'recidive bans every port: its port setting does not matter');
});

test('web-jails: a guarding jail whose log file does not exist is a fail item, and no unrelated fix is offered', async (t) => {
  const f = await run(fail2banWebJails, 'f2b-lint-weblog');
  t.is(f.status, 'fail');
  t.deepEqual(f.items?.map((i) => [i.subject, i.status, i.summary]), [
    ['nginx', 'fail', 'guarded by [nginx-http-auth], but [nginx-http-auth] logpath /var/log/nginx/*error.log matches no file (backend auto): fail2ban will not start'],
  ]);
  t.deepEqual(f.fixes, []);
  const fixed = copyRoot(t, 'f2b-lint-weblog');
  write(fixed, '/var/log/nginx/error.log', '');
  t.is((await run(fail2banWebJails, fixed)).status, 'pass');
});

test('enable-jails on f2b-lint-firewall: banaction = nftables (installed) instead of iptables (missing); fail2ban -t accepts it; sshd-jail passes; undo', async (t) => {
  const root = copyRoot(t, 'f2b-lint-firewall');
  const host = createLocalHost({ root, network: false });
  const plan = await enableJails.plan(host, ctx);
  t.true(plan.guard?.ok, plan.guard?.reason);
  t.regex(plan.edits[0].after, /\[sshd\][^[]*\nbanaction = nftables\n/);
  t.regex(plan.edits[0].after, /\[recidive\][^[]*\nbanaction_allports = nftables\[type=allports\]\n/);
  const before = snapshot(root);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  const sshd = await fail2banSshdJail.run(host, ctx);
  t.is(sshd.status, 'pass', sshd.summary);
  t.is((await fail2banRecidive.run(host, ctx)).status, 'pass');
  t.true((await undo(host, {})).ok);
  t.deepEqual(changedPaths(before, snapshot(root)), []);
});

// ---------------------------------------------------------------------------
// The parsers

test('proc-net-tcp: LISTEN sockets only, IPv4 and IPv6, ports from hex; odd lines reported with file:line, never thrown', (t) => {
  const v4 = parseProcNetTcp(read(path.join(ROOTS, 'f2b-lint-port'), '/proc/net/tcp'), '/proc/net/tcp');
  t.deepEqual(v4.listeners, [
    { addressHex: '00000000', port: 2222 },
    { addressHex: '00000000', port: 80 },
  ]);
  t.deepEqual(v4.problems, []);
  const v6 = parseProcNetTcp(read(path.join(ROOTS, 'f2b-lint-port'), '/proc/net/tcp6'), '/proc/net/tcp6');
  t.deepEqual(listeningPorts([v4, v6]), [80, 2222]);
  const ugly = parseProcNetTcp('  sl  local_address\n   0: 0100007F:0016 00000000:0000 0a 0 0\ngarbage here\n\n   1: zz:0016 00000000:0000 0A\n\u001b[31m', '/proc/net/tcp');
  t.deepEqual(ugly.listeners, [{ addressHex: '0100007F', port: 22 }], 'lower-case state 0a is LISTEN');
  t.deepEqual(
    ugly.problems.map((p) => [p.line, p.message.slice(0, 20)]),
    [
      [3, 'not a socket line: "'],
      [5, 'not a socket line: "'],
      [6, 'not a socket line: "'],
    ],
  );
  t.deepEqual(parseProcNetTcp('', 'x').listeners, []);
});

test('etc-services: tcp names and aliases; udp-only, comments and junk skipped', (t) => {
  const m = parseServices('# comment\nssh\t22/tcp\t\t# SSH\nhttp 80/tcp www www-http\nntp 123/udp\nbad 99999/tcp\nonly-name\nSMTP 25/TCP mail\nssh 2222/tcp\n');
  t.deepEqual([...m], [
    ['ssh', 22],
    ['http', 80],
    ['www', 80],
    ['www-http', 80],
    ['smtp', 25],
    ['mail', 25],
  ]);
});

test('port values: names, numbers, lists and short ranges; undecidable ones are null', (t) => {
  const services = new Map([
    ['ssh', 22],
    ['http', 80],
    ['https', 443],
  ]);
  t.deepEqual(portsOf('ssh', services), [[22, 22]]);
  t.deepEqual(portsOf('http,https', services), [
    [80, 80],
    [443, 443],
  ]);
  t.deepEqual(portsOf(' 2222 , 8000:8010', services), [
    [2222, 2222],
    [8000, 8010],
  ]);
  t.is(portsOf('0:65535', services), null, 'a wide range is not judged');
  t.is(portsOf('sftp', services), null, 'an unknown name is not judged');
  t.is(portsOf('', services), null);
});
