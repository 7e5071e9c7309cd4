// ssh.rotate-host-keys: the first half of a host key rotation that no client
// notices (issue 5). The second half is ssh.retire-host-keys, after the grace
// period.
//
//   1. preview: the current keys (type, bits, SHA256, age) and what happens;
//   2. edits: HostKey lines for the new keys AFTER the old ones (why after:
//      host-key-edit.ts), and the rotation record in the state dir
//      (rotation-record.ts), both backed up by the engine;
//   3. validate: `sshd -t` on a staged copy with the new lines. The new key
//      files do not exist yet (the engine validates before any command runs,
//      and plan() never writes), so the stage gets throwaway keys of the same
//      type and size at those paths: sshd -t then judges exactly the
//      configuration that will be live, with keys it can load;
//   4. commands: ssh-keygen makes each new key at a path that does not exist
//      (a dated name next to the old one), then sshd reloads. ssh-keygen runs
//      BEFORE the reload: if it fails, the engine rolls back (the config is
//      restored, the undo commands remove whatever was generated) and the
//      running sshd never saw the new lines;
//   5. undo commands: `rm -f` of exactly the generated files (the engine
//      backs up files it edits, not files a command creates); undo restores
//      the config first, then removes the keys, then reloads;
//   6. afterApply: the new fingerprints, known_hosts lines and SSHFP records.
//
// Ed25519 always; RSA (at the policy's size, 4096) only when the
// configuration keeps an RSA host key; ECDSA and DSA keys are left alone and
// named. The window between the config write and ssh-keygen is short; a sshd
// started in it would log the missing key and start with the others.

import type { FileEdit, Fix, Plan } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { loadSshdConfig } from '../../src/parse/sshd-config';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { thrownMessage } from '../updates/finding';
import { defaultKeyArgs, plainFileProblem, stagePreparer } from './fix-harden';
import { overlaySource } from './harden-edit';
import { reloadPlan } from './harden-reload';
import { addHostKeyLines, hostKeyLines } from './host-key-edit';
import { knownHostsLine, readPublicKeyLine, sshfpRecords } from './host-key-publish';
import { rotatePolicy } from './rotate-policy';
import { day, readRotationRecord, ROTATION_RECORD, ROTATION_SCHEMA, serialiseRotationRecord, type RotationKey, type RotationRecord } from './rotation-record';
import { hostSource, loadServerState, SSHD_CONFIG } from './server-config';
import { inspectHostKeys, type HostKeyFacts } from './server-host-keys';
import { listenAddresses, sshPort } from './server-listen';
import { derelativise } from './server-sshd-t';

export const ROTATE_FIX_ID = 'ssh.rotate-host-keys';
const DAY_MS = 86_400_000;
const KEYGEN_TIMEOUT_MS = 120_000;

interface NewKey {
  path: string;
  type: 'ssh-ed25519' | 'ssh-rsa';
  /** ssh-keygen's -t and -b. */
  keygen: string[];
  bits: number;
}

function stamp(now: Date): string {
  return now.toISOString().slice(0, 10).replace(/-/g, '');
}

export function describeKey(f: HostKeyFacts, now: Date): string {
  const k = f.key;
  const age = f.stat ? `${Math.max(0, Math.floor((now.getTime() - f.stat.mtimeMs) / DAY_MS))} days old` : 'age unknown';
  return `${f.path}: ${k ? `${k.type} ${k.bits ?? '?'} bits ${k.fingerprint ?? '(no fingerprint)'}` : 'type unknown'}, ${age}`;
}

/** A dated name next to the default one that names nothing yet (neither the key nor its .pub). */
async function freshPath(host: Host, base: string, date: string): Promise<string> {
  for (let n = 1; n < 100; n++) {
    const p = n === 1 ? `${base}-${date}` : `${base}-${date}-${n}`;
    const taken = (await host.lstat(p).catch(() => 'err')) !== null || (await host.lstat(`${p}.pub`).catch(() => 'err')) !== null;
    if (!taken) return p;
  }
  throw new Error(`no free name for a new key next to ${base}`);
}

function loadable(f: HostKeyFacts): boolean {
  return !!f.stat && !!f.key && f.unloadable === undefined;
}

