// /etc/default/rkhunter: the shell's reading (cron scripts source it) and
// apt's hook's reading (a grep), each cross-checked with the real program:
// /bin/sh sourcing the file, and grep -qsiE with 90rkhunter's own pattern.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cronYes, parseDefaultFile, shellVar } from '../../src/parse/rkhunter-default';

const DEBIAN_DEFAULT = path.resolve(__dirname, '../fixtures/roots/rkh-default/etc/default/rkhunter');

function tempFile(t: { teardown(fn: () => void): void }, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-rkh-default-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'rkhunter');
  fs.writeFileSync(file, text);
  return file;
}

/** What Debian's cron script sees: `. /etc/default/rkhunter` in /bin/sh. */
function sourced(file: string, name: string): string {
  const r = spawnSync('/bin/sh', ['-c', `. "$1" >/dev/null 2>&1; printf %s "$${name}"`, 'sh', file], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  return r.stdout;
}

/** What /etc/apt/apt.conf.d/90rkhunter tests. */
function hookSaysOn(file: string): boolean {
  return spawnSync('grep', ['-qsiE', '^APT_AUTOGEN=.?(true|yes)', file]).status === 0;
}

test("Debian's shipped default file: daily scan and APT_AUTOGEN both off", (t) => {
  const parsed = parseDefaultFile(fs.readFileSync(DEBIAN_DEFAULT, 'utf8'));
  t.deepEqual(parsed.problems, []);
  t.deepEqual(parsed.aptAutogenHookLines, []);
  const daily = shellVar(parsed, 'CRON_DAILY_RUN');
  t.is(daily.state, 'set');
  if (daily.state === 'set') {
    t.is(daily.assignment.value, '');
    t.is(daily.assignment.line, 9);
  }
  const autogen = shellVar(parsed, 'APT_AUTOGEN');
  t.true(autogen.state === 'set' && autogen.assignment.value === 'false' && autogen.assignment.line === 25);
  t.is(shellVar(parsed, 'NOT_THERE').state, 'unset');
});

const VARIANTS = [
  'APT_AUTOGEN="true"\n',
  "APT_AUTOGEN='yes'\n",
  'APT_AUTOGEN=TRUE\n',
  'APT_AUTOGEN="false"\nAPT_AUTOGEN="true"\n',
  'APT_AUTOGEN="true"\nAPT_AUTOGEN="false"\n',
  'export APT_AUTOGEN=true\n',
  '  APT_AUTOGEN=true\n',
  'APT_AUTOGEN=true # on\n',
  '#APT_AUTOGEN=true\n',
  'APT_AUTOGEN="no"\n',
  'APT_AUTOGEN=\n',
  'APT_AUTOGEN=truely\n',
  'APT_AUTOGEN="tr"ue\n',
  'APT_AUTOGEN=yes\r\n',
];

test('APT_AUTOGEN: our reading matches the real /bin/sh and the real grep of apt\'s hook, line by line', (t) => {
  for (const text of VARIANTS) {
    const file = tempFile(t, text);
    const parsed = parseDefaultFile(text);
    t.is(parsed.aptAutogenHookLines.length > 0, hookSaysOn(file), `hook: ${JSON.stringify(text)}`);
    const v = shellVar(parsed, 'APT_AUTOGEN');
    const ours = v.state === 'set' ? v.assignment.value : '';
    t.is(ours, sourced(file, 'APT_AUTOGEN').replace(/\r$/, ''), `shell: ${JSON.stringify(text)}`);
  }
});

test('CRON_DAILY_RUN: [YyTt]* as the cron script tests it, checked against the real case statement', (t) => {
  for (const value of ['yes', 'Yes', 'y', 'true', 'TRUE', 't', '', 'no', 'false', '1', 'on', ' yes']) {
    const r = spawnSync('/bin/sh', ['-c', 'case "$1" in [YyTt]*) echo y;; *) echo n;; esac', 'sh', value], { encoding: 'utf8' });
    t.is(cronYes(value), r.stdout.trim() === 'y', JSON.stringify(value));
  }
});

test('shell we do not run is reported, and makes the variable unknown only when it comes last', (t) => {
  const parsed = parseDefaultFile('CRON_DAILY_RUN="yes"\nCRON_DAILY_RUN="$(cat /etc/x)"\nif true; then\n  NICE=5\nfi\n');
  t.deepEqual(
    parsed.problems.map((p) => [p.line, p.message]),
    [
      [2, 'CRON_DAILY_RUN: expansion inside the value: not evaluated'],
      [3, '"if true; then" is not a plain VAR=value assignment: not evaluated'],
      [5, '"fi" is not a plain VAR=value assignment: not evaluated'],
    ],
  );
  t.is(shellVar(parsed, 'CRON_DAILY_RUN').state, 'unknown');
  const later = parseDefaultFile('CRON_DAILY_RUN=`date`\nCRON_DAILY_RUN=yes\n');
  const v = shellVar(later, 'CRON_DAILY_RUN');
  t.true(v.state === 'set' && v.assignment.value === 'yes');
  t.regex(parseDefaultFile('X="open\n').problems[0].message, /unterminated double quote/);
  t.regex(parseDefaultFile("X='open\n").problems[0].message, /unterminated single quote/);
  t.regex(parseDefaultFile('X=a b\n').problems[0].message, /more than a plain assignment/);
});
