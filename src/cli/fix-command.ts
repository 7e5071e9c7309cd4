// `hardtop fix ID` and `hardtop undo`: the fix engine without the dashboard.
// Shared with the dashboard through planFix / applyFix / undoLatest, so both
// front ends take exactly the same path to the system.

import type { Catalog } from '../core/catalog';
import { checkFixArgs, findFix } from '../core/catalog';
import { sanitizeMultiline, sanitizeText } from '../core/sanitize';
import type { FixArgs, Plan, RunContext } from '../core/types';
import { applyPlan, type ApplyOutcome, READ_ONLY_REASON } from '../fix/engine';
import { applyCommitConfirmed, DEFAULT_CONFIRM_SECONDS, dropPendingIfUndone } from '../fix/commit-confirmed';
import type { CommandRunner } from '../fix/commands';
import { previewPlan, type Preview } from '../fix/preview';
import { undo } from '../fix/undo';
import type { Host } from '../host/host';
import type { Io } from './main';
import type { Parsed } from './args';

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

function context(host: Host): RunContext {
  return { now: host.now(), network: host.network, signal: new AbortController().signal };
}

export async function planFix(host: Host, catalog: Catalog, fixId: string, args: FixArgs = {}): Promise<{ plan: Plan; preview: Preview } | { error: string }> {
  const fix = findFix(catalog, fixId);
  if (!fix) return { error: `unknown fix id '${fixId}'` };
  const bad = checkFixArgs(fix, args);
  if (bad) return { error: bad };
  try {
    const plan = await fix.plan(host, context(host), args);
    return { plan, preview: previewPlan(plan) };
  } catch (err) {
    return { error: `could not plan ${fixId}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export interface ApplyFixOptions {
  /** With it, the fix's `verifies` checks are re-run after the commands; a failing one rolls back. */
  catalog?: Catalog;
  /** Commit-confirmed window for lockout-risk fixes (default 120 s). */
  confirmSeconds?: number | null;
  /** hardtop's entry script for the reverter (default: the script this process runs, when it is bin/hardtop). */
  entryScript?: string;
}

/** The script this process was started as, when it is hardtop's own entry (bin/hardtop). */
export function ownEntryScript(): string | null {
  const script = process.argv[1];
  return script && script.startsWith('/') && /\/hardtop(\.js)?$/.test(script) ? script : null;
}

/** Re-run the checks a fix claims to fix: none may fail or error afterwards. */
function verifierFor(host: Host, catalog: Catalog | undefined, plan: Plan): (() => Promise<{ ok: boolean; summary: string }>) | undefined {
  const ids = catalog ? (plan.verifies ?? findFix(catalog, plan.fixId)?.verifies ?? []) : [];
  if (!catalog || ids.length === 0) return undefined;
  return async () => {
    const bad: string[] = [];
    for (const id of ids) {
      const check = catalog.checks.find((c) => c.id === id);
      if (!check) continue;
      const f = await check.run(host, context(host));
      if (f.status === 'fail' || f.status === 'error') bad.push(`${id} ${f.status}: ${f.summary}`);
    }
    return { ok: bad.length === 0, summary: bad.length ? bad.join('; ') : `${ids.length} checks pass` };
  };
}

function clock(iso: string): string {
  return `${iso.slice(11, 19)} UTC`;
}

export async function applyFix(
  host: Host,
  plan: Plan,
  runCommand?: CommandRunner,
  signal?: AbortSignal,
  opts: ApplyFixOptions = {},
): Promise<{ ok: boolean; message: string; details?: string[] }> {
  // Verify = the checks the fix claims to fix no longer fail (DESIGN.md:
  // apply → verify → journal); a fix that did not work is rolled back.
  const verify = verifierFor(host, opts.catalog, plan);
  let outcome: ApplyOutcome;
  let pendingText = '';
  if (plan.risk === 'lockout-risk') {
    // Never applied without its automatic revert (DESIGN.md, fix engine contract §5).
    const entryScript = opts.entryScript ?? ownEntryScript();
    if (!entryScript) return { ok: false, message: `${plan.fixId} not applied: the automatic revert needs hardtop started as bin/hardtop` };
    const window = opts.confirmSeconds ?? DEFAULT_CONFIRM_SECONDS;
    const r = await applyCommitConfirmed(host, plan, { runCommand, signal, verify, windowSeconds: window, entryScript });
    outcome = r.outcome;
    if (r.pending) {
      const rootArg = host.root === '/' ? '' : ` --root ${host.root}`;
      pendingText =
        `; CONFIRM within ${window} s: open a NEW ssh login and run \`hardtop confirm${rootArg}\`, ` +
        `or it reverts by itself at ${clock(r.pending.deadline)} (${r.notes.join('; ')})`;
    }
  } else {
    outcome = await applyPlan(host, plan, { runCommand, signal, verify });
  }
  if (outcome.ok) {
    const warn = outcome.warnings.length ? ` (${outcome.warnings.join('; ')})` : '';
    // What only exists now (a generated key's fingerprint): shown, never fatal.
    const details = plan.afterApply ? await plan.afterApply(host).catch((err) => [`(could not describe the result: ${err instanceof Error ? err.message : String(err)})`]) : [];
    return { ok: true, message: `applied ${plan.fixId} as ${outcome.journalId}: ${outcome.changed.join(', ') || 'no file changed'}${warn}${pendingText}`, details };
  }
  const rolled = outcome.stage === 'refused' || outcome.stage === 'stale' ? '' : outcome.rolledBack ? ' (rolled back, nothing changed)' : ' (NOT rolled back: see the message)';
  return { ok: false, message: `${plan.fixId} failed at ${outcome.stage}: ${outcome.message}${rolled}` };
}

