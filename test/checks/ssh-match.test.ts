// src/parse/sshd-match.ts: sshd's Match criteria (which connection a block
// applies to, and a connection that triggers it), checked case by case and
// then against the real `sshd -T -C` for every case (the same answers).

import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addressList, DEFAULT_SPEC, matchApplies, patternList, probeFor, specArgument, specShort, type AccountDb, type ConnectionSpec } from '../../src/parse/sshd-match';
import { canRunSshd, ensurePrivsepDir } from './ssh-server-helpers';

ensurePrivsepDir();
const sshdTest = canRunSshd ? test : test.skip;

const db: AccountDb = {
  users: ['root', 'alice', 'bob', 'carol'],
  groupsOf: (u) => ({ root: ['root'], alice: ['alice', 'sudo'], bob: ['bob', 'backup'], carol: ['carol', 'contractors', 'sudo'] })[u] ?? [],
};
const spec = (over: Partial<ConnectionSpec>): ConnectionSpec => ({ ...DEFAULT_SPEC, ...over });
const crit = (line: string) => line.split(/\s+/);

test('pattern lists: a negated match wins; a list of only negations matches nothing; Host is case-insensitive', (t) => {
  t.is(patternList('bob', 'alice,bob', false), 1);
  t.is(patternList('root', '*,!root', false), -1);
  t.is(patternList('alice', '!root', false), 0, 'sshd_config(5): only-negated lists never match');
  t.is(patternList('Web1.Example.COM', '*.example.com', true), 1);
  t.is(patternList('Bob', 'bob', false), 0, 'User is compared as written');
});

test('address lists: IPv4 and IPv6 CIDR, wildcard patterns, negation', (t) => {
  t.is(addressList('10.200.3.4', '10.0.0.0/8'), 1);
  t.is(addressList('11.0.0.1', '10.0.0.0/8'), 0);
  t.is(addressList('192.168.1.5', '192.168.1.*,!192.168.1.5'), -1);
  t.is(addressList('192.168.1.7', '192.168.1.*,!192.168.1.5'), 1);
  t.is(addressList('2001:db8::1', '2001:db8::/32'), 1);
  t.is(addressList('2001:db9::1', '2001:db8::/32'), 0);
  t.is(addressList('::ffff:10.0.0.1', '10.0.0.0/8'), 0, 'families do not mix');
  t.is(addressList('10.0.0.1', '10.0.0.1/33'), 0, 'a bad prefix matches nothing');
});

test('probes: a connection that triggers each block, or why none can', (t) => {
  const probe = (line: string) => probeFor(crit(line), db);
  t.deepEqual(probe('Address 10.0.0.0/8'), { spec: spec({ addr: '10.0.0.1' }) });
  t.deepEqual(probe('User backup'), { spec: spec({ user: 'backup' }) });
  t.deepEqual(probe('User *,!root Address 192.168.1.*,!192.168.1.1'), { spec: spec({ user: 'x', addr: '192.168.1.2' }) });
  t.deepEqual(probe('Group contractors'), { spec: spec({ user: 'carol' }) });
  t.deepEqual(probe('Group sudo User !carol,*'), { spec: spec({ user: 'alice' }) });
  t.deepEqual(probe('Host *.lan LocalPort 2222'), { spec: spec({ host: 'x.lan', lport: '2222' }) });
  t.deepEqual(probe('Address 2001:db8::/32'), { spec: spec({ addr: '2001:db8:0:0:0:0:0:1' }) });
  t.deepEqual(probe('All'), { spec: spec({}) });
  t.regex((probe('User !root') as { cannot: string }).cannot, /^User !root lists only negated patterns/);
  t.regex((probe('Group wheel') as { cannot: string }).cannot, /^no account .* is in group wheel/);
  t.regex((probe('Address 10.0.0.0/8 Address 192.168.0.0/16') as { cannot: string }).cannot, /^no address matches Address/);
  t.is(specArgument(spec({ addr: '10.0.0.1' })), 'user=hardtop-probe,host=hardtop.invalid,addr=10.0.0.1,laddr=192.0.2.2,lport=22');
  t.is(specShort(spec({ addr: '10.0.0.1', user: 'bob' })), 'user=bob,addr=10.0.0.1');
  t.is(specShort(spec({})), 'any connection');
  for (const line of ['Address 10.0.0.0/8', 'User *,!root Address 192.168.1.*,!192.168.1.1', 'Group contractors', 'Host *.lan LocalPort 2222']) {
    const p = probe(line);
    t.true('spec' in p && matchApplies(crit(line), p.spec, db), `the probe for "${line}" satisfies it`);
  }
});

/** Cases sshd itself judges: [Match criteria, connection, applies?]. Group needs sshd's NSS: left to the check tests. */
const CASES: [string, Partial<ConnectionSpec>, boolean][] = [
  ['User alice,bob', { user: 'bob' }, true],
  ['User alice,bob', { user: 'carol' }, false],
  ['User *,!root', { user: 'root' }, false],
  ['User *,!root', { user: 'alice' }, true],
  ['User !root', { user: 'alice' }, false],
  ['User a?ice', { user: 'alice' }, true],
  ['Address 10.0.0.0/8', { addr: '10.1.2.3' }, true],
  ['Address 10.0.0.0/8', { addr: '11.0.0.1' }, false],
  ['Address 192.168.1.*,!192.168.1.5', { addr: '192.168.1.5' }, false],
  ['Address 192.168.1.*,!192.168.1.5', { addr: '192.168.1.7' }, true],
  ['Address 2001:db8::/32', { addr: '2001:db8::1' }, true],
  ['Address 2001:db8::/32', { addr: '2001:db9::1' }, false],
  ['Host *.example.com', { host: 'a.example.com' }, true],
  ['Host *.example.com', { host: 'example.com' }, false],
  ['LocalPort 2222', { lport: '2222' }, true],
  ['LocalPort 2222', { lport: '22' }, false],
  ['LocalAddress 127.0.0.0/8', { laddr: '127.0.0.1' }, true],
  ['User alice Address 10.0.0.0/8', { user: 'alice', addr: '10.0.0.9' }, true],
  ['User alice Address 10.0.0.0/8', { user: 'alice', addr: '172.16.0.1' }, false],
];

sshdTest('the same answers as the real sshd -T -C, case by case', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-match-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'hk')]);
  for (const [line, over, expected] of CASES) {
    const cfg = path.join(dir, 'sshd_config');
    fs.writeFileSync(cfg, `HostKey ${dir}/hk\nBanner none\nMatch ${line}\n\tBanner /matched\n`);
    const c = spec(over);
    const r = spawnSync('/usr/sbin/sshd', ['-T', '-f', cfg, '-C', specArgument(c)], { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
    const sshdSays = /^banner \/matched$/m.test(r.stdout);
    t.is(sshdSays, expected, `sshd: Match ${line} for ${specArgument(c)}`);
    t.is(matchApplies(crit(line), c, db), expected, `hardtop: Match ${line} for ${specArgument(c)}`);
  }
});
