// The composition root: parse argv, build the Host, run one command, return
// its exit code. Every error a user can cause is one line on stderr, exit 2.

import { catalog } from '../../checks/index';
import { exitCodeFor } from '../core/score';
import { formatJson, formatProm, formatText } from '../core/report';
import { sanitizeText } from '../core/sanitize';
import { VERSION } from '../core/version';
import type { Host } from '../host/host';
import { createLocalHost } from '../host/local-host';
import { HELP, type Parsed, UsageError, parseArgs } from './args';
import { runConfirmCommand, runRevertPendingCommand, startupRecovery } from './confirm-command';
import { runFixCommand, runUndoCommand } from './fix-command';
import { runReport } from './run-report';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  stdinIsTTY: boolean;
}

const defaultIo: Io = { stdout: process.stdout, stderr: process.stderr, stdinIsTTY: !!process.stdin.isTTY };

export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return usage(io, err.message);
    throw err;
  }
  if (parsed.command === 'help') {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (parsed.command === 'version') {
    io.stdout.write(`hardtop ${VERSION}\n`);
    return 0;
  }
  if (parsed.command === 'fleet') {
    // Loaded lazily, like the dashboard; it reads report files, not this system.
    const { runFleetCommand } = require('./fleet-command') as typeof import('./fleet-command');
    return runFleetCommand(parsed, io);
  }

  const host = createLocalHost({ root: parsed.root, network: parsed.network });
  const rootStat = await host.stat('/');
  if (!rootStat || rootStat.kind !== 'dir') return usage(io, `--root ${parsed.root}: no such directory`);
  // A commit-confirmed change left pending by a reboot (or a reverter that
  // died) is reverted by whichever hardtop runs next.
  if (parsed.command !== 'revert-pending') await startupRecovery(host, io);

  switch (parsed.command) {
    case 'check':
      return runCheckCommand(host, parsed, io);
    case 'fix':
      return runFixCommand(host, catalog, parsed, io);
    case 'undo':
      return runUndoCommand(host, parsed, io);
    case 'confirm':
      return runConfirmCommand(host, parsed, io);
    case 'revert-pending':
      return runRevertPendingCommand(host, parsed, io);
    case 'export': {
      // Loaded lazily, like the dashboard: only export needs the playbook writer.
      const { runExportCommand } = require('./export-command') as typeof import('./export-command');
      return runExportCommand(host, catalog, parsed, io);
    }
    case 'dashboard': {
      // Loaded lazily: `hardtop check` should not pay for blessed.
      const { runDashboard } = require('./dashboard-command') as typeof import('./dashboard-command');
      return runDashboard(host, catalog, parsed);
    }
  }
}

export function usage(io: Pick<Io, 'stderr'>, message: string): number {
  io.stderr.write(`hardtop: ${sanitizeText(message)}\n`);
  return 2;
}

async function runCheckCommand(host: Host, parsed: Extract<Parsed, { command: 'check' }>, io: Io): Promise<number> {
  const report = await runReport(host, catalog, parsed.only);
  const format = parsed.format ?? (parsed.output === null && io.stdout.isTTY ? 'text' : 'json');
  const color = format === 'text' && parsed.output === null && !!io.stdout.isTTY && !process.env.NO_COLOR;
  const text = format === 'json' ? formatJson(report) : format === 'prom' ? formatProm(report) : formatText(report, { color });
  if (parsed.output !== null) {
    try {
      await host.writeOutputFile(parsed.output, text);
    } catch (err) {
      return usage(io, `--output ${parsed.output}: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else {
    io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
  return exitCodeFor(report.checks);
}

/** Entry point for bin/hardtop: exit code 3 for anything unexpected, never a stack trace on screen. */
export function run(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`hardtop: internal error: ${sanitizeText(err instanceof Error ? err.message : String(err))}\n`);
      process.exitCode = 3;
    },
  );
}
