// The real Host: this machine (or a sysroot under --root), as hardtop sees it.
//
// This module and its helpers in src/host are the only code allowed to touch
// fs, child_process and os. hardtop runs as root and reads files users
// control, so this is a security boundary; each rule lives in the helper
// named after it:
//   rooted-resolve   host path → real path, links followed chroot-like under --root
//   safe-read        bounded, non-blocking, symlink-refusing reads
//   tail             following a growing log in bounded pieces (rotation, truncation)
//   glob             sshd/nginx include globbing
//   trusted-program  which binary a bare name means (root-owned system dirs only)
//   run-program      argv-only, clean-env, process-group-killed execution
//   line-pieces      execStream: stdout cut into whole-line UTF-8 pieces as it arrives
//   atomic-write     crash-safe replacement keeping owner and mode
//   output-file      --output reports: replace the name, never follow it, ours and 0644
//   private-state    0700 state dir, 0600 append-only files
//   staging          temp trees for validating configs, fenced to the state dir
//   file-watch       debounced (with a max wait) change notification
//   host-facts       hostname, OS, kernel, uptime
//   ssh-session      the admin's SSH_CONNECTION, from an ancestor when sudo dropped ours

import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExecOptions, ExecResult, ExecStreamOptions, FileStat, Host, ReadOptions, ReadResult, TailChunk, TailOptions, WriteOptions } from './host';
import { httpGet } from './http-probe';
import type {
  HttpGetOptions,
  HttpGetResult,
  HttpTarget,
  ProbeOptions,
  ProbeTarget,
  TlsAcceptResult,
  TlsHandshakeOptions,
  TlsHandshakeResult,
  TlsOffer,
} from './probe-types';
import { tlsAccepts, tlsHandshake } from './tls-probe';
import { HostError } from './host';
import { writeAtomic } from './atomic-write';
import { errnoOf, toFileStat } from './file-stat';
import { watchPaths } from './file-watch';
import { writeOutputFile } from './output-file';
import { expandGlob, compareNames } from './glob';
import { gatherFacts } from './host-facts';
import { displayPath, normaliseHostPath } from './host-paths';
import { appendPrivate, ensurePrivateDir, removeHostPath } from './private-state';
import { createResolver, type PathResolver } from './rooted-resolve';
import { cleanEnvironment, notStarted, runProgram, runProgramStreaming, type ResolvedProgram } from './run-program';
import { readBounded } from './safe-read';
import { StagingArea } from './staging';
import { findTrustedProgram, type ProgramLookup } from './trusted-program';
import { spawnDetached } from './spawn-detached';
import { readFrom } from './tail';
import type { SshConnection } from './ssh-connection';
import { sshConnectionOf } from './ssh-session';

export interface LocalHostOptions {
  /** Real directory playing "/" (--root). Default "/". */
  root?: string;
  /** false under --no-network. Default true. */
  network?: boolean;
  /** Host path of hardtop's state directory. Default /var/lib/hardtop. */
  stateDir?: string;
  /**
   * Test seam: the whole environment env() and sshConnection() see, instead of
   * process.env. Given, it also turns off sshConnection()'s ancestor walk, so
   * a test does not depend on how (or over which SSH login) it is run.
   */
  env?: Readonly<Record<string, string>>;
}

export const DEFAULT_STATE_DIR = '/var/lib/hardtop';

export function createLocalHost(opts: LocalHostOptions = {}): Host {
  return new LocalHost(opts);
}

/** Absolute, symlink-free (when it exists), no trailing slash except "/". */
function normaliseRoot(root: string | undefined): string {
  const abs = path.resolve(root ?? '/');
  try {
    return fs.realpathSync(abs);
  } catch {
    return abs; // a missing root: every read then reports "missing", which says it plainly
  }
}

function loginName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.geteuid!()); // a uid without a passwd entry (containers)
  }
}

class LocalHost implements Host {
  readonly root: string;
  readonly isRoot: boolean;
  readonly user: string;
  readonly network: boolean;
  private readonly resolver: PathResolver;
  private readonly staging: StagingArea;
  /** Positive lookups only: a program installed by a fix must be found on the next run. */
  private readonly programs = new Map<string, Promise<ProgramLookup>>();
  private readonly envOverride: Readonly<Record<string, string>> | undefined;

