// buildAnsibleExport on hand-made plans, the playbook read back with
// Ansible's own loader: which module each part of a plan becomes, what is
// left out and why, how fixes that share a file are merged, and that values
// from the system stay inert. The real ansible-playbook runs are in
// test/e2e/export-ansible.test.ts.

import test from 'ava';
import { createHash } from 'node:crypto';
import type { Command, FileEdit, Plan, Validation } from '../../src/core/types';
import { buildAnsibleExport, type AnsibleExport } from '../../src/export/ansible';
import { ANSIBLE_PYTHON, loadOne, plain } from './ansible-helpers';

const withAnsible = ANSIBLE_PYTHON ? test : test.skip;

type Task = Record<string, any>;

function plan(fixId: string, over: Partial<Plan> = {}): Plan {
  return { fixId, title: `the title of ${fixId}`, risk: 'safe', edits: [], validate: [], commands: [], warnings: [], ...over };
}

function build(plans: Plan[], root = '/', leftOut: { fixId: string; reason: string }[] = []): AnsibleExport {
  return buildAnsibleExport({ plans, leftOut, root, hostname: 'web1', version: '0.1.0', generatedAt: '2026-11-28T12:00:00Z' });
}

function file(r: AnsibleExport, name: string): string {
  const f = r.files.find((x) => x.path === name);
  if (!f) throw new Error(`no ${name}`);
  return f.text;
}

function tasks(r: AnsibleExport): Task[] {
  return plain(loadOne(file(r, 'roles/hardtop/tasks/main.yml'))) as Task[];
}

function handlers(r: AnsibleExport): Task[] {
  return plain(loadOne(file(r, 'roles/hardtop/handlers/main.yml'))) as Task[];
}

/** The block of a fix (by its tag). */
function blockOf(r: AnsibleExport, fixId: string): Task[] {
  const b = tasks(r).find((x) => Array.isArray(x.tags) && x.tags.includes(fixId));
  if (!b) throw new Error(`no block for ${fixId}`);
  return b.block as Task[];
}

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

const edit = (path: string, before: string | null, after: string, extra: Partial<FileEdit> = {}): FileEdit => ({ path, before, after, mode: 0o644, ...extra });
const cmd = (argv: string[], extra: Partial<Command> = {}): Command => ({ argv, describe: `run ${argv.join(' ')}`, ...extra });
const validation = (argv: string[], stage: string[]): Validation => ({ argv, describe: `check ${argv[0]}`, stage });

withAnsible('a file edit: stat and assert (the planned file, or already the result), then copy with the exact text', (t) => {
  const r = build([
    plan('x.fix', {
      edits: [edit('/etc/default/thing', 'OLD=1\n', 'OLD=1\nNEW="2"\n'), edit('/etc/thing.d/new.conf', null, 'fresh\n', { mode: 0o600 })],
      validate: [validation(['sh', '-n', '{stage}/etc/default/thing'], ['/etc/default'])],
    }),
  ]);
  t.deepEqual(r.exported, ['x.fix']);
  const block = blockOf(r, 'x.fix');
  t.deepEqual(block.map((x) => Object.keys(x).find((k) => k.startsWith('ansible.builtin.'))), [
    'ansible.builtin.stat',
    'ansible.builtin.assert',
    'ansible.builtin.copy',
    'ansible.builtin.stat',
    'ansible.builtin.assert',
    'ansible.builtin.copy',
  ]);
  const [stat, assert, copy, , assertNew, copyNew] = block;
  t.is(stat['ansible.builtin.stat'].path, '{{ hardtop_prefix }}/etc/default/thing');
  t.is(stat['ansible.builtin.stat'].checksum_algorithm, 'sha256');
  t.false(stat['ansible.builtin.stat'].follow);
  const that = assert['ansible.builtin.assert'].that[0] as string;
  t.true(that.includes(sha('OLD=1\n')) && that.includes(sha('OLD=1\nNEW="2"\n')), that);
  t.true(that.startsWith(`${stat.register}.stat.exists and`), 'an existing file must still exist');
  t.is(copy['ansible.builtin.copy'].content, 'OLD=1\nNEW="2"\n');
  t.is(copy['ansible.builtin.copy'].dest, '{{ hardtop_prefix }}/etc/default/thing');
  t.is(copy['ansible.builtin.copy'].mode, undefined, 'an existing file keeps its own mode');
  t.is(copy['ansible.builtin.copy'].validate, 'sh -n %s');
  t.true((assertNew['ansible.builtin.assert'].that[0] as string).startsWith('not '), 'a new file may be absent');
  t.is(copyNew['ansible.builtin.copy'].mode, '0600');
  t.is(copyNew['ansible.builtin.copy'].validate, undefined);
});

