// Pure: the key rotation wizard (issue 5), as a small state machine and the
// lines each step shows. It only decides which fix to preview and with which
// args; the preview, the apply (ssh-keygen in the embedded terminal) and the
// result are the dashboard's ordinary fix path, so nothing here can change
// the system. Esc at any step returns 'cancel': nothing has been planned or
// written yet, so "nothing changed" is simply true.

import { escapeTags, sanitizeText, truncate } from '../src/core/sanitize';
import type { Finding } from '../src/core/types';
import {
  authorizedKeys,
  hostKeys,
  openRotation,
  RETIRE_HOST_FIX,
  ROTATE_HOST_FIX,
  ROTATE_USER_FIX,
  type AccountKeys,
  type HostKeyRow,
  type RotationState,
} from './ssh-keys-view';
import { STATUS_COLOR, STATUS_SYMBOL } from './view-model';

export type WizardTask = 'rotate-host' | 'retire-host' | 'rotate-user';

export const TASKS: readonly { task: WizardTask; label: string }[] = [
  { task: 'rotate-host', label: 'rotate host keys (new keys next to the old ones)' },
  { task: 'retire-host', label: 'retire old host keys (after the grace period)' },
  { task: 'rotate-user', label: "rotate a user's key" },
];

export interface WizardState {
  step: 'choose' | 'account' | 'explain';
  /** Index into TASKS. */
  choice: number;
  /** Index into the account list (rotate-user). */
  account: number;
  /** The explain step can be longer than the screen. */
  scroll: number;
}

export interface WizardData {
  hostKeys: HostKeyRow[];
  rotation: RotationState | null;
  accounts: AccountKeys[];
}

export function wizardData(results: ReadonlyMap<string, Finding>): WizardData {
  return { hostKeys: hostKeys(results), rotation: openRotation(results), accounts: authorizedKeys(results) };
}

export function startWizard(data: WizardData): WizardState {
  // An overdue rotation: the likely errand is retiring, so start there.
  return { step: 'choose', choice: data.rotation?.overdue ? 1 : 0, account: 0, scroll: 0 };
}

export type WizardOutcome =
  | { kind: 'stay'; state: WizardState }
  | { kind: 'cancel' }
  | { kind: 'say'; text: string; state: WizardState }
  | { kind: 'preview'; fixId: string; args: Record<string, string> };

/** A wizard key (the registry's first key name of the binding: up, down, enter, escape). */
export function wizardKey(state: WizardState, key: string, data: WizardData): WizardOutcome {
  const s = { ...state };
  const task = TASKS[s.choice].task;
  switch (key) {
    case 'escape':
      return { kind: 'cancel' };
    case 'up':
    case 'down': {
      const d = key === 'up' ? -1 : 1;
      if (s.step === 'choose') s.choice = clamp(s.choice + d, TASKS.length);
      else if (s.step === 'account') s.account = clamp(s.account + d, data.accounts.length);
      else s.scroll = Math.max(0, s.scroll + d);
      return { kind: 'stay', state: s };
    }
    case 'enter':
      if (s.step === 'choose') {
        if (task === 'rotate-user') {
          if (data.accounts.length === 0) return { kind: 'say', text: 'no account with authorized keys is known (ssh.keys.authorized): nothing to rotate', state: s };
          return { kind: 'stay', state: { ...s, step: 'account', scroll: 0 } };
        }
        return { kind: 'stay', state: { ...s, step: 'explain', scroll: 0 } };
      }
      if (s.step === 'account') return { kind: 'stay', state: { ...s, step: 'explain', scroll: 0 } };
      // explain → the fix's own preview (plan() decides; the preview shows its guard).
      if (task === 'rotate-host') return { kind: 'preview', fixId: ROTATE_HOST_FIX, args: {} };
      if (task === 'retire-host') return { kind: 'preview', fixId: RETIRE_HOST_FIX, args: {} };
      return { kind: 'preview', fixId: ROTATE_USER_FIX, args: { user: data.accounts[s.account].account } };
  }
  return { kind: 'stay', state: s };
}

function clamp(n: number, length: number): number {
  return Math.max(0, Math.min(Math.max(0, length - 1), n));
}

