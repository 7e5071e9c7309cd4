// ssh.remove-authorized-key (params user, fingerprint): remove exactly the
// lines of that key from the account's authorized keys files (every file
// AuthorizedKeysFile names), with a diff preview and an exact undo.
//
// Guards (each refuses the plan):
//   - the key is not there (nothing is guessed: the fingerprint must match);
//   - it is the key THIS ssh session logged in with (session-login.ts); when
//     that cannot be told, the preview says so and the admin decides;
//   - the account would keep no usable key while passwords are off: it could
//     not log in any more (add the new key first: ssh.rotate-user-key).
// A file in a home is written AS ITS OWNER (FileEdit.asUser: the engine
// never writes into a home as root); a root-managed file elsewhere
// (/etc/ssh/authorized_keys/%u) is an ordinary edit.

import type { FileEdit, Fix, Plan } from '../../src/core/types';
import { isAtOrBelow } from '../../src/host/host-paths';
import type { AuthorizedKey } from '../../src/parse/authorized-keys';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { listSome } from '../updates/finding';
import { untrustedHomeFor } from './keys-accounts';
import { entryText } from './keys-authorized';
import { authorizedKeysSetting, fileRefusal, inventoryAuthorizedKeys } from './keys-inventory';
import { loadServerState } from './server-config';
import { sessionLogin } from './session-login';
import { FINGERPRINT_PARAM, ownerFor, targetAccount, USER_PARAM } from './user-key-account';
import { whyNotUsableForLogin } from './keys-judge';

export const REMOVE_KEY_FIX_ID = 'ssh.remove-authorized-key';

/** A line sshd would accept for a plain key login (what the lockout guards count: keys-judge.ts). */
export function usableForLogin(e: AuthorizedKey, now: Date): boolean {
  return whyNotUsableForLogin(e, now) === null;
}

/** The text without the given 1-based lines; every other byte as it was. */
export function withoutLines(text: string, drop: ReadonlySet<number>): string {
  return text
    .split('\n')
    .filter((_, i) => !drop.has(i + 1))
    .join('\n');
}

export const removeAuthorizedKey: Fix = {
  id: REMOVE_KEY_FIX_ID,
  title: "Remove one key from an account's authorized keys",
  area: 'ssh',
  risk: 'disruptive',
  params: [USER_PARAM, FINGERPRINT_PARAM],
  async plan(host, ctx, args = {}): Promise<Plan> {
    const plan = emptyPlan(removeAuthorizedKey);
    const name = args.user ?? '';
    const fingerprint = args.fingerprint ?? '';
    const found = await targetAccount(host, name);
    if (!found.ok) return refuse(plan, found.reason);
    const target = found.target;

    const setting = await authorizedKeysSetting(host, ctx);
    const [keys] = await inventoryAuthorizedKeys(host, [target.account], setting);
    const unread = keys.files.filter((f) => !f.read.ok);
    for (const f of unread) plan.warnings.push(`${f.path}: ${fileRefusal(f)}: a copy of the key there (if any) is not removed`);
    const files = keys.files.filter((f) => f.read.ok);
    const matching = files.map((f) => ({ file: f, lines: f.entries.filter((e) => e.key.fingerprint === fingerprint) })).filter((m) => m.lines.length > 0);
    if (matching.length === 0) {
      const where = files.length > 0 ? files.map((f) => f.path).join(', ') : 'no authorized keys file';
      return refuse(plan, `${name} has no authorized key ${fingerprint} (looked in ${where})`);
    }
    const removed = matching.flatMap((m) => m.lines);
    for (const e of removed) plan.warnings.push(`removes ${e.file}:${e.line}: ${entryText(e)}`);

    // Never the key this session came in with.
    const session = await sessionLogin(host);
    if (session.kind === 'key' && session.fingerprints.includes(fingerprint)) {
      if (session.user === null || session.user === name) {
        return refuse(plan, `${fingerprint} is the key this SSH session logged in with (${session.via}): log in with another key first, then remove it`);
      }
      plan.warnings.push(`this SSH session logged in as ${session.user} with the same key (${session.via}); ${name} loses it, ${session.user} keeps it`);
    } else if (session.kind === 'unknown') {
      plan.warnings.push(`cannot tell which key this SSH session logged in with (${session.why}): make sure it is not ${fingerprint} before you go on`);
    }

    // The lockout guard.
    const remaining = files.flatMap((f) => f.entries).filter((e) => !removed.includes(e) && usableForLogin(e, ctx.now));
    const state = await loadServerState(host, ctx);
    let passwords = 'unknown';
    if (state.kind === 'ok') {
      const get = (k: string) => state.config.get(k)?.value.toLowerCase();
      const pw = get('passwordauthentication') === 'yes';
      const kbd = get('kbdinteractiveauthentication') === 'yes' && get('usepam') === 'yes';
      passwords = pw || kbd ? 'on' : 'off';
    }
    if (remaining.length === 0) {
      const command = setting.command ? ` (keys from AuthorizedKeysCommand ${setting.command} are not counted)` : '';
      if (passwords !== 'on') {
        return refuse(plan, `removing it leaves ${name} no usable key while password logins are ${passwords}${command}: ${name} could not log in any more; add the new key first (hardtop fix ssh.rotate-user-key --user ${name})`);
      }
      plan.warnings.push(`${name} keeps no key${command}: only a password login remains`);
    } else {
      plan.warnings.push(`${name} keeps ${remaining.length} usable key${remaining.length === 1 ? '' : 's'}: ${listSome(remaining.map((e) => e.key.fingerprint), 3)}`);
    }

    // The edits: as the owner inside the home, as root for a root-managed file.
    const edits: FileEdit[] = [];
    for (const { file, lines } of matching) {
      if (!file.read.ok) continue;
      const after = withoutLines(file.read.text, new Set(lines.map((e) => e.line)));
      const inHome = isAtOrBelow(file.path, target.home);
      if (!inHome && untrustedHomeFor(file.path, target.homes) !== null) {
        return refuse(plan, `${file.path} lies in another account's home: not editing it for ${name}`);
      }
      if (inHome && target.account.uid !== 0) {
        if (file.read.stat.uid !== target.account.uid) return refuse(plan, `${file.path} is owned by uid ${file.read.stat.uid}, not ${name}: hardtop writes into a home only as the file's owner; fix the owner first`);
        edits.push({ path: file.path, before: file.read.text, after, asUser: await ownerFor(host, target, file.path) });
      } else {
        edits.push({ path: file.path, before: file.read.text, after });
      }
    }
    return { ...plan, edits };
  },
};