withAnsible('checkers: apt-config -c %s and grep on the copy; sshd -t -f %s for the main file, where hardtop_root is /; a drop-in is checked after it is written', (t) => {
  const apt = plan('apt.fix', {
    edits: [edit('/etc/apt/apt.conf.d/20auto-upgrades', null, 'A "1";\n')],
    validate: [
      validation(['apt-config', '-c', '{stage}/etc/apt/apt.conf.d/01autoremove', '-c', '{stage}/etc/apt/apt.conf.d/20auto-upgrades', 'dump'], ['/etc/apt']),
      validation(['grep', '-qsiE', "^A=.?(1|'yes')%", '{stage}/etc/apt/apt.conf.d/20auto-upgrades'], ['/etc/apt']),
    ],
  });
  const main = plan('sshmain.fix', {
    edits: [edit('/etc/ssh/sshd_config', 'PermitRootLogin yes\n', 'PermitRootLogin no\n')],
    validate: [validation(['sshd', '-t', '-f', '{stage}/etc/ssh/sshd_config'], ['/etc/ssh'])],
  });
  const dropIn = plan('sshdrop.fix', {
    edits: [edit('/etc/ssh/sshd_config.d/00-hardtop.conf', null, 'PermitRootLogin no\n')],
    validate: [validation(['sshd', '-t', '-f', '{stage}/etc/ssh/sshd_config', '-h', '{stage}/etc/ssh/ssh_host_ed25519_key'], ['/etc/ssh'])],
  });
  const r = build([apt, main, dropIn]);

  const aptBlock = blockOf(r, 'apt.fix');
  t.is(aptBlock[2]['ansible.builtin.copy'].validate, 'apt-config -c %s dump');
  // The second checker of the same file runs after the write (copy takes one), under any root: it reads only that file.
  const grep = aptBlock[3];
  t.deepEqual(grep['ansible.builtin.command'].argv, ['grep', '-qsiE', "^A=.?(1|'yes')%", '{{ hardtop_prefix }}/etc/apt/apt.conf.d/20auto-upgrades']);
  t.false(grep.changed_when);
  t.is(grep.when, undefined);

  const mainCopy = blockOf(r, 'sshmain.fix')[2];
  t.is(mainCopy['ansible.builtin.copy'].validate, '{{ hardtop_validate if hardtop_live | bool else omit }}');
  t.is(mainCopy.vars.hardtop_validate, '/usr/sbin/sshd -t -f %s');
  t.is(blockOf(r, 'sshmain.fix').length, 3, 'the main file alone: validate covers it, no check afterwards');

  const drop = blockOf(r, 'sshdrop.fix');
  t.is(drop[2]['ansible.builtin.copy'].validate, undefined, 'sshd -t -f %s would check the drop-in as if it were the main file');
  t.deepEqual(drop[3]['ansible.builtin.command'].argv, ['/usr/sbin/sshd', '-t', '-f', '/etc/ssh/sshd_config', '-h', '/etc/ssh/ssh_host_ed25519_key']);
  t.is(drop[3].when, 'hardtop_live | bool', 'sshd reads absolute paths of the running system: only where hardtop_root is /');
  t.false(drop[3].changed_when);
});

