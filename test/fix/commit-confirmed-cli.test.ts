// The command line of commit-confirmed: `hardtop confirm [--force]`, the
// hidden `revert-pending`, and `fix --confirm-seconds N`.

import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HELP, parseArgs, UsageError } from '../../src/cli/args';
import { applyFix } from '../../src/cli/fix-command';
import type { Catalog } from '../../src/core/catalog';
import type { Check, Fix, Plan, Status } from '../../src/core/types';
import { pendingStatus } from '../../src/fix/commit-confirmed';
import { createLocalHost } from '../../src/host/local-host';
import { tempDir } from '../helpers/sshd';

test('confirm takes --root and --force, nothing else', (t) => {
  t.like(parseArgs(['confirm']), { command: 'confirm', force: false, root: '/' });
  t.like(parseArgs(['confirm', '--force', '--root', '/srv/r']), { command: 'confirm', force: true, root: '/srv/r' });
  t.throws(() => parseArgs(['confirm', 'ID']), { instanceOf: UsageError, message: /unexpected argument 'ID'/ });
  t.throws(() => parseArgs(['confirm', '--yes']), { instanceOf: UsageError, message: /does not apply to 'confirm'/ });
});

test('fix --confirm-seconds: a whole number from 2 to 3600', (t) => {
  t.like(parseArgs(['fix', 'ssh.server.harden']), { command: 'fix', confirmSeconds: null });
  t.like(parseArgs(['fix', 'ssh.server.harden', '--confirm-seconds', '30']), { command: 'fix', confirmSeconds: 30 });
  for (const bad of ['1', '0', '3601', '2.5', 'soon', '-5']) {
    t.throws(() => parseArgs(['fix', 'ssh.server.harden', `--confirm-seconds=${bad}`]), { instanceOf: UsageError, message: /--confirm-seconds must be/ }, bad);
  }
  t.throws(() => parseArgs(['check', '--confirm-seconds', '30']), { instanceOf: UsageError });
});

test('revert-pending (hidden) needs a well-formed token and is not in --help', (t) => {
  const token = 'ab'.repeat(16);
  t.like(parseArgs(['revert-pending', '--root', '/r', '--token', token]), { command: 'revert-pending', token, root: '/r' });
  t.throws(() => parseArgs(['revert-pending']), { instanceOf: UsageError, message: /needs --token/ });
  t.throws(() => parseArgs(['revert-pending', '--token', '../../x']), { instanceOf: UsageError });
  t.false(HELP.includes('revert-pending'));
  t.true(HELP.includes('hardtop confirm [--force]'));
});

// ---------------------------------------------------------------------------
// applyFix (shared by `hardtop fix` and the dashboard): lockout-risk fixes go
// through commit-confirmed and are verified by the checks they claim to fix.

const asRoot = process.getuid?.() === 0 ? test : test.skip;

function sysroot(t: ExecutionContext): { root: string; entryScript: string } {
  const dir = tempDir(t, 'hardtop-ccli-');
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/demo.conf'), 'old\n');
  const entryScript = path.join(dir, 'hardtop');
  fs.writeFileSync(entryScript, '// stand-in reverter: exits at once\n');
  return { root, entryScript };
}

function catalogWith(status: Status): Catalog {
  const check: Check = {
    id: 'demo.check',
    area: 'ssh',
    title: 'demo',
    severity: 'high',
    run: async () => ({ id: 'demo.check', area: 'ssh', title: 'demo', status, severity: 'high', summary: `it is ${status}`, evidence: [], fixes: [] }),
  };
  const fix: Fix = { id: 'demo.fix', title: 'demo', area: 'ssh', risk: 'lockout-risk', verifies: ['demo.check'], plan: async () => plan };
  return { checks: [check], fixes: [fix] };
}

const plan: Plan = {
  fixId: 'demo.fix',
  title: 'demo',
  risk: 'lockout-risk',
  edits: [{ path: '/etc/demo.conf', before: 'old\n', after: 'new\n' }],
  validate: [],
  commands: [],
  warnings: [],
};

asRoot('a lockout-risk fix is applied commit-confirmed, and the message says how to confirm', async (t) => {
  const { root, entryScript } = sysroot(t);
  const host = createLocalHost({ root, network: false });
  const r = await applyFix(host, plan, undefined, undefined, { catalog: catalogWith('pass'), confirmSeconds: 30, entryScript });
  t.true(r.ok, r.message);
  t.regex(r.message, new RegExp(`CONFIRM within 30 s: open a NEW ssh login and run \`hardtop confirm --root ${fs.realpathSync(root)}\`, or it reverts by itself at \\d\\d:\\d\\d:\\d\\d UTC`));
  t.is((await pendingStatus(host))?.fixId, 'demo.fix');
});

asRoot('a lockout-risk fix whose checks still fail afterwards is rolled back, and nothing is left pending', async (t) => {
  const { root, entryScript } = sysroot(t);
  const host = createLocalHost({ root, network: false });
  const r = await applyFix(host, plan, undefined, undefined, { catalog: catalogWith('fail'), entryScript });
  t.false(r.ok);
  t.regex(r.message, /failed at verify: verify failed: demo\.check fail: it is fail; files rolled back/);
  t.is(fs.readFileSync(path.join(root, 'etc/demo.conf'), 'utf8'), 'old\n');
  t.is(await pendingStatus(host), null);
});

asRoot('without a hardtop entry script to run later, a lockout-risk fix is not applied at all', async (t) => {
  const { root } = sysroot(t);
  const host = createLocalHost({ root, network: false });
  const r = await applyFix(host, plan); // in a test worker, process.argv[1] is not bin/hardtop
  t.false(r.ok);
  t.regex(r.message, /not applied: the automatic revert needs hardtop started as bin\/hardtop/);
  t.is(fs.readFileSync(path.join(root, 'etc/demo.conf'), 'utf8'), 'old\n');
});
