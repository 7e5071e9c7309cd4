// Two additions to the fix engine, against real files and a real throwaway
// account:
// - FileEdit.delete: the file goes, its bytes/owner/mode stay in the backup,
//   undo (and a rollback) put it back exactly; the preview never shows what
//   a removed file held (it may be a private host key);
// - FileEdit.asUser: a file in a home is read without following links and
//   written, removed and restored AS ITS OWNER (runuser), never as root.

import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { FileEdit, Plan } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import { previewPlan } from '../../src/fix/preview';
import { undo } from '../../src/fix/undo';
import { createLocalHost } from '../../src/host/local-host';
import { fileState, makeRoot, real, removeRoot, sha } from '../fixtures/fix/sysroot';

const isRoot = process.getuid?.() === 0;
const asRoot = isRoot ? test.serial : test.serial.skip;
const haveRunuser = fs.existsSync('/usr/sbin/runuser') && fs.existsSync('/usr/sbin/useradd');
const withUser = isRoot && haveRunuser ? test.serial : test.serial.skip;

const SECRET = '/etc/app/secret.key';
const SECRET_TEXT = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-not-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n';

function plan(edits: FileEdit[], over: Partial<Plan> = {}): Plan {
  return { fixId: 'test.edit', title: 'test', risk: 'safe', edits, validate: [], commands: [], warnings: [], ...over };
}

function setup(t: ExecutionContext) {
  const root = makeRoot();
  // A user must be able to walk into the sysroot to reach "their" home in it.
  fs.chmodSync(root, 0o755);
  t.teardown(() => removeRoot(root));
  return { root, host: createLocalHost({ root, network: false }) };
}

// ---------------------------------------------------------------------------
// delete

asRoot('delete: the file goes into the backup (0600) and undo brings back its bytes, owner and mode', async (t) => {
  const { root, host } = setup(t);
  fs.writeFileSync(real(root, SECRET), SECRET_TEXT, { mode: 0o600 });
  fs.chownSync(real(root, SECRET), 1234, 1235);
  fs.chmodSync(real(root, SECRET), 0o640);
  const p = plan([{ path: SECRET, before: SECRET_TEXT, after: '', delete: true }]);

  const preview = previewPlan(p);
  t.notRegex(preview.diffs[0], /BEGIN OPENSSH|not-a-real-key/, 'the preview never shows what a removed file held');
  t.regex(preview.diffs[0], /\+\+\+ \/dev\/null[\s\S]*removed: \d+ bytes, kept in the backup/);

  const outcome = await applyPlan(host, p);
  t.true(outcome.ok, JSON.stringify(outcome));
  if (!outcome.ok) return;
  t.deepEqual(outcome.changed, [SECRET]);
  t.false(fs.existsSync(real(root, SECRET)));
  const entry = JSON.parse(fs.readFileSync(real(root, '/var/lib/hardtop/journal.jsonl'), 'utf8').trim().split('\n').at(-1)!);
  t.is(entry.files[0].sha256After, null, 'the journal records the removal');
  t.is(entry.files[0].sha256Before, sha(SECRET_TEXT));
  const backup = real(root, entry.files[0].backup);
  t.is(fs.readFileSync(backup, 'utf8'), SECRET_TEXT);
  t.is(fs.statSync(backup).mode & 0o777, 0o600);

  const u = await undo(host, {});
  t.true(u.ok, JSON.stringify(u));
  t.deepEqual(fileState(root, SECRET), { bytes: Buffer.from(SECRET_TEXT), mode: 0o640, uid: 1234, gid: 1235 });
});

asRoot('delete: a failing command rolls the removal back; a plan that removes a file it never saw is refused', async (t) => {
  const { root, host } = setup(t);
  fs.writeFileSync(real(root, SECRET), SECRET_TEXT, { mode: 0o600 });
  const failing = plan([{ path: SECRET, before: SECRET_TEXT, after: '', delete: true }], { commands: [{ argv: ['false'], describe: 'fails' }] });
  const outcome = await applyPlan(host, failing);
  t.false(outcome.ok);
  if (!outcome.ok) t.true(outcome.rolledBack, outcome.message);
  t.is(fs.readFileSync(real(root, SECRET), 'utf8'), SECRET_TEXT);

  const blind = await applyPlan(host, plan([{ path: '/etc/app/nothing', before: null, after: '', delete: true }]));
  t.false(blind.ok);
  if (!blind.ok) t.regex(blind.message, /did not see it exist/);
});

