// ssh.keys.age: user keys and authorized keys younger than the rotation
// period (assets/policy/ssh.json userKeys.rotationDays). A key's date is a
// date its comment carries ("alice@laptop 2019-05-01") when there is one —
// that is the key's own — else its file's mtime. For authorized_keys the
// file's mtime is the last time ANY key in it changed, so a key can be older
// than it says: the evidence says which date was used.

import type { Check, Evidence, Item, Status } from '../../src/core/types';
import { keyLabel } from '../../src/parse/ssh-key-blob';
import { finding, guardedCheck, listSome } from '../updates/finding';
import { userKeyPolicy } from './client-policy';
import { offer } from './fix-offer';
import { loadAccounts, plural } from './keys-accounts';
import { KEYS_INTERVAL, KEYS_WATCH, shortFingerprint } from './keys-authorized';
import { authorizedKeysSetting, inventoryAuthorizedKeys, inventoryPrivateKeys, keyPart, partLabel } from './keys-inventory';
import { datedComment, DAY_MS, isoDay } from './keys-judge';
import { SERVER_TIMEOUT_MS } from './server-config';
import { worst } from './server-check';

interface Dated {
  subject: string;
  what: string;
  /** ms since the epoch */
  at: number;
  source: 'comment' | 'file time';
  file: string;
  line?: number;
}

function ageItem(d: Dated, now: number, period: number): Item {
  const days = Math.floor((now - d.at) / DAY_MS);
  const since = `${isoDay(d.at)}, from its ${d.source}`;
  const evidence: Evidence[] = [{ file: d.file, line: d.line, text: `${d.what}: dated ${since}${d.source === 'file time' && d.line !== undefined ? ' (the last change to the file: the key may be older)' : ''}` }];
  let status: Status = 'pass';
  let summary = `${d.what}: ${Math.max(days, 0)} days old (since ${since})`;
  if (d.at - now > DAY_MS) {
    status = 'info';
    summary = `${d.what}: dated ${isoDay(d.at)}, in the future: the clock or the file time is wrong`;
  } else if (days > period) {
    status = 'warn';
    summary = `${d.what}: ${days} days old (since ${since}), past the ${period}-day rotation period`;
  }
  return { subject: d.subject, status, summary, evidence };
}

export const keyAgeCheck: Check = guardedCheck({
  id: 'ssh.keys.age',
  area: 'ssh',
  title: 'User and authorized keys are rotated',
  severity: 'low',
  watch: KEYS_WATCH,
  interval: KEYS_INTERVAL,
  timeoutMs: SERVER_TIMEOUT_MS,
  async run(host, ctx) {
    const check = keyAgeCheck;
    const accounts = await loadAccounts(host);
    if (accounts.kind === 'absent') return finding(check, 'skip', accounts.summary, accounts.evidence);
    if (accounts.kind === 'broken') return finding(check, 'error', accounts.summary, accounts.evidence);
    const now = ctx.now.getTime();
    const period = userKeyPolicy.rotationDays;
    const dated: Dated[] = [];

    const setting = await authorizedKeysSetting(host, ctx);
    for (const ak of await inventoryAuthorizedKeys(host, accounts.accounts, setting)) {
      for (const f of ak.files) {
        if (!f.read.ok) continue; // a refused file is ssh.keys.authorized's finding
        const mtime = f.read.stat.mtimeMs;
        for (const e of f.entries) {
          const fromComment = datedComment(e.comment, ctx.now);
          dated.push({
            subject: `${ak.account.name}: ${e.file}:${e.line}`,
            what: `authorized ${keyLabel(e.key)} ${shortFingerprint(e.key.fingerprint)}${e.comment ? ` (${e.comment.slice(0, 40)})` : ''} for ${ak.account.name}`,
            at: fromComment?.getTime() ?? mtime,
            source: fromComment ? 'comment' : 'file time',
            file: e.file,
            line: e.line,
          });
        }
      }
    }
    for (const k of await inventoryPrivateKeys(host, accounts.accounts)) {
      if (k.problem || !k.stat) continue; // ssh.keys.user says why
      const fromComment = k.comment !== undefined ? datedComment(k.comment, ctx.now) : null;
      const part = keyPart(k);
      dated.push({
        subject: k.path,
        what: `private ${part ? partLabel(part) : 'key'} of ${k.accounts.map((a) => a.name).join(', ')}`,
        at: fromComment?.getTime() ?? k.stat.mtimeMs,
        source: fromComment ? 'comment' : 'file time',
        file: k.path,
      });
    }

    if (dated.length === 0) return finding(check, 'skip', `no user or authorized keys to date in ${plural(accounts.accounts.length, 'account')}`, [accounts.evidence]);
    const items = dated.map((d) => ageItem(d, now, period));
    const status = worst(items.map((i) => i.status));
    const old = items.filter((i) => i.status === 'warn');
    const oldest = Math.max(0, Math.floor((now - Math.min(...dated.map((d) => d.at))) / DAY_MS));
    const summary =
      old.length > 0
        ? `${old.length} of ${plural(items.length, 'key')} older than ${period} days: ${listSome(old.map((i) => i.summary.split(' (since')[0]), 2)}`
        : status === 'info'
          ? listSome(items.filter((i) => i.status === 'info').map((i) => i.summary), 2)
          : `${plural(items.length, 'key')} younger than ${period} days (oldest ${oldest} days)`;
    const fixes = status === 'warn' ? offer('ssh.rotate-user-key') : [];
    return { ...finding(check, status, summary, [accounts.evidence], fixes), items };
  },
});