withAnsible('nginx: nginx -t -c %s on the main file, where hardtop_root is /; an included file is checked with the whole tree after the write', (t) => {
  const main = plan('web.main', {
    edits: [edit('/etc/nginx/nginx.conf', 'a\n', 'b\n')],
    validate: [validation(['nginx', '-t', '-c', '{stage}/etc/nginx/nginx.conf', '-p', '{stage}/etc/nginx/'], ['/etc/nginx'])],
  });
  const site = plan('web.site', {
    edits: [edit('/etc/nginx/sites-available/default', 'a\n', 'b\n')],
    validate: [validation(['nginx', '-t', '-c', '{stage}/etc/nginx/nginx.conf', '-p', '{stage}/etc/nginx/'], ['/etc/nginx'])],
  });
  const r = build([main, site]);
  const mainBlock = blockOf(r, 'web.main');
  t.is(mainBlock[2].vars.hardtop_validate, '/usr/sbin/nginx -t -c %s');
  t.is(mainBlock.length, 3);
  const siteBlock = blockOf(r, 'web.site');
  t.is(siteBlock[2]['ansible.builtin.copy'].validate, undefined);
  t.deepEqual(siteBlock[3]['ansible.builtin.command'].argv, ['/usr/sbin/nginx', '-t', '-c', '/etc/nginx/nginx.conf', '-p', '/etc/nginx/']);
  t.is(siteBlock[3].when, 'hardtop_live | bool');
});

withAnsible('a validate: string is shell-quoted for shlex and %-escaped for Ansible', (t) => {
  const r = build([
    plan('q.fix', {
      edits: [edit('/etc/q', null, 'x\n')],
      validate: [validation(['grep', '-qE', "it's 100% {here}", '{stage}/etc/q'], ['/etc'])],
    }),
  ]);
  const copy = blockOf(r, 'q.fix')[2];
  t.is(copy['ansible.builtin.copy'].validate, `grep -qE 'it'"'"'s 100%% {here}' %s`);
  const raw = loadOne(file(r, 'roles/hardtop/tasks/main.yml')) as Task[];
  const rawCopy = (raw.find((x) => x.tags?.includes('q.fix'))!.block as Task[])[2];
  t.deepEqual(rawCopy['ansible.builtin.copy'].validate, { __unsafe__: `grep -qE 'it'"'"'s 100%% {here}' %s` }, 'it holds "{": never templated');
});

withAnsible('reloads become handlers the writes notify: systemctl reload → service reloaded; a SIGHUP → the exact argv, with host paths', (t) => {
  const r = build(
    [
      plan('a.fix', { edits: [edit('/etc/a', 'a\n', 'b\n')], commands: [cmd(['systemctl', 'reload', 'ssh.service'], { reload: true, describe: 'reload sshd (ssh.service)' })] }),
      plan('b.fix', {
        edits: [edit('/etc/b', 'a\n', 'b\n')],
        commands: [cmd(['pkill', '--signal', 'HUP', '-F', '/srv/img/run/sshd.pid', '-x', 'sshd'], { reload: true, describe: 'reload sshd (SIGHUP to the pid in /run/sshd.pid)' })],
      }),
      plan('c.fix', { edits: [edit('/etc/c', 'a\n', 'b\n')], commands: [cmd(['systemctl', 'reload', 'ssh.service'], { reload: true, describe: 'reload sshd again' })] }),
    ],
    '/srv/img',
  );
  const hs = handlers(r);
  t.is(hs.length, 2, 'the same reload from two fixes is one handler');
  t.deepEqual(hs[0]['ansible.builtin.service'], { name: 'ssh.service', state: 'reloaded' });
  t.is(hs[0].when, 'hardtop_live | bool');
  t.deepEqual(hs[1]['ansible.builtin.command'].argv, ['pkill', '--signal', 'HUP', '-F', '/run/sshd.pid', '-x', 'sshd']);
  t.deepEqual(blockOf(r, 'a.fix')[2].notify, [hs[0].name]);
  t.deepEqual(blockOf(r, 'b.fix')[2].notify, [hs[1].name]);
  t.deepEqual(blockOf(r, 'c.fix')[2].notify, [hs[0].name]);
  t.false(JSON.stringify(tasks(r)).includes('/srv/img') || JSON.stringify(hs).includes('/srv/img'), 'the export root never reaches a task');
});

