import test from 'ava';
import {
  buildReport,
  escapeLabelValue,
  formatJson,
  formatProm,
  formatText,
} from '../../src/core/report';
import type { Finding, Report } from '../../src/core/types';

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const host = { hostname: 'web1', os: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-26-amd64', root: '/', uptimeSeconds: 5 };

const findings: Finding[] = [
  {
    id: 'ssh.server.password-auth',
    area: 'ssh',
    title: 'SSH server refuses passwords',
    status: 'fail',
    severity: 'high',
    summary: 'PasswordAuthentication yes (/etc/ssh/sshd_config:14)',
    evidence: [{ text: 'PasswordAuthentication yes', line: 14, file: '/etc/ssh/sshd_config' }],
    fixes: ['ssh.server.harden'],
    durationMs: 3,
  },
  {
    id: 'ssh.server.root-login',
    area: 'ssh',
    title: 'SSH server refuses root logins',
    status: 'warn',
    severity: 'high',
    summary: 'PermitRootLogin prohibit-password',
    evidence: [],
    fixes: [],
    durationMs: 2,
  },
  {
    id: 'updates.auto.installed',
    area: 'updates',
    title: 'Automatic updates installed',
    status: 'pass',
    severity: 'high',
    summary: 'unattended-upgrades 2.9.1',
    evidence: [{ command: 'dpkg-query -W unattended-upgrades' }],
    fixes: [],
  },
  {
    id: 'updates.pending.all',
    area: 'updates',
    title: 'Pending updates',
    status: 'info',
    severity: 'info',
    summary: '12 updates pending',
    evidence: [],
    fixes: [],
  },
  {
    id: 'fail2ban.installed',
    area: 'fail2ban',
    title: 'fail2ban installed',
    status: 'skip',
    severity: 'high',
    summary: 'not applicable',
    evidence: [],
    fixes: [],
  },
  {
    id: 'tls.cert.expiry',
    area: 'tls',
    title: 'Certificates are not about to expire',
    status: 'error',
    severity: 'medium',
    summary: 'cannot read /etc/ssl/x.pem',
    evidence: [],
    fixes: [],
    items: [{ subject: '/etc/ssl/x.pem', status: 'error', summary: 'permission denied', evidence: [] }],
  },
];

function sample(fs: Finding[] = findings): Report {
  return buildReport({
    version: '0.1.0',
    host,
    startedAt: new Date('2026-11-28T18:00:00.000Z'),
    durationMs: 412,
    findings: fs,
  });
}

test('buildReport follows REPORT.md: keys, order, host fields, summary', (t) => {
  const r = sample();
  t.deepEqual(Object.keys(r), ['schema', 'tool', 'host', 'startedAt', 'durationMs', 'summary', 'checks']);
  t.is(r.schema, 'hardtop.report/1');
  t.deepEqual(r.tool, { name: 'hardtop', version: '0.1.0' });
  // Only the four contract fields; uptimeSeconds from HostFacts is not leaked.
  t.deepEqual(r.host, { hostname: 'web1', os: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-26-amd64', root: '/' });
  t.is(r.startedAt, '2026-11-28T18:00:00.000Z');
  t.is(r.durationMs, 412);
  t.deepEqual(r.checks.map((c) => c.id), findings.map((c) => c.id)); // order kept
  t.deepEqual(Object.keys(r.checks[0]), [
    'id', 'area', 'title', 'status', 'severity', 'summary', 'evidence', 'fixes', 'durationMs',
  ]);
  t.deepEqual(Object.keys(r.checks[0].evidence[0]), ['file', 'line', 'text']); // canonical order
  t.deepEqual(Object.keys(r.checks[5].items![0]), ['subject', 'status', 'summary', 'evidence']);
});

test('summary counts and score arithmetic (hand-computed)', (t) => {
  // Weights: fail high 5 (earns 0), warn high 5 (earns 2.5), pass high 5 (earns 5),
  // error medium 3 (earns 0); info and skip not applicable.
  // score = round(100 * 7.5 / 18) = round(41.67) = 42
  t.deepEqual(sample().summary, { pass: 1, warn: 1, fail: 1, info: 1, error: 1, skip: 1, score: 42 });
});

test('formatJson: pretty JSON that parses back to the report', (t) => {
  const r = sample();
  const json = formatJson(r);
  t.true(json.startsWith('{\n  "schema": "hardtop.report/1",\n  "tool": {'));
  t.true(json.endsWith('}\n'));
  t.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify(r)));
});

test('formatJson: a summary with ESC, quotes and bidi yields no control character, even after parsing', (t) => {
  const evil: Finding = {
    ...findings[0],
    summary: 'user "ro\\ot"\x1b[2J\x1b]52;c;ZXZpbA==\x07 \u202Eboom\r\n',
    evidence: [{ file: '/var/log/auth.log\x1b[31m', line: 3, text: 'x\x00y\u009b1m' }],
    items: [{ subject: 'v\x1bhost', status: 'fail', summary: 's\x07', evidence: [] }],
  };
  const r = sample([evil]);
  const json = formatJson(r);
  t.false(CONTROL.test(json));
  t.false(json.includes('\\u001b'), 'no escaped ESC for a consumer to decode');
  const back = JSON.parse(json);
  const strings = JSON.stringify(back);
  t.false(/\\u00[01]|\\u007f/i.test(strings));
  t.is(back.checks[0].summary, 'user "ro\\ot" boom⏎');
  t.is(back.checks[0].evidence[0].file, '/var/log/auth.log');
  t.is(back.checks[0].evidence[0].text, 'xy');
  t.is(back.checks[0].items[0].subject, 'vost'); // ESC h is a two-byte sequence: both go
  // The report object itself is untouched (formatters are pure).
  t.true(r.checks[0].summary.includes('\x1b'));
});

test('formatText without colour: no ESC at all, and the expected lines', (t) => {
  const r = sample([
    { ...findings[0], summary: 'bad \x1b[31mred\x1b[0m {bold}' },
    ...findings.slice(1),
  ]);
  const text = formatText(r, { color: false });
  t.false(text.includes('\x1b'));
  t.false(CONTROL.test(text));
  const lines = text.split('\n');
  t.is(lines[0], 'hardtop 0.1.0 · web1 · Debian GNU/Linux 12 (bookworm) · kernel 6.1.0-26-amd64 · score 42/100');
  t.true(lines[1].includes('1 pass, 1 warn, 1 fail, 1 error, 1 info, 1 skip'));
  // Areas in the catalogue order (updates before ssh), each check with symbol, status, id, summary.
  t.true(text.indexOf('\nupdates\n') < text.indexOf('\nssh\n'));
  t.true(text.indexOf('\nssh\n') < text.indexOf('\nfail2ban\n'));
  t.true(lines.includes('  ✖ fail   ssh.server.password-auth  bad red {bold}'));
  t.true(lines.includes('        /etc/ssh/sshd_config:14  PasswordAuthentication yes'));
  t.true(lines.includes('        fix: ssh.server.harden'));
  t.true(lines.includes('  ▲ warn   ssh.server.root-login  PermitRootLogin prohibit-password'));
  t.true(lines.includes('  ✔ pass   updates.auto.installed  unattended-upgrades 2.9.1'));
  t.true(lines.includes('        $ dpkg-query -W unattended-upgrades'));
  t.true(lines.includes('  ● info   updates.pending.all  12 updates pending'));
  t.true(lines.includes('  – skip   fail2ban.installed  not applicable'));
  t.true(lines.includes('  ! error  tls.cert.expiry  cannot read /etc/ssl/x.pem'));
  t.true(lines.includes('      ! error  /etc/ssl/x.pem  permission denied'));
  t.true(text.endsWith('\n'));
});

test('formatText with colour: plain SGR only, and untrusted text still sanitised', (t) => {
  const r = sample([{ ...findings[0], summary: 'x\x1b]52;c;QUJD\x07\x1b[2Jy' }]);
  const text = formatText(r, { color: true });
  t.true(text.includes('\x1b[1m\x1b[31m✖ fail \x1b[0m'));
  // Every ESC begins an SGR sequence (ESC [ digits/semicolons m), nothing else.
  const escapes = text.match(/\x1b[^]{0,12}/g) ?? [];
  t.true(escapes.length > 0);
  for (const e of escapes) t.regex(e, /^\x1b\[[0-9;]*m/);
  t.true(text.includes('xy'));
});

test('formatProm: HELP/TYPE lines and one series per check with the table values', (t) => {
  const prom = formatProm(sample());
  const lines = prom.split('\n');
  for (const m of ['hardtop_check_status', 'hardtop_check_duration_seconds', 'hardtop_score', 'hardtop_last_run_timestamp_seconds']) {
    t.true(lines.includes(`# TYPE ${m} gauge`), m);
    t.true(lines.some((l) => l.startsWith(`# HELP ${m} `)), m);
  }
  t.true(lines.includes('hardtop_check_status{id="ssh.server.password-auth",area="ssh",severity="high"} 2'));
  t.true(lines.includes('hardtop_check_status{id="ssh.server.root-login",area="ssh",severity="high"} 1'));
  t.true(lines.includes('hardtop_check_status{id="updates.auto.installed",area="updates",severity="high"} 0'));
  t.true(lines.includes('hardtop_check_status{id="updates.pending.all",area="updates",severity="info"} 0'));
  t.true(lines.includes('hardtop_check_status{id="fail2ban.installed",area="fail2ban",severity="high"} 0'));
  t.true(lines.includes('hardtop_check_status{id="tls.cert.expiry",area="tls",severity="medium"} 2'));
  t.true(lines.includes('hardtop_check_duration_seconds{id="ssh.server.password-auth"} 0.003'));
  t.true(lines.includes('hardtop_score 42'));
  // 2026-11-28T18:00:00Z + 412 ms: when the run finished.
  t.true(lines.includes(`hardtop_last_run_timestamp_seconds ${Date.UTC(2026, 10, 28, 18) / 1000 + 0.412}`));
  t.is(lines.filter((l) => l.startsWith('hardtop_check_status{')).length, 6);
  t.true(prom.endsWith('\n'));
  t.false(prom.endsWith('\n\n'));
});

test('formatProm: label values with " \\ and newline are escaped, control sequences removed', (t) => {
  const id = 'evil"id\\x\ny\x1b[2J\x1b]52;c;QQ==\x07';
  const prom = formatProm(sample([{ ...findings[0], id }]));
  t.true(prom.includes('hardtop_check_status{id="evil\\"id\\\\x\\ny",area="ssh",severity="high"} 2'));
  t.false(CONTROL.test(prom));
  // Every line is a comment or a well-formed sample: an unescaped quote or newline would break this.
  for (const l of prom.trimEnd().split('\n')) {
    t.regex(l, /^(# (HELP|TYPE) \w+ .+|\w+(\{(\w+="(?:[^"\\\n]|\\.)*",?)+\})? \S+)$/, l);
  }
});

test('escapeLabelValue escapes exactly backslash, double quote and line feed', (t) => {
  t.is(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  t.is(escapeLabelValue('plain {ok} é'), 'plain {ok} é');
});

test('formatProm: a duplicated id yields one series (the collector rejects duplicates)', (t) => {
  const prom = formatProm(sample([findings[0], { ...findings[0], status: 'pass' }]));
  t.is(prom.split('\n').filter((l) => l.startsWith('hardtop_check_status{')).length, 1);
  t.is(prom.split('\n').filter((l) => l.startsWith('hardtop_check_duration_seconds{')).length, 1);
});
