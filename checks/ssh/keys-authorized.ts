// ssh.keys.authorized: every authorized_keys entry of every account (the
// files AuthorizedKeysFile names, from the effective server configuration),
// one item per account. A key is judged by its type and size (keys-judge.ts);
// a line sshd cannot use, a file hardtop refuses to read (a symlink, a FIFO,
// a huge file in a home) and a file others can write are findings of their own.

import type { Check, Evidence, Item, Status } from '../../src/core/types';
import { describeOptions, type AuthorizedKey } from '../../src/parse/authorized-keys';
import { keyLabel } from '../../src/parse/ssh-key-blob';
import { finding, guardedCheck, listSome } from '../updates/finding';
import { offer } from './fix-offer';
import { loadAccounts, plural } from './keys-accounts';
import { authorizedKeysSetting, fileRefusal, inventoryAuthorizedKeys, type AccountKeys } from './keys-inventory';
import { expiryTimeOf, judgeKeyStrength, worstFirst } from './keys-judge';
import { SERVER_INTERVAL, SERVER_TIMEOUT_MS } from './server-config';
import { worst } from './server-check';

/** What the keys checks watch: the server config (AuthorizedKeysFile) and the account list. Homes are not watched (too many, and user-controlled). */
export const KEYS_WATCH = ['/etc/ssh', '/etc/ssh/sshd_config.d', '/etc/passwd'];
export const KEYS_INTERVAL = SERVER_INTERVAL;

export function shortFingerprint(fp: string): string {
  return fp.length > 19 ? `${fp.slice(0, 19)}…` : fp;
}

export function entryText(e: AuthorizedKey): string {
  const opts = describeOptions(e);
  return [keyLabel(e.key), e.key.fingerprint, e.comment.slice(0, 120), opts ? `[${opts}]` : ''].filter((x) => x !== '').join(' ');
}

/**
 * One authorized key, structured, for the keys screen (issue 5): so the
 * screen never parses type, comment, options and notes back out of evidence
 * text (a comment may contain " — " or end in "]"). Carried on the account's
 * item as `keys` (AuthorizedKeysItem): report.ts copies only the Item fields
 * REPORT.md names, so this is not part of the JSON report; a report read back
 * from JSON (fleet) has no `keys` and the screen falls back to the evidence.
 * Strings are untrusted (from the file): the screen sanitises them.
 */
export interface AuthorizedKeyFacts {
  file: string;
  line: number;
  /** "Ed25519", "RSA 4096", "ECDSA P-256", "Ed25519-SK" … (keyLabel). */
  label: string;
  /** The key's type inside its blob (ssh-ed25519 …). */
  type: string;
  bits: number | null;
  fingerprint: string;
  comment: string;
  /** The options as the check describes them (describeOptions); '' when none. */
  options: string;
  /** Why it is weak, that it is a certificate authority, that it expired; empty: nothing to say. */
  notes: string[];
  /** Its type or size is weak (judgeKeyStrength); a CA line or an expired key is said, not called weak. */
  weak: boolean;
}

export interface AuthorizedKeysItem extends Item {
  keys: AuthorizedKeyFacts[];
}

/** The structured keys of an ssh.keys.authorized item, or null (an item read back from a JSON report). */
export function keyFactsOf(item: Item): AuthorizedKeyFacts[] | null {
  const keys = (item as Partial<AuthorizedKeysItem>).keys;
  return Array.isArray(keys) ? keys : null;
}

interface Judged {
  status: Status;
  /** "DSA 1024 SHA256:ab… at /home/bob/.ssh/authorized_keys:2: DSA (…)" */
  text: string;
  evidence: Evidence;
  /** Set on a key's line: what ssh.remove-authorized-key takes. */
  fingerprint?: string;
}

function expired(e: AuthorizedKey, now: Date): boolean {
  if (e.expiryTime === undefined) return false;
  const t = expiryTimeOf(e.expiryTime);
  return t !== null && t <= now.getTime();
}

