// Running a plan's commands: through the caller's runner (interactive commands
// go to the embedded terminal) or, by default, through host.exec.

import type { Host } from '../host/host';
import type { Command } from '../core/types';
import { sanitizeText } from '../core/sanitize';
import { displayCommand } from './preview';
import { errorText } from './state';

export type CommandRunner = (command: Command) => Promise<{ exitCode: number | null }>;

function ok(command: Command, exitCode: number): boolean {
  return exitCode === 0 || (command.okExitCodes ?? []).includes(exitCode);
}

/** null when the command succeeded, else one line saying how it failed. */
export async function runPlanCommand(host: Host, command: Command, runner?: CommandRunner, signal?: AbortSignal): Promise<string | null> {
  const shown = `\`${displayCommand(command)}\``;
  if (command.argv.length === 0) return `${command.describe}: empty command`;
  try {
    if (runner) {
      const { exitCode } = await runner(command);
      return exitCode !== null && ok(command, exitCode) ? null : `command ${shown} failed (${exitCode === null ? 'killed' : `exit ${exitCode}`})`;
    }
    const result = await host.exec(command.argv[0], command.argv.slice(1), { timeoutMs: command.timeoutMs, signal });
    if (result.spawnError) return `command ${shown} could not run: ${sanitizeText(result.spawnError)}`;
    if (result.timedOut) return `command ${shown} timed out`;
    if (result.exitCode !== null && ok(command, result.exitCode)) return null;
    const how = result.exitCode === null ? `killed by ${result.signal ?? 'a signal'}` : `exit ${result.exitCode}`;
    const line = result.stderr.split('\n').find((l) => l.trim() !== '');
    return `command ${shown} failed (${how})${line ? `: ${sanitizeText(line.trim()).slice(0, 300)}` : ''}`;
  } catch (err) {
    return `command ${shown} could not run: ${sanitizeText(errorText(err))}`;
  }
}
