// Command-line parsing (REPORT.md is the contract). Pure: argv in, a parsed
// command or a one-line usage error out.

import { AREAS, type Area } from '../core/types';

export type Format = 'text' | 'json' | 'prom';

export interface CommonOptions {
  root: string;
  only: Area[] | null;
  network: boolean;
}

export type Parsed =
  | { command: 'help' }
  | { command: 'version' }
  | { command: 'fleet'; dir: string }
  | ({ command: 'dashboard' } & CommonOptions)
  | ({ command: 'check'; format: Format | null; output: string | null } & CommonOptions)
  | ({ command: 'fix'; fixId: string; dryRun: boolean; yes: boolean; user: string | null; confirmSeconds: number | null; args: Record<string, string> } & CommonOptions)
  | ({ command: 'undo'; journalId: string | null } & CommonOptions)
  | ({ command: 'confirm'; force: boolean } & CommonOptions)
  /** `export ansible`: the fixes this host needs, as a playbook written under `out`. */
  | ({ command: 'export'; format: ExportFormat; out: string } & CommonOptions)
  /** Hidden: the commit-confirmed reverter (started by hardtop itself, not documented in --help). */
  | ({ command: 'revert-pending'; token: string } & CommonOptions);

export class UsageError extends Error {}

export const EXPORT_FORMATS = ['ansible'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** Where `export` writes when --out is not given (relative to the working directory). */
export const DEFAULT_EXPORT_OUT = 'hardtop-ansible';

const COMMANDS = ['check', 'fix', 'undo', 'confirm', 'export', 'fleet', 'revert-pending'] as const;
const NOT_BUILT_YET = new Set<string>();

/** The commit-confirmed window a test or an admin may choose (DESIGN.md: default 120 s). */
export const CONFIRM_SECONDS_RANGE = { min: 2, max: 3600 } as const;

/** Which flags take a value, and which commands accept them. */
const FLAGS: Record<string, { value: boolean; commands: readonly string[] }> = {
  '--root': { value: true, commands: ['dashboard', 'check', 'fix', 'undo', 'confirm', 'revert-pending', 'export'] },
  '--only': { value: true, commands: ['dashboard', 'check', 'export'] },
  '--no-network': { value: false, commands: ['dashboard', 'check', 'fix', 'undo', 'export'] },
  '--out': { value: true, commands: ['export'] },
  '--format': { value: true, commands: ['check'] },
  '--output': { value: true, commands: ['check'] },
  '--dry-run': { value: false, commands: ['fix'] },
  '--yes': { value: false, commands: ['fix'] },
  '--user': { value: true, commands: ['fix'] },
  '--arg': { value: true, commands: ['fix'] },
  '--confirm-seconds': { value: true, commands: ['fix'] },
  '--force': { value: false, commands: ['confirm'] },
  '--token': { value: true, commands: ['revert-pending'] },
  '--help': { value: false, commands: ['fleet', 'dashboard', 'check', 'fix', 'undo', 'confirm', 'export'] },
  '--version': { value: false, commands: ['dashboard'] },
};

export function parseArgs(argv: readonly string[]): Parsed {
  const args = [...argv];
  let command = 'dashboard';
  if (args[0] && !args[0].startsWith('-')) {
    command = args.shift()!;
    if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command '${command}' (try --help)`);
    if (NOT_BUILT_YET.has(command)) throw new UsageError(`'${command}' is not available in this version yet`);
  }
  const flags = new Map<string, string | true>();
  const fixArgs: Record<string, string> = {};
  const positionals: string[] = [];
  while (args.length) {
    const arg = args.shift()!;
    if (arg === '--') {
      positionals.push(...args.splice(0));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = FLAGS[name];
    if (!spec) throw new UsageError(`unknown option '${name}' (try --help)`);
    if (!spec.commands.includes(command)) throw new UsageError(`option '${name}' does not apply to '${command}'`);
    if (spec.value) {
      const value = eq > 0 ? arg.slice(eq + 1) : args.shift();
      if (value === undefined || value === '') throw new UsageError(`option '${name}' needs a value`);
      if (name === '--arg') {
        // Repeatable: --arg jail=sshd --arg address=192.0.2.7
        const m = /^([a-z][a-z0-9-]*)=(.+)$/.exec(value);
        if (!m) throw new UsageError(`--arg takes NAME=VALUE, not '${value}'`);
        if (m[1] in fixArgs) throw new UsageError(`--arg ${m[1]} given twice`);
        fixArgs[m[1]] = m[2];
      }
      flags.set(name, value);
    } else {
      if (eq > 0) throw new UsageError(`option '${name}' takes no value`);
      flags.set(name, true);
    }
  }
  if (flags.has('--help')) return { command: 'help' };
  if (flags.has('--version')) return { command: 'version' };

  const common: CommonOptions = {
    root: (flags.get('--root') as string | undefined) ?? '/',
    only: parseOnly(flags.get('--only') as string | undefined),
    network: !flags.has('--no-network'),
  };
  const str = (name: string) => (flags.get(name) as string | undefined) ?? null;

  switch (command) {
    case 'dashboard':
      expectPositionals(command, positionals, 0);
      return { command, ...common };
    case 'check': {
      expectPositionals(command, positionals, 0);
      const format = str('--format');
      if (format !== null && format !== 'text' && format !== 'json' && format !== 'prom') {
        throw new UsageError(`--format must be text, json or prom, not '${format}'`);
      }
      return { command, ...common, format, output: str('--output') };
    }
    case 'fix': {
      if (positionals.length === 0) throw new UsageError("'fix' needs a fix id (hardtop fix ID)");
      expectPositionals(command, positionals, 1);
      if (flags.has('--dry-run') && flags.has('--yes')) throw new UsageError('--dry-run and --yes contradict each other');
      return {
        command,
        ...common,
        fixId: positionals[0],
        dryRun: flags.has('--dry-run'),
        yes: flags.has('--yes'),
        user: str('--user'),
        confirmSeconds: parseConfirmSeconds(str('--confirm-seconds')),
        args: fixArgs,
      };
    }
    case 'confirm':
      expectPositionals(command, positionals, 0);
      return { command, ...common, force: flags.has('--force') };
    case 'revert-pending': {
      expectPositionals(command, positionals, 0);
      const token = str('--token');
      if (token === null || !/^[0-9a-f]{32}$/.test(token)) throw new UsageError('revert-pending needs --token (it is started by hardtop itself)');
      return { command, ...common, token };
    }
    case 'fleet':
      if (positionals.length === 0) throw new UsageError("'fleet' needs a directory of reports (hardtop fleet DIR)");
      expectPositionals(command, positionals, 1);
      return { command, dir: positionals[0] };
    case 'export': {
      if (positionals.length === 0) throw new UsageError(`'export' needs a format (hardtop export ${EXPORT_FORMATS.join('|')} [--out DIR])`);
      expectPositionals(command, positionals, 1);
      const format = positionals[0];
      if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
        throw new UsageError(`export format '${format}' is not available in this version yet (formats: ${EXPORT_FORMATS.join(', ')})`);
      }
      return { command, ...common, format: format as ExportFormat, out: str('--out') ?? DEFAULT_EXPORT_OUT };
    }
    case 'undo':
      expectPositionals(command, positionals, 1);
      return { command, ...common, journalId: positionals[0] ?? null };
  }
  throw new UsageError(`unknown command '${command}'`);
}

function parseConfirmSeconds(value: string | null): number | null {
  if (value === null) return null;
  const n = Number(value);
  const { min, max } = CONFIRM_SECONDS_RANGE;
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`--confirm-seconds must be a whole number of seconds from ${min} to ${max}, not '${value}'`);
  return n;
}

function expectPositionals(command: string, positionals: string[], max: number): void {
  if (positionals.length > max) throw new UsageError(`unexpected argument '${positionals[max]}' for '${command}'`);
}

function parseOnly(value: string | undefined): Area[] | null {
  if (value === undefined) return null;
  const areas = value.split(',').map((a) => a.trim()).filter(Boolean);
  for (const a of areas) {
    if (!(AREAS as readonly string[]).includes(a)) throw new UsageError(`unknown area '${a}' (areas: ${AREAS.join(', ')})`);
  }
  if (areas.length === 0) throw new UsageError('--only needs at least one area');
  return areas as Area[];
}

export const HELP = `hardtop — htop for hardening: a live dashboard of this server's security, with safe fixes

Usage:
  hardtop [options]                    the dashboard (default)
  hardtop check [options]              run every check once, print a report, exit
  hardtop fix ID [--dry-run] [--yes]   preview, then apply one fix without the dashboard
  hardtop undo [JOURNAL-ID]            revert the latest (or the named) applied change
  hardtop fleet DIR                    a dashboard over reports collected from many hosts
  hardtop export ansible [--out DIR]   write the fixes this host needs as an Ansible playbook and role
  hardtop confirm [--force]            keep a commit-confirmed change (run it from a NEW ssh login)
  hardtop --help | --version

Options:
  --root DIR          treat DIR as the system root (every path read or written is under it)
  --only AREA[,AREA]  only these areas: ${AREAS.join(', ')}
  --no-network        open no IP socket (loopback included)
  --format FMT        check: text, json or prom (default: text on a terminal, json otherwise)
  --output FILE       check: write the report to FILE instead of stdout
  --out DIR           export: the directory for site.yml and roles/ (default ./${DEFAULT_EXPORT_OUT}; ours, 0700)
  --arg NAME=VALUE    fix: a value the fix needs (e.g. --arg jail=sshd --arg address=192.0.2.7)
  --user NAME         fix: the account a fix acts on (the same as --arg user=NAME)
  --dry-run           fix: show the preview only
  --yes               fix: apply without asking
  --confirm-seconds N fix: seconds to confirm a lockout-risk change before it reverts (default 120)
  --force             confirm: keep the change without proof of a new ssh login (never from the applying one)

Exit codes of check: 0 nothing failed, 1 a check failed, 2 usage error, 3 internal error.
Run as root to apply fixes; as anyone else hardtop is read-only.`;