function judgeAccount(ak: AccountKeys, now: Date): { item: AuthorizedKeysItem; keys: number } | null {
  const judged: Judged[] = [];
  const facts: AuthorizedKeyFacts[] = [];
  let keys = 0;
  const labels = new Map<string, number>();
  for (const note of ak.notes) judged.push({ status: 'error', text: note, evidence: { text: note } });
  for (const f of ak.files) {
    const refused = fileRefusal(f);
    if (refused !== null) {
      judged.push({ status: 'error', text: `${f.path}: ${refused}`, evidence: { file: f.path, text: `${refused} (named by ${f.from})` } });
      continue;
    }
    if (f.modeProblem) judged.push({ status: f.modeProblem.status, text: `${f.path}: ${f.modeProblem.why}`, evidence: { file: f.path, text: f.modeProblem.why } });
    for (const e of f.entries) {
      keys++;
      const label = keyLabel(e.key);
      labels.set(label, (labels.get(label) ?? 0) + 1);
      const v = judgeKeyStrength(e.key.family, e.key.bits);
      const notes = [v.why, e.certAuthority ? 'a certificate authority' : '', expired(e, now) ? `expired (expiry-time ${e.expiryTime})` : ''].filter((x) => x !== '');
      facts.push({ file: e.file, line: e.line, label, type: e.key.type, bits: e.key.bits, fingerprint: e.key.fingerprint, comment: e.comment.slice(0, 200), options: describeOptions(e), notes, weak: v.status !== 'pass' });
      judged.push({
        status: v.status,
        fingerprint: e.key.fingerprint,
        text: `${label} ${shortFingerprint(e.key.fingerprint)} at ${e.file}:${e.line}${notes.length ? `: ${notes.join(', ')}` : ''}`,
        evidence: { file: e.file, line: e.line, text: entryText(e) + (notes.length ? ` — ${notes.join(', ')}` : '') },
      });
    }
    for (const p of f.problems) {
      judged.push({ status: 'error', text: `${p.file}:${p.line}: ${p.message}`, evidence: { file: p.file, line: p.line, text: `${p.message}: ${p.text}` } });
    }
  }
  if (judged.length === 0) return null;
  const status = worst(judged.map((j) => j.status));
  const bad = worstFirst(judged.filter((j) => j.status !== 'pass'));
  const mix = [...labels].map(([l, n]) => (n > 1 ? `${l} ×${n}` : l)).join(', ');
  const summary =
    bad.length === 0
      ? `${plural(keys, 'key')}: ${mix}`
      : `${listSome(bad.map((j) => j.text), 2)}${keys > 0 ? ` (${plural(keys, 'key')}: ${mix})` : ''}`;
  // The item's own fix: remove its worst weak key (the dashboard offers it on `f`; other keys from the keys screen).
  const weakest = bad.find((j) => j.fingerprint !== undefined && (j.status === 'fail' || j.status === 'warn'));
  const [removeId] = offer('ssh.remove-authorized-key');
  const fix = weakest && removeId ? { id: removeId, args: { user: ak.account.name, fingerprint: weakest.fingerprint! } } : undefined;
  return { item: { subject: ak.account.name, status, summary, evidence: judged.map((j) => j.evidence), ...(fix ? { fix } : {}), keys: facts }, keys };
}

export const authorizedKeysCheck: Check = guardedCheck({
  id: 'ssh.keys.authorized',
  area: 'ssh',
  title: 'Authorized keys are strong',
  severity: 'high',
  watch: KEYS_WATCH,
  interval: KEYS_INTERVAL,
  timeoutMs: SERVER_TIMEOUT_MS,
  async run(host, ctx) {
    const check = authorizedKeysCheck;
    const accounts = await loadAccounts(host);
    if (accounts.kind === 'absent') return finding(check, 'skip', accounts.summary, accounts.evidence);
    if (accounts.kind === 'broken') return finding(check, 'error', accounts.summary, accounts.evidence);

    const setting = await authorizedKeysSetting(host, ctx);
    const inventory = await inventoryAuthorizedKeys(host, accounts.accounts, setting);
    const judged = inventory.map((ak) => ({ ak, j: judgeAccount(ak, ctx.now) })).filter((x): x is { ak: AccountKeys; j: NonNullable<ReturnType<typeof judgeAccount>> } => x.j !== null);
    const where = setting.patterns.map((p) => p.pattern).join(' ');
    const evidence: Evidence[] = [...setting.evidence, accounts.evidence];
    const notes: string[] = [];
    if (setting.note) notes.push(setting.note);
    if (setting.command) notes.push(`keys from AuthorizedKeysCommand ${setting.command} are not listed`);

    if (judged.length === 0) {
      const why = `no authorized keys for any of ${plural(accounts.accounts.length, 'account')} (AuthorizedKeysFile ${where})`;
      return finding(check, 'skip', [why, ...notes].join('; '), evidence);
    }

    const items = judged.map((x) => x.j.item);
    // The same key on several accounts: whoever holds it is all of them.
    const owners = new Map<string, Set<string>>();
    for (const { ak } of judged) for (const f of ak.files) for (const e of f.entries) {
      const set = owners.get(e.key.fingerprint) ?? new Set<string>();
      set.add(ak.account.name);
      owners.set(e.key.fingerprint, set);
    }
    const shared = [...owners].filter(([, set]) => set.size > 1);
    for (const [fp, set] of shared) evidence.push({ text: `the same key ${fp} is authorized for ${[...set].join(', ')}` });
    if (shared.length > 0) notes.push(`same key on ${listSome(shared.map(([fp, set]) => `${[...set].join(' and ')} (${shortFingerprint(fp)})`), 2)}`);

    const status = worst(items.map((i) => i.status));
    const total = judged.reduce((n, x) => n + x.j.keys, 0);
    const perUser = `keys per user: ${listSome(judged.map((x) => `${x.ak.account.name} ${x.j.keys}`), 6)}`;
    const bad = worstFirst(items.filter((i) => i.status !== 'pass'));
    const head = bad.length === 0 ? `${plural(total, 'authorized key')}, all strong` : listSome(bad.map((i) => `${i.subject}: ${i.summary}`), 2);
    const summary = [head, perUser, ...notes].join('; ');
    const fixes = status === 'fail' || status === 'warn' ? offer('ssh.remove-authorized-key') : [];
    return { ...finding(check, status, summary, evidence, fixes), items };
  },
});