  constructor(opts: LocalHostOptions) {
    this.root = normaliseRoot(opts.root);
    this.network = opts.network ?? true;
    this.envOverride = opts.env;
    this.isRoot = process.geteuid!() === 0;
    this.user = loginName();
    this.resolver = createResolver(this.root);
    this.staging = new StagingArea(this.resolver, normaliseHostPath(opts.stateDir ?? DEFAULT_STATE_DIR));
  }

  realPath(hostPath: string): string {
    return this.resolver.mapLexically(hostPath);
  }

  // --- reading -------------------------------------------------------------

  async read(p: string, opts?: ReadOptions): Promise<ReadResult> {
    const r = await readBounded(this.resolver, p, opts);
    if (!r.ok) return r;
    return { ok: true, text: r.data.toString('utf8'), stat: r.stat };
  }

  async readText(p: string): Promise<string | null> {
    const bytes = await this.readBytes(p);
    return bytes === null ? null : bytes.toString('utf8');
  }

  async readBytes(p: string): Promise<Buffer | null> {
    const r = await readBounded(this.resolver, p);
    if (r.ok) return r.data;
    if (r.reason === 'missing') return null;
    throw new HostError(r.message, p, r.reason);
  }

  readFrom(p: string, offset: number, maxBytes: number, opts?: TailOptions): Promise<TailChunk | null> {
    return readFrom(this.resolver, p, offset, maxBytes, opts);
  }

  async stat(p: string): Promise<FileStat | null> {
    return this.statWith(p, true);
  }

  async lstat(p: string): Promise<FileStat | null> {
    return this.statWith(p, false);
  }

  private async statWith(p: string, follow: boolean): Promise<FileStat | null> {
    try {
      const real = await this.resolver.resolve(p, follow);
      // Under --root the resolver already followed the links (under the root);
      // letting the kernel follow again would use the real "/".
      const st = follow && !this.resolver.rooted ? await fs.promises.stat(real) : await fs.promises.lstat(real);
      return toFileStat(st);
    } catch (err) {
      return nullIfMissing(err, p, 'cannot stat');
    }
  }

  async list(dir: string): Promise<string[] | null> {
    try {
      const real = await this.resolver.resolve(dir, true);
      return (await fs.promises.readdir(real)).sort(compareNames);
    } catch (err) {
      return nullIfMissing(err, dir, 'cannot list');
    }
  }

  async glob(pattern: string): Promise<string[]> {
    // Like glob(3) without GLOB_ERR: an unreadable directory just matches nothing.
    return expandGlob(pattern, {
      list: (d) => this.list(d).catch(() => null),
      exists: (p) => this.lstat(p).then((s) => s !== null, () => false),
    });
  }

  watch(paths: string[], onChange: (path: string) => void) {
    return watchPaths(this.resolver, paths, onChange);
  }

  // --- running programs ----------------------------------------------------

  private lookup(program: string): Promise<ProgramLookup> {
    let found = this.programs.get(program);
    if (!found) {
      found = findTrustedProgram(program).catch((err): ProgramLookup => ({
        ok: false,
        reason: `${displayPath(program)}: lookup failed: ${(err as Error).message}`,
      }));
      this.programs.set(program, found);
      void found.then((r) => {
        if (!r.ok) this.programs.delete(program);
      });
    }
    return found;
  }

  async which(program: string): Promise<string | null> {
    const r = await this.lookup(program);
    return r.ok ? r.path : null;
  }

  async ptySpawn(program: string, args: string[]): Promise<{ file: string; args: string[]; env: Record<string, string> } | null> {
    const file = await this.which(program);
    if (!file) return null;
    // TERM names what our emulator (@xterm/headless) understands, not the admin's terminal.
    return { file, args, env: cleanEnvironment({ TERM: 'xterm-256color', HOME: this.isRoot ? '/root' : (process.env.HOME ?? '/') }) };
  }

  async execOnTerminal(program: string, args: string[]): Promise<{ exitCode: number | null }> {
    const file = await this.which(program);
    if (!file) return { exitCode: null };
    // Only TERM comes from the caller, and only a plain terminal name.
    const term = /^[A-Za-z0-9._+-]{1,64}$/.test(process.env.TERM ?? '') ? (process.env.TERM as string) : 'xterm';
    const env = cleanEnvironment({ TERM: term, HOME: this.isRoot ? '/root' : (process.env.HOME ?? '/') });
    return new Promise((resolve) => {
      const child = childProcess.spawn(file, args, { argv0: program, stdio: 'inherit', env, shell: false });
      child.on('error', () => resolve({ exitCode: null }));
      child.on('exit', (code) => resolve({ exitCode: code }));
    });
  }

