// Running a resolved program: argv array, clean environment, own process
// group, bounded in time and output. Never rejects (execStream: except with
// its consumer's own exception). exec and execStream differ only in where
// stdout goes (a StdoutSink): both start the program through runWithSink, so
// the rules below exist once.
//
// Why each piece:
//   - shell: false — arguments often come from config files users influence;
//     a shell would interpret them.
//   - a clean environment built from scratch — our caller's LD_PRELOAD,
//     LD_LIBRARY_PATH, BASH_ENV, IFS, PYTHONPATH … would run their code as root
//     inside every program we start; LC_ALL=C makes outputs parseable.
//   - detached: true (setsid) — the child leads its own process group, so a
//     timeout can kill the grandchildren too (a `sh -c` pipeline, a hung
//     helper), not just the direct child.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { ExecOptions, ExecResult, ExecStreamOptions } from './host';
import { LinePieces } from './line-pieces';
import { trustedSearchPath } from './trusted-program';

export const DEFAULT_EXEC_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Between SIGTERM and SIGKILL: time for a well-behaved program to clean up. */
export const KILL_GRACE_MS = 1_000;
/** After the child exits, how long to wait for a straggler still holding our pipes. */
const DRAIN_AFTER_EXIT_MS = 500;

/**
 * The whole environment a child gets. PATH holds only the trusted system
 * directories that pass the ownership checks (see trustedSearchPath); `dirs`
 * is a test seam.
 */
export function cleanEnvironment(
  extra: Record<string, string> = {},
  dirs?: readonly string[],
): Record<string, string> {
  return { PATH: trustedSearchPath(dirs), LC_ALL: 'C', LANG: 'C', ...extra };
}

/**
 * Process groups of children still running. Each child leads its own group
 * (detached), so our death does not reach them: without this, a hardtop that
 * exits (or crashes) mid-run leaves them running with no timeout at all.
 * A group leaves the registry when its run settles (leader exited, pipes done
 * or given up): after that its pgid may be reused by an unrelated process, so
 * a straggler that outlives its leader on purpose is not ours to kill later.
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * SIGKILL every live child process group, synchronously (usable in 'exit').
 * Installed once as a process 'exit' listener on the first spawn. A death by
 * an unhandled signal emits no 'exit': the CLI should turn SIGTERM/SIGINT/
 * SIGHUP into process.exit() for this to run.
 */
export function killLiveChildren(): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // ESRCH: already gone.
    }
  }
  liveGroups.clear();
}

function registerGroup(pgid: number): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killLiveChildren);
  }
  liveGroups.add(pgid);
}

export interface ResolvedProgram {
  /** Real file executed. */
  path: string;
  /** argv[0] the program sees (its trusted-dir path: multi-call binaries look at the name). */
  invokedAs: string;
}

/**
 * Where a child's stdout goes: collected whole (exec) or handed over as it
 * arrives (execStream). Everything else about a run is the same code.
 */
export interface StdoutSink {
  /** Takes the next bytes; false once no more are wanted (the program is then stopped). */
  add(chunk: Buffer): boolean;
  /** Called once when the run settles; returns ExecResult.stdout. */
  end(): string;
  readonly truncated: boolean;
}

/**
 * Run `program` with `args`, stdout collected (at most maxOutputBytes).
 * `argvForReport` is what ExecResult.argv shows (the caller's bare name and args).
 */
export function runProgram(
  program: ResolvedProgram,
  args: string[],
  argvForReport: string[],
  opts: ExecOptions = {},
): Promise<ExecResult> {
  return runWithSink(program, args, argvForReport, opts, new BoundedCollector(opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES));
}

/**
 * The one way a resolved program is started, whatever happens to its stdout:
 * clean environment, own process group, timeout and abort kill the group,
 * stderr collected within maxOutputBytes (`stderrMaxBytes` when given).
 */
