// The fleet model (src/core/fleet.ts) and the fleet view's pure text
// (screens/fleet-view.ts): good reports, broken files of every kind, ansible
// --tree files, hostile strings, and 1,000 generated hosts.

import test from 'ava';
import { buildFleet, filterHosts, isProblem, parseJsonText, readFleetFile, type FleetHost, type FleetProblem } from '../../src/core/fleet';
import { formatJson } from '../../src/core/report';
import { summarize } from '../../src/core/score';
import type { Report } from '../../src/core/types';
import { AREAS } from '../../src/core/types';
import { fleetRows, hostDetailLines, listLines, scrollOffset } from '../../screens/fleet-view';
import { ansibleTreeFile, generateFleet, generateReport, prng } from '../helpers/fleet-reports';
import { reportProblems } from '../helpers/report-schema';

const ESC_OR_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

function report(name = 'web1', health = 0.6, seed = 1): Report {
  return generateReport(name, health, prng(seed));
}

function host(x: FleetHost | FleetProblem): FleetHost {
  if (isProblem(x)) throw new Error(`expected a host, got ${x.kind}: ${x.message}`);
  return x;
}

function problem(x: FleetHost | FleetProblem): FleetProblem {
  if (!isProblem(x)) throw new Error(`expected a problem, got host ${x.name}`);
  return x;
}

test('the generated reports validate against the schema (they are reports the tests produce)', (t) => {
  for (const r of generateFleet(25)) t.deepEqual(reportProblems(formatJson(r)), [], r.host.hostname);
});

test('a good report: one host, its score recomputed, worst status per area with counts', (t) => {
  const r = report();
  const h = host(readFleetFile({ file: 'web1.json', text: formatJson(r) }));
  t.is(h.name, 'web1');
  t.is(h.source, 'report');
  t.is(h.score, summarize(r.checks).score);
  t.is(h.checks.length, r.checks.length);
  for (const area of AREAS) {
    const inArea = r.checks.filter((c) => c.area === area);
    if (inArea.length === 0) {
      t.is(h.areas[area], undefined);
      continue;
    }
    const rank = ['skip', 'pass', 'info', 'warn', 'error', 'fail'];
    const worst = inArea.map((c) => c.status).sort((a, b) => rank.indexOf(b) - rank.indexOf(a))[0];
    t.deepEqual(h.areas[area], { worst, count: inArea.filter((c) => c.status === worst).length }, area);
  }
});

test('the score comes from the checks, not from a summary the file claims', (t) => {
  const r = JSON.parse(formatJson(report()));
  const real = summarize(r.checks).score;
  r.summary.score = 100;
  t.is(host(readFleetFile({ file: 'liar.json', text: JSON.stringify(r) })).score, real);
});

test('a report with an unknown hostname is named after its file', (t) => {
  const r = JSON.parse(formatJson(report()));
  r.host.hostname = 'unknown';
  t.is(host(readFleetFile({ file: 'db7.json', text: JSON.stringify(r) })).name, 'db7.json');
});

test('malformed: not JSON, and the message never quotes the file', (t) => {
  const p = problem(readFleetFile({ file: 'shadow', text: 'root:$y$j9T$secret:19000:0:99999:7:::\n' }));
  t.is(p.kind, 'malformed');
  t.regex(p.message, /^not valid JSON/);
  t.false(p.message.includes('secret'));
});

test('malformed: JSON but not a report object, or a check of the wrong shape', (t) => {
  t.is(problem(readFleetFile({ file: 'a', text: '[1,2,3]' })).kind, 'malformed');
  const r = JSON.parse(formatJson(report()));
  r.checks[2].status = 'ok';
  const p = problem(readFleetFile({ file: 'b.json', text: JSON.stringify(r) }));
  t.is(p.kind, 'malformed');
  t.is(p.message, "checks[2].status is 'ok', not a status");
  const dup = JSON.parse(formatJson(report()));
  dup.checks.push(dup.checks[0]);
  t.regex(problem(readFleetFile({ file: 'c.json', text: JSON.stringify(dup) })).message, /appears twice/);
  const noChecks = JSON.parse(formatJson(report()));
  delete noChecks.checks;
  t.is(problem(readFleetFile({ file: 'd.json', text: JSON.stringify(noChecks) })).message, 'report.checks is missing, not a list');
});

test('a newer report that only adds fields still reads (REPORT.md: adding fields is compatible)', (t) => {
  const r = JSON.parse(formatJson(report()));
  r.newField = { x: 1 };
  r.checks[0].confidence = 'high';
  t.false(isProblem(readFleetFile({ file: 'new.json', text: JSON.stringify(r) })));
});

