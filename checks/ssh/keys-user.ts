// ssh.keys.user: private keys in every home's ~/.ssh (and where the user's
// ssh config points IdentityFile): not DSA, not RSA < 3072, protected by a
// passphrase where the file says so (it always does: hardtop reads the
// openssh-key-v1 / PEM / PuTTY header and never tries a passphrase), and not
// readable by other users. One item per key file.

import type { Check, Evidence, Item, Status } from '../../src/core/types';
import { describeProtection } from '../../src/parse/openssh-private-key';
import { finding, guardedCheck, listSome } from '../updates/finding';
import { userKeyPolicy } from './client-policy';
import { offer } from './fix-offer';
import { loadAccounts, plural } from './keys-accounts';
import { KEYS_INTERVAL, KEYS_WATCH } from './keys-authorized';
import { inventoryPrivateKeys, keyPart, partLabel, type PrivateKeyState } from './keys-inventory';
import { isSecurityKey, judgeKeyStrength, worstFirst } from './keys-judge';
import { SERVER_TIMEOUT_MS } from './server-config';
import { worst } from './server-check';

function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

export function privateKeyItem(s: PrivateKeyState): Item {
  const who = s.accounts.map((a) => a.name).join(', ');
  const evidence: Evidence[] = [];
  if (s.problem) return { subject: s.path, status: s.problem.status, summary: `${s.problem.text} (${who})`, evidence: [{ file: s.path, text: s.problem.text }] };

  const facts = s.facts!;
  const part = keyPart(s);
  const verdicts: { status: Status; why: string }[] = [];
  let label = 'a private key of unknown type';
  if (part) {
    label = partLabel(part);
    const v = judgeKeyStrength(part.family, part.bits);
    if (v.status !== 'pass') verdicts.push(v);
  } else {
    verdicts.push({ status: 'info', why: 'its type cannot be read without the passphrase and there is no .pub next to it' });
  }
  const security = part !== null && isSecurityKey(part.family);
  if (!facts.encrypted && !security) verdicts.push({ status: userKeyPolicy.unprotectedPrivateKey.status, why: 'whoever can read the file holds the key' });
  const st = s.stat;
  if (st) {
    if ((st.mode & 0o004) !== 0) verdicts.push({ status: 'fail', why: `readable by every user (mode ${modeText(st.mode)})` });
    else if ((st.mode & 0o040) !== 0) verdicts.push({ status: 'warn', why: `readable by its group (mode ${modeText(st.mode)}; ssh itself refuses such a key)` });
    if (st.uid !== 0 && !s.accounts.some((a) => a.uid === st.uid)) verdicts.push({ status: 'warn', why: `owned by uid ${st.uid}, not ${who}` });
  }
  const protection = security && !facts.encrypted ? 'a security-key handle (the secret stays on the token)' : describeProtection(facts);
  // Legacy PEM encryption derives its key with a single MD5 round: a passphrase, but a cheap one to guess.
  const legacy = facts.encrypted && facts.format.startsWith('pem-') ? ' (legacy PEM encryption, one MD5 round: `ssh-keygen -p -f FILE` rewrites it with bcrypt)' : '';
  const fp = part?.fingerprint ? ` ${part.fingerprint}` : '';
  evidence.push({ file: s.path, text: `${label}${fp}, ${protection} (${facts.format}${s.from !== '~/.ssh' ? `; ${s.from}` : ''})` });
  if (s.publicFromPub) evidence.push({ file: `${s.path}.pub`, text: `type and size from the public half: ${label}` });
  const status = worst(verdicts.length > 0 ? verdicts.map((v) => v.status) : ['pass']);
  const why = verdicts.filter((v) => v.status !== 'pass').map((v) => v.why);
  const summary = `${label}, ${protection}${legacy}${why.length ? `: ${why.join('; ')}` : ''} (${who})`;
  return { subject: s.path, status, summary, evidence };
}

export const userKeysCheck: Check = guardedCheck({
  id: 'ssh.keys.user',
  area: 'ssh',
  title: 'User private keys are strong and protected',
  severity: 'medium',
  watch: KEYS_WATCH,
  interval: KEYS_INTERVAL,
  timeoutMs: SERVER_TIMEOUT_MS,
  async run(host) {
    const check = userKeysCheck;
    const accounts = await loadAccounts(host);
    if (accounts.kind === 'absent') return finding(check, 'skip', accounts.summary, accounts.evidence);
    if (accounts.kind === 'broken') return finding(check, 'error', accounts.summary, accounts.evidence);
    const keys = await inventoryPrivateKeys(host, accounts.accounts);
    if (keys.length === 0) return finding(check, 'skip', `no private keys in the ~/.ssh of ${plural(accounts.accounts.length, 'account')}`, [accounts.evidence]);
    const items = keys.map(privateKeyItem);
    const status = worst(items.map((i) => i.status));
    const bad = worstFirst(items.filter((i) => i.status !== 'pass'));
    const unprotected = keys.filter((k) => k.facts && !k.facts.encrypted && !(keyPart(k) && isSecurityKey(keyPart(k)!.family))).length;
    const counts = `${plural(keys.length, 'private key')}${unprotected > 0 ? `, ${unprotected} without a passphrase` : ''}`;
    const summary = bad.length === 0 ? `${counts}; all strong and passphrase-protected` : `${counts}: ${listSome(bad.map((i) => `${i.subject}: ${i.summary}`), 2)}`;
    const fixes = status === 'fail' || status === 'warn' ? offer('ssh.rotate-user-key') : [];
    return { ...finding(check, status, summary, [accounts.evidence], fixes), items };
  },
});
