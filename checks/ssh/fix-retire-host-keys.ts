// ssh.retire-host-keys: the second half of a host key rotation (issue 5).
// After the grace period, the old keys stop being offered:
//
//   edits     the old HostKey lines removed (the new lines, already after
//             them, become the first of their type); the old key files (and
//             their .pub) REMOVED — FileEdit.delete, so the engine moves
//             their bytes, owner and mode into its private backup dir and
//             undo puts them back; the rotation record removed (undo brings
//             it back with the keys);
//   guard     refuses unless a rotation record names the keys; refuses to
//             retire a key whose type would be left with no loadable key
//             (the clients that use that type would have nothing they know),
//             and when a new key is not loaded by sshd;
//   validate  sshd -t on a staged copy;
//   reload;   risk lockout-risk: applied commit-confirmed, so the admin's
//             NEXT login (which must accept the new key) confirms it, or it
//             reverts by itself.
//
// A client that has not logged in since the rotation (or never learns keys:
// PuTTY, a managed known_hosts) sees "REMOTE HOST IDENTIFICATION HAS
// CHANGED" afterwards: the preview says so, with the lines to hand out, and
// names the clients sshd's log shows only before the rotation began (the
// ones still using only the old keys: clientsSinceRotation).

import type { FileEdit, Fix, Plan } from '../../src/core/types';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { thrownMessage } from '../updates/finding';
import { defaultKeyArgs, plainFileProblem, stagePreparer } from './fix-harden';
import { overlaySource } from './harden-edit';
import { reloadPlan } from './harden-reload';
import { removeHostKeyLines } from './host-key-edit';
import { day, readRotationRecord, ROTATION_RECORD } from './rotation-record';
import { hostSource, loadServerState, SSHD_CONFIG } from './server-config';
import { inspectHostKeys, type HostKeyFacts } from './server-host-keys';
import { loadSshdConfig } from '../../src/parse/sshd-config';
import { describeKey, publishLines } from './fix-rotate-host-keys';
import { listenAddresses, sshPort } from './server-listen';
import type { Host } from '../../src/host/host';
import { parseAcceptedAny, stampTime } from '../../src/parse/sshd-accepted';
import { listSome } from '../updates/finding';
import { recentSshdLog } from './session-login';
import { rotatePolicy } from './rotate-policy';

export const RETIRE_FIX_ID = 'ssh.retire-host-keys';

function loadable(f: HostKeyFacts): boolean {
  return !!f.stat && !!f.key && f.unloadable === undefined;
}

/** A file the plan removes: a plain file (never what a symlink points to), its current text. */
async function removal(host: Host, path: string): Promise<FileEdit | { problem: string } | null> {
  const problem = await plainFileProblem(host, path);
  if (problem) return { problem };
  const r = await host.read(path).catch((err) => ({ ok: false as const, reason: 'io' as const, message: thrownMessage(err) }));
  if (!r.ok) return r.reason === 'missing' ? null : { problem: `cannot read ${path}: ${r.message}` };
  return { path, before: r.text, after: '', delete: true };
}

/**
 * Which clients may still use only the old keys: sshd does not log the host
 * key a client checked, but every OpenSSH client that logged in since the
 * rotation began was offered the new keys (UpdateHostKeys); one seen in the
 * log only BEFORE it (user@address) has not been, and will be stopped by its
 * known_hosts after the retirement. The best evidence there is: said, with
 * where it comes from, never a guess presented as a fact.
 */
export async function clientsSinceRotation(host: Host, startedAt: string, now: Date): Promise<string> {
  const started = Date.parse(startedAt);
  const { texts } = await recentSshdLog(host);
  if (texts.length === 0) return `which clients logged in since the rotation began (${day(startedAt)}) cannot be told: no sshd log found (${rotatePolicy.authLogs.files.join(', ')})`;
  const last = new Map<string, number>();
  let undated = 0;
  for (const { text } of texts) {
    for (const l of parseAcceptedAny(text)) {
      const t = l.stamp === null ? null : stampTime(l.stamp, now);
      if (t === null) {
        undated++;
        continue;
      }
      const who = `${l.user}@${l.addr}`;
      last.set(who, Math.max(last.get(who) ?? 0, t));
    }
  }
  const where = texts.map((x) => x.where).join(', ');
  const since = [...last].filter(([, t]) => t >= started);
  const before = [...last].filter(([, t]) => t < started).sort((a, b) => b[1] - a[1]);
  if (before.length === 0) {
    return `${since.length} client${since.length === 1 ? '' : 's'} (user@address) logged in since the rotation began (${day(startedAt)}) and none was seen only before it in ${where}${undated ? ` (${undated} undated lines not counted)` : ''}; clients older than that log are not known`;
  }
  return (
    `clients seen in ${where} only BEFORE the rotation began (${day(startedAt)}), so not offered the new keys yet: ` +
    `${listSome(before.map(([who, t]) => `${who} (last login ${day(new Date(t))})`), 6)}; ` +
    `they will see "REMOTE HOST IDENTIFICATION HAS CHANGED" after the retirement unless they log in once first (OpenSSH with UpdateHostKeys) or get the new known_hosts line` +
    (since.length ? `; ${since.length} client${since.length === 1 ? '' : 's'} logged in since` : '')
  );
}

