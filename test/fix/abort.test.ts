// A signal in the middle of an apply (the admin's SSH session drops, Ctrl-C)
// rolls back instead of leaving the new config live and unjournaled; and an
// apply killed before it changed anything never hides the real latest change.
import test from 'ava';
import * as fs from 'node:fs';
import { applyPlan } from '../../src/fix/engine';
import { undo } from '../../src/fix/undo';
import { createLocalHost } from '../../src/host/local-host';
import { APP_JSON, NEW_JSON, OLD_JSON, appPlan, makeRoot, real, removeRoot } from '../fixtures/fix/sysroot';

function setup(t: { teardown(fn: () => void): void }) {
  const root = makeRoot();
  t.teardown(() => removeRoot(root));
  return { root, host: createLocalHost({ root }) };
}

test('an abort while a command runs kills it and rolls back', async (t) => {
  const { root, host } = setup(t);
  const ac = new AbortController();
  const plan = appPlan({ commands: [{ argv: ['sleep', '30'], describe: 'slow install' }] });
  const started = Date.now();
  const pending = applyPlan(host, plan, { signal: ac.signal });
  // Let it reach the command (the new file is in place), then "SIGHUP".
  const deadline = Date.now() + 15_000;
  while (fs.readFileSync(real(root, APP_JSON), 'utf8') !== NEW_JSON && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  t.is(fs.readFileSync(real(root, APP_JSON), 'utf8'), NEW_JSON, 'the command runs with the new file in place');
  ac.abort('SIGHUP');
  const outcome = await pending;
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, 'command');
    t.true(outcome.rolledBack);
  }
  t.true(Date.now() - started < 28_000, 'the sleep was killed, not waited for');
  t.is(fs.readFileSync(real(root, APP_JSON), 'utf8'), OLD_JSON);
});

test('an abort between steps rolls back at the next step boundary', async (t) => {
  const { root, host } = setup(t);
  const ac = new AbortController();
  const outcome = await applyPlan(host, appPlan(), {
    signal: ac.signal,
    hooks: { onStep: (s) => void (s === `written:${APP_JSON}` && ac.abort('SIGTERM')) },
  });
  t.false(outcome.ok);
  if (!outcome.ok) t.true(outcome.rolledBack);
  t.is(fs.readFileSync(real(root, APP_JSON), 'utf8'), OLD_JSON);
});

test('undo skips an interrupted apply that changed nothing and undoes the real latest change', async (t) => {
  const { root, host } = setup(t);
  const first = await applyPlan(host, appPlan());
  t.true(first.ok);
  // A second fix is aborted during validation: it leaves a backup manifest
  // (no journal line) but never touches the file.
  const ac = new AbortController();
  const second = await applyPlan(host, appPlan({ fixId: 'app.other', edits: [{ path: APP_JSON, before: NEW_JSON, after: '{"listen": 8443, "tls": true}\n' }] }), {
    signal: ac.signal,
    hooks: { onStep: (s) => void (s === 'backed-up' && ac.abort('SIGHUP')) },
  });
  t.false(second.ok);
  t.is(fs.readFileSync(real(root, APP_JSON), 'utf8'), NEW_JSON);
  const u = await undo(host, {});
  t.true(u.ok, u.ok ? '' : u.message);
  if (u.ok) t.is(u.fixId, 'app.tls');
  t.is(fs.readFileSync(real(root, APP_JSON), 'utf8'), OLD_JSON);
});
