// reboot.schedule: reboot the machine now, or at a time the admin picks
// (--arg at=HH:MM, this machine's local time, or at=now), with `shutdown -r`.
// A scheduled reboot is handed to systemd-logind, which warns logged-in users
// (wall, /run/nologin five minutes before) and keeps it in
// /run/systemd/shutdown/scheduled; `hardtop undo` runs `shutdown -c`, which
// cancels it. A reboot "now" cannot be undone.
//
// Why the guards (systemd 252's systemctl, halt_main() in
// src/systemctl/systemctl-compat-halt.c): when logind cannot schedule the
// reboot for any reason other than EACCES/EOPNOTSUPP/EINPROGRESS (logind not
// running, the bus down), systemctl falls back to starting reboot.target AT
// ONCE. So a timed reboot is only planned where systemd is PID 1 and logind is
// available (/run/systemd/seats, the directory logind's own source says to
// test for), and the warnings say what happens if it still fails.
//
// Never under --root: a sysroot does not reboot; shutdown would reboot the
// machine hardtop runs on. And nothing is verified after the command: the
// reboot is still pending afterwards by design (reboot.required keeps failing
// until it happens), so a verify would only roll the schedule back.

import type { Fix, FixArgs, Plan } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { systemdIsPid1 } from './fix-restart-services';

/** Where logind keeps a scheduled shutdown (USEC=, MODE=). */
export const SCHEDULED_SHUTDOWN = '/run/systemd/shutdown/scheduled';
/** logind creates it at start-up; its source names it as the test for "logind is available". */
export const LOGIND_SEATS = '/run/systemd/seats';

/** "now", or a 24-hour "HH:MM" as shutdown(8) takes it. */
export const REBOOT_AT = /now|([01]\d|2[0-3]):[0-5]\d/;

/** An already scheduled shutdown, as logind wrote it, or null. */
export async function scheduledShutdown(host: Host): Promise<{ mode: string; at: Date | null } | null> {
  const r = await host.read(SCHEDULED_SHUTDOWN, { maxBytes: 4096 }).catch(() => null);
  if (!r || !r.ok) return null;
  const mode = /^MODE=(.*)$/m.exec(r.text)?.[1]?.trim() ?? 'shutdown';
  const usec = /^USEC=(\d+)$/m.exec(r.text)?.[1];
  const at = usec ? new Date(Number(BigInt(usec) / 1000n)) : null;
  return { mode, at: at && !Number.isNaN(at.getTime()) ? at : null };
}

export const scheduleReboot: Fix = {
  id: 'reboot.schedule',
  title: 'Reboot the machine (now, or at a time you pick)',
  area: 'reboot',
  risk: 'disruptive',
  params: [{ name: 'at', describe: 'the time to reboot, HH:MM (24 h, this machine\'s local time), or now', pattern: REBOOT_AT }],
  // No `verifies`: right after scheduling, the reboot is still pending (see above).
  async plan(host, _ctx, args?: FixArgs): Promise<Plan> {
    const at = args?.at ?? '';
    const plan = emptyPlan(scheduleReboot);
    const now = at === 'now';
    const whenText = now ? 'NOW' : `at ${at} (this machine's local time)`;
    plan.commands = [
      {
        argv: ['shutdown', '-r', at],
        describe: now ? 'reboot now' : `schedule a reboot at ${at} with systemd-logind (shutdown -c cancels it)`,
        timeoutMs: 30_000,
      },
    ];
    if (!now) plan.undoCommands = [{ argv: ['shutdown', '-c'], describe: `cancel the reboot scheduled for ${at}` }];
    plan.warnings.push(
      `THE MACHINE WILL REBOOT ${whenText}: every service stops and every SSH session, this one included, is cut until it is back up` +
        (now ? '; there is no undo' : `; until then \`hardtop undo\` (or shutdown -c) cancels it`),
    );

    if (!new RegExp(`^(?:${REBOOT_AT.source})$`).test(at)) return refuse(plan, `--arg at must be HH:MM (24 h) or now, not '${at}'`);
    if (host.root !== '/') return refuse(plan, `not under --root: a sysroot (${host.root}) does not reboot; shutdown would reboot the machine hardtop runs on`);
    if (!(await systemdIsPid1(host))) return refuse(plan, 'systemd is not PID 1 here: hardtop reboots only through systemd-logind; reboot by hand if you must');
    const seats = await host.stat(LOGIND_SEATS);
    if (!now && (!seats || seats.kind !== 'dir')) {
      return refuse(plan, `systemd-logind is not running (no ${LOGIND_SEATS}): shutdown could not schedule the reboot and would reboot at once instead`);
    }
    if (!now) plan.warnings.push('if systemd-logind refuses to schedule it, systemd\'s shutdown falls back to rebooting at once');
    const pending = await scheduledShutdown(host);
    if (pending) plan.warnings.push(`a ${pending.mode} is already scheduled${pending.at ? ` for ${pending.at.toISOString()}` : ''} (${SCHEDULED_SHUTDOWN}): this replaces it`);
    return plan;
  },
};
