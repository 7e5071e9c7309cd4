// The fix engine against real files in a temp sysroot, with the real LocalHost
// and real programs (python3, sh, false). Each test names the promise it checks.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import { applyPlan } from '../../src/fix/engine';
import { undo } from '../../src/fix/undo';
import { listJournal } from '../../src/fix/journal';
import type { Command } from '../../src/core/types';
import {
  APP_JSON,
  MODE,
  NEW_JSON,
  OLD_JSON,
  OWNER,
  STATE_DIR,
  appPlan,
  asNonRoot,
  fileState,
  journalLines,
  makeRoot,
  real,
  removeRoot,
  sha,
} from '../fixtures/fix/sysroot';

function setup(t: { teardown(fn: () => void): void }, content?: string) {
  const root = makeRoot(content);
  t.teardown(() => removeRoot(root));
  const host = createLocalHost({ root, network: false });
  return { root, host };
}

/** The original, exactly: bytes, owner and mode. */
function assertOriginal(t: import('ava').ExecutionContext, root: string) {
  const now = fileState(root, APP_JSON);
  t.truthy(now, 'app.json must still exist');
  t.is(now!.bytes.toString('utf8'), OLD_JSON);
  t.deepEqual({ mode: now!.mode, uid: now!.uid, gid: now!.gid }, { mode: MODE, uid: OWNER, gid: OWNER });
}

function listDir(root: string, hostDir: string): string[] {
  const p = real(root, hostDir);
  return fs.existsSync(p) ? fs.readdirSync(p).sort() : [];
}

