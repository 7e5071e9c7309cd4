// `hardtop` (no command): wire the scheduler, the fix engine and the screen
// together. The dashboard itself only renders and calls these actions.

import { Dashboard, type DashboardActions } from '../../screens/dashboard';
import type { Catalog } from '../core/catalog';
import { selectChecks } from '../core/catalog';
import { Scheduler } from '../core/scheduler';
import { AREAS, type Plan } from '../core/types';
import type { Host } from '../host/host';
import { createScreen, installExitHandlers, noColorRequested, restoreTerminal } from '../ui/screen';
import type { Parsed } from './args';
import { confirmPending, pendingStatus } from '../fix/commit-confirmed';
import { applyFix, planFix, undoChange } from './fix-command';
import { openFail2banLive } from '../../checks/fail2ban/live-model';
import { loadServerState } from '../../checks/ssh/server-config';
import { effectiveViewOf } from '../../checks/ssh/effective-view';

export async function runDashboard(host: Host, catalog: Catalog, parsed: Extract<Parsed, { command: 'dashboard' }>): Promise<number> {
  const checks = selectChecks(catalog, parsed.only);
  const scheduler = new Scheduler(checks, host, { network: host.network, live: true });
  const screen = createScreen({ title: 'hardtop' });

  // The plan the admin saw is the plan that is applied: the engine refuses it
  // if a file changed since (stale check), rather than silently re-planning.
  const previewed = new Map<string, Plan>();
  // An apply in flight when a signal or a crash ends the dashboard is aborted
  // and allowed to roll back before the process exits.
  let inFlight: { abort: AbortController; done: Promise<unknown> } | null = null;
  const actions: DashboardActions = {
    async preview(fixId, args) {
      const planned = await planFix(host, catalog, fixId, args);
      if ('error' in planned) return planned;
      previewed.set(fixId, planned.plan);
      return planned.preview;
    },
    paramsOf: (fixId) => catalog.fixes.find((f) => f.id === fixId)?.params ?? [],
    async apply(fixId, runInTerminal) {
      const plan = previewed.get(fixId);
      if (!plan) return { ok: false, message: `no preview of ${fixId}: press f first` };
      previewed.delete(fixId);
      const abort = new AbortController();
      const run = applyFix(
        host,
        plan,
        (cmd) => (cmd.interactive ? runInTerminal(cmd) : host.exec(cmd.argv[0], cmd.argv.slice(1), { timeoutMs: cmd.timeoutMs, signal: abort.signal })),
        abort.signal,
        { catalog },
      );
      inFlight = { abort, done: run };
      try {
        return await run;
      } finally {
        inFlight = null;
      }
    },
    undo: () => undoChange(host, null),
    async pendingConfirm() {
      const p = await pendingStatus(host);
      return p && p.phase !== 'revert-failed' ? { fixId: p.fixId, secondsLeft: p.secondsLeft } : null;
    },
    confirm: () => confirmPending(host),
    // Enter on the SSH panel: sshd's whole effective config, weak items marked.
    async effectiveConfig() {
      const state = await loadServerState(host, { now: host.now(), network: host.network, signal: new AbortController().signal });
      if (state.kind === 'absent') return { error: state.presence.summary };
      if (state.kind === 'broken') return { error: state.summary };
      return effectiveViewOf(state.config);
    },
    async terminalSpawn(cmd) {
      const spec = await host.ptySpawn(cmd.argv[0], cmd.argv.slice(1));
      return spec ?? { error: `${cmd.argv[0]}: not found in the system directories` };
    },
  };

  let quit: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    quit = resolve;
  });
  const dashboard = new Dashboard({
    screen,
    scheduler,
    checks,
    excluded: parsed.only ? AREAS.filter((a) => !parsed.only!.includes(a)) : [],
    facts: host.facts().then((f) => ({ ...f, root: host.root })),
    readOnly: !host.isRoot,
    color: !noColorRequested(process.env),
    actions,
    onQuit: () => quit(0),
    // Started when the fail2ban view opens, stopped when it closes: no tailing or polling otherwise.
    openFail2banLive: parsed.only && !parsed.only.includes('fail2ban') ? undefined : () => openFail2banLive(host),
  });
  const cleanup = async () => {
    const pending = inFlight;
    if (pending) {
      pending.abort.abort('exit');
      await pending.done.catch(() => undefined);
    }
    dashboard.dispose();
    scheduler.dispose();
  };
  // Generous grace: a rollback re-runs reloads before we may exit.
  const handlers = installExitHandlers(screen, cleanup, { graceMs: 20_000 });
  // First frame before any check runs: panels fill in as checks finish.
  dashboard.start();
  scheduler.start();
  const code = await done;
  await cleanup();
  handlers.dispose();
  restoreTerminal(screen);
  return code;
}
