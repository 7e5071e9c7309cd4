import test from 'ava';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFail2banIni } from '../../src/parse/fail2ban-ini';
import {
  asBool,
  baseName,
  formatSeconds,
  getOption,
  includePath,
  includesOf,
  localSibling,
  logpathEntries,
  mergeIniFiles,
  splitWords,
  stackOrder,
  str2seconds,
} from '../../src/parse/fail2ban-config';

const FIX = path.resolve(__dirname, '../fixtures/fail2ban');

function ini(text: string, file = '/etc/fail2ban/x.conf') {
  const p = parseFail2banIni(text, file);
  if (p.errors.length) throw new Error(JSON.stringify(p.errors));
  return p;
}

function fixture(rel: string, as: string) {
  return ini(fs.readFileSync(path.join(FIX, rel), 'utf8'), as);
}

function value(cfg: ReturnType<typeof mergeIniFiles>, section: string, key: string): string | undefined {
  const r = getOption(cfg, section, key);
  if (!r) return undefined;
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

test('stack order: NAME.conf, NAME.d/*.conf, NAME.local, NAME.d/*.local, globs sorted by code point', (t) => {
  t.deepEqual(stackOrder('/etc/fail2ban', 'jail', ['/etc/fail2ban/jail.d/b.conf', '/etc/fail2ban/jail.d/A.conf'], ['/etc/fail2ban/jail.d/z.local', '/etc/fail2ban/jail.d/a.local']), [
    '/etc/fail2ban/jail.conf',
    '/etc/fail2ban/jail.d/A.conf',
    '/etc/fail2ban/jail.d/b.conf',
    '/etc/fail2ban/jail.local',
    '/etc/fail2ban/jail.d/a.local',
    '/etc/fail2ban/jail.d/z.local',
  ]);
});

test('includes: relative to the including file, absolute kept, X.conf brings X.local', (t) => {
  t.is(includePath('/etc/fail2ban/jail.conf', 'paths-debian.conf'), '/etc/fail2ban/paths-debian.conf');
  t.is(includePath('/etc/fail2ban/filter.d/sshd.conf', 'common.conf'), '/etc/fail2ban/filter.d/common.conf');
  t.is(includePath('/etc/fail2ban/jail.conf', '/opt/f2b/extra.conf'), '/opt/f2b/extra.conf');
  t.is(localSibling('/etc/fail2ban/paths-debian.conf'), '/etc/fail2ban/paths-debian.local');
  t.deepEqual(includesOf(fixture('debian12/jail.conf', '/etc/fail2ban/jail.conf')), { before: ['/etc/fail2ban/paths-debian.conf'], after: [] });
  t.deepEqual(includesOf(fixture('debian12/paths-debian.conf', '/etc/fail2ban/paths-debian.conf')), {
    before: ['/etc/fail2ban/paths-common.conf'],
    after: ['/etc/fail2ban/paths-overrides.local'],
  });
  t.deepEqual(includesOf(ini('[INCLUDES]\nbefore = a.conf\n         b.conf\n')), { before: ['/etc/fail2ban/a.conf', '/etc/fail2ban/b.conf'], after: [] });
  t.deepEqual(includesOf(ini('[DEFAULT]\nd = x\n[INCLUDES]\nafter = %(d)s.conf\n')), { before: [], after: ['/etc/fail2ban/x.conf'] }, 'interpolated with the file\'s own values');
  t.deepEqual(includesOf(ini('[sshd]\nenabled = true\n')), { before: [], after: [] });
});

test('merge: later files win, key by key, [DEFAULT] included; replaced values stay as known/', (t) => {
  const cfg = mergeIniFiles([
    ini('[DEFAULT]\nbantime = 10m\nmaxretry = 5\n[sshd]\nport = ssh\nlogpath = /var/log/auth.log\n', '/etc/fail2ban/jail.conf'),
    ini('[sshd]\nenabled = true\n', '/etc/fail2ban/jail.d/defaults-debian.conf'),
    ini('[DEFAULT]\nbantime = 1h\n[sshd]\nport = %(known/port)s,2222\n[new]\nenabled = true\n', '/etc/fail2ban/jail.local'),
  ]);
  t.deepEqual(cfg.files, ['/etc/fail2ban/jail.conf', '/etc/fail2ban/jail.d/defaults-debian.conf', '/etc/fail2ban/jail.local']);
  t.deepEqual([...cfg.sections.keys()], ['sshd', 'new']);
  t.is(value(cfg, 'sshd', 'bantime'), '1h');
  t.is(value(cfg, 'sshd', 'maxretry'), '5');
  t.is(value(cfg, 'sshd', 'enabled'), 'true');
  t.is(value(cfg, 'sshd', 'port'), 'ssh,2222');
  t.is(value(cfg, 'sshd', 'logpath'), '/var/log/auth.log');
  const origin = getOption(cfg, 'sshd', 'bantime');
  t.deepEqual(origin && { file: origin.origin.file, line: origin.origin.line }, { file: '/etc/fail2ban/jail.local', line: 2 });
  t.is(cfg.known.get('sshd')?.get('port')?.value, 'ssh');
});

test('interpolation: %(key)s from the section then [DEFAULT], %(__name__)s, section/, default/, known/, %%', (t) => {
  const cfg = mergeIniFiles([
    ini(
      [
        '[DEFAULT]',
        'mode = normal',
        'filter = %(__name__)s[mode=%(mode)s]',
        'action_ = %(banaction)s[port="%(port)s"]',
        'banaction = iptables',
        'port = 0:65535',
        'pct = 100%%',
        '[sshd]',
        'mode = aggressive',
        'port = ssh',
        '[nsd]',
        'action_ = %(default/action_)s[name=%(__name__)s-tcp]',
        'copy = %(sshd/port)s %(sshd/banaction)s',
        'Mixed = %(MODE)s',
      ].join('\n'),
    ),
  ]);
  t.is(value(cfg, 'sshd', 'filter'), 'sshd[mode=aggressive]');
  t.is(value(cfg, 'nsd', 'filter'), 'nsd[mode=normal]');
  t.is(value(cfg, 'sshd', 'action_'), 'iptables[port="ssh"]');
  t.is(value(cfg, 'nsd', 'action_'), 'iptables[port="0:65535"][name=nsd-tcp]');
  t.is(value(cfg, 'nsd', 'copy'), 'ssh iptables', 'a section/key missing in the section falls back to [DEFAULT]');
  t.is(value(cfg, 'nsd', 'mixed'), 'normal', 'names are case-insensitive');
  t.is(value(cfg, 'sshd', 'pct'), '100%');
  t.is(getOption(cfg, 'sshd', 'nothing'), null);
});

test('interpolation errors name the key and where it is set, never throw', (t) => {
  const undefinedVar = mergeIniFiles([fixture('interpolation/undefined-variable.local', '/etc/fail2ban/jail.local')]);
  const u = getOption(undefinedVar, 'sshd', 'logpath');
  t.deepEqual(u, { ok: false, error: '"logpath": %(no_such_log)s is not defined in [sshd] or [DEFAULT]', origin: { value: '%(no_such_log)s', file: '/etc/fail2ban/jail.local', line: 3 } });
  const loop = mergeIniFiles([fixture('interpolation/interpolation-loop.local', '/etc/fail2ban/jail.local')]);
  const l = getOption(loop, 'sshd', 'backend');
  t.false(l!.ok);
  t.regex((l as { error: string }).error, /deeper than 10 levels/);
  const pct = mergeIniFiles([fixture('interpolation/bare-percent.local', '/etc/fail2ban/jail.local')]);
  t.regex((getOption(pct, 'sshd', 'backend') as { error: string }).error, /"%" must be followed by "%" or "\("/);
});

test('interpolation errors match Python\'s: the same keys fail in fail2ban\'s own parser', (t) => {
  const py = `
import json, sys
from fail2ban.client.configparserinc import SafeConfigParserWithIncludes as P
out = {}
for f in sys.argv[1:]:
    p = P(); p.read(f, get_includes=False)
    for s in p.sections():
        for k in p.options(s):
            try:
                out[f + ' ' + s + ' ' + k] = p.get(s, k)
            except Exception as e:
                out[f + ' ' + s + ' ' + k] = 'ERROR'
print(json.dumps(out))`;
  const files = fs.readdirSync(path.join(FIX, 'interpolation')).map((f) => path.join(FIX, 'interpolation', f));
  const python = fs.readFileSync('/usr/bin/fail2ban-client', 'utf8').split('\n')[0].replace(/^#!\s*/, '');
  const oracle = JSON.parse(child.execFileSync(python, ['-c', py, ...files], { encoding: 'utf8' })) as Record<string, string>;
  t.true(Object.keys(oracle).length >= 8);
  for (const [key, theirs] of Object.entries(oracle)) {
    const [file, section, option] = key.split(' ');
    const cfg = mergeIniFiles([ini(fs.readFileSync(file, 'utf8'), file)]);
    const ours = getOption(cfg, section, option);
    t.is(ours === null ? 'MISSING' : ours.ok ? ours.value : 'ERROR', theirs, key);
  }
});

test('conditional sections [name?family=inet6] fold into name with suffixed keys', (t) => {
  const cfg = mergeIniFiles([ini('[Init]\nblocktype = REJECT\n[Init?family=inet6]\nblocktype = REJECT6\n')]);
  t.deepEqual([...cfg.sections.keys()], ['Init']);
  t.is(value(cfg, 'Init', 'blocktype'), 'REJECT');
  t.is(value(cfg, 'Init', 'blocktype?family=inet6'), 'REJECT6');
});

test('time values read as fail2ban reads them (MyTime.str2seconds, checked against fail2ban itself)', (t) => {
  const values = ['10m', '1h', '1h 30m', '1d12h', '-1', '3600', '1w', '1mo', '1y', '2 days', '1.5h', '5s', '1 2 3', 'abc', '', '1h\nfindtime = 10m', '10 minutes', '1hour+30min', '1year-6mo', '48h', '1d 1d'];
  const py = `
import json, sys
from fail2ban.server.mytime import MyTime
out = []
for v in json.loads(sys.argv[1]):
    try:
        out.append(float(MyTime.str2seconds(v)))
    except Exception:
        out.append(None)
print(json.dumps(out))`;
  const python = fs.readFileSync('/usr/bin/fail2ban-client', 'utf8').split('\n')[0].replace(/^#!\s*/, '');
  const oracle = JSON.parse(child.execFileSync(python, ['-c', py, JSON.stringify(values)], { encoding: 'utf8' })) as Array<number | null>;
  values.forEach((v, i) => t.is(str2seconds(v), oracle[i], JSON.stringify(v)));
  t.is(str2seconds('1d12h'), 129600);
  t.is(str2seconds('abc'), null);
});

test('small helpers: booleans, word lists, filter names, logpath lines, durations', (t) => {
  for (const v of ['1', 'on', 'true', 'yes', 'True', 'YES']) t.true(asBool(v), v);
  for (const v of ['0', 'off', 'false', 'no', 'y', 'enabled', '']) t.false(asBool(v), v);
  t.deepEqual(splitWords('127.0.0.1/8 ::1,\n192.0.2.0/24  2001:db8::/48,,x'), ['127.0.0.1/8', '::1', '192.0.2.0/24', '2001:db8::/48', 'x']);
  t.is(baseName('sshd[mode=aggressive]'), 'sshd');
  t.is(baseName(' recidive '), 'recidive');
  t.deepEqual(logpathEntries('/var/log/auth.log\n/var/log/secure tail\n\n/opt/cstrike/logs/L[0-9]*.log'), ['/var/log/auth.log', '/var/log/secure', '/opt/cstrike/logs/L[0-9]*.log']);
  t.is(formatSeconds(3600), '1h');
  t.is(formatSeconds(129600), '1d 12h');
  t.is(formatSeconds(604800), '1w');
  t.is(formatSeconds(-1), 'permanent');
  t.is(formatSeconds(0), '0s');
});