export const retireHostKeys: Fix = {
  id: RETIRE_FIX_ID,
  title: 'Retire the old SSH host keys after a rotation (only the new keys stay)',
  area: 'ssh',
  risk: 'lockout-risk',
  verifies: ['ssh.server.host-key-age'],
  async plan(host, ctx): Promise<Plan> {
    let plan = emptyPlan(retireHostKeys);
    const state = await loadServerState(host, ctx);
    if (state.kind === 'absent') return refuse(plan, `${state.presence.summary}: no host keys to retire`);
    if (state.kind === 'broken') return refuse(plan, `sshd cannot use its configuration as it is (${state.summary}); fix that first`);
    const config = state.config;
    const record = await readRotationRecord(host);
    if (record.kind === 'none') return refuse(plan, `no host key rotation is open (no ${ROTATION_RECORD}): start one with hardtop fix ssh.rotate-host-keys`);
    if (record.kind === 'bad') return refuse(plan, `${ROTATION_RECORD} cannot be used (${record.problem})`);
    const rec = record.record;
    const now = ctx.now;

    const { keys } = await inspectHostKeys(host, config);
    const byPath = new Map(keys.map((f) => [f.path, f]));
    for (const f of keys) plan.warnings.push(`host key now ${describeKey(f, now)}`);

    // The new keys must be there and loaded: they are what stays.
    for (const k of rec.new) {
      const f = byPath.get(k.path);
      if (!f || !loadable(f)) {
        const why = !f ? 'is not among the keys sshd loads' : f.stat === null ? 'does not exist' : f.unloadable !== undefined ? `cannot be loaded (${f.unloadable || 'sshd says so'})` : (f.readProblem ?? 'cannot be read');
        return refuse(plan, `the new key ${k.path} ${why}: retiring the old keys would take away what clients learned; rotate again (hardtop undo the rotation, or fix the key) first`);
      }
      if (f.key!.type !== k.type) return refuse(plan, `${k.path} is ${f.key!.type}, not the ${k.type} key the rotation made; not retiring anything`);
    }

    const retiring = rec.old.filter((k) => byPath.has(k.path));
    const gone = rec.old.filter((k) => !byPath.has(k.path));
    for (const k of gone) plan.warnings.push(`${k.path} is no longer offered (its HostKey line is gone): nothing to do for it`);
    if (retiring.length === 0) return refuse(plan, `nothing to retire: none of the old keys of the rotation of ${day(rec.startedAt)} is still offered; remove ${ROTATION_RECORD} if the rotation is over`);

    // Never leave a type without a loadable key: clients using it would know nothing that is offered.
    const retiringPaths = new Set(retiring.map((k) => k.path));
    const remaining = keys.filter((f) => !retiringPaths.has(f.path) && loadable(f));
    for (const k of retiring) {
      if (!remaining.some((f) => f.key!.type === k.type)) {
        return refuse(plan, `${k.path} is the only ${k.type} host key: retiring it would leave clients that use ${k.type} nothing they know; rotate it first (hardtop fix ssh.rotate-host-keys)`);
      }
    }
    if (remaining.length === 0) return refuse(plan, 'retiring these keys would leave sshd no host key');

    // 1. Edits: HostKey lines, the key files, the record.
    const parsed = config.parsed;
    const { texts, removed } = removeHostKeyLines(parsed, retiringPaths);
    const edits: FileEdit[] = [];
    for (const [path, after] of texts) {
      const problem = await plainFileProblem(host, path);
      if (problem) return refuse(plan, problem);
      edits.push({ path, before: parsed.files.find((f) => f.path === path)?.text ?? null, after });
    }
    for (const d of removed) plan.warnings.push(`${d.file}:${d.line}: "${d.text}" removed`);
    for (const k of retiring) {
      for (const p of [k.path, `${k.path}.pub`]) {
        const e = await removal(host, p);
        if (e === null) continue;
        if ('problem' in e) return refuse(plan, e.problem);
        edits.push(e);
      }
    }
    const rm = await removal(host, ROTATION_RECORD);
    if (rm !== null && 'problem' in rm) return refuse(plan, rm.problem);
    if (rm !== null) edits.push({ ...rm, before: record.text });
    plan = { ...plan, edits };

    // 2. Validate, reload.
    const source = hostSource(host);
    const after = await loadSshdConfig(SSHD_CONFIG, overlaySource(source, texts));
    plan.validate.push({
      argv: ['sshd', '-t', '-f', `{stage}${SSHD_CONFIG}`, ...(await defaultKeyArgs(host, after))],
      describe: `sshd -t -f ${SSHD_CONFIG} (on a staged copy without the old keys)`,
      stage: ['/etc/ssh'],
      timeoutMs: 30_000,
      prepareStage: stagePreparer(after, texts),
    });
    const reload = await reloadPlan(host, after);
    plan.commands.push(...reload.commands);
    plan.warnings.push(...reload.notes);

    // 3. What the admin must know.
    if (now.getTime() < Date.parse(rec.retireAfter)) {
      plan.warnings.push(`the grace period runs until ${day(rec.retireAfter)}: clients that have not logged in since ${day(rec.startedAt)} have not learned the new keys yet`);
    }
    plan.warnings.push(await clientsSinceRotation(host, rec.startedAt, now));
    const port = sshPort(listenAddresses(config));
    const publish = await publishLines(host, rec.new.map((k) => k.path), port);
    plan.warnings.push(
      `clients that know only the old keys (no login since ${day(rec.startedAt)}, PuTTY and others without UpdateHostKeys, known_hosts kept by configuration management) will see "REMOTE HOST IDENTIFICATION HAS CHANGED": give them the new known_hosts lines, and replace old SSHFP records in DNS`,
      ...publish,
      'lockout-risk: applied commit-confirmed: open a NEW ssh login (it must accept the new key) and run `hardtop confirm` within the window, or the old keys come back by themselves',
    );
    plan.afterApply = async (h) => [...(await publishLines(h, rec.new.map((k) => k.path), port)), `the old keys are in the backup of this change (hardtop undo puts them back)`];
    return plan;
  },
};
