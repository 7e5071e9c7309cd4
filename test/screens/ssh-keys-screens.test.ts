// The pure parts of the SSH key screens (issue 5): what the authorized-keys
// screen, the rotation wizard, the result screen and the detail cursor show,
// built from findings; the wizard's steps as a state machine; the key
// registry's SSH-panel scope. The screens in a real pty are
// test/e2e/ssh-keys-dashboard.test.ts.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildReport, formatJson } from '../../src/core/report';
import type { Finding, Item } from '../../src/core/types';
import { ROTATION_RECORD } from '../../checks/ssh/rotation-record';
import type { EffectiveView } from '../../checks/ssh/effective-view';
import { keysLines } from '../../screens/authorized-keys';
import { effectiveLines } from '../../screens/effective-config';
import { detailLines } from '../../screens/detail';
import { startWizard, wizardData, wizardKey, wizardLines, type WizardState } from '../../screens/key-wizard';
import { resultLines, wrap } from '../../screens/result';
import { authorizedKeys, hostKeys, isWeak, openRotation, parseKeyEvidence, rotationReminder } from '../../screens/ssh-keys-view';
import { bindingFor, effectiveBindings, keyBarText, keyClashes } from '../../src/ui/keymap';
import { copySshkRoot, runKeys, canRunSshd } from '../checks/ssh-keys-helpers';

const FP1 = `SHA256:${'A'.repeat(43)}`;
const FP2 = `SHA256:${'B'.repeat(42)}c`;
const FP3 = `SHA256:${'C'.repeat(43)}`;

function finding(id: string, items: Item[], status: Finding['status'] = 'fail'): Finding {
  return { id, area: 'ssh', title: id, status, severity: 'high', summary: '', evidence: [], fixes: [], items };
}

function results(...fs: Finding[]): Map<string, Finding> {
  return new Map(fs.map((f) => [f.id, f]));
}

const authorized = finding('ssh.keys.authorized', [
  {
    subject: 'alice',
    status: 'fail',
    summary: '',
    evidence: [
      { file: '/home/alice/.ssh/authorized_keys', line: 1, text: `Ed25519 ${FP1} alice@laptop [from="10.0.0.1",no-pty]` },
      { file: '/home/alice/.ssh/authorized_keys', line: 2, text: `DSA 1024 ${FP2} old [1] box — DSA (refused by default since OpenSSH 7.0, removed in 10.0)` },
      { file: '/home/alice/.ssh/authorized_keys', line: 3, text: `Ed25519 ${FP3} ca@example [cert-authority] — a certificate authority` },
      { file: '/home/alice/.ssh/authorized_keys', line: 4, text: 'ssh-ed25519 key data is not valid base64: ssh-ed25519 !!' },
    ],
    fix: { id: 'ssh.remove-authorized-key', args: { user: 'alice', fingerprint: FP2 } },
  },
  { subject: 'bob', status: 'pass', summary: '', evidence: [{ file: '/home/bob/.ssh/authorized_keys', line: 1, text: `RSA 4096 ${FP1}` }] },
]);
const keyAge = finding('ssh.keys.age', [
  { subject: 'alice: /home/alice/.ssh/authorized_keys:2', status: 'warn', summary: `authorized DSA 1024 … for alice: 4000 days old (since 2015-01-01, from its comment), past the 365-day rotation period`, evidence: [] },
]);

test('an authorized key evidence line parses into label, fingerprint, comment, options and notes; other lines are not keys', (t) => {
  t.deepEqual(parseKeyEvidence(`Ed25519 ${FP1} alice@laptop [from="10.0.0.1",no-pty]`), { label: 'Ed25519', fingerprint: FP1, comment: 'alice@laptop', options: 'from="10.0.0.1",no-pty', notes: '' });
  t.deepEqual(parseKeyEvidence(`ECDSA-SK P-256 ${FP1}`), { label: 'ECDSA-SK P-256', fingerprint: FP1, comment: '', options: '', notes: '' });
  t.deepEqual(parseKeyEvidence(`DSA 1024 ${FP2} old [1] box — DSA (a, b)`)?.comment, 'old [1] box');
  t.is(parseKeyEvidence('ssh-ed25519 key data is not valid base64: ssh-ed25519 !!'), null);
  t.is(parseKeyEvidence(`bad key options: unsupported option "x": no-pty ssh-ed25519 AAAA ${FP1}`), null, 'a problem line quoting a fingerprint is not a key');
});

