// The lockout guard of ssh.server.harden: refuse a plan that would leave no
// way in over SSH. Kept simple and conservative: when in doubt, a key does
// not count. The rules (each one refuses the plan):
//
//   R0  Keys must work at all after the change: PubkeyAuthentication yes, and
//       an AuthenticationMethods list (if set) that publickey alone satisfies.
//   R1  Disabling passwords (PasswordAuthentication / KbdInteractive): some
//       account that may log in keeps a usable authorized key.
//   R2  Disabling passwords or root login: some account that can administer
//       the box keeps a usable key: root while PermitRootLogin still lets it
//       in with a key, or a member of a sudo group (sudo, wheel, admin; the
//       sudoers file itself is not read).
//   R3  The admin running the fix, named in every plan (loginuid, else
//       SUDO_USER, else LOGNAME/USER), when over SSH (SSH_CONNECTION here or,
//       as sudo drops it, in a parent process): their account must keep a
//       way in (root logged in over SSH with PermitRootLogin going to "no" is
//       covered by R2: another key-holding sudoer must exist).
//
// "May log in": a login shell (not nologin/false …), not excluded by
// Allow/DenyUsers or Allow/DenyGroups (a user@host pattern is taken as not
// allowing and as denying: the client host is unknown), and with UsePAM no,
// not locked in /etc/shadow. "Usable key": a line of a file named by
// AuthorizedKeysFile (%h %u %U %% expanded, relative to the home directory),
// read without following symlinks in the home directory, passing StrictModes,
// not DSA, not RSA < 1024, not limited by command=, not expired, not a
// cert-authority line. Keys from AuthorizedKeysCommand, and Match blocks that
// change key settings for some users, are not evaluated: the plan says so.

import type { Host } from '../../src/host/host';
import type { RunContext } from '../../src/core/types';
import { hardenPolicy } from './harden-policy';
import { groupsOf, parseGroup, parsePasswd, type PasswdAccount } from '../../src/parse/passwd';
import { allowedBySshd, hasLoginShell, usableKeys, type Account } from './harden-accounts';

const UNSET_LOGINUID = 4294967295;

export interface AdminIdentity {
  /** The account name, or null when it cannot be told. */
  name: string | null;
  /** How it was found: "loginuid 1000", "SUDO_USER", "LOGNAME". */
  via: string;
  /** SSH_CONNECTION of this process or, as sudo drops it, of an ancestor (null: not over SSH). */
  sshConnection: string | null;
}

export async function identifyAdmin(host: Host, accounts: readonly Account[]): Promise<AdminIdentity> {
  // Our SSH_CONNECTION, or (sudo drops it) the nearest ancestor's: the same rule commit-confirmed uses.
  const sshConnection = (await host.sshConnection())?.value ?? null;
  const r = await host.read('/proc/self/loginuid', { maxBytes: 64 }).catch(() => null);
  if (r?.ok && /^\d+$/.test(r.text.trim())) {
    const uid = Number(r.text.trim());
    if (uid !== UNSET_LOGINUID) {
      const a = accounts.find((x) => x.uid === uid);
      return { name: a?.name ?? `uid ${uid}`, via: `loginuid ${uid}`, sshConnection };
    }
  }
  for (const v of ['SUDO_USER', 'LOGNAME', 'USER']) {
    const name = host.env(v)?.trim();
    if (name) return { name, via: v, sshConnection };
  }
  return { name: null, via: 'unknown', sshConnection };
}

/** What the guard needs to know of the configuration AFTER the plan (lower-case keys, sshd -T style values). */
export type ConfigGetter = (key: string) => string | undefined;

export interface GuardInput {
  /** The plan sets PasswordAuthentication no and/or KbdInteractiveAuthentication no. */
  disablesPasswords: boolean;
  /** The plan sets PermitRootLogin no. */
  disablesRootLogin: boolean;
  /** Effective values once the plan is applied. */
  after: ConfigGetter;
  /** Match blocks that change key settings for some connections (not evaluated). */
  matchCaveats: string[];
}

export interface AccountWayIn {
  account: PasswdAccount;
  canSudo: boolean;
  /** Usable keys counted. */
  keys: number;
  /** Why it is not a way in, or notes about its keys. */
  notes: string[];
  mayLogIn: boolean;
}