  exec(program: string, args: string[], opts?: ExecOptions): Promise<ExecResult> {
    return this.runTrusted(program, args, (resolved, argv) => runProgram(resolved, args, argv, opts));
  }

  execStream(program: string, args: string[], onText: (text: string) => void, opts?: ExecStreamOptions): Promise<ExecResult> {
    return this.runTrusted(program, args, (resolved, argv) => runProgramStreaming(resolved, args, argv, onText, opts));
  }

  /** exec and execStream: the trusted lookup, then run-program's one spawn path (runWithSink). */
  private async runTrusted(
    program: string,
    args: string[],
    run: (resolved: ResolvedProgram, argvForReport: string[]) => Promise<ExecResult>,
  ): Promise<ExecResult> {
    const argv = [program, ...args];
    const r = await this.lookup(program);
    if (!r.ok) return notStarted(program, argv, r.reason);
    return run({ path: r.path, invokedAs: r.invokedAs }, argv);
  }

  spawnDetached(program: string, args: string[]) {
    return spawnDetached(program, args);
  }

  // --- writing -------------------------------------------------------------

  writeAtomic(p: string, data: string | Buffer, opts?: WriteOptions): Promise<void> {
    return writeAtomic(this.resolver, p, data, opts);
  }

  remove(p: string): Promise<void> {
    return removeHostPath(this.resolver, p);
  }

  ensurePrivateDir(p: string): Promise<void> {
    return ensurePrivateDir(this.resolver, p);
  }

  appendPrivate(p: string, line: string): Promise<void> {
    return appendPrivate(this.resolver, p, line);
  }

  makeTempDir(prefix: string): Promise<{ path: string; dispose(): Promise<void> }> {
    return this.staging.makeTempDir(prefix);
  }

  copyTreeTo(hostDir: string, realDest: string): Promise<void> {
    return this.staging.copyTreeTo(hostDir, realDest);
  }

  writeReal(realPath: string, data: string | Buffer): Promise<void> {
    return this.staging.writeReal(realPath, data);
  }

  /**
   * A file the user asked for (`check --output`): a path on the real system,
   * whatever --root says. See output-file.ts: the name is replaced, never
   * written through, and the result is ours and 0644.
   */
  writeOutputFile(realPath: string, data: string): Promise<void> {
    return writeOutputFile(realPath, data);
  }

  // --- loopback probes -----------------------------------------------------

  tlsHandshake(target: ProbeTarget, opts: Omit<TlsHandshakeOptions, 'network'> = {}): Promise<TlsHandshakeResult> {
    return tlsHandshake(target, { ...opts, network: this.network });
  }

  tlsAccepts(target: ProbeTarget, offer: TlsOffer, opts: Omit<ProbeOptions, 'network'> = {}): Promise<TlsAcceptResult> {
    return tlsAccepts(target, offer, { ...opts, network: this.network });
  }

  httpGet(target: HttpTarget, opts: Omit<HttpGetOptions, 'network'> = {}): Promise<HttpGetResult> {
    return httpGet(target, { ...opts, network: this.network });
  }

  // --- the rest ------------------------------------------------------------

  env(name: string): string | undefined {
    if (this.envOverride) return Object.prototype.hasOwnProperty.call(this.envOverride, name) ? this.envOverride[name] : undefined;
    return process.env[name];
  }

  async sshConnection(): Promise<SshConnection | null> {
    // Our processes are live only on the live root: under --root hardtop looks
    // at no running process (the rule reboot.stale-services follows), and an
    // injected environment is the whole truth for a test.
    const walkAncestors = this.root === '/' && this.envOverride === undefined;
    return sshConnectionOf(this.env('SSH_CONNECTION'), walkAncestors);
  }

  now(): Date {
    return new Date();
  }

  facts() {
    return gatherFacts(this.resolver.rooted, async (p) => {
      const r = await readBounded(this.resolver, p, { maxBytes: 64 * 1024 });
      return r.ok ? r.data.toString('utf8') : null;
    });
  }
}

function nullIfMissing(err: unknown, p: string, what: string): null {
  const code = errnoOf(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') return null;
  if (err instanceof HostError) throw err;
  const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
  throw new HostError(`${displayPath(p)}: ${what}: ${displayPath(detail)}`, p, code);
}