test('WEAK means a weak type or size; a certificate authority or an expired key is said but not called weak', (t) => {
  t.true(isWeak('DSA (refused by default since OpenSSH 7.0, removed in 10.0)'));
  t.true(isWeak('RSA 2048 bits, below 3072, a certificate authority'));
  t.false(isWeak('a certificate authority'));
  t.false(isWeak('expired (expiry-time 20200101), a certificate authority'));
  t.false(isWeak(''));
});

test('authorized keys per account: every key with its own removal fix and age; problem lines kept apart', (t) => {
  const accounts = authorizedKeys(results(authorized, keyAge));
  t.deepEqual(accounts.map((a) => [a.account, a.keys.length, a.problems.length]), [['alice', 3, 1], ['bob', 1, 0]]);
  const [k1, k2, k3] = accounts[0].keys;
  t.deepEqual(k2.fix, { id: 'ssh.remove-authorized-key', args: { user: 'alice', fingerprint: FP2 } });
  t.deepEqual([k1.weak, k2.weak, k3.weak], [false, true, false]);
  t.deepEqual([k1.age, k2.age], ['?', '4000 d']);
  // The same fingerprint on two accounts: each row removes it from its own account only.
  t.deepEqual(accounts[1].keys[0].fix.args, { user: 'bob', fingerprint: FP1 });
  const { lines, selectedLine } = keysLines(accounts, 1, 100, false);
  t.true(lines[selectedLine].includes(`{inverse}DSA 1024       ${FP2}  age 4000 d`), lines[selectedLine]);
  t.true(lines[selectedLine].includes('WEAK'));
});

test("the real check's evidence (sshk-mixed) parses: every key line becomes a row, the bad lines stay problems", async (t) => {
  if (!canRunSshd) return t.pass('needs root and sshd');
  const root = copySshkRoot(t, 'sshk-mixed');
  const found = await runKeys(root);
  const accounts = authorizedKeys(found);
  const alice = accounts.find((a) => a.account === 'alice')!;
  t.deepEqual(alice.keys.map((k) => `${k.line} ${k.label}${k.weak ? ' WEAK' : ''}`), ['2 RSA 2048 WEAK', '4 ECDSA P-256', '5 Ed25519-SK', '6 ECDSA-SK P-256', '7 Ed25519', '8 Ed25519']);
  t.is(alice.problems.length, 3);
  t.true(alice.keys.every((k) => k.age === '30 d'), alice.keys.map((k) => k.age).join(','));
  t.deepEqual(accounts.find((a) => a.account === 'root')!.keys[1].options, 'from="10.0.0.0/8,192.168.1.*",no-pty,no-agent-forwarding');
  // The check's own item fix: the worst weak key of the account.
  const bob = found.get('ssh.keys.authorized')!.items!.find((i) => i.subject === 'bob')!;
  t.is(bob.fix?.id, 'ssh.remove-authorized-key');
  // bob's DSA key (line 1) is his worst: its fingerprint is the one in the evidence of line 1.
  t.is(bob.fix?.args.fingerprint, /SHA256:\S+/.exec(bob.evidence.find((e) => e.line === 1)!.text!)?.[0]);
  t.true(bob.evidence.find((e) => e.line === 1)!.text!.startsWith('DSA 1024 '));
  t.is(found.get('ssh.keys.authorized')!.items!.find((i) => i.subject === 'root')!.fix, undefined, 'a passing account has no fix of its own');
});