test('truncated: every prefix of a report is "truncated", never malformed, never a throw', (t) => {
  const text = formatJson(report());
  const end = text.trimEnd().length;
  let checked = 0;
  for (let n = 0; n < end; n += 1 + Math.floor(n / 50)) {
    const p = problem(readFleetFile({ file: 'cut.json', text: text.slice(0, n) }));
    if (p.kind !== 'truncated') t.fail(`prefix of ${n} characters: ${p.kind}: ${p.message}`);
    checked++;
  }
  t.true(checked > 100);
  t.is(problem(readFleetFile({ file: 'empty.json', text: '' })).message, 'the file is empty');
});

test('parseJsonText tells truncated from malformed', (t) => {
  t.deepEqual(parseJsonText('{"a": 1}'), { ok: true, value: { a: 1 } });
  t.like(parseJsonText('{"a": "abc'), { ok: false, kind: 'truncated' });
  t.like(parseJsonText('{"a": 1,\n  '), { ok: false, kind: 'truncated' });
  t.like(parseJsonText('{"a": 1}}'), { ok: false, kind: 'malformed' });
  t.like(parseJsonText('{"a": x}'), { ok: false, kind: 'malformed' });
});

test('unknown schema: another version, or no schema at all', (t) => {
  const r = JSON.parse(formatJson(report()));
  r.schema = 'hardtop.report/2';
  const p = problem(readFleetFile({ file: 'v2.json', text: JSON.stringify(r) }));
  t.is(p.kind, 'unknown-schema');
  t.regex(p.message, /'hardtop\.report\/2' is not one this hardtop reads/);
  t.is(problem(readFleetFile({ file: 'pkg.json', text: '{"name": "left-pad", "version": "1.0.0"}' })).kind, 'unknown-schema');
});

test('unreadable: the reader’s reason is kept', (t) => {
  const p = problem(readFleetFile({ file: 'big.json', error: 'larger than 4 MiB: not a report' }));
  t.is(p.kind, 'unreadable');
  t.is(p.message, 'larger than 4 MiB: not a report');
});

test('ansible --tree: a report in stdout (rc 1 because a check failed) is a host named after the inventory', (t) => {
  const r = report('web1.internal', 0.5);
  const h = host(readFleetFile({ file: 'web1', text: ansibleTreeFile(formatJson(r), 1) }));
  t.is(h.name, 'web1');
  t.is(h.hostname, 'web1.internal');
  t.is(h.source, 'ansible');
  t.is(h.score, r.summary.score);
});

test('ansible --tree: failed runs, unreachable hosts and a cut stdout are listed as such', (t) => {
  const failed = problem(
    readFleetFile({ file: 'db1', text: JSON.stringify({ changed: true, rc: 2, stdout: '', stderr: 'hardtop: --root /x: no such directory', msg: 'non-zero return code' }) }),
  );
  t.is(failed.kind, 'run-failed');
  t.is(failed.name, 'db1');
  t.is(failed.message, 'hardtop printed no report (exit 2): hardtop: --root /x: no such directory');
  const notInstalled = problem(readFleetFile({ file: 'db2', text: JSON.stringify({ failed: true, msg: "[Errno 2] No such file or directory: b'hardtop'", rc: 2, cmd: 'hardtop' }) }));
  t.is(notInstalled.kind, 'run-failed');
  t.regex(notInstalled.message, /No such file or directory/);
  const down = problem(readFleetFile({ file: 'db3', text: JSON.stringify({ changed: false, msg: 'Failed to connect to the host via ssh: Connection refused', unreachable: true }) }));
  t.is(down.kind, 'unreachable');
  t.regex(down.message, /Connection refused/);
  const notStarted = problem(readFleetFile({ file: 'db5', text: JSON.stringify({ msg: "The task includes an option with an undefined variable. The error was: 'fixture' is undefined" }) }));
  t.is(notStarted.kind, 'run-failed');
  t.regex(notStarted.message, /hardtop printed no report: The task includes an option with an undefined variable/);
  const json = formatJson(report());
  const cut = problem(readFleetFile({ file: 'db4', text: JSON.stringify({ changed: true, rc: 0, stdout: json.slice(0, 500), stderr: '' }) }));
  t.is(cut.kind, 'truncated');
  t.regex(cut.message, /stdout/);
});

const HOSTILE = '\x1b]52;c;cm0gLXJmIC8=\x07\x1b[2J{red-fg}pwned{/red-fg}\r\nline2\u202e';