test('happy path: apply keeps owner and mode, journals sha256s, backs up privately; undo restores exactly', async (t) => {
  const { root, host } = setup(t);
  // This validator passes only if the STAGED copy holds the new text: proves
  // the edit reached the staging tree (the live file still says false).
  const stagedHasEdit = {
    describe: 'staged app.json has tls on',
    argv: ['grep', '-q', '"tls": true', '{stage}/etc/app/app.json'],
    stage: ['/etc/app'],
  };
  const plan = appPlan({ validate: [appPlan().validate[0], stagedHasEdit] });

  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  if (!outcome.ok) return;
  t.regex(outcome.journalId, /^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  t.deepEqual(outcome.changed, [APP_JSON]);

  const after = fileState(root, APP_JSON)!;
  t.is(after.bytes.toString('utf8'), NEW_JSON);
  t.deepEqual({ mode: after.mode, uid: after.uid, gid: after.gid }, { mode: MODE, uid: OWNER, gid: OWNER });
  t.deepEqual(listDir(root, '/etc/app'), ['app.json'], 'no temp file left next to the config');
  t.deepEqual(listDir(root, `${STATE_DIR}/tmp`), [], 'staging dir disposed');

  // The journal line.
  const lines = journalLines(root);
  t.is(lines.length, 1);
  const entry = lines[0] as any;
  t.is(entry.id, outcome.journalId);
  t.is(entry.action, 'apply');
  t.is(entry.fixId, 'app.tls');
  t.is(entry.outcome, 'applied');
  t.is(typeof entry.user, 'string');
  t.true('sshConnection' in entry);
  t.is(entry.files.length, 1);
  const f = entry.files[0];
  t.is(f.path, APP_JSON);
  t.is(f.sha256Before, sha(OLD_JSON));
  t.is(f.sha256After, sha(NEW_JSON));
  t.deepEqual([f.mode, f.uid, f.gid], [MODE, OWNER, OWNER]);

  // The backup: exact bytes, private modes, sidecar.
  const backupReal = real(root, f.backup);
  t.true(backupReal.startsWith(real(root, `${STATE_DIR}/backups/${outcome.journalId}/`)));
  t.is(fs.readFileSync(backupReal, 'utf8'), OLD_JSON);
  t.is(fs.statSync(backupReal).mode & 0o777, 0o600);
  t.is(fs.statSync(path.dirname(backupReal)).mode & 0o777, 0o700);
  t.is(fs.statSync(real(root, STATE_DIR)).mode & 0o777, 0o700);
  t.is(fs.statSync(real(root, `${STATE_DIR}/journal.jsonl`)).mode & 0o777, 0o600);
  const sidecar = JSON.parse(fs.readFileSync(backupReal.replace(/\.orig$/, '.json'), 'utf8'));
  t.deepEqual(sidecar, { path: APP_JSON, mode: MODE, uid: OWNER, gid: OWNER, existed: true, sha256: sha(OLD_JSON) });

  // Undo: exact bytes, owner and mode come back; journaled.
  const undone = await undo(host, {});
  t.true(undone.ok, JSON.stringify(undone));
  if (undone.ok) {
    t.is(undone.of, outcome.journalId);
    t.deepEqual(undone.restored, [APP_JSON]);
  }
  assertOriginal(t, root);
  const last = journalLines(root).at(-1) as any;
  t.is(last.action, 'undo');
  t.is(last.of, outcome.journalId);
  t.is(last.outcome, 'undone');

  const again = await undo(host, {});
  t.false(again.ok);
  if (!again.ok) {
    t.is(again.stage, 'nothing');
    t.regex(again.message, /nothing to undo/);
  }
  assertOriginal(t, root);
});

test('a new file is created with the plan mode, and undo removes it', async (t) => {
  const { root, host } = setup(t);
  const plan = appPlan({ edits: [{ path: '/etc/app/extra.conf', before: null, after: 'x = 1\n', mode: 0o600 }], validate: [] });
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  const st = fileState(root, '/etc/app/extra.conf');
  t.is(st?.bytes.toString('utf8'), 'x = 1\n');
  t.is(st?.mode, 0o600);
  const entry = journalLines(root)[0] as any;
  t.is(entry.files[0].sha256Before, null);
  t.is(entry.files[0].backup, null);

  const undone = await undo(host, {});
  t.true(undone.ok, JSON.stringify(undone));
  t.is(fileState(root, '/etc/app/extra.conf'), null);
});

test('a real checker that rejects the new config: refused at validate, live file byte-identical', async (t) => {
  const { root, host } = setup(t);
  const before = fs.readFileSync(real(root, APP_JSON));
  const plan = appPlan({ edits: [{ path: APP_JSON, before: OLD_JSON, after: '{"listen": 443,\n' }] });

  const outcome = await applyPlan(host, plan);
  t.false(outcome.ok);
  if (outcome.ok) return;
  t.is(outcome.stage, 'validate');
  t.false(outcome.rolledBack);
  // The checker's own words, with the staging path replaced by the path the admin knows.
  t.regex(outcome.message, /\/etc\/app\/app\.json: Expecting/);
  t.notRegex(outcome.message, /\/tmp\/|hardtop\/tmp/);
  t.false(outcome.message.includes('\n'));
  t.true(fs.readFileSync(real(root, APP_JSON)).equals(before));
  assertOriginal(t, root);
  t.deepEqual(listDir(root, '/etc/app'), ['app.json'], 'no temp file in the live dir');
  t.deepEqual(listDir(root, `${STATE_DIR}/tmp`), [], 'staging dir disposed');
  const entry = journalLines(root)[0] as any;
  t.is(entry.outcome, 'not-applied');
  t.is(entry.stage, 'validate');
  // Nothing to undo: nothing was applied.
  const u = await undo(host, {});
  t.false(u.ok);
});

test('sh -n as the checker: a broken shell script is refused with the line it chokes on', async (t) => {
  const { root, host } = setup(t);
  fs.writeFileSync(real(root, '/etc/app/start.sh'), 'echo ok\n');
  const plan = appPlan({
    edits: [{ path: '/etc/app/start.sh', before: 'echo ok\n', after: 'if true; then\necho ok\n' }],
    validate: [{ describe: 'start.sh parses', argv: ['sh', '-n', '{stage}/etc/app/start.sh'], stage: ['/etc/app'] }],
  });
  const outcome = await applyPlan(host, plan);
  t.false(outcome.ok);
  if (outcome.ok) return;
  t.is(outcome.stage, 'validate');
  t.regex(outcome.message, /\/etc\/app\/start\.sh: \d+: Syntax error/);
  t.is(fs.readFileSync(real(root, '/etc/app/start.sh'), 'utf8'), 'echo ok\n');
});

test('a validator that is not installed refuses the apply (never skipped)', async (t) => {
  const { root, host } = setup(t);
  const plan = appPlan({
    validate: [{ describe: 'nope', argv: ['hardtop-no-such-checker', '{stage}'], stage: ['/etc/app'] }],
  });
  const outcome = await applyPlan(host, plan);
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, 'validate');
    t.regex(outcome.message, /hardtop-no-such-checker/);
  }
  assertOriginal(t, root);
});

test('a failing command after the write rolls back byte for byte and is journaled', async (t) => {
  const { root, host } = setup(t);
  const plan = appPlan({ commands: [{ argv: ['false'], describe: 'reload app' }] });
  const outcome = await applyPlan(host, plan);
  t.false(outcome.ok);
  if (outcome.ok) return;
  t.is(outcome.stage, 'command');
  t.true(outcome.rolledBack);
  t.regex(outcome.message, /`false` failed \(exit 1\)/);
  t.regex(outcome.message, /rolled back/);
  assertOriginal(t, root);
  t.deepEqual(listDir(root, '/etc/app'), ['app.json']);
  const entry = journalLines(root)[0] as any;
  t.is(entry.id, outcome.journalId);
  t.is(entry.outcome, 'rolled-back');
  t.is(entry.stage, 'command');
  const u = await undo(host, {});
  t.false(u.ok, 'a rolled-back apply is not undoable');
  assertOriginal(t, root);
});