asRoot('delete: undo refuses when the removed file was re-created since (the newer file wins)', async (t) => {
  const { root, host } = setup(t);
  fs.writeFileSync(real(root, SECRET), SECRET_TEXT, { mode: 0o600 });
  t.true((await applyPlan(host, plan([{ path: SECRET, before: SECRET_TEXT, after: '', delete: true }]))).ok);
  fs.writeFileSync(real(root, SECRET), 'a new key the admin made since\n');
  const u = await undo(host, {});
  t.false(u.ok);
  if (!u.ok) t.regex(u.message, /changed since the fix/);
  t.is(fs.readFileSync(real(root, SECRET), 'utf8'), 'a new key the admin made since\n');
});

// ---------------------------------------------------------------------------
// asUser

interface User {
  name: string;
  uid: number;
  gid: number;
  /** Host path of the home inside the sysroot. */
  home: string;
}

function throwawayUser(t: ExecutionContext, root: string): User {
  const name = `htf${process.pid % 10000}${Math.floor(Math.random() * 1000)}`;
  execFileSync('/usr/sbin/useradd', ['-M', '-s', '/usr/sbin/nologin', name]);
  t.teardown(() => {
    spawnSync('/usr/sbin/userdel', ['-f', name]);
  });
  const uid = Number(execFileSync('/usr/bin/id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('/usr/bin/id', ['-g', name], { encoding: 'utf8' }).trim());
  const home = `/home/${name}`;
  fs.mkdirSync(real(root, `${home}/.ssh`), { recursive: true });
  fs.chmodSync(real(root, '/home'), 0o755);
  for (const p of [home, `${home}/.ssh`]) {
    fs.chownSync(real(root, p), uid, gid);
    fs.chmodSync(real(root, p), 0o700);
  }
  return { name, uid, gid, home };
}

const KEYS_BEFORE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss old@laptop\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7SsK new@laptop\n';
const KEYS_AFTER = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7SsK new@laptop\n';

function keysFile(root: string, u: User, text = KEYS_BEFORE, mode = 0o600): string {
  const p = `${u.home}/.ssh/authorized_keys`;
  fs.writeFileSync(real(root, p), text);
  fs.chownSync(real(root, p), u.uid, u.gid);
  fs.chmodSync(real(root, p), mode);
  return p;
}

withUser('asUser: written as the account (owner and mode kept, no temp file left); undo restores the exact bytes as the account', async (t) => {
  const { root, host } = setup(t);
  const u = throwawayUser(t, root);
  const p = keysFile(root, u, KEYS_BEFORE, 0o640);
  const owner = { name: u.name, uid: u.uid, home: u.home };
  const outcome = await applyPlan(host, plan([{ path: p, before: KEYS_BEFORE, after: KEYS_AFTER, asUser: owner }]));
  t.true(outcome.ok, JSON.stringify(outcome));
  t.deepEqual(fileState(root, p), { bytes: Buffer.from(KEYS_AFTER), mode: 0o640, uid: u.uid, gid: u.gid });
  t.deepEqual(fs.readdirSync(real(root, `${u.home}/.ssh`)), ['authorized_keys'], 'no temp file left behind');

  const undone = await undo(host, {});
  t.true(undone.ok, JSON.stringify(undone));
  t.deepEqual(fileState(root, p), { bytes: Buffer.from(KEYS_BEFORE), mode: 0o640, uid: u.uid, gid: u.gid });
});

withUser('asUser: the write really runs as the account: where only root could write, it fails and nothing changes', async (t) => {
  const { root, host } = setup(t);
  const u = throwawayUser(t, root);
  const p = keysFile(root, u);
  // ~/.ssh now belongs to root (0755): root could rename a file into it, the user cannot.
  fs.chownSync(real(root, `${u.home}/.ssh`), 0, 0);
  fs.chmodSync(real(root, `${u.home}/.ssh`), 0o755);
  const outcome = await applyPlan(host, plan([{ path: p, before: KEYS_BEFORE, after: KEYS_AFTER, asUser: { name: u.name, uid: u.uid, home: u.home } }]));
  t.false(outcome.ok);
  if (!outcome.ok) t.regex(outcome.message, new RegExp(`as ${u.name} failed`));
  t.is(fs.readFileSync(real(root, p), 'utf8'), KEYS_BEFORE);
  t.deepEqual(fs.readdirSync(real(root, `${u.home}/.ssh`)), ['authorized_keys']);
});

withUser('asUser: a symlink planted in the home (before the plan or swapped in after it) is refused; its target is never touched', async (t) => {
  const { root, host } = setup(t);
  const u = throwawayUser(t, root);
  const p = keysFile(root, u);
  const target = real(root, '/etc/app/app.json');
  const targetBefore = fs.readFileSync(target);
  // The admin previewed the real file; then the user swaps a link in.
  fs.rmSync(real(root, p));
  fs.symlinkSync('/etc/app/app.json', real(root, p));
  const outcome = await applyPlan(host, plan([{ path: p, before: KEYS_BEFORE, after: KEYS_AFTER, asUser: { name: u.name, uid: u.uid, home: u.home } }]));
  t.false(outcome.ok);
  if (!outcome.ok) t.is(outcome.stage, 'refused', outcome.message);
  t.deepEqual(fs.readFileSync(target), targetBefore);
  t.true(fs.lstatSync(real(root, p)).isSymbolicLink());
});

withUser('asUser: a file in the home owned by someone else, a path outside the home, or a uid that is not the account are refused', async (t) => {
  const { root, host } = setup(t);
  const u = throwawayUser(t, root);
  const p = keysFile(root, u);
  const owner = { name: u.name, uid: u.uid, home: u.home };
  fs.chownSync(real(root, p), 0, 0);
  const rootOwned = await applyPlan(host, plan([{ path: p, before: KEYS_BEFORE, after: KEYS_AFTER, asUser: owner }]));
  t.false(rootOwned.ok);
  if (!rootOwned.ok) t.regex(rootOwned.message, /owned by uid 0, not/);
  fs.chownSync(real(root, p), u.uid, u.gid);

  const outside = await applyPlan(host, plan([{ path: '/etc/app/app.json', before: '', after: 'x', asUser: owner }]));
  t.false(outside.ok);
  if (!outside.ok) t.regex(outside.message, /outside that account's home/);

  // The name on this machine is another uid than the plan believes: never written as.
  fs.chownSync(real(root, p), u.uid + 7, u.gid);
  const wrongUid = await applyPlan(host, plan([{ path: p, before: KEYS_BEFORE, after: KEYS_AFTER, asUser: { ...owner, uid: u.uid + 7 } }]));
  t.false(wrongUid.ok);
  if (!wrongUid.ok) t.regex(wrongUid.message, new RegExp(`${u.name} is uid ${u.uid}, not uid ${u.uid + 7}`));
  t.is(fs.readFileSync(real(root, p), 'utf8'), KEYS_BEFORE);
});

withUser('asUser: a new file is created 0600 as the account; a delete runs as the account too; undo of each', async (t) => {
  const { root, host } = setup(t);
  const u = throwawayUser(t, root);
  const owner = { name: u.name, uid: u.uid, home: u.home };
  const p = `${u.home}/.ssh/authorized_keys`;
  t.true((await applyPlan(host, plan([{ path: p, before: null, after: KEYS_AFTER, asUser: owner }]))).ok);
  t.deepEqual(fileState(root, p), { bytes: Buffer.from(KEYS_AFTER), mode: 0o600, uid: u.uid, gid: u.gid });

  const removed = await applyPlan(host, plan([{ path: p, before: KEYS_AFTER, after: '', delete: true, asUser: owner }]));
  t.true(removed.ok, JSON.stringify(removed));
  t.false(fs.existsSync(real(root, p)));
  t.true((await undo(host, {})).ok, 'undo of the removal');
  t.deepEqual(fileState(root, p), { bytes: Buffer.from(KEYS_AFTER), mode: 0o600, uid: u.uid, gid: u.gid });
  t.true((await undo(host, {})).ok, 'undo of the creation');
  t.false(fs.existsSync(real(root, p)));
});

asRoot('delete: a symlink is refused (undo could not put the link back); its target is untouched', async (t) => {
  const { root, host } = setup(t);
  fs.writeFileSync(real(root, SECRET), SECRET_TEXT, { mode: 0o600 });
  fs.symlinkSync('secret.key', real(root, '/etc/app/link.key'));
  const outcome = await applyPlan(host, plan([{ path: '/etc/app/link.key', before: SECRET_TEXT, after: '', delete: true }]));
  t.false(outcome.ok);
  if (!outcome.ok) t.regex(outcome.message, /is a symlink; not removing it/);
  t.true(fs.lstatSync(real(root, '/etc/app/link.key')).isSymbolicLink());
  t.is(fs.readFileSync(real(root, SECRET), 'utf8'), SECRET_TEXT);
});
