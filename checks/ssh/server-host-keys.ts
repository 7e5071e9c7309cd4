// ssh.server.host-keys and ssh.server.host-key-age: the host keys sshd
// loads (sshd -T's hostkey lines, else the HostKey lines or sshd's defaults),
// one item per key.

import type { Check, Evidence, Item, Status } from '../../src/core/types';
import type { FileStat, Host } from '../../src/host/host';
import { finding, listSome, thrownMessage } from '../updates/finding';
import { offer } from './fix-offer';
import { sshPolicy } from './policy';
import { parsePrivateKeyFile, parsePublicKeyLine, type KeyInfo } from './server-host-key-file';
import { day, readRotationRecord, ROTATION_RECORD, type RotationRecord } from './rotation-record';
import type { ServerConfig } from './server-config';
import { serverCheck, worst } from './server-check';

export interface HostKeyFacts {
  path: string;
  /** The private key file, null when missing; undefined when it could not be stat'ed. */
  stat: FileStat | null | undefined;
  statError?: string;
  key?: KeyInfo;
  /** Which file the key facts came from. */
  from?: string;
  readProblem?: string;
  /** sshd -T said it cannot load this key (and why, when it said). */
  unloadable?: string;
}

export async function inspectHostKeys(host: Host, config: ServerConfig): Promise<{ keys: HostKeyFacts[]; configured: boolean }> {
  const { paths, configured } = config.hostKeys();
  const keys: HostKeyFacts[] = [];
  for (const path of paths) {
    const facts: HostKeyFacts = { path, stat: undefined };
    try {
      facts.stat = await host.stat(path);
    } catch (err) {
      facts.statError = thrownMessage(err);
    }
    // sshd's defaults that are not there are not a problem: sshd just skips them.
    if (!configured && facts.stat === null) continue;
    const unload = config.diagnostics.filter((d) => d.kind === 'host-key-unloadable' && d.path === path);
    if (unload.length > 0) facts.unloadable = unload.find((d) => d.reason)?.reason ?? '';

    const pub = await host.read(`${path}.pub`).catch(() => null);
    if (pub?.ok) {
      const r = parsePublicKeyLine(pub.text);
      if (r.ok) {
        facts.key = r.key;
        facts.from = `${path}.pub`;
      } else facts.readProblem = `${path}.pub: ${r.problem}`;
    }
    if (!facts.key && facts.stat) {
      const priv = await host.read(path).catch((err) => ({ ok: false as const, message: thrownMessage(err) }));
      if (priv.ok) {
        const r = parsePrivateKeyFile(priv.text);
        if (r.ok) {
          facts.key = r.key;
          facts.from = path;
          facts.readProblem = undefined;
        } else facts.readProblem = `${path}: ${r.problem}`;
      } else facts.readProblem ??= `${path}: ${priv.message}`;
    }
    keys.push(facts);
  }
  return { keys, configured };
}

function keyText(k: KeyInfo): string {
  return `${k.type} ${k.bits ?? '?'} bits${k.fingerprint ? ` ${k.fingerprint}` : ''}${k.comment ? ` ${k.comment}` : ''}`;
}

function keyItem(f: HostKeyFacts): Item {
  const evidence: Evidence[] = [{ file: f.path }];
  if (f.key && f.from) evidence[0] = { file: f.from, text: keyText(f.key) };
  const item = (status: Status, summary: string): Item => ({ subject: f.path, status, summary, evidence });

  if (f.statError) return item('error', `cannot inspect: ${f.statError}`);
  if (f.stat === null) return item('warn', 'HostKey names a file that does not exist: sshd logs an error and skips it');
  if (f.unloadable !== undefined) return item('fail', `sshd cannot load it${f.unloadable ? ` (${f.unloadable})` : ''}: it is not offered`);
  if (f.stat && (f.stat.mode & 0o007) !== 0) return item('fail', `the private key is readable by every user (mode ${(f.stat.mode & 0o7777).toString(8).padStart(4, '0')})`);
  if (!f.key) return item('error', `cannot tell its type: ${f.readProblem ?? 'no readable key file'}`);

  const k = f.key;
  const forbidden = sshPolicy.hostKeys.forbiddenTypes[k.type];
  if (forbidden) return item('fail', `${keyText(k)}: ${forbidden}`);
  if (k.type === 'ssh-rsa') {
    if (k.bits === null) return item('info', `${keyText(k)}: size unknown`);
    if (k.bits < sshPolicy.hostKeys.rsaMinBits) return item('fail', `RSA ${k.bits} bits, below ${sshPolicy.hostKeys.rsaMinBits} (${k.fingerprint ?? 'no fingerprint'})`);
  }
  return item('pass', keyText(k));
}