export function runWithSink(
  program: ResolvedProgram,
  args: string[],
  argvForReport: string[],
  opts: ExecOptions,
  out: StdoutSink,
  stderrMaxBytes?: number,
): Promise<ExecResult> {
  const result: ExecResult = {
    program: program.path,
    argv: argvForReport,
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: '',
    timedOut: false,
    truncated: false,
  };
  if (opts.signal?.aborted) {
    return Promise.resolve({ ...result, timedOut: true, spawnError: 'aborted before it started' });
  }

  return new Promise<ExecResult>((resolve) => {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(program.path, args, {
        argv0: program.invokedAs,
        cwd: opts.cwd,
        env: cleanEnvironment(opts.env),
        shell: false,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (err) {
      // Synchronous refusals (e.g. an argument containing a NUL byte).
      resolve({ ...result, spawnError: `could not start ${program.path}: ${(err as Error).message}` });
      return;
    }

    const pgid = child.pid;
    if (pgid !== undefined) registerGroup(pgid);

    const err = new BoundedCollector(stderrMaxBytes ?? opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    let settled = false;
    let terminating = false;
    let drainTimer: NodeJS.Timeout | undefined;

    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig); // negative pid: the whole process group
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const terminate = (): void => {
      if (terminating) return;
      terminating = true;
      killGroup('SIGTERM');
      // Not unref'd: if we are shutting down, stragglers ignoring SIGTERM still get SIGKILL.
      setTimeout(() => {
        if (child.pid !== undefined && groupAlive(child.pid)) killGroup('SIGKILL');
        if (pgid !== undefined) liveGroups.delete(pgid);
      }, KILL_GRACE_MS);
    };

    const timer = setTimeout(() => {
      result.timedOut = true;
      terminate();
    }, timeoutMs);
    const onAbort = (): void => {
      result.timedOut = true;
      terminate();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (extra: Partial<ExecResult> = {}): void => {
      if (settled) return;
      settled = true;
      // A group being terminated stays registered until its SIGKILL step has run.
      if (pgid !== undefined && !terminating) liveGroups.delete(pgid);
      clearTimeout(timer);
      if (drainTimer) clearTimeout(drainTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      const stdout = out.end(); // may hand over a last piece: before the result is out
      resolve({
        ...result,
        stdout,
        stderr: err.end(),
        truncated: result.truncated || out.truncated || err.truncated,
        ...extra,
      });
    };

    const onData = (sink: StdoutSink) => (chunk: Buffer) => {
      if (!sink.add(chunk)) terminate();
    };
    child.stdout.on('data', onData(out));
    child.stderr.on('data', onData(err));
    // A child that exits without reading its input must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();

    child.on('error', (e) => {
      if (child.pid === undefined) finish({ spawnError: `could not start ${program.path}: ${e.message}` });
    });
    child.on('exit', (code, signal) => {
      result.exitCode = code;
      result.signal = signal;
      // A daemonised grandchild may keep our pipes open forever: do not wait for it.
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, DRAIN_AFTER_EXIT_MS);
    });
    child.on('close', (code, signal) => {
      result.exitCode = code;
      result.signal = signal;
      finish();
    });
  });
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Keeps at most `max` bytes; past that it says "stop". */
class BoundedCollector implements StdoutSink {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly max: number) {}

  /** false once the cap is reached (the caller then kills the process). */
  add(chunk: Buffer): boolean {
    if (this.truncated) return false;
    const room = this.max - this.size;
    if (chunk.length > room) {
      this.chunks.push(chunk.subarray(0, room));
      this.size = this.max;
      this.truncated = true;
      return false;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    return true;
  }

  end(): string {
    return Buffer.concat(this.chunks, this.size).toString('utf8');
  }
}

/** execStream's piece size when the caller does not say: a pipe read is 64 KiB anyway. */
export const DEFAULT_STREAM_CHUNK_BYTES = 64 * 1024;

/**
 * Run `program` with `args`, stdout handed to `onText` as it arrives (see
 * line-pieces.ts for how it is cut) instead of collected: the same start,
 * environment, group kill and bounds as runProgram (runWithSink). stderr is
 * still collected, within the smaller of maxOutputBytes and the exec default,
 * so a stream allowed 256 MB of stdout cannot make us hold 256 MB of stderr.
 * Rejects only with what onText threw (the program is stopped first).
 */
export async function runProgramStreaming(
  program: ResolvedProgram,
  args: string[],
  argvForReport: string[],
  onText: (text: string) => void,
  opts: ExecStreamOptions = {},
): Promise<ExecResult> {
  const chunkBytes = opts.chunkBytes ?? DEFAULT_STREAM_CHUNK_BYTES;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    return notStarted(program.path, argvForReport, `chunkBytes must be a positive integer, not ${chunkBytes}`);
  }
  const maxBytes = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const pieces = new LinePieces(chunkBytes, maxBytes, onText);
  const result = await runWithSink(program, args, argvForReport, opts, pieces, Math.min(maxBytes, DEFAULT_MAX_OUTPUT_BYTES));
  if (pieces.failed) throw pieces.error;
  return result;
}

/** The result of a program that was never started (lookup refused, bad options). */
export function notStarted(program: string, argv: string[], spawnError: string): ExecResult {
  return { program, argv, exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, truncated: false, spawnError };
}