/**
 * Undo the latest (or named) change: files are restored by the engine; then
 * the fix's undo commands take back what its commands did (an unban, a
 * timer disabled again), and its reloads make services load the restored config.
 */
export async function undoChange(host: Host, journalId: string | null): Promise<{ ok: boolean; message: string }> {
  const outcome = await undo(host, journalId ? { journalId } : {});
  if (!outcome.ok) return { ok: false, message: outcome.message };
  // Undoing a change that waits for confirmation leaves nothing to confirm or revert.
  await dropPendingIfUndone(host, outcome.of).catch(() => false);
  const failures: string[] = [];
  for (const argv of [...outcome.undoCommands, ...outcome.commands]) {
    const r = await host.exec(argv[0], argv.slice(1));
    if (r.exitCode !== 0) failures.push(`${argv.join(' ')} exited ${r.exitCode ?? r.signal ?? r.spawnError}`);
  }
  const tail = failures.length ? `; after restoring: ${failures.join('; ')}` : '';
  return { ok: failures.length === 0, message: `${outcome.message}${tail}` };
}

export function previewText(p: Preview, color: boolean): string {
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out: string[] = [`${sanitizeText(p.title)} [${p.fixId}] — risk: ${p.risk}`];
  if (p.guard && !p.guard.ok) out.push(paint('31', `refused: ${sanitizeText(p.guard.reason)}`));
  for (const w of p.warnings) out.push(paint('33', `warning: ${sanitizeText(w)}`));
  for (const diff of p.diffs) {
    for (const line of sanitizeMultiline(diff).split('\n')) {
      out.push(line.startsWith('+') && !line.startsWith('+++') ? paint('32', line) : line.startsWith('-') && !line.startsWith('---') ? paint('31', line) : line);
    }
  }
  if (p.commands.length) {
    out.push('commands:');
    for (const c of p.commands) out.push(`  $ ${sanitizeText(c)}`);
  }
  return out.join('\n');
}

