// Starting and stopping the process that reverts an unconfirmed change. It
// must run even if hardtop, its terminal and the SSH session all die:
//
// - where systemd is PID 1: a transient timer in the SYSTEM manager
//   (`systemd-run --on-active=Ns --unit hardtop-revert-ID node hardtop
//   revert-pending …`): outside the admin's login session, so logind's
//   KillUserProcesses cannot reach it, and visible in `systemctl list-timers`;
// - elsewhere (containers, SysV, or when systemd-run fails): a detached child
//   in its own session (Host.spawnDetached) that waits for the deadline.
//
// Both run the same hidden command, `hardtop revert-pending --root R --token
// T`, which re-reads the pending record and waits until its deadline (the
// deadline moves to "reload + window" once the apply finished).
// "systemd is PID 1" is judged from the root's /run/systemd/system (sd_booted),
// so a test sysroot never creates units in the machine's systemd.

import type { Host } from '../host/host';
import type { Reverter } from './confirm-record';

export interface ReverterSpec {
  /** Absolute path of hardtop's entry script (bin/hardtop). */
  entryScript: string;
  token: string;
  journalId: string;
  windowSeconds: number;
}

export function reverterArgs(host: Host, spec: ReverterSpec): string[] {
  return [spec.entryScript, 'revert-pending', '--root', host.root, '--token', spec.token];
}

export function unitName(journalId: string): string {
  return `hardtop-revert-${journalId}`;
}

export type StartedReverter = { ok: true; reverter: Reverter; how: string; notes: string[] } | { ok: false; reason: string };

export async function startReverter(host: Host, spec: ReverterSpec): Promise<StartedReverter> {
  const notes: string[] = [];
  if (!spec.entryScript.startsWith('/')) return { ok: false, reason: `the reverter needs an absolute path to hardtop, not ${spec.entryScript}` };
  const systemd = (await host.stat('/run/systemd/system').catch(() => null))?.kind === 'dir';
  if (systemd) {
    const node = await host.which('node');
    if (node === null) notes.push('systemd-run not used: no trusted node in the system directories');
    else {
      const unit = unitName(spec.journalId);
      const r = await host.exec(
        'systemd-run',
        [
          '--unit', unit,
          '--description', `hardtop: revert ${spec.journalId} unless confirmed`,
          `--on-active=${spec.windowSeconds}s`,
          '--timer-property=AccuracySec=1s',
          '--collect',
          '--quiet',
          node,
          ...reverterArgs(host, spec),
        ],
        { timeoutMs: 20_000 },
      );
      if (r.exitCode === 0) return { ok: true, reverter: { kind: 'systemd', unit }, how: `systemd timer ${unit}.timer`, notes };
      notes.push(`systemd-run failed (${(r.stderr.trim().split('\n')[0] || r.spawnError) ?? `exit ${r.exitCode}`}): using a detached process instead`);
    }
  }
  const d = await host.spawnDetached('node', reverterArgs(host, spec));
  if (!d.ok) return { ok: false, reason: d.reason };
  return { ok: true, reverter: { kind: 'process', pid: d.pid }, how: `detached process ${d.pid}`, notes };
}

/**
 * Stand the reverter down (after a confirm, or a cancelled apply). Best
 * effort: a reverter that is not stopped finds no record (or another token)
 * when it wakes and exits without doing anything.
 */
export async function stopReverter(host: Host, reverter: Reverter | null, token: string): Promise<void> {
  if (reverter?.kind === 'systemd') {
    await host.exec('systemctl', ['stop', `${reverter.unit}.timer`, `${reverter.unit}.service`], { timeoutMs: 20_000 }).catch(() => undefined);
    return;
  }
  // Matched by its command line, token included: a recycled pid is never hit.
  await host.exec('pkill', ['--signal', 'TERM', '-f', `revert-pending .*--token ${token}`], { timeoutMs: 10_000 }).catch(() => undefined);
}
