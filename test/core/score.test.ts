import test from 'ava';
import { exitCodeFor, promValue, summarize, worstStatus } from '../../src/core/score';
import { STATUSES, type Finding, type Severity, type Status } from '../../src/core/types';

function f(status: Status, severity: Severity, id = `x.${status}.${severity}`): Finding {
  return { id, area: 'ssh', title: id, status, severity, summary: '', evidence: [], fixes: [] };
}

test('worstStatus follows fail > error > warn > info > pass > skip', (t) => {
  const order: Status[] = ['fail', 'error', 'warn', 'info', 'pass', 'skip'];
  for (let i = 0; i < order.length; i++) {
    // Each status beats everything after it in the list, in any position.
    const rest = order.slice(i + 1);
    t.is(worstStatus([...rest, order[i]]), order[i]);
    t.is(worstStatus([order[i], ...rest]), order[i]);
  }
  t.is(worstStatus(['pass', 'pass']), 'pass');
});

test('worstStatus of nothing is skip', (t) => {
  t.is(worstStatus([]), 'skip');
});

test('summary counts every status', (t) => {
  const s = summarize([f('pass', 'high'), f('pass', 'low'), f('warn', 'low'), f('fail', 'high'), f('info', 'info'),
    f('error', 'medium'), f('skip', 'high'), f('skip', 'low')]);
  t.like(s, { pass: 2, warn: 1, fail: 1, info: 1, error: 1, skip: 2 });
  t.deepEqual(Object.keys(s).sort(), [...STATUSES, 'score'].sort());
});

test('score: hand-computed example', (t) => {
  // applicable weights: pass critical 10, pass high 5, warn medium 3 (earns 1.5),
  // fail high 5, error low 1; info and skip carry no weight, whatever their severity.
  // earned = 10 + 5 + 1.5 = 16.5; applicable = 10 + 5 + 3 + 5 + 1 = 24
  // score = round(100 * 16.5 / 24) = round(68.75) = 69
  const s = summarize([
    f('pass', 'critical'),
    f('pass', 'high'),
    f('warn', 'medium'),
    f('fail', 'high'),
    f('error', 'low'),
    f('info', 'critical'),
    f('skip', 'high'),
  ]);
  t.is(s.score, 69);
});

test('score is 100 when nothing is applicable, 0 when everything fails', (t) => {
  t.is(summarize([]).score, 100);
  t.is(summarize([f('skip', 'high'), f('info', 'critical')]).score, 100);
  // A pass of severity info weighs 0: still nothing applicable.
  t.is(summarize([f('pass', 'info'), f('fail', 'info')]).score, 100);
  t.is(summarize([f('fail', 'critical'), f('error', 'low')]).score, 0);
  t.is(summarize([f('warn', 'high')]).score, 50);
});

test('an unknown status (e.g. read back from another version) does not make the summary NaN', (t) => {
  const odd = { ...f('pass', 'high'), status: 'bogus' as Status };
  const s = summarize([odd, f('pass', 'low')]);
  t.is(s.score, 100);
  t.is(s.pass, 1);
});

test('exit code: 1 only when some check fails; error alone is 0', (t) => {
  t.is(exitCodeFor([]), 0);
  t.is(exitCodeFor([f('pass', 'high'), f('warn', 'high'), f('error', 'high'), f('info', 'info'), f('skip', 'low')]), 0);
  t.is(exitCodeFor([f('pass', 'high'), f('fail', 'low')]), 1);
});

test('prometheus value per status follows the REPORT.md table', (t) => {
  const expected: Record<Status, 0 | 1 | 2> = { pass: 0, info: 0, skip: 0, warn: 1, error: 2, fail: 2 };
  for (const s of STATUSES) t.is(promValue(s), expected[s], s);
});
