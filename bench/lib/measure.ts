// Small measuring tools: medians, wall time of a command, and what /proc
// says about a process (CPU ticks incl. reaped children, RSS, peak RSS).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface CommandResult {
  wallMs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Run a program to completion and time it from spawn to exit. Output is kept
 * (capped) so the caller can tell a real run from a tool that bailed out early.
 */
export function runCommand(file: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<CommandResult> {
  const cap = 4 * 1024 * 1024;
  return new Promise((resolve) => {
    const t0 = nowMs();
    const child = spawn(file, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < cap) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < cap) stderr += d.toString();
    });
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ wallMs: nowMs() - t0, code: null, signal: null, stdout, stderr: stderr + String(err), timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ wallMs: nowMs() - t0, code, signal, stdout, stderr, timedOut });
    });
  });
}

export interface ProcSample {
  /** utime+stime of the process plus cutime+cstime of the children it has reaped, in clock ticks. */
  cpuTicks: number;
  rssKiB: number;
  /** VmHWM: the peak resident set so far. */
  peakRssKiB: number;
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
export const CLOCK_TICKS_PER_SECOND = 100;

export function procSample(pid: number | 'self'): ProcSample | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, so fields[k] is field k+3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = [fields[11], fields[12], fields[13], fields[14]].map(Number);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { cpuTicks: utime + stime + cutime + cstime, rssKiB: kib('VmRSS'), peakRssKiB: kib('VmHWM') };
  } catch {
    return null;
  }
}

/** Absolute path of a program in the system directories, or null. */
export function which(program: string): string | null {
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const p = `${dir}/${program}`;
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}
