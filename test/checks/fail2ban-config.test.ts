// The jail and fail2ban stacks read through the Host, in fail2ban's order,
// checked against fail2ban's own reader (`fail2ban-client -d` dumps the
// configuration it would send to the server).

import test from 'ava';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadStack } from '../../checks/fail2ban/config';
import { option, readJails } from '../../checks/fail2ban/jails';
import { loadServerSettings } from '../../checks/fail2ban/server';
import { createLocalHost } from '../../src/host/local-host';

const FIX = path.resolve(__dirname, '../fixtures/fail2ban');

/** A sysroot whose /etc/fail2ban is the given fixture dirs laid over each other. */
function sysroot(t: { teardown(fn: () => void): void }, ...layers: string[]): { root: string; etc: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'f2b-stack-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const etc = path.join(root, 'etc/fail2ban');
  fs.mkdirSync(etc, { recursive: true });
  for (const l of layers) fs.cpSync(path.join(FIX, l), etc, { recursive: true });
  return { root, etc };
}

test('the jail stack: includes and files in fail2ban\'s order', async (t) => {
  const { root } = sysroot(t, 'debian12', 'overrides');
  const s = await loadStack(createLocalHost({ root }), 'jail');
  if (s.kind !== 'ok') return t.fail(JSON.stringify(s));
  t.deepEqual(s.config.files, [
    '/etc/fail2ban/paths-common.conf',
    '/etc/fail2ban/paths-overrides.local',
    '/etc/fail2ban/paths-debian.conf',
    '/etc/fail2ban/paths-overrides.local',
    '/etc/fail2ban/jail.conf',
    '/etc/fail2ban/jail.d/defaults-debian.conf',
    '/etc/fail2ban/jail.d/web.conf',
    '/etc/fail2ban/jail.local',
    '/etc/fail2ban/jail.d/zz-site.local',
  ]);
  const { jails, problems } = readJails(s.config);
  t.deepEqual(problems, []);
  t.deepEqual(
    jails.filter((j) => j.enabled).map((j) => j.name),
    ['sshd', 'apache-badbots', 'nginx-http-auth', 'php-url-fopen', 'recidive'],
  );
  t.false(jails.find((j) => j.name === 'nginx-botsearch')!.enabled, 'enabled in jail.d/web.conf, disabled in jail.d/zz-site.local');
  const at = (jail: string, key: string) => {
    const r = option(s.config, jail, key);
    return r && r.ok ? [r.value, `${r.origin.file}:${r.origin.line}`] : r;
  };
  t.deepEqual(at('sshd', 'port'), ['ssh,2222', '/etc/fail2ban/jail.local:21']);
  t.deepEqual(at('sshd', 'filter'), ['sshd[mode=aggressive]', '/etc/fail2ban/jail.conf:169']);
  t.deepEqual(at('nginx-http-auth', 'logpath'), ['/var/log/nginx/*error.log\n/srv/www/logs/nginx-error.log', '/etc/fail2ban/jail.conf:322']);
  t.deepEqual(at('sshd', 'logpath'), ['/var/log/auth.log', '/etc/fail2ban/jail.conf:283']);
});

/** `['set', 'sshd', 'bantime', '1h']` lines of `fail2ban-client -d`, for the simple values. */
function dump(etc: string): { jails: Array<[string, string]>; values: Map<string, string> } {
  const r = child.spawnSync('fail2ban-client', ['-c', etc, '-d'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fail2ban-client -d failed: ${r.stderr}`);
  const jails: Array<[string, string]> = [];
  const values = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const add = /^\['add', '([^']+)', '([^']+)'\]$/.exec(line);
    if (add) jails.push([add[1], add[2]]);
    const set = /^\['set', '([^']+)', '(bantime|findtime|maxretry|bantime\.increment)', '?([^']*?)'?\]$/.exec(line);
    if (set) values.set(`${set[1]} ${set[2]}`, set[3]);
    const ign = /^\['set', '([^']+)', 'addignoreip', (.*)\]$/.exec(line);
    if (ign) values.set(`${ign[1]} ignoreip`, ign[2].replace(/'/g, '').split(', ').join(' '));
  }
  return { jails, values };
}

for (const layers of [['debian12'], ['debian12', 'overrides']]) {
  test(`the merged values of enabled jails are fail2ban's own (${layers.join(' + ')} vs fail2ban-client -d)`, async (t) => {
    const { root, etc } = sysroot(t, ...layers);
    // fail2ban -d also reads every enabled jail's filter and actions: the package's own.
    fs.cpSync('/etc/fail2ban/filter.d', path.join(etc, 'filter.d'), { recursive: true });
    fs.cpSync('/etc/fail2ban/action.d', path.join(etc, 'action.d'), { recursive: true });
    const theirs = dump(etc);
    const s = await loadStack(createLocalHost({ root }), 'jail');
    if (s.kind !== 'ok') return t.fail(JSON.stringify(s));
    const { jails } = readJails(s.config);
    const enabled = jails.filter((j) => j.enabled);
    t.deepEqual(
      enabled.map((j) => {
        const b = option(s.config, j.name, 'backend');
        return [j.name, b && b.ok ? b.value : 'auto'];
      }),
      theirs.jails,
    );
    t.true(theirs.values.size >= enabled.length * 3, "bantime, findtime, maxretry of each jail at least");
    for (const [key, value] of theirs.values) {
      const [jail, opt] = key.split(' ');
      const ours = option(s.config, jail, opt);
      t.true(ours !== null && ours.ok, key);
      if (!ours || !ours.ok) continue;
      const mine = opt === 'ignoreip' ? ours.value.split(/[\s,]+/).filter(Boolean).join(' ') : opt === 'bantime.increment' ? (['1', 'on', 'true', 'yes'].includes(ours.value.toLowerCase()) ? 'True' : 'False') : ours.value;
      t.is(mine, value, key);
    }
  });
}