test('the screen reads the check\'s structured keys: a comment with " — " and "[…]" stays a comment, not notes or options, and the key is not called WEAK; the JSON report carries no keys', async (t) => {
  if (!canRunSshd) return t.pass('needs root and sshd');
  const root = copySshkRoot(t, 'sshk-mixed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-keyscreen-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'x', '-f', path.join(dir, 'k')]);
  const [type, b64] = fs.readFileSync(path.join(dir, 'k.pub'), 'utf8').trim().split(/\s+/);
  const fp = execFileSync('/usr/bin/ssh-keygen', ['-l', '-f', path.join(dir, 'k.pub')], { encoding: 'utf8' }).split(' ')[1];
  const auth = path.join(root, 'home/alice/.ssh/authorized_keys');
  const lineNo = fs.readFileSync(auth, 'utf8').split('\n').length;
  fs.appendFileSync(auth, `${type} ${b64} laptop [old] — keep until 2027\n`);

  const found = await runKeys(root);
  const row = authorizedKeys(found).find((a) => a.account === 'alice')!.keys.find((k) => k.fingerprint === fp)!;
  t.truthy(row, 'the appended key is a row');
  t.is(row.line, lineNo);
  t.is(row.comment, 'laptop [old] — keep until 2027');
  t.is(row.options, '');
  t.is(row.notes, '');
  t.false(row.weak, 'a strong key is not WEAK because of its comment');
  t.is(row.label, 'Ed25519');

  // The same finding through the JSON report: no structured keys leak into the contract.
  const report = buildReport({ version: '0', host: { hostname: 'h', os: 'o', kernel: 'k', root: '/' }, startedAt: new Date(0), durationMs: 0, findings: [found.get('ssh.keys.authorized')!] });
  const json = JSON.parse(formatJson(report)) as { checks: { items: Record<string, unknown>[] }[] };
  t.deepEqual(Object.keys(json.checks[0].items[0]).sort(), ['evidence', 'status', 'subject', 'summary']);
});

// ---------------------------------------------------------------------------

const hostKeyFinding = finding('ssh.server.host-keys', [
  { subject: '/etc/ssh/ssh_host_ed25519_key', status: 'pass', summary: 'ok', evidence: [{ file: '/etc/ssh/ssh_host_ed25519_key.pub', text: `ssh-ed25519 256 bits ${FP1} root@box` }] },
  { subject: '/etc/ssh/ssh_host_rsa_key', status: 'fail', summary: 'RSA 1024 bits, below 3072 (x)', evidence: [{ file: '/etc/ssh/ssh_host_rsa_key.pub', text: `ssh-rsa 1024 bits ${FP2} \u001b[31m{red-fg}evil` }] },
]);
function ageFinding(overdue: boolean): Finding {
  const rec = { file: ROTATION_RECORD, text: 'rotation started 2026-01-01T00:00:00.000Z, retire after 2026-01-15T00:00:00.000Z' };
  return finding('ssh.server.host-key-age', [
    { subject: '/etc/ssh/ssh_host_ed25519_key', status: overdue ? 'warn' : 'info', summary: 'being replaced', evidence: [{ file: '/etc/ssh/ssh_host_ed25519_key', text: 'modified …' }, rec] },
    { subject: '/etc/ssh/ssh_host_rsa_key', status: 'pass', summary: '12 days old (since 2026-11-16)', evidence: [] },
  ]);
}

test('host keys for the wizard: type, bits, fingerprint, age; an open rotation and the panel reminder only once overdue', (t) => {
  const rows = hostKeys(results(hostKeyFinding, ageFinding(false)));
  t.deepEqual(rows.map((r) => [r.type, r.bits, r.fingerprint]), [['ssh-ed25519', '256', FP1], ['ssh-rsa', '1024', FP2]]);
  t.is(rows[1].age, '12 days old (since 2026-11-16)');
  t.deepEqual(openRotation(results(ageFinding(false))), { startedAt: '2026-01-01T00:00:00.000Z', retireAfter: '2026-01-15T00:00:00.000Z', overdue: false, oldKeys: ['/etc/ssh/ssh_host_ed25519_key'] });
  t.is(rotationReminder(results(ageFinding(false))), null, 'in the grace period: no reminder');
  t.is(rotationReminder(results(ageFinding(true))), 'retire old host keys: grace period over 2026-01-15 (r)');
  t.is(rotationReminder(results()), null);
});

test('wizard: Esc at every step cancels; Enter walks choose → (account) → explain → the fix preview with its args', (t) => {
  const data = wizardData(results(hostKeyFinding, ageFinding(false), authorized));
  const walk = (keys: string[]) => {
    let s: WizardState = startWizard(data);
    for (const k of keys) {
      const out = wizardKey(s, k, data);
      if (out.kind !== 'stay') return out;
      s = out.state;
    }
    return { kind: 'stay' as const, state: s };
  };
  for (const prefix of [[], ['enter'], ['down', 'enter'], ['down', 'down', 'enter'], ['down', 'down', 'enter', 'down', 'enter']]) {
    t.deepEqual(walk([...prefix, 'escape']), { kind: 'cancel' }, `Esc after ${prefix.join(' ') || 'nothing'}`);
  }
  t.deepEqual(walk(['enter', 'enter']), { kind: 'preview', fixId: 'ssh.rotate-host-keys', args: {} });
  t.deepEqual(walk(['down', 'enter', 'enter']), { kind: 'preview', fixId: 'ssh.retire-host-keys', args: {} });
  t.deepEqual(walk(['down', 'down', 'enter', 'down', 'enter', 'enter']), { kind: 'preview', fixId: 'ssh.rotate-user-key', args: { user: 'bob' } });
  // The lists stop at their ends.
  t.deepEqual(walk(['down', 'down', 'down', 'down', 'enter', 'down', 'down', 'down', 'enter', 'enter']), { kind: 'preview', fixId: 'ssh.rotate-user-key', args: { user: 'bob' } });
  // No account known: said, and the wizard stays.
  const none = wizardData(results(hostKeyFinding));
  const s = startWizard(none);
  const out = wizardKey({ ...s, choice: 2 }, 'enter', none);
  t.is(out.kind, 'say');
  // Overdue: the wizard starts on "retire".
  t.is(startWizard(wizardData(results(ageFinding(true)))).choice, 1);
});

test('wizard lines: the explain step lists the current host keys; hostile text from a key comment is neither an escape nor a tag', (t) => {
  const data = wizardData(results(hostKeyFinding, ageFinding(false), authorized));
  const lines = wizardLines({ step: 'explain', choice: 0, account: 0, scroll: 0 }, data, 120, false).join('\n');
  t.true(lines.includes(`ssh-ed25519 256 bits  ${FP1}  age: ?`) || lines.includes(`ssh-ed25519 256 bits  ${FP1}  age: being replaced`), lines);
  t.true(lines.includes('(being retired)'));
  t.true(lines.includes('RSA 1024 bits, below 3072'));
  t.false(lines.includes('\u001b'), 'no escape sequence');
  t.false(/\{red-fg\}/.test(lines), 'no live blessed tag');
  const user = wizardLines({ step: 'explain', choice: 2, account: 0, scroll: 0 }, data, 160, false).join('\n');
  t.true(user.includes('account alice: current authorized keys'));
  t.true(user.includes(`DSA 1024  ${FP2}`) && user.includes('WEAK: DSA (refused by default'));
});

test('result screen: every afterApply line sanitised; long lines wrapped at spaces, a long word split only when it must, the indent kept', (t) => {
  t.deepEqual(wrap('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
  t.deepEqual(wrap(`  known_hosts: host ${'x'.repeat(20)}`, 16), ['  known_hosts:', '  host', `  ${'x'.repeat(14)}`, `  ${'x'.repeat(6)}`]);
  const lines = resultLines({ ok: true, message: 'applied x', details: ['new host key \u001b]0;pwned\u0007{bold}k'] }, 80, false);
  t.false(lines.join('\n').includes('\u001b'));
  t.false(lines.join('\n').includes('{bold}k'), 'a tag in a detail line is escaped');
});

test('detail view: the cursor on an item highlights that item and says it has its own fix', (t) => {
  const check = { id: 'ssh.keys.authorized', area: 'ssh' as const, title: 'keys', severity: 'high' as const, run: async () => authorized };
  const onHead = detailLines([check], results(authorized), 0, 100, false, null);
  t.true(onHead.lines[onHead.selectedLine].startsWith('{inverse}'));
  const onItem = detailLines([check], results(authorized), 0, 100, false, 0);
  const line = onItem.lines[onItem.selectedLine];
  t.regex(line, /\{inverse\}alice: .*\[f: ssh\.remove-authorized-key\]\{\/inverse\}/);
  t.false(onItem.lines[0].includes('{inverse}'), 'the finding is not highlighted too');
});

test('key registry: r on the SSH panel is the wizard and F5 refreshes there; everywhere else r still refreshes; no clash', (t) => {
  t.deepEqual(keyClashes(), []);
  t.is(bindingFor('ssh-panel', 'r')?.description.startsWith('key rotation wizard'), true);
  t.is(bindingFor('ssh-panel', 'f5')?.description.startsWith('run every check again'), true);
  t.is(bindingFor('dashboard', 'r')?.description, 'run every check again now');
  t.is(bindingFor('dashboard', 'f5')?.description, 'run every check again now');
  // The dashboard's other keys keep working on the SSH panel, with their own scope (so their own meaning).
  t.is(bindingFor('ssh-panel', 'u')?.scope, 'dashboard');
  t.is(bindingFor('ssh-panel', 'q')?.scope, 'dashboard');
  t.false(effectiveBindings('ssh-panel').some((b) => b.scope === 'dashboard' && b.keys.includes('r')));
  t.regex(keyBarText('ssh-panel', false), /^r rotate {2}a keys {2}F5 refresh .*q quit$/);
  t.notRegex(keyBarText('ssh-panel', true), /r rotate/, 'read-only: the wizard (a way to change keys) is not offered');
  t.is(bindingFor('detail', 'r')?.description, "run this area's checks again");
});

test('effective configuration screen: weak first with why and file:line, defaults said, Match blocks after; hostile values are inert', (t) => {
  const view: EffectiveView = {
    lines: [
      { key: 'Port', canonical: 'port', value: '22', origin: 'default', verdict: 'ok' },
      { key: 'PermitRootLogin', canonical: 'permitrootlogin', value: 'yes', origin: 'line', source: { file: '/etc/ssh/sshd_config', line: 32, text: 'PermitRootLogin yes' }, verdict: 'weak', why: 'root can log in, with a password too' },
      { key: 'UsePrivilegeSeparation', canonical: 'useprivilegeseparation', value: 'sandbox', origin: 'line', source: { file: '/etc/ssh/sshd_config', line: 9, text: '' }, verdict: 'deprecated', why: 'removed (OpenSSH 7.5)' },
      { key: 'Banner', canonical: 'banner', value: '/etc/issue \u001b[2J{red-fg}x', origin: 'line', source: { file: '/etc/ssh/sshd_config', line: 40, text: '' }, verdict: 'ok' },
    ],
    matches: [{ text: 'Match User backup', file: '/etc/ssh/sshd_config', line: 50, lines: [{ key: 'PasswordAuthentication', canonical: 'passwordauthentication', value: 'yes', origin: 'line', source: { file: '/etc/ssh/sshd_config', line: 51, text: '' }, verdict: 'weak', why: 'passwords are accepted' }] }],
    counts: { weak: 2, deprecated: 1, ok: 2 },
  };
  const lines = effectiveLines(view, 100, false);
  const text = lines.join('\n');
  t.true(lines[0].includes('4 options: 2 weak, 1 deprecated'));
  const order = ['PermitRootLogin', 'UsePrivilegeSeparation', 'Port', 'Banner', 'Match User backup'].map((k) => text.indexOf(k));
  t.deepEqual([...order].sort((a, b) => a - b), order, 'weak, then deprecated, then the rest; Match blocks last');
  t.regex(text, /✖ PermitRootLogin +yes\n +root can log in, with a password too {2}\(\/etc\/ssh\/sshd_config:32\)/);
  t.regex(text, /Port +22\n +\(default\)/);
  t.regex(text, / {2}✖ PasswordAuthentication +yes/);
  t.false(text.includes('\u001b'));
  t.false(text.includes('{red-fg}x'));
});