test('rollback re-runs the started reload commands on the RESTORED config, never one-way ones', async (t) => {
  const { root, host } = setup(t);
  const seen: { argv: string; content: string }[] = [];
  let calls = 0;
  const runCommand = async (cmd: Command) => {
    seen.push({ argv: cmd.argv.join(' '), content: fs.readFileSync(real(root, APP_JSON), 'utf8') });
    calls++;
    // reload succeeds, restart fails the first time only.
    if (cmd.argv[0] === 'restart' && calls === 3) return { exitCode: 1 };
    return { exitCode: 0 };
  };
  const plan = appPlan({
    commands: [
      { argv: ['install'], describe: 'one-way install' },
      { argv: ['reload'], describe: 'reload', reload: true },
      { argv: ['restart'], describe: 'restart', reload: true },
      { argv: ['never'], describe: 'not reached', reload: true },
    ],
  });
  const outcome = await applyPlan(host, plan, { runCommand });
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, 'command');
    t.true(outcome.rolledBack);
    t.notRegex(outcome.message, /re-running after the restore failed/);
  }
  t.deepEqual(seen, [
    { argv: 'install', content: NEW_JSON },
    { argv: 'reload', content: NEW_JSON },
    { argv: 'restart', content: NEW_JSON },
    { argv: 'reload', content: OLD_JSON },
    { argv: 'restart', content: OLD_JSON },
  ]);
  assertOriginal(t, root);
});

test('verify not ok: rolled back, and verify saw the new file live', async (t) => {
  const { root, host } = setup(t);
  let seenByVerify = '';
  const outcome = await applyPlan(host, appPlan(), {
    verify: async () => {
      seenByVerify = fs.readFileSync(real(root, APP_JSON), 'utf8');
      return { ok: false, summary: 'app.tls still fails: port 443 closed' };
    },
  });
  t.is(seenByVerify, NEW_JSON);
  t.false(outcome.ok);
  if (outcome.ok) return;
  t.is(outcome.stage, 'verify');
  t.true(outcome.rolledBack);
  t.regex(outcome.message, /port 443 closed/);
  assertOriginal(t, root);
  t.is((journalLines(root)[0] as any).outcome, 'rolled-back');
});

test('stale: a file changed between preview and apply is refused, nothing written', async (t) => {
  const { root, host } = setup(t);
  const plan = appPlan();
  fs.appendFileSync(real(root, APP_JSON), ' '); // an admin edited it meanwhile
  const edited = fs.readFileSync(real(root, APP_JSON));
  const outcome = await applyPlan(host, plan);
  t.false(outcome.ok);
  if (outcome.ok) return;
  t.is(outcome.stage, 'stale');
  t.regex(outcome.message, /\/etc\/app\/app\.json changed since the preview/);
  t.true(fs.readFileSync(real(root, APP_JSON)).equals(edited));
  t.deepEqual(journalLines(root), []);
  t.deepEqual(listDir(root, `${STATE_DIR}/backups`), []);
});

test('stale: a file the plan would create now exists → refused', async (t) => {
  const { root, host } = setup(t);
  const plan = appPlan({ edits: [{ path: '/etc/app/new.conf', before: null, after: 'x\n' }], validate: [] });
  fs.writeFileSync(real(root, '/etc/app/new.conf'), 'mine\n');
  const outcome = await applyPlan(host, plan);
  t.false(outcome.ok);
  if (!outcome.ok) t.is(outcome.stage, 'stale');
  t.is(fs.readFileSync(real(root, '/etc/app/new.conf'), 'utf8'), 'mine\n');
});

test('a file that is not valid UTF-8 is refused rather than re-encoded', async (t) => {
  const latin1 = Buffer.from('{"name": "caf\xe9"}\n', 'latin1');
  const root = makeRoot(latin1 as unknown as string);
  t.teardown(() => removeRoot(root));
  const host = createLocalHost({ root, network: false });
  const text = latin1.toString('utf8'); // what a plan would have read
  const plan = appPlan({ edits: [{ path: APP_JSON, before: text, after: text + '\n' }], validate: [] });
  const outcome = await applyPlan(host, plan);
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, 'refused');
    t.regex(outcome.message, /not valid UTF-8/);
  }
  t.true(fs.readFileSync(real(root, APP_JSON)).equals(latin1));
});