/** The wizard's lines for its current step (tags escaped, untrusted text sanitised). */
export function wizardLines(state: WizardState, data: WizardData, width: number, color: boolean): string[] {
  const paint = (c: string, s: string) => (color ? `{${c}-fg}${s}{/${c}-fg}` : s);
  const fit = (s: string, indent = 0) => escapeTags(truncate(sanitizeText(s), Math.max(1, width - indent - 1)));
  const task = TASKS[state.choice].task;
  const lines: string[] = [];
  const stepNo = state.step === 'choose' ? 1 : state.step === 'account' ? 2 : task === 'rotate-user' ? 3 : 2;
  const steps = task === 'rotate-user' ? 5 : 4;
  lines.push(`{bold}${fit(`step ${stepNo} of ${steps}: ${state.step === 'choose' ? 'what to do' : state.step === 'account' ? 'which account' : 'what will happen'}`)}{/bold}`);
  lines.push('');

  if (state.step === 'choose') {
    if (data.rotation) {
      const r = data.rotation;
      const text = r.overdue
        ? `a rotation started ${r.startedAt.slice(0, 10)} is past its grace period (${r.retireAfter.slice(0, 10)}): retire the old keys`
        : `a rotation started ${r.startedAt.slice(0, 10)} is open: retire the old keys after ${r.retireAfter.slice(0, 10)}`;
      lines.push(paint(r.overdue ? 'yellow' : 'cyan', fit(text)));
      lines.push('');
    }
    TASKS.forEach((t, i) => {
      const line = `${i === state.choice ? '▶' : ' '} ${fit(t.label, 2)}`;
      lines.push(i === state.choice ? `{inverse}${line}{/inverse}` : line);
    });
  } else if (state.step === 'account') {
    lines.push('accounts with authorized keys (from ssh.keys.authorized):');
    data.accounts.forEach((a, i) => {
      const weak = a.keys.filter((k) => k.weak).length;
      const text = `${a.account}: ${a.keys.length} key${a.keys.length === 1 ? '' : 's'}${weak ? `, ${weak} weak` : ''}`;
      const line = `${i === state.account ? '▶' : ' '} ${paint(STATUS_COLOR[a.status], STATUS_SYMBOL[a.status])} ${fit(text, 4)}`;
      lines.push(i === state.account ? `{inverse}${line}{/inverse}` : line);
    });
  } else {
    lines.push(...explainLines(task, state, data, fit, paint));
  }
  lines.push('');
  lines.push(state.step === 'explain' ? 'Enter: preview the change (nothing changes before y)    Esc: cancel, nothing changes' : 'Enter: next    Esc: cancel, nothing changes');
  return lines;
}

function hostKeyTable(data: WizardData, fit: (s: string, indent?: number) => string, paint: (c: string, s: string) => string): string[] {
  if (data.hostKeys.length === 0) return ['  (no host keys known yet: ssh.server.host-keys has not reported)'];
  const lines: string[] = [];
  for (const k of data.hostKeys) {
    const retiring = data.rotation?.oldKeys.includes(k.path) ? '  (being retired)' : '';
    lines.push(`  ${paint(STATUS_COLOR[k.status], STATUS_SYMBOL[k.status])} ${fit(`${k.path}${retiring}`, 4)}`);
    lines.push(`      ${fit(`${k.type} ${k.bits} bits  ${k.fingerprint}  age: ${k.age}`, 6)}`);
    if (k.problem) lines.push(`      ${paint('yellow', fit(k.problem, 6))}`);
  }
  return lines;
}

function explainLines(
  task: WizardTask,
  state: WizardState,
  data: WizardData,
  fit: (s: string, indent?: number) => string,
  paint: (c: string, s: string) => string,
): string[] {
  const out: string[] = [];
  const bullet = (s: string) => out.push(`  • ${fit(s, 4)}`);
  if (task === 'rotate-host') {
    out.push('{bold}current host keys{/bold}');
    out.push(...hostKeyTable(data, fit, paint));
    out.push('');
    out.push('{bold}what happens{/bold}');
    bullet('ssh-keygen makes a new Ed25519 key (and RSA 4096 only if RSA stays) next to the old ones, in the embedded terminal');
    bullet('HostKey lines for the new keys go after the old ones; sshd -t checks a staged copy; sshd reloads');
    bullet('both keys are offered; clients with UpdateHostKeys learn the new key at their next login');
    bullet('you get the new fingerprints, known_hosts lines and SSHFP records for DNS');
    bullet('after the grace period, retire the old keys (this wizard; the SSH panel reminds you)');
    bullet('hardtop undo brings back the exact previous files and removes the new keys');
  } else if (task === 'retire-host') {
    const r = data.rotation;
    out.push(
      r
        ? paint(r.overdue ? 'yellow' : 'cyan', fit(`rotation started ${r.startedAt.slice(0, 10)}; retire after ${r.retireAfter.slice(0, 10)}${r.overdue ? ' (grace period over)' : ' (grace period NOT over: clients may not know the new keys yet)'}`))
        : paint('yellow', fit('no open rotation is known: the preview will say why it cannot retire anything')),
    );
    out.push('');
    out.push('{bold}current host keys{/bold}');
    out.push(...hostKeyTable(data, fit, paint));
    out.push('');
    out.push('{bold}what happens{/bold}');
    bullet("the old keys' HostKey lines are removed and their files move into the change's backup; sshd reloads");
    bullet('never the only key of a type a client uses without a warning in the preview');
    bullet('lockout-risk: applied commit-confirmed: confirm from a NEW ssh login (it must accept the new key), or it reverts by itself');
  } else {
    const a = data.accounts[state.account];
    out.push(`{bold}${fit(`account ${a?.account ?? '?'}: current authorized keys`)}{/bold}`);
    for (const k of a?.keys ?? []) {
      const line = `${k.label}  ${k.fingerprint}  ${k.comment}${k.options ? `  [${k.options}]` : ''}  age ${k.age}${k.weak ? `  WEAK: ${k.notes}` : ''}`;
      out.push(`  ${k.weak ? paint('red', '✖') : paint('green', '✔')} ${fit(line, 4)}`);
    }
    if ((a?.keys.length ?? 0) === 0) out.push('  (no key lines)');
    out.push('');
    out.push('{bold}what happens{/bold}');
    bullet(`a new Ed25519 key is made as ${a?.account ?? 'the account'} (ssh-keygen asks for its passphrase in the embedded terminal)`);
    bullet("its public key is added to the account's authorized keys, then a real login over loopback proves it works");
    bullet('you get the new fingerprint and the ssh-copy-id lines for your other hosts');
    bullet('then remove the old key: a on the SSH panel (diff preview; never the key of this session)');
  }
  return out.slice(0);
}
