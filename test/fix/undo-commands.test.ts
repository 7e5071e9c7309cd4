// What a fix's commands did beyond its files (a ban, a timer enabled) is taken
// back by its undo commands: on undo, and on a rollback once a command ran.
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { undoChange } from '../../src/cli/fix-command';
import { applyPlan } from '../../src/fix/engine';
import { createLocalHost } from '../../src/host/local-host';
import { APP_JSON, OLD_JSON, appPlan, makeRoot, real, removeRoot } from '../fixtures/fix/sysroot';

function setup(t: { teardown(fn: () => void): void }) {
  const root = makeRoot();
  const side = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-side-'));
  t.teardown(() => {
    removeRoot(root);
    fs.rmSync(side, { recursive: true, force: true });
  });
  const marker = path.join(side, 'marker');
  // The command's effect lives outside any file the plan edits, as a ban does.
  const plan = appPlan({
    commands: [{ argv: ['mkdir', marker], describe: 'make the marker' }],
    undoCommands: [{ argv: ['rmdir', marker], describe: 'remove the marker' }],
  });
  return { root, host: createLocalHost({ root }), plan, marker };
}

test('undo runs the undo commands, then the files are as before', async (t) => {
  const { root, host, plan, marker } = setup(t);
  const applied = await applyPlan(host, plan);
  t.true(applied.ok);
  t.true(fs.existsSync(marker));
  const u = await undoChange(host, null);
  t.true(u.ok, u.message);
  t.false(fs.existsSync(marker), 'the undo command took back what the command did');
  t.is(fs.readFileSync(real(root, APP_JSON), 'utf8'), OLD_JSON);
});

test('a rollback after a command ran takes its effect back too', async (t) => {
  const { root, host, plan, marker } = setup(t);
  const outcome = await applyPlan(host, plan, { verify: async () => ({ ok: false, summary: 'still failing' }) });
  t.false(outcome.ok);
  t.false(fs.existsSync(marker));
  t.is(fs.readFileSync(real(root, APP_JSON), 'utf8'), OLD_JSON);
});

test('a rollback says plainly when a one-way command cannot be taken back', async (t) => {
  const { host, marker } = setup(t);
  const plan = appPlan({ commands: [{ argv: ['mkdir', marker], describe: 'one-way' }] });
  const outcome = await applyPlan(host, plan, { verify: async () => ({ ok: false, summary: 'still failing' }) });
  t.false(outcome.ok);
  if (!outcome.ok) t.regex(outcome.message, /what `mkdir [^`]+` did cannot be taken back/);
  t.true(fs.existsSync(marker));
});

test('okExitCodes: an exit code the command documents as success is not a failure', async (t) => {
  const { host } = setup(t);
  const plan = appPlan({ commands: [{ argv: ['sh', '-c', 'exit 1'], describe: 'warns and exits 1', okExitCodes: [1] }] });
  t.true((await applyPlan(host, plan)).ok);
  const strict = appPlan({ commands: [{ argv: ['sh', '-c', 'exit 2'], describe: 'fails', okExitCodes: [1] }] });
  const outcome = await applyPlan(host, strict);
  t.false(outcome.ok);
});