export async function runFixCommand(host: Host, catalog: Catalog, parsed: Extract<Parsed, { command: 'fix' }>, io: Io): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`hardtop: ${sanitizeText(message)}\n`);
    return 2;
  };
  if (!findFix(catalog, parsed.fixId)) return fail(`unknown fix id '${parsed.fixId}'`);
  if (!host.isRoot && !parsed.dryRun) return fail(READ_ONLY_REASON);
  // --user NAME is the account param of the fixes that act on one account.
  const args = parsed.user !== null ? { ...parsed.args, user: parsed.user } : parsed.args;
  const fix = findFix(catalog, parsed.fixId)!;
  const bad = checkFixArgs(fix, args);
  if (bad) return fail(bad);
  const planned = await planFix(host, catalog, parsed.fixId, args);
  if ('error' in planned) return fail(planned.error);
  io.stdout.write(`${previewText(planned.preview, !!io.stdout.isTTY && !process.env.NO_COLOR)}\n`);
  if (parsed.dryRun) return 0;
  if (planned.plan.guard && !planned.plan.guard.ok) return fail(`refused: ${planned.plan.guard.reason}`);
  if (!parsed.yes) {
    if (!io.stdinIsTTY) return fail('not applying without --yes (standard input is not a terminal)');
    if (!(await askYesNo(io, 'Apply this change? [y/N] '))) {
      io.stdout.write('nothing changed\n');
      return 0;
    }
  }
  // A signal while the change is in flight (the SSH session drops, Ctrl-C)
  // must roll it back, not leave the new config live: hold the signals, abort
  // the apply, let it restore, then exit as the signal asks.
  const abort = new AbortController();
  let caught: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    caught ??= sig;
    abort.abort(sig);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of signals) process.on(sig, onSignal);
  let result: { ok: boolean; message: string; details?: string[] };
  try {
    // Interactive commands (a passphrase, apt's progress) get the admin's own
    // terminal when there is one; without one they run captured, as scripts expect.
    const onTerminal: CommandRunner | undefined = io.stdinIsTTY
      ? (cmd) => (cmd.interactive ? host.execOnTerminal(cmd.argv[0], cmd.argv.slice(1)) : host.exec(cmd.argv[0], cmd.argv.slice(1), { timeoutMs: cmd.timeoutMs, signal: abort.signal }))
      : undefined;
    result = await applyFix(host, planned.plan, onTerminal, abort.signal, { catalog, confirmSeconds: parsed.confirmSeconds });
  } finally {
    for (const sig of signals) process.removeListener(sig, onSignal);
  }
  (result.ok ? io.stdout : io.stderr).write(`${result.ok ? '' : 'hardtop: '}${sanitizeText(result.message)}\n`);
  for (const line of result.details ?? []) io.stdout.write(`${sanitizeText(line)}\n`);
  if (caught) return 128 + SIGNAL_NUMBERS[caught as keyof typeof SIGNAL_NUMBERS];
  return result.ok ? 0 : 1;
}

export async function runUndoCommand(host: Host, parsed: Extract<Parsed, { command: 'undo' }>, io: Io): Promise<number> {
  if (!host.isRoot) {
    io.stderr.write(`hardtop: ${READ_ONLY_REASON}\n`);
    return 2;
  }
  const result = await undoChange(host, parsed.journalId);
  (result.ok ? io.stdout : io.stderr).write(`${result.ok ? '' : 'hardtop: '}${sanitizeText(result.message)}\n`);
  return result.ok ? 0 : 1;
}

async function askYesNo(io: Io, question: string): Promise<boolean> {
  io.stdout.write(question);
  const answer = await new Promise<string>((resolve) => {
    process.stdin.setEncoding('utf8');
    process.stdin.once('data', (d) => resolve(String(d)));
    process.stdin.once('end', () => resolve('')); // Ctrl-D: a no, said plainly below
    process.stdin.resume();
  });
  process.stdin.pause();
  return /^y(es)?$/i.test(answer.trim());
}