export interface GuardVerdict {
  ok: boolean;
  /** One line: refusal reason, or what keeps a way in. */
  reason: string;
  admin: AdminIdentity;
  /** Lines for the preview (always shown). */
  notes: string[];
  ways: AccountWayIn[];
}

function isLocked(shadow: Map<string, string>, name: string): boolean {
  const pw = shadow.get(name);
  return pw !== undefined && pw.startsWith('!');
}

async function readShadow(host: Host): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const r = await host.read('/etc/shadow').catch(() => null);
  if (!r?.ok) return out;
  for (const line of r.text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 2) out.set(f[0], f[1]);
  }
  return out;
}

/** Everyone who could log in with a key after the change, and how. */
export async function waysIn(host: Host, input: GuardInput, ctx: RunContext): Promise<{ ways: AccountWayIn[]; problems: string[] }> {
  const problems: string[] = [];
  const passwd = await host.read('/etc/passwd').catch(() => null);
  if (!passwd?.ok) return { ways: [], problems: ['/etc/passwd cannot be read: no account can be shown to keep a way in'] };
  const accounts = parsePasswd(passwd.text).accounts;
  const group = await host.read('/etc/group').catch(() => null);
  const groups = group?.ok ? parseGroup(group.text).groups : [];
  if (!group?.ok) problems.push('/etc/group cannot be read: nobody is counted as able to sudo');
  const usePamNo = (input.after('usepam') ?? 'no').toLowerCase() === 'no';
  const shadow = usePamNo ? await readShadow(host) : new Map<string, string>();
  const strictModes = (input.after('strictmodes') ?? 'yes').toLowerCase() !== 'no';
  const akf = (input.after('authorizedkeysfile') ?? '.ssh/authorized_keys .ssh/authorized_keys2').split(/\s+/).filter(Boolean);
  const rootLogin = (input.after('permitrootlogin') ?? 'prohibit-password').toLowerCase();

  const all: AccountWayIn[] = [];
  for (const account of accounts) {
    const names = groupsOf(account, groups);
    const way: AccountWayIn = {
      account,
      canSudo: account.uid === 0 || names.some((g) => hardenPolicy.lockoutGuard.sudoGroups.includes(g)),
      keys: 0,
      notes: [],
      mayLogIn: true,
    };
    if (!hasLoginShell(account, hardenPolicy.lockoutGuard.noLoginShells)) {
      way.mayLogIn = false;
      way.notes.push(`no login shell (${account.shell || 'none'})`);
    }
    if (account.uid === 0 && (rootLogin === 'no' || rootLogin === 'forced-commands-only')) {
      way.mayLogIn = false;
      way.notes.push(`PermitRootLogin ${rootLogin}`);
    }
    const allowed = allowedBySshd(account, names, input.after);
    if (!allowed.ok) {
      way.mayLogIn = false;
      way.notes.push(`refused by ${allowed.why}`);
    }
    if (usePamNo && isLocked(shadow, account.name)) {
      way.mayLogIn = false;
      way.notes.push('locked in /etc/shadow (UsePAM no)');
    }
    all.push(way);
  }
  // Keys are read for whoever may log in, and for root and human accounts (to say why they cannot).
  const readFor = all.filter((w) => w.mayLogIn || w.account.uid === 0 || w.account.uid >= 1000).map((w) => w.account);
  const keys = await usableKeys(host, readFor, akf, { strictModes, now: ctx.now });
  for (const way of all) {
    for (const rep of keys.get(way.account.name) ?? []) {
      way.keys += rep.usable;
      way.notes.push(...rep.notes);
    }
  }
  return { ways: all.filter((w) => w.mayLogIn || w.keys > 0), problems };
}

function describe(w: AccountWayIn): string {
  const keys = `${w.keys} usable key${w.keys === 1 ? '' : 's'}`;
  return `${w.account.name} (${keys}${w.canSudo && w.account.uid !== 0 ? ', can sudo' : ''}${w.mayLogIn ? '' : `, cannot log in: ${w.notes[0]}`})`;
}

