import test from 'ava';
import type { Check, Finding, Status } from '../../src/core/types';
import { panelRows, shortLabels, statusCounts, worstFirst } from '../../screens/view-model';

test('short labels: the last part of the id, two parts where the last is ambiguous', (t) => {
  t.deepEqual(shortLabels(['ssh.server.root-login', 'ssh.server.password-auth', 'ssh.client.password-auth']), [
    'root-login',
    'server.password-auth',
    'client.password-auth',
  ]);
});

function check(id: string): Check {
  return { id, area: 'ssh', title: `title of ${id}`, severity: 'high', run: async () => ({}) as Finding };
}
function finding(id: string, status: Status, summary = 's'): Finding {
  return { id, area: 'ssh', title: `title of ${id}`, status, severity: 'high', summary, evidence: [], fixes: [] };
}

test('rows come worst first, catalogue order within a status; a check still running shows as such', (t) => {
  const checks = ['a.x.one', 'a.x.two', 'a.x.three', 'a.x.four', 'a.x.five'].map(check);
  const results = new Map<string, Finding>([
    ['a.x.one', finding('a.x.one', 'pass')],
    ['a.x.two', finding('a.x.two', 'fail')],
    ['a.x.three', finding('a.x.three', 'skip')],
    ['a.x.four', finding('a.x.four', 'fail')],
  ]);
  const rows = worstFirst(panelRows(checks, results));
  t.deepEqual(rows.map((r) => `${r.status}:${r.label}`), ['fail:two', 'fail:four', 'running:five', 'pass:one', 'skip:three']);
  t.is(statusCounts(rows), '✖2 ✔1 –1 …1');
});

test('untrusted text in a summary is sanitised before it reaches a row', (t) => {
  const rows = panelRows([check('a.x.one')], new Map([['a.x.one', finding('a.x.one', 'warn', 'user \x1b]52;c;ZXZpbA==\x07evil\x1b[2J')]]));
  t.false(rows[0].summary.includes('\x1b'));
  t.regex(rows[0].summary, /user evil/);
});