test('non-root host: refused, read-only, nothing created', async (t) => {
  const { root, host } = setup(t);
  const outcome = await applyPlan(asNonRoot(host), appPlan());
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, 'refused');
    t.is(outcome.message, 'read-only: run as root to apply fixes');
  }
  assertOriginal(t, root);
  t.false(fs.existsSync(real(root, STATE_DIR)));
  const u = await undo(asNonRoot(host), {});
  t.false(u.ok);
  if (!u.ok) t.is(u.stage, 'refused');
});

test('guard not ok: refused with its reason', async (t) => {
  const { root, host } = setup(t);
  const outcome = await applyPlan(host, appPlan({ guard: { ok: false, reason: 'root has no authorized_keys' } }));
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, 'refused');
    t.regex(outcome.message, /root has no authorized_keys/);
  }
  assertOriginal(t, root);
});

test('a state dir with mode 0755 is refused, named, and nothing changes', async (t) => {
  const { root, host } = setup(t);
  fs.mkdirSync(real(root, STATE_DIR), { recursive: true });
  fs.chmodSync(real(root, STATE_DIR), 0o755);
  const outcome = await applyPlan(host, appPlan());
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, 'refused');
    t.regex(outcome.message, /state dir \/var\/lib\/hardtop/);
    t.regex(outcome.message, /0755/);
  }
  assertOriginal(t, root);
  t.deepEqual(fs.readdirSync(real(root, STATE_DIR)), []);
  t.is(fs.statSync(real(root, STATE_DIR)).mode & 0o777, 0o755, 'never widened or narrowed behind the admin');
});

test('undo refuses when the file changed after the fix, naming it; an explicit id works', async (t) => {
  const { root, host } = setup(t);
  const outcome = await applyPlan(host, appPlan());
  t.true(outcome.ok);
  if (!outcome.ok) return;
  fs.writeFileSync(real(root, APP_JSON), '{"edited": "by hand"}\n');
  const u = await undo(host, { journalId: outcome.journalId });
  t.false(u.ok);
  if (!u.ok) {
    t.is(u.stage, 'changed');
    t.regex(u.message, /^\/etc\/app\/app\.json changed since the fix \(was sha256:[0-9a-f]{12}, now sha256:[0-9a-f]{12}\); not undoing$/);
  }
  t.is(fs.readFileSync(real(root, APP_JSON), 'utf8'), '{"edited": "by hand"}\n');

  // Put back what the fix wrote: now the named undo goes through.
  fs.writeFileSync(real(root, APP_JSON), NEW_JSON);
  const ok = await undo(host, { journalId: outcome.journalId });
  t.true(ok.ok, JSON.stringify(ok));
  t.is(fs.readFileSync(real(root, APP_JSON), 'utf8'), OLD_JSON);
  const bad = await undo(host, { journalId: '../../etc' });
  t.false(bad.ok);
});

test('undo refuses a backup whose bytes no longer match its sha256', async (t) => {
  const { root, host } = setup(t);
  const outcome = await applyPlan(host, appPlan());
  t.true(outcome.ok);
  const f = (journalLines(root)[0] as any).files[0];
  fs.writeFileSync(real(root, f.backup), 'tampered\n');
  const u = await undo(host, {});
  t.false(u.ok);
  if (!u.ok) t.regex(u.message, /does not match its recorded sha256/);
  t.is(fs.readFileSync(real(root, APP_JSON), 'utf8'), NEW_JSON, 'live file left as it was');
});

test('a torn last journal line is reported, not fatal, and the next line is not glued to it', async (t) => {
  const { root, host } = setup(t);
  const first = await applyPlan(host, appPlan());
  t.true(first.ok);
  fs.appendFileSync(real(root, `${STATE_DIR}/journal.jsonl`), '{"id":"2026112'); // crash mid-append
  const view = await listJournal(host, STATE_DIR);
  t.is(view.records.length, 1);
  t.is(view.problems.length, 1);
  t.regex(view.problems[0], /journal\.jsonl:2: torn last line ignored/);

  const u = await undo(host, {}); // appends after the torn fragment
  t.true(u.ok, JSON.stringify(u));
  const again = await listJournal(host, STATE_DIR);
  t.deepEqual(
    again.records.map((r) => r.action),
    ['apply', 'undo'],
  );
  t.is(again.problems.length, 1, 'the fragment is reported as an unreadable line, the undo line is intact');
  assertOriginal(t, root);
});

test('a missing journal reads as empty', async (t) => {
  const { host } = setup(t);
  const view = await listJournal(host, STATE_DIR);
  t.deepEqual(view, { records: [], interrupted: [], problems: [] });
});