export const hostKeysCheck: Check = serverCheck({
  id: 'ssh.server.host-keys',
  title: 'SSH host keys are strong',
  severity: 'high',
  async judge(check, config, host) {
    const { keys } = await inspectHostKeys(host, config);
    const items = keys.map(keyItem);
    const notes: string[] = [];
    const statuses: Status[] = items.map((i) => i.status);
    const required = sshPolicy.hostKeys.requiredType;
    const usable = (f: HostKeyFacts, i: Item) => f.key?.type === required && i.status === 'pass';
    if (config.noHostKeys) {
      statuses.push('fail');
      notes.push('no host key can be loaded: sshd will not start');
    } else if (keys.length === 0) {
      statuses.push('fail');
      notes.push('no host key file: sshd will not start');
    }
    if (!keys.some((f, i) => usable(f, items[i])) && !config.noHostKeys && keys.length > 0) {
      statuses.push('fail');
      notes.push(`no usable ${required === 'ssh-ed25519' ? 'Ed25519' : required} host key`);
    }
    const status = worst(statuses.length > 0 ? statuses : ['pass']);
    const bad = items.filter((i) => i.status !== 'pass');
    const named = bad.map((i) => `${i.subject}: ${i.summary}`);
    const summary =
      bad.length === 0 && notes.length === 0
        ? `${items.length} host key${items.length === 1 ? '' : 's'}: ${listSome(keys.map((f) => `${f.key?.type ?? '?'} ${f.key?.bits ?? '?'}`), 4)}`
        : [...notes, ...(named.length > 0 ? [listSome(named, 2)] : [])].join('; ');
    const evidence: Evidence[] = [config.via === 'sshd -T' ? { ...config.source, text: `hostkey ${keys.map((k) => k.path).join(' ')}` } : config.source];
    const open = await openRotation(host, keys);
    // A rotation in progress is finished by retiring; otherwise a new rotation replaces the bad keys.
    const fixes = status === 'fail' || status === 'warn' ? offer(open ? 'ssh.retire-host-keys' : 'ssh.rotate-host-keys') : [];
    return { ...finding(check, status, summary, evidence, fixes), items };
  },
});

/** The rotation record, when its old keys are still offered (the rotation is not finished). */
export async function openRotation(host: Host, keys: readonly HostKeyFacts[]): Promise<RotationRecord | null> {
  const r = await readRotationRecord(host);
  if (r.kind !== 'ok') return null;
  const offered = new Set(keys.map((k) => k.path));
  return r.record.old.some((k) => offered.has(k.path)) ? r.record : null;
}

const DAY_MS = 86_400_000;
/** A clock skew of up to a day is not worth a word. */
const FUTURE_TOLERANCE_MS = DAY_MS;

export const hostKeyAgeCheck: Check = serverCheck({
  id: 'ssh.server.host-key-age',
  title: 'SSH host keys are rotated',
  severity: 'low',
  async judge(check, config, host, ctx) {
    const { keys } = await inspectHostKeys(host, config);
    const period = sshPolicy.hostKeyAge.rotationDays;
    const dated = keys.filter((k) => k.stat);
    if (dated.length === 0) return finding(check, 'skip', 'no host key file to date', [config.source]);
    const now = ctx.now.getTime();
    // An open rotation (rotation-record.ts): its old keys are on their way out.
    const rotation = await openRotation(host, keys);
    const retiring = new Set(rotation?.old.map((k) => k.path) ?? []);
    const overdue = rotation !== null && now >= Date.parse(rotation.retireAfter);
    const items: Item[] = dated.map((k) => {
      const mtime = (k.stat as FileStat).mtimeMs;
      const days = Math.floor((now - mtime) / DAY_MS);
      const date = new Date(mtime).toISOString().slice(0, 10);
      const evidence: Evidence[] = [{ file: k.path, text: `modified ${new Date(mtime).toISOString()}` }];
      if (rotation && retiring.has(k.path)) {
        evidence.push({ file: ROTATION_RECORD, text: `rotation started ${rotation.startedAt}, retire after ${rotation.retireAfter}` });
        return overdue
          ? { subject: k.path, status: 'warn', summary: `replaced on ${day(rotation.startedAt)} and still offered past the grace period (${day(rotation.retireAfter)}): retire it`, evidence }
          : { subject: k.path, status: 'info', summary: `being replaced (rotation of ${day(rotation.startedAt)}); retire it after ${day(rotation.retireAfter)}`, evidence };
      }
      if (mtime - now > FUTURE_TOLERANCE_MS) return { subject: k.path, status: 'info', summary: `modified ${date}, in the future: the clock or the file time is wrong`, evidence };
      if (days > period) return { subject: k.path, status: 'warn', summary: `${days} days old (since ${date}), past the ${period}-day rotation period`, evidence };
      return { subject: k.path, status: 'pass', summary: `${Math.max(days, 0)} days old (since ${date})`, evidence };
    });
    const status = worst(items.map((i) => i.status));
    const oldest = dated.reduce((a, b) => ((a.stat as FileStat).mtimeMs <= (b.stat as FileStat).mtimeMs ? a : b));
    const oldestDays = Math.max(0, Math.floor((now - (oldest.stat as FileStat).mtimeMs) / DAY_MS));
    const rotationText = rotation
      ? overdue
        ? `the rotation of ${day(rotation.startedAt)} is past its grace period (${day(rotation.retireAfter)}): retire the old keys (ssh.retire-host-keys)`
        : `rotation of ${day(rotation.startedAt)} in progress: retire the old keys after ${day(rotation.retireAfter)} (ssh.retire-host-keys)`
      : null;
    const old = items.filter((i) => i.status === 'warn' && !retiring.has(i.subject));
    const summary = [
      rotationText,
      old.length > 0
        ? `${old.length} of ${items.length} host keys older than ${period} days: ${listSome(old.map((i) => `${i.subject} (${i.summary.split(' (')[0]})`), 2)}`
        : rotation
          ? null
          : status === 'info'
            ? listSome(items.filter((i) => i.status === 'info').map((i) => `${i.subject}: ${i.summary}`), 2)
            : `${items.length} host key${items.length === 1 ? '' : 's'} younger than ${period} days (oldest ${oldestDays} days)`,
    ]
      .filter((x): x is string => x !== null)
      .join('; ');
    const fixes = rotation ? offer('ssh.retire-host-keys') : status === 'warn' ? offer('ssh.rotate-host-keys') : [];
    return { ...finding(check, status, summary, items.flatMap((i) => i.evidence), fixes), items };
  },
});