/** The new keys' fingerprints, known_hosts lines and SSHFP records (read from their .pub files). */
export async function publishLines(host: Host, paths: readonly string[], port: number): Promise<string[]> {
  const hostname = (await host.facts()).hostname || 'HOSTNAME';
  const out: string[] = [];
  for (const p of paths) {
    const r = await host.read(`${p}.pub`).catch(() => null);
    const key = r?.ok ? readPublicKeyLine(r.text) : null;
    if (!key) {
      out.push(`${p}.pub: cannot be read; see it with ssh-keygen -l -f ${p}.pub`);
      continue;
    }
    out.push(`new host key ${p}: ${key.type} ${key.bits ?? '?'} bits ${key.fingerprint}`);
    out.push(`  known_hosts: ${knownHostsLine(hostname, port, key)}`);
    for (const rr of sshfpRecords(hostname, key)) out.push(`  SSHFP: ${rr}`);
  }
  return out;
}

export const rotateHostKeys: Fix = {
  id: ROTATE_FIX_ID,
  title: 'Rotate the SSH host keys (new keys offered next to the old ones; retire the old ones later)',
  area: 'ssh',
  risk: 'disruptive',
  // Old keys stay until retired, so the strength check may still fail on them; the age check must not error.
  verifies: ['ssh.server.host-key-age'],
  async plan(host, ctx): Promise<Plan> {
    let plan = emptyPlan(rotateHostKeys);
    const state = await loadServerState(host, ctx);
    if (state.kind === 'absent') return refuse(plan, `${state.presence.summary}: no host keys to rotate`);
    if (state.kind === 'broken') return refuse(plan, `sshd cannot use its configuration as it is (${state.summary}); fix that first`);
    const config = state.config;
    if (config.noHostKeys) return refuse(plan, 'sshd can load none of its host keys: fix that first (ssh.server.host-keys says which)');
    const now = ctx.now;

    const { keys, configured } = await inspectHostKeys(host, config);
    for (const f of keys) plan.warnings.push(`current host key ${describeKey(f, now)}`);

    // One rotation at a time: a second one would stack a third key per type.
    const record = await readRotationRecord(host);
    if (record.kind === 'bad') return refuse(plan, `${ROTATION_RECORD} cannot be used (${record.problem}): look at it, remove it if it is stale`);
    const lines = hostKeyLines(config.parsed);
    const configuredPaths = new Set(lines.map((d) => derelativise(d.args[0] ?? '')));
    if (record.kind === 'ok' && record.record.old.some((k) => configuredPaths.has(k.path))) {
      return refuse(plan, `the rotation of ${day(record.record.startedAt)} is still open (its old keys are still offered): retire them first with hardtop fix ssh.retire-host-keys (due after ${day(record.record.retireAfter)})`);
    }

    // 1. Which keys.
    const live = keys.filter(loadable);
    const keepsRsa = live.some((f) => f.key!.type === 'ssh-rsa');
    const date = stamp(now);
    const fresh: NewKey[] = [];
    try {
      fresh.push({ path: await freshPath(host, '/etc/ssh/ssh_host_ed25519_key', date), type: 'ssh-ed25519', keygen: ['-t', 'ed25519'], bits: 256 });
      if (keepsRsa) {
        const bits = rotatePolicy.hostKeys.rsaBits;
        fresh.push({ path: await freshPath(host, '/etc/ssh/ssh_host_rsa_key', date), type: 'ssh-rsa', keygen: ['-t', 'rsa', '-b', String(bits)], bits });
      }
    } catch (err) {
      return refuse(plan, thrownMessage(err));
    }
    const rotated = new Set(fresh.map((k) => k.type));
    const old: RotationKey[] = live.filter((f) => rotated.has(f.key!.type as NewKey['type'])).map((f) => ({ path: f.path, type: f.key!.type, bits: f.key!.bits, fingerprint: f.key!.fingerprint }));
    for (const f of live) {
      if (!rotated.has(f.key!.type as NewKey['type'])) plan.warnings.push(`${f.path} (${f.key!.type}) is not rotated: hardtop makes Ed25519 (and RSA when RSA stays) keys; remove its HostKey line by hand if no client needs it`);
    }
    if (config.parsed.directives.some((d) => d.match === null && d.key === 'hostcertificate')) {
      plan.warnings.push('HostCertificate lines are set: clients that trust your host CA need the new keys signed; sign them with your CA after this step (ssh-keygen -s CA -h …)');
    }

    // 2. The config edit: new HostKey lines after the old ones.
    const source = hostSource(host);
    const parsed = config.parsed;
    const retireAfter = new Date(now.getTime() + rotatePolicy.hostKeys.graceDays * DAY_MS);
    const toWrite = configured ? fresh.map((k) => k.path) : [...keys.filter((f) => f.stat).map((f) => f.path), ...fresh.map((k) => k.path)];
    const text = addHostKeyLines(parsed, toWrite, `${day(now)}: new key${fresh.length > 1 ? 's' : ''} offered after the old one${old.length > 1 ? 's' : ''}; retire the old after ${day(retireAfter)}`);
    if (!text.ok) return refuse(plan, text.reason);
    if (!configured) plan.warnings.push(`no HostKey line was set (sshd loaded its defaults): the defaults in use are written out first (${keys.filter((f) => f.stat).map((f) => f.path).join(', ')}), so they stay loaded`);
    const edits: FileEdit[] = [];
    for (const [path, after] of text.texts) {
      const problem = await plainFileProblem(host, path);
      if (problem) return refuse(plan, problem);
      edits.push({ path, before: parsed.files.find((f) => f.path === path)?.text ?? null, after });
    }
    const rec: RotationRecord = {
      schema: ROTATION_SCHEMA,
      startedAt: now.toISOString(),
      retireAfter: retireAfter.toISOString(),
      graceDays: rotatePolicy.hostKeys.graceDays,
      old,
      new: fresh.map((k) => ({ path: k.path, type: k.type, bits: k.bits, fingerprint: null })),
    };
    edits.push({ path: ROTATION_RECORD, before: record.kind === 'ok' ? record.text : null, after: serialiseRotationRecord(rec), mode: 0o600 });
    plan = { ...plan, edits };

    // 3. Validate the configuration that will be live, with stand-in keys at the new paths.
    const after = await loadSshdConfig(SSHD_CONFIG, overlaySource(source, text.texts));
    const prepare = stagePreparer(after, text.texts);
    plan.validate.push({
      argv: ['sshd', '-t', '-f', `{stage}${SSHD_CONFIG}`, ...(await defaultKeyArgs(host, after))],
      describe: `sshd -t -f ${SSHD_CONFIG} (on a staged copy with the new HostKey lines and stand-in keys of the same type and size)`,
      stage: ['/etc/ssh'],
      timeoutMs: 60_000,
      async prepareStage(h, stage) {
        await prepare?.(h, stage);
        for (const k of fresh) {
          const r = await h.exec('ssh-keygen', ['-q', ...k.keygen, '-N', '', '-C', 'hardtop validation stand-in', '-f', `${stage}${k.path}`], { timeoutMs: KEYGEN_TIMEOUT_MS });
          if (r.exitCode !== 0) throw new Error(`could not make a stand-in ${k.type} key for validation: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.exitCode}`}`);
        }
      },
    });

    // 4. Generate, then reload; 5. undo removes exactly what was generated.
    const hostname = (await host.facts()).hostname || 'localhost';
    for (const k of fresh) {
      plan.commands.push({
        argv: ['ssh-keygen', ...k.keygen, '-N', '', '-C', `root@${hostname}`, '-f', host.realPath(k.path)],
        describe: `generate the new ${k.type === 'ssh-rsa' ? `RSA ${k.bits}` : 'Ed25519'} host key ${k.path} (no passphrase: sshd reads it unattended)`,
        interactive: true,
        timeoutMs: KEYGEN_TIMEOUT_MS,
      });
    }
    const reload = await reloadPlan(host, after);
    plan.commands.push(...reload.commands);
    plan.warnings.push(...reload.notes);
    plan.undoCommands = [
      {
        argv: ['rm', '-f', '--', ...fresh.flatMap((k) => [host.realPath(k.path), host.realPath(`${k.path}.pub`)])],
        describe: `remove the generated key files ${fresh.map((k) => k.path).join(', ')} (and their .pub)`,
      },
    ];

    plan.warnings.push(
      `what happens: sshd keeps offering the old key of each type first (no client sees a change) and, after each login, tells OpenSSH clients every key it has; clients with UpdateHostKeys (on by default since OpenSSH 8.5) add the new key to their known_hosts. ` +
        `Retire the old keys after ${day(retireAfter)} (${rotatePolicy.hostKeys.graceDays} days): hardtop fix ssh.retire-host-keys; the dashboard reminds you`,
    );
    const port = sshPort(listenAddresses(config));
    plan.afterApply = async (h) => [
      ...(await publishLines(h, fresh.map((k) => k.path), port)),
      `sshd offers the old keys first until they are retired; clients with UpdateHostKeys learn the new ones at their next login. Hand the known_hosts lines to clients that do not (PuTTY, managed known_hosts), publish the SSHFP records if you use them, and retire the old keys after ${day(retireAfter)}: hardtop fix ssh.retire-host-keys`,
    ];
    return plan;
  },
};