test('missing and odd files: a missing include is skipped, an include loop ends, a directory is skipped', async (t) => {
  const { root, etc } = sysroot(t, 'debian12');
  fs.writeFileSync(path.join(etc, 'jail.local'), '[INCLUDES]\nbefore = nowhere.conf\nafter = jail.local\n\n[sshd]\nmaxretry = 2\n');
  fs.mkdirSync(path.join(etc, 'jail.d/directory.local'));
  const s = await loadStack(createLocalHost({ root }), 'jail');
  if (s.kind !== 'ok') return t.fail(JSON.stringify(s));
  t.deepEqual(s.config.files.slice(-3), ['/etc/fail2ban/jail.d/defaults-debian.conf', '/etc/fail2ban/jail.local', '/etc/fail2ban/jail.local']);
  const r = option(s.config, 'sshd', 'maxretry');
  t.is(r && r.ok ? r.value : null, '2');
});

test('no jail files at all is "missing"; a malformed file is an error at its line', async (t) => {
  const { root, etc } = sysroot(t);
  t.deepEqual(await loadStack(createLocalHost({ root }), 'jail'), { kind: 'missing', looked: ['/etc/fail2ban/jail.conf', '/etc/fail2ban/jail.local'] });
  fs.copyFileSync(path.join(FIX, 'malformed/duplicate-key.local'), path.join(etc, 'jail.local'));
  t.deepEqual(await loadStack(createLocalHost({ root }), 'jail'), {
    kind: 'error',
    summary: 'malformed /etc/fail2ban/jail.local:4: option "enabled" appears twice in section [sshd] (fail2ban refuses to start)',
    evidence: [{ file: '/etc/fail2ban/jail.local', line: 4, text: 'option "enabled" appears twice in section [sshd]' }],
  });
});

test('server settings: [Definition] of the fail2ban stack, built-in defaults without one', async (t) => {
  const a = sysroot(t, 'debian12');
  const stock = await loadServerSettings(createLocalHost({ root: a.root }));
  t.deepEqual(stock.kind === 'ok' && [stock.settings.socket.value, stock.settings.socket.origin?.line, stock.settings.dbfile.value, stock.settings.logtarget.value], [
    '/var/run/fail2ban/fail2ban.sock',
    49,
    '/var/lib/fail2ban/fail2ban.sqlite3',
    '/var/log/fail2ban.log',
  ]);
  const b = sysroot(t, 'debian12', 'overrides');
  const local = await loadServerSettings(createLocalHost({ root: b.root }));
  t.deepEqual(local.kind === 'ok' && [local.settings.socket.value, local.settings.socket.origin?.file], ['/run/fail2ban/fail2ban.sock', '/etc/fail2ban/fail2ban.local']);
  const c = sysroot(t);
  fs.writeFileSync(path.join(c.etc, 'fail2ban.conf'), '[DEFAULT]\nsocket = /elsewhere.sock\n');
  const noDefinition = await loadServerSettings(createLocalHost({ root: c.root }));
  t.deepEqual(noDefinition.kind === 'ok' && [noDefinition.settings.socket.value, noDefinition.settings.socket.origin], ['/var/run/fail2ban/fail2ban.sock', undefined], 'fail2ban ignores [DEFAULT] when [Definition] is missing');
});
