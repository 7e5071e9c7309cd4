// The account a user-key fix acts on (ssh.rotate-user-key,
// ssh.remove-authorized-key): found in /etc/passwd (under --root), with a
// home that is a real directory, and the same uid on the machine that will
// run `runuser -u NAME` — under --root the tree's passwd and the machine's
// may disagree, and writing as the wrong account is never acceptable.

import type { FileOwner, FixParam } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { PasswdAccount } from '../../src/parse/passwd';
import { thrownMessage } from '../updates/finding';
import { homeOf, loadAccounts, untrustedRootFor } from './keys-accounts';

export const USER_PARAM: FixParam = { name: 'user', describe: 'an account name', pattern: /[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?/ };
export const FINGERPRINT_PARAM: FixParam = { name: 'fingerprint', describe: 'a key fingerprint as ssh-keygen -l prints it (SHA256:…)', pattern: /SHA256:[A-Za-z0-9+/]{43}/ };

export interface TargetAccount {
  account: PasswdAccount;
  /** Normalised host path of the home. */
  home: string;
  /** Every home on the system (a key file in another one is not this account's to touch). */
  homes: string[];
}

export type AccountLookup = { ok: true; target: TargetAccount } | { ok: false; reason: string };

export async function targetAccount(host: Host, name: string): Promise<AccountLookup> {
  const accounts = await loadAccounts(host);
  if (accounts.kind !== 'ok') return { ok: false, reason: accounts.summary };
  const account = accounts.accounts.find((a) => a.name === name);
  if (!account) return { ok: false, reason: `no account ${name} in /etc/passwd (accounts from LDAP/sssd are not handled)` };
  const home = homeOf(account);
  if (home === null || home === '/') return { ok: false, reason: `${name} has no home directory of its own ("${account.home}")` };
  let st;
  try {
    st = await host.stat(home);
  } catch (err) {
    return { ok: false, reason: `cannot inspect ${home}: ${thrownMessage(err)}` };
  }
  if (st === null) return { ok: false, reason: `${name}'s home ${home} does not exist` };
  if (st.kind !== 'dir') return { ok: false, reason: `${name}'s home ${home} is not a directory` };
  const real = await host.exec('id', ['-u', '--', name], { timeoutMs: 10_000 });
  const uid = real.exitCode === 0 ? Number(real.stdout.trim()) : NaN;
  if (uid !== account.uid) {
    return { ok: false, reason: `${name} is uid ${account.uid} in /etc/passwd but ${Number.isNaN(uid) ? 'unknown' : `uid ${uid}`} to this machine's runuser: hardtop will not act as it` };
  }
  const homes = accounts.accounts.map(homeOf).filter((h): h is string => h !== null && h !== '/');
  return { ok: true, target: { account, home, homes } };
}

/** The FileOwner for a file below the account's home (where the untrusted tree starts). */
export async function ownerFor(host: Host, target: TargetAccount, path: string): Promise<FileOwner> {
  return { name: target.account.name, uid: target.account.uid, home: await untrustedRootFor(host, path, target.home) };
}