withAnsible('systemctl unmask/enable: the systemd module on /, an offline systemctl --root (asked first) elsewhere', (t) => {
  const r = build([plan('t.fix', { commands: [cmd(['systemctl', '--root=/srv/img', 'unmask', 'a.timer']), cmd(['systemctl', '--root=/srv/img', 'enable', 'a.timer', 'b.timer'])] })], '/srv/img');
  const block = blockOf(r, 't.fix');
  const live = block.filter((x) => x['ansible.builtin.systemd']);
  t.deepEqual(live.map((x) => x['ansible.builtin.systemd']), [
    { name: 'a.timer', masked: false },
    { name: 'a.timer', enabled: true },
    { name: 'b.timer', enabled: true },
  ]);
  t.true(live.every((x) => x.when === 'hardtop_live | bool'));
  const probes = block.filter((x) => x.register);
  t.true(probes.every((p) => p.check_mode === false && p.changed_when === false && p.failed_when === false && p.when === 'not (hardtop_live | bool)'));
  const offline = block.filter((x) => x['ansible.builtin.command'] && !x.register);
  t.deepEqual(offline.map((x) => x['ansible.builtin.command'].argv), [
    ['systemctl', '--root={{ hardtop_root }}', 'unmask', 'a.timer'],
    ['systemctl', '--root={{ hardtop_root }}', 'enable', 'a.timer'],
    ['systemctl', '--root={{ hardtop_root }}', 'enable', 'b.timer'],
  ]);
  t.true((offline[0].when as string[]).includes(`${probes[0].register}.stdout | trim == 'masked'`));
  t.true((offline[1].when as string[]).includes(`${probes[1].register}.stdout | trim != 'enabled'`));
  // With --now on the live system the unit is started too.
  const now = build([plan('n.fix', { commands: [cmd(['systemctl', 'enable', '--now', 'a.timer'])] })]);
  t.deepEqual(blockOf(now, 'n.fix')[0]['ansible.builtin.systemd'], { name: 'a.timer', enabled: true, state: 'started' });
});

withAnsible('apt-get install becomes ansible.builtin.apt, on the live system only', (t) => {
  const r = build([plan('i.fix', { commands: [cmd(['apt-get', 'install', '-y', 'rkhunter'], { interactive: true })] })]);
  const [task] = blockOf(r, 'i.fix');
  t.deepEqual(task['ansible.builtin.apt'], { name: ['rkhunter'], state: 'present' });
  t.is(task.when, 'hardtop_live | bool');
  const nr = build([plan('i.fix', { commands: [cmd(['apt-get', 'install', '--no-install-recommends', 'cron'])] })]);
  t.false(blockOf(nr, 'i.fix')[0]['ansible.builtin.apt'].install_recommends);
});

withAnsible('one-way and interactive commands leave their whole plan out, and the header says why', (t) => {
  const r = build(
    [
      plan('tls.renew', { commands: [cmd(['certbot', 'renew', '--cert-name', 'a']), cmd(['systemctl', 'reload', 'nginx.service'], { reload: true })] }),
      plan('rkhunter.propupd', { commands: [cmd(['rkhunter', '--propupd', '--nolog'], { interactive: true })] }),
      plan('reboot.restart-services', { commands: [cmd(['systemctl', 'restart', 'cron.service'])] }),
      plan('odd.fix', { commands: [cmd(['somewizard', '--ask'], { interactive: true })] }),
      plan('ok.fix', { edits: [edit('/etc/ok', null, 'ok\n')] }),
    ],
    '/',
    [{ fixId: 'fail2ban.ban', reason: 'needs --arg jail=…' }],
  );
  t.deepEqual(r.exported, ['ok.fix']);
  t.deepEqual(r.leftOut.map((l) => l.fixId), ['fail2ban.ban', 'tls.renew', 'rkhunter.propupd', 'reboot.restart-services', 'odd.fix']);
  t.regex(r.leftOut[1].reason, /certbot/);
  t.regex(r.leftOut[2].reason, /blesses/);
  t.regex(r.leftOut[4].reason, /interactive/);
  const text = file(r, 'roles/hardtop/tasks/main.yml');
  for (const l of r.leftOut) t.true(text.includes(`#   - ${l.fixId}: `), l.fixId);
  t.deepEqual(handlers(r), [], 'the reload of a left-out plan is left out with it');
});