test('hostile strings are sanitised in the model and tag-escaped on screen', (t) => {
  const r = JSON.parse(formatJson(report()));
  // Raw JSON with escapes, as an attacker would write the file (not through formatJson).
  r.host.hostname = `evil${HOSTILE}`;
  r.checks[0].summary = `bad${HOSTILE}`;
  r.checks[0].title = `t${HOSTILE}`;
  r.checks[0].evidence = [{ file: `/etc/${HOSTILE}`, line: 3, text: HOSTILE }];
  r.checks[0].items = [{ subject: HOSTILE, status: 'fail', summary: HOSTILE, evidence: [{ command: HOSTILE }] }];
  const h = host(readFleetFile({ file: `f${HOSTILE}.json`, text: JSON.stringify(r) }));
  const strings = JSON.stringify(h);
  t.false(ESC_OR_CONTROL.test(JSON.parse(strings).name));
  for (const s of [h.name, h.file, h.checks[0].summary, h.checks[0].title, h.checks[0].items![0].subject, h.checks[0].evidence[0].text!]) {
    t.false(ESC_OR_CONTROL.test(s), JSON.stringify(s));
  }
  const model = buildFleet([{ file: 'x.json', text: JSON.stringify(r) }]);
  const lines = [...listLines(fleetRows(model, ''), 0, 10, 0, 120, true), ...hostDetailLines(model.hosts[0], 120, true)];
  for (const l of lines) {
    t.false(ESC_OR_CONTROL.test(l), l);
    t.false(l.includes('{red-fg}pwned'), 'a tag from the report must not reach blessed unescaped');
  }
  t.true(lines.some((l) => l.includes('{open}red-fg{close}pwned')));
});

test('the model lists hosts lowest score first and problems apart; the filter narrows by name', (t) => {
  const model = buildFleet([
    ...generateFleet(30).map((r) => ({ file: `${r.host.hostname}.json`, text: formatJson(r) })),
    { file: 'broken.json', text: '{"schema": "hardtop.report/1", "checks": [' },
    { file: 'old.json', text: '{"schema": "hardtop.report/0"}' },
  ]);
  t.is(model.hosts.length, 30);
  t.deepEqual(
    model.problems.map((p) => [p.file, p.kind]),
    [
      ['broken.json', 'truncated'],
      ['old.json', 'unknown-schema'],
    ],
  );
  for (let i = 1; i < model.hosts.length; i++) t.true(model.hosts[i - 1].score <= model.hosts[i].score);
  const narrowed = filterHosts(model.hosts, 'HOST-001');
  t.deepEqual(narrowed.map((h) => h.name).sort(), ['host-0010', 'host-0011', 'host-0012', 'host-0013', 'host-0014', 'host-0015', 'host-0016', 'host-0017', 'host-0018', 'host-0019']);
  for (let i = 1; i < narrowed.length; i++) t.true(narrowed[i - 1].score <= narrowed[i].score, 'still lowest score first');
  t.is(filterHosts(model.hosts, '').length, 30);
  // Rows: unusable files first, then hosts; a filter applies to both.
  const rows = fleetRows(model, '');
  t.is(rows.length, 32);
  t.deepEqual(rows.slice(0, 2).map((r) => r.kind), ['problem', 'problem']);
  t.deepEqual(fleetRows(model, 'broken').map((r) => r.kind), ['problem']);
});

test('1,000 hosts: the model builds fast and the list formats only the visible rows', (t) => {
  const reports = generateFleet(1000);
  const inputs = reports.map((r) => ({ file: `${r.host.hostname}.json`, text: formatJson(r) }));
  const t0 = performance.now();
  const model = buildFleet(inputs);
  const buildMs = performance.now() - t0;
  t.is(model.hosts.length, 1000);
  t.is(model.problems.length, 0);
  // Generous: about 100 ms on a laptop; the bound only catches something quadratic.
  t.true(buildMs < 5000, `building the model took ${buildMs} ms`);
  const rows = fleetRows(model, '');
  const t1 = performance.now();
  const lines = listLines(rows, 980, 40, 990, 120, true);
  const listMs = performance.now() - t1;
  t.is(lines.length, 20, 'rows past the end are not invented');
  t.is(listLines(rows, 500, 22, 510, 120, true).length, 22);
  t.true(lines[10].startsWith('{inverse}'), 'the selected row is highlighted');
  t.true(listMs < 50, `formatting a screenful took ${listMs} ms`);
});

test('scrollOffset keeps the selection visible and moves the window as little as possible', (t) => {
  t.is(scrollOffset(0, 0, 20, 1000), 0);
  t.is(scrollOffset(19, 0, 20, 1000), 0);
  t.is(scrollOffset(20, 0, 20, 1000), 1);
  t.is(scrollOffset(999, 0, 20, 1000), 980);
  t.is(scrollOffset(500, 980, 20, 1000), 500);
  t.is(scrollOffset(5, 3, 20, 10), 0, 'short lists start at the top');
});
