// The core shapes of hardtop (see ../shared/DESIGN.md and REPORT.md).
// Pure data: nothing here touches the machine.

import type { Host } from '../host/host';

export const AREAS = ['updates', 'reboot', 'ssh', 'fail2ban', 'rkhunter', 'tls', 'web'] as const;
export type Area = (typeof AREAS)[number];

export const STATUSES = ['pass', 'warn', 'fail', 'info', 'error', 'skip'] as const;
export type Status = (typeof STATUSES)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Where a finding comes from. Paths are as the host sees them, never prefixed with --root. */
export interface Evidence {
  file?: string;
  line?: number;
  text?: string;
  command?: string;
}

/** One object (vhost, certificate, account, jail …) inside a check that looks at many. */
export interface Item {
  subject: string;
  status: Status;
  summary: string;
  evidence: Evidence[];
  /**
   * The fix that acts on this item alone (remove THIS key, whitelist THIS
   * warning), with its args: the dashboard's detail view offers it on `f`.
   * Not part of the JSON report (report.ts copies known fields only).
   */
  fix?: { id: string; args: Record<string, string> };
}

export interface Finding {
  id: string;
  area: Area;
  title: string;
  status: Status;
  severity: Severity;
  summary: string;
  evidence: Evidence[];
  fixes: string[];
  items?: Item[];
  durationMs?: number;
}

export interface RunContext {
  /** The clock, injected so that checks about time are testable. */
  now: Date;
  /** false under --no-network: no IP socket may be opened, loopback included. */
  network: boolean;
  /** Aborted when the scheduler gives up on the run (timeout, shutdown). */
  signal: AbortSignal;
}

/**
 * A check produces exactly one Finding for its id (REPORT.md: one entry per id).
 * run() must not throw for bad input; the scheduler still guards against it.
 */
export interface Check {
  id: string;
  area: Area;
  title: string;
  severity: Severity;
  run(host: Host, ctx: RunContext): Promise<Finding>;
  /** Host paths whose change should re-run the check (live refresh). */
  watch?: string[];
  /** Seconds between re-runs when nothing is watched (or as a safety net). */
  interval?: number;
  /** Milliseconds before a run is abandoned and reported as an error. */
  timeoutMs?: number;
  /**
   * Known to take long (it runs a slow external tool): started first, so it
   * overlaps the quick checks instead of finishing last.
   */
  slow?: boolean;
}

export type Risk = 'safe' | 'disruptive' | 'lockout-risk';

/** A whole-file replacement. `before` is what the plan saw (null: the file does not exist yet). */
export interface FileEdit {
  path: string;
  before: string | null;
  after: string;
  /** Mode for a new file; an existing file keeps its own mode and owner. */
  mode?: number;
  /**
   * Remove the file (`after` is ignored; `before` must be its current text).
   * The engine keeps its bytes, owner and mode in the backup, so undo puts it
   * back exactly: this is how a fix "moves a file into the backup".
   */
  delete?: true;
  /**
   * The file sits in a user's home (untrusted: SECURITY.md). The engine reads
   * it without following links at or below `home`, and writes, deletes and
   * restores it AS that user (runuser), never as root: whatever the user
   * planted there, root's privileges never reach through it.
   */
  asUser?: FileOwner;
}

/** The account a file in a home is written as. */
export interface FileOwner {
  name: string;
  uid: number;
  /** Host path where the untrusted tree starts (the home, normally). */
  home: string;
}

/** A command as an argv array; never a shell string. argv[0] is a bare program name, resolved by the Host. */
export interface Command {
  argv: string[];
  describe: string;
  /** Run in the embedded terminal (the admin may need to see or answer it). */
  interactive?: boolean;
  timeoutMs?: number;
  /**
   * A reload of the service whose files the plan edits: re-run after a
   * rollback or an undo, so the service runs the restored config again.
   * Never set on installs or other one-way commands.
   */
  reload?: boolean;
  /** Exit codes that mean success besides 0 (rkhunter --check exits 1 when it logged a warning). */
  okExitCodes?: number[];
}

/**
 * A validation runs the service's own checker on a staged copy of the config tree.
 * `stage` lists host directories copied into the staging root (with the edits applied);
 * the token `{stage}` in argv is replaced by the staging root's real path.
 */
export interface Validation extends Command {
  stage: string[];
  /**
   * Optional: adjust the staged copy after the edits are written into it and
   * before the checker runs (real path of the staging root). sshd needs this:
   * its Include and HostKey lines are absolute (/etc/ssh/...) and would make
   * the checker read the LIVE files instead of the staged ones.
   */
  prepareStage?(host: Host, stageRoot: string): Promise<void>;
}

export interface Guard {
  ok: boolean;
  reason: string;
}

export interface Plan {
  fixId: string;
  title: string;
  risk: Risk;
  /**
   * The checks this plan claims to fix, when it differs from its Fix's
   * `verifies` (a plan that deliberately leaves some findings, e.g. Match
   * blocks left alone, claims less; one that leaves none claims more).
   */
  verifies?: string[];
  edits: FileEdit[];
  validate: Validation[];
  /** Run after the new files are in place (reload, restart, install). */
  commands: Command[];
  /**
   * Commands that take back what `commands` did beyond the files (a ban is
   * lifted by an unban, an enabled timer is disabled again). Run by undo, and
   * by a rollback once any command had started. Reloads still come after.
   */
  undoCommands?: Command[];
  warnings: string[];
  guard?: Guard;
  /**
   * Lines for the admin after a successful apply: what only exists once the
   * commands ran (a generated key's fingerprint, its known_hosts line). Reads
   * only; a failure here never undoes the apply.
   */
  afterApply?: (host: Host) => Promise<string[]>;
}

/** A value a fix needs from the admin (which jail, which address, which account). */
export interface FixParam {
  name: string;
  describe: string;
  /** The whole value must match (a first line of defence; plan() still checks meaning). */
  pattern: RegExp;
  /** May be left out; plan() then does the cautious thing (fail2ban.ignore without wide=yes refuses a wide range). */
  optional?: boolean;
}

export type FixArgs = Readonly<Record<string, string>>;

export interface Fix {
  id: string;
  title: string;
  area: Area;
  risk: Risk;
  /** Values plan() needs; the CLI takes them as --arg NAME=VALUE (and --user NAME). */
  params?: FixParam[];
  /** Reads what it needs through the Host; never writes. `args` holds every declared param, checked. */
  plan(host: Host, ctx: RunContext, args?: FixArgs): Promise<Plan>;
  /** Check ids that should pass after the fix (re-run to verify). */
  verifies?: string[];
}

export interface HostFacts {
  hostname: string;
  os: string;
  kernel: string;
  uptimeSeconds: number | null;
  root: string;
}

export interface Report {
  schema: 'hardtop.report/1';
  tool: { name: 'hardtop'; version: string };
  host: { hostname: string; os: string; kernel: string; root: string };
  startedAt: string;
  durationMs: number;
  summary: Record<Status, number> & { score: number };
  checks: Finding[];
}