withAnsible('any other command: the exact argv (never a shell string), on the live system only, said to run on every play', (t) => {
  const r = build([plan('o.fix', { commands: [cmd(['fail2ban-client', 'reload'], { describe: 'reload fail2ban' })] })]);
  const [task] = blockOf(r, 'o.fix');
  t.deepEqual(task['ansible.builtin.command'], { argv: ['fail2ban-client', 'reload'] });
  t.is(task.when, 'hardtop_live | bool');
  t.regex(task.name, /runs on every play/);
  t.false(file(r, 'roles/hardtop/tasks/main.yml').includes('ansible.builtin.shell'));
});

withAnsible('what cannot be exported is left out: files written as a user, odd paths, a command with the root inside a value', (t) => {
  const r = build(
    [
      plan('u.fix', { edits: [edit('/home/bob/.ssh/authorized_keys', 'k\n', '', { asUser: { name: 'bob', uid: 1000, home: '/home/bob' } })] }),
      plan('p.fix', { edits: [edit('/etc/{{x}}/a b', null, 'x\n')] }),
      plan('r.fix', { commands: [cmd(['tool', '--config=/srv/img/etc/tool.conf'])] }),
    ],
    '/srv/img',
  );
  t.deepEqual(r.exported, []);
  t.deepEqual(r.leftOut.map((l) => l.fixId), ['u.fix', 'p.fix', 'r.fix']);
  t.regex(r.leftOut[0].reason, /as the user/);
  t.regex(r.leftOut[2].reason, /root/);
});

withAnsible('two fixes that rewrite one file: one block, the final text written once, both the original and the result accepted', (t) => {
  const a = plan('rkhunter.apt-autogen', { edits: [edit('/etc/default/rkhunter', 'A=""\nB=""\n', 'A="true"\nB=""\n')], validate: [validation(['sh', '-n', '{stage}/etc/default/rkhunter'], ['/etc/default'])] });
  const other = plan('other.fix', { edits: [edit('/etc/other', null, 'o\n')] });
  const b = plan('rkhunter.schedule', { edits: [edit('/etc/default/rkhunter', 'A="true"\nB=""\n', 'A="true"\nB="yes"\n')], validate: [validation(['sh', '-n', '{stage}/etc/default/rkhunter'], ['/etc/default'])] });
  const r = build([a, other, b]);
  t.deepEqual(r.exported, ['rkhunter.apt-autogen', 'rkhunter.schedule', 'other.fix']);
  const block = blockOf(r, 'rkhunter.schedule');
  t.deepEqual(blockOf(r, 'rkhunter.apt-autogen'), block);
  const copies = block.filter((x) => x['ansible.builtin.copy']);
  t.is(copies.length, 1);
  t.is(copies[0]['ansible.builtin.copy'].content, 'A="true"\nB="yes"\n');
  t.is(copies[0]['ansible.builtin.copy'].validate, 'sh -n %s');
  t.is(block.filter((x) => x['ansible.builtin.command']).length, 0, 'the same check twice is one validate');
  const that = block[1]['ansible.builtin.assert'].that[0] as string;
  t.true(that.includes(sha('A=""\nB=""\n')) && that.includes(sha('A="true"\nB="yes"\n')));
  t.false(that.includes(sha('A="true"\nB=""\n')), 'the in-between text never exists on disk');

  // A plan made from the file as it was BEFORE the earlier fix would undo it: left out.
  const stale = plan('rkhunter.schedule', { edits: [edit('/etc/default/rkhunter', 'A=""\nB=""\n', 'A=""\nB="yes"\n')] });
  const r2 = build([a, stale]);
  t.deepEqual(r2.exported, ['rkhunter.apt-autogen']);
  t.regex(r2.leftOut[0].reason, /export again/);
});