export async function lockoutGuard(host: Host, input: GuardInput, ctx: RunContext): Promise<GuardVerdict> {
  const passwd = await host.read('/etc/passwd').catch(() => null);
  const accounts = passwd?.ok ? parsePasswd(passwd.text).accounts : [];
  const admin = await identifyAdmin(host, accounts);
  const notes: string[] = [...input.matchCaveats];
  const refuse = (reason: string, ways: AccountWayIn[] = []): GuardVerdict => ({ ok: false, reason, admin, notes, ways });

  const adminText = admin.name === null ? 'the admin account cannot be told (no loginuid, SUDO_USER or LOGNAME)' : `you are ${admin.name} (by ${admin.via}${admin.sshConnection ? `, over SSH from ${admin.sshConnection.split(' ')[0]}` : ''})`;
  if (!input.disablesPasswords && !input.disablesRootLogin) {
    return { ok: true, reason: `no login method is switched off; ${adminText}`, admin, notes, ways: [] };
  }

  // R0: keys must still be accepted.
  const pubkey = (input.after('pubkeyauthentication') ?? 'yes').toLowerCase();
  if (pubkey === 'no') return refuse(`PubkeyAuthentication is no: with passwords off nobody could log in; ${adminText}`);
  const methods = (input.after('authenticationmethods') ?? 'any').trim();
  if (input.disablesPasswords && methods.toLowerCase() !== 'any' && methods !== '') {
    const lists = methods.split(/\s+/).map((l) => l.split(',').map((m) => m.split(':')[0].toLowerCase()));
    if (!lists.some((l) => l.every((m) => m === 'publickey'))) {
      return refuse(`AuthenticationMethods ${methods} needs a password or keyboard-interactive step: switching them off would lock everyone out (2FA set-ups need a hand-made policy); ${adminText}`);
    }
  }
  if ((input.after('authorizedkeyscommand') ?? 'none').toLowerCase() !== 'none') {
    notes.push('keys served by AuthorizedKeysCommand are not counted by the guard');
  }

  const { ways, problems } = await waysIn(host, input, ctx);
  notes.push(...problems);
  const withKey = ways.filter((w) => w.mayLogIn && w.keys > 0);
  const adminsWithKey = withKey.filter((w) => w.canSudo);
  const keyHolders = withKey.length > 0 ? withKey.map(describe).join(', ') : 'none';

  // R1
  if (input.disablesPasswords && withKey.length === 0) {
    return refuse(`no account that may log in has a usable authorized key, so switching passwords off would lock everyone out: add a key first (ssh-copy-id); ${adminText}`, ways);
  }
  // R2
  if (adminsWithKey.length === 0) {
    const what = input.disablesRootLogin ? 'root login off' : 'passwords off';
    return refuse(`with ${what}, no account that can administer this box (root, or a member of ${hardenPolicy.lockoutGuard.sudoGroups.join('/')}) keeps a usable key (key holders: ${keyHolders}); ${adminText}`, ways);
  }
  // R3
  if (admin.name !== null) {
    const mine = ways.find((w) => w.account.name === admin.name);
    const keeps = mine !== undefined && mine.mayLogIn && mine.keys > 0;
    const isRoot = mine?.account.uid === 0 || admin.name === 'root';
    const yours = `${adminText}: ${keeps ? `your account keeps a way in (${mine!.keys} usable key${mine!.keys === 1 ? '' : 's'})` : `your account keeps NO way in${mine ? ` (${mine.notes[0] ?? 'no usable key'})` : ''}`}`;
    // Root loses its own login by design here; R2 made sure a key-holding sudoer exists.
    if (!keeps && isRoot && input.disablesRootLogin) {
      return { ok: true, reason: `${yours}; log in as ${adminsWithKey.map((w) => w.account.name).join(' or ')} and use sudo from now on`, admin, notes, ways };
    }
    if (!keeps && admin.sshConnection !== null) {
      return refuse(`${yours}; you are logged in over SSH and could not log in again: add a key to your account first`, ways);
    }
    return { ok: true, reason: `${yours}; key holders who can administer: ${adminsWithKey.map(describe).join(', ')}`, admin, notes, ways };
  }
  return { ok: true, reason: `${adminText}; key holders who can administer: ${adminsWithKey.map(describe).join(', ')}`, admin, notes, ways };
}