withAnsible('a lockout-risk fix runs only with hardtop_allow_lockout_risk=true', (t) => {
  const r = build([plan('ssh.server.harden', { risk: 'lockout-risk', edits: [edit('/etc/ssh/sshd_config', 'a\n', 'b\n')], warnings: ['lockout-risk: applied commit-confirmed. …', 'lockout guard: you are alice'] })]);
  const block = tasks(r).find((x) => x.tags?.includes('ssh.server.harden'))!;
  t.is(block.when, 'hardtop_allow_lockout_risk | bool');
  t.true(block.tags.includes('lockout-risk'));
  const text = file(r, 'roles/hardtop/tasks/main.yml');
  t.true(text.includes('#   ! lockout guard: you are alice'));
  t.false(text.includes('applied commit-confirmed'), 'hardtop fix\'s commit-confirmed does not exist in Ansible: not promised');
  const defaults = plain(loadOne(file(r, 'roles/hardtop/defaults/main.yml'))) as Record<string, unknown>;
  t.is(defaults.hardtop_allow_lockout_risk, false);
  t.is(defaults.hardtop_root, '/');
});

withAnsible('hostile text from the system stays inert: content !unsafe, no raw control characters, --diff off for such a file', (t) => {
  const hostile = "# {{ lookup('pipe','id') }}\n# '\n- name: x\n# \x1b]0;pwned\x07\x1b[2J\n";
  const r = build(
    [
      plan('h.fix', { title: 'Title {{ 7*7 }} \x1b[31mred', edits: [edit('/etc/h', hostile, `${hostile}SET=1\n`)], warnings: ['warn\n- name: injected\x1b[2J'] }),
      plan('j.fix', { edits: [edit('/etc/j', null, "{% for x in range(3) %}{{ lookup('env','HOME') }}{% endfor %}\n")] }),
    ],
    '/',
    [{ fixId: 'z.fix', reason: 'a reason\n- name: evil\x1b[2J' }],
  );
  for (const f of r.files) t.false(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(f.text), `${f.path} holds a raw control character`);
  const raw = loadOne(file(r, 'roles/hardtop/tasks/main.yml')) as Task[];
  const h = raw.find((x) => x.tags?.includes('h.fix'))!.block as Task[];
  t.deepEqual(h[2]['ansible.builtin.copy'].content, { __unsafe__: `${hostile}SET=1\n` });
  t.false(h[2].diff, 'diff: false, or --diff would print the escape sequences');
  const allNames = [...(plain(raw) as Task[]), ...h.map((x) => plain(x) as Task)].map((x) => x.name as string);
  t.true(allNames.every((n) => !/[\u0000-\u001f\u007f-\u009f]/.test(n)), 'task names are sanitised: Ansible prints them');
  const j = raw.find((x) => x.tags?.includes('j.fix'))!.block as Task[];
  t.deepEqual(j[2]['ansible.builtin.copy'].content, { __unsafe__: "{% for x in range(3) %}{{ lookup('env','HOME') }}{% endfor %}\n" });
  t.is(j[2].diff, undefined, 'no control characters: the diff is shown');
  // Top-level: only the root assert and our two blocks; the "- name: x" lines stayed inside their strings.
  const names = (plain(raw) as Task[]).map((x) => x.name as string);
  t.is(names.length, 3);
  t.is(names[0], 'hardtop_root is an absolute path');
  t.true(names[1].includes('Title {{ 7*7 }} red'), names[1]);
  t.deepEqual(raw[1].name, { __unsafe__: names[1] }, 'a task name holding "{" is !unsafe too');
});
