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
import type { SshConnection } from './ssh-connection';

export type { SshConnection } from './ssh-connection';

// The Host port: the only door from hardtop to the machine.
// Every path given to a Host method is a *host path* ("/etc/ssh/sshd_config"):
// the implementation maps it under --root. Evidence keeps host paths.

export interface Disposable {
  dispose(): void;
}

/** A live watch: `ready` resolves once every path is being watched (setup resolves links first). */
export interface Watch extends Disposable {
  ready: Promise<void>;
}

export interface FileStat {
  kind: 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'device' | 'other';
  size: number;
  mode: number; // permission bits only (0o7777)
  uid: number;
  gid: number;
  mtimeMs: number;
  /** Inode number (local host): equal for two hard links, new when a file is replaced by rename. */
  ino?: number;
}

/** Why a read did not give text. Each reason becomes a clear finding, never a throw. */
export type ReadFailure =
  | 'missing'
  | 'denied'
  | 'not-a-file' // a directory, FIFO, device or socket where a file was expected
  | 'symlink' // refused: a symlink where the caller asked for none (untrusted trees)
  | 'too-large'
  | 'io';

export type ReadResult =
  | { ok: true; text: string; stat: FileStat }
  | { ok: false; reason: ReadFailure; message: string };

export interface ReadOptions {
  /** Refuse files bigger than this (default 8 MiB). */
  maxBytes?: number;
  /**
   * Untrusted tree (a home directory): refuse to follow any symlink at or below
   * this host path, open with O_NOFOLLOW|O_NONBLOCK and check the type after open,
   * so a planted link or FIFO cannot make root read something else or hang.
   */
  untrustedBelow?: string;
}

export interface ExecOptions {
  timeoutMs?: number; // default 15 s; the whole process group is killed past it
  maxOutputBytes?: number; // default 4 MiB per stream; past it the process is killed
  input?: string;
  /** Extra environment on top of the clean one (never inherited from the caller). */
  env?: Record<string, string>;
  cwd?: string; // a real path (e.g. a staging dir)
  signal?: AbortSignal;
}

export interface ExecStreamOptions extends ExecOptions {
  /** Largest piece handed to onText, in bytes (default 64 KiB). */
  chunkBytes?: number;
}

export interface ExecResult {
  /** The resolved absolute program path that ran (or was looked for). */
  program: string;
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
  /** Set when the program could not be started at all (not found, untrusted path). */
  spawnError?: string;
}

export interface WriteOptions {
  mode?: number;
  uid?: number;
  gid?: number;
  /** Test seam: called between the steps of an atomic write (crash injection). */
  onStep?: (step: AtomicWriteStep) => void | Promise<void>;
}

export type AtomicWriteStep = 'temp-created' | 'temp-written' | 'temp-synced' | 'owner-set' | 'renamed' | 'dir-synced';

/** One piece of a followed log (Host.readFrom). */
export interface TailChunk {
  /** Whole lines only (each ends with "\n"), except one line longer than maxBytes, returned cut. */
  text: string;
  /** Where the next call starts: just after the last line returned. */
  nextOffset: number;
  /** The file's size when read. */
  size: number;
  /** The file's inode: pass it back (TailOptions.inode) to detect rotation. */
  inode: number;
  /** Read restarted from offset 0: the file was rotated (new inode) or truncated. */
  rotated: boolean;
  /** The restart was a truncation (size < offset), not a rotation. */
  truncated: boolean;
  /** More whole data is already there: maxBytes stopped this read. */
  more: boolean;
}

export interface TailOptions {
  /** The inode the caller last read: a different one means the log was rotated. */
  inode?: number;
}

/** A process started to outlive hardtop (see Host.spawnDetached). */
export type SpawnDetachedResult = { ok: true; pid: number; program: string } | { ok: false; reason: string };

export interface Host {
  /** The real directory that plays "/" (--root), absolute, no trailing slash except "/". */
  readonly root: string;
  /** Effective uid is 0: fixes allowed. Anyone else is read-only. */
  readonly isRoot: boolean;
  readonly user: string;
  /** false under --no-network. */
  readonly network: boolean;

  /** Host path → real path on this machine (pure mapping, lexical, cannot escape the root). */
  realPath(hostPath: string): string;

  read(path: string, opts?: ReadOptions): Promise<ReadResult>;
  /** Text of a file, or null when it does not exist. Other failures throw HostError. */
  readText(path: string): Promise<string | null>;
  readBytes(path: string): Promise<Buffer | null>;
  /**
   * Follow a growing log: at most maxBytes from `offset`, whole lines only;
   * truncation and rotation (inode ≠ opts.inode) restart from 0. null when
   * the file does not exist; other failures throw HostError. See tail.ts.
   */
  readFrom(path: string, offset: number, maxBytes: number, opts?: TailOptions): Promise<TailChunk | null>;
  stat(path: string): Promise<FileStat | null>; // follows symlinks (under the root)
  lstat(path: string): Promise<FileStat | null>;
  list(dir: string): Promise<string[] | null>; // sorted names, null when not a dir
  /** Glob with * ? [...] in any component, as sshd Include and nginx include do; sorted. */
  glob(pattern: string): Promise<string[]>;
  watch(paths: string[], onChange: (path: string) => void): Watch;

  /** Run a program by bare name (resolved once from root-owned system dirs) with an argv array. */
  exec(program: string, args: string[], opts?: ExecOptions): Promise<ExecResult>;
  /**
   * Like exec, but stdout is handed over as it arrives, not collected (result.stdout is '').
   * onText gets UTF-8 text cut only after "\n" (a line longer than chunkBytes is cut, as readFrom does),
   * at most chunkBytes per call, in order; the child's stdout is paused while onText runs.
   * Same trusted lookup, clean env, timeout, process-group kill, signal; maxOutputBytes bounds the total.
   * stderr is collected as exec does, within min(maxOutputBytes, 4 MiB). Never rejects, except
   * with what onText threw (the program is stopped first). See line-pieces.ts.
   */
  execStream(program: string, args: string[], onText: (text: string) => void, opts?: ExecStreamOptions): Promise<ExecResult>;
  /**
   * Start a program that must OUTLIVE hardtop (commit-confirmed's reverter):
   * its own session (setsid), no terminal, stdio on /dev/null, the clean
   * environment, not waited for and not killed when hardtop exits. `program`
   * is a bare name (trusted lookup) or "node": the Node running hardtop,
   * accepted only when it and its directories are root-owned and not
   * group/other-writable.
   */
  spawnDetached(program: string, args: string[]): Promise<SpawnDetachedResult>;
  /** Absolute path of a trusted program, or null. */
  which(program: string): Promise<string | null>;
  /**
   * What the embedded terminal needs to run a program interactively: the
   * trusted absolute path and the same clean environment exec uses (plus
   * TERM for our emulator and HOME). null when the program is not trusted.
   */
  ptySpawn(program: string, args: string[]): Promise<{ file: string; args: string[]; env: Record<string, string> } | null>;
  /**
   * Run an interactive command on hardtop's own terminal (the CLI: ssh-keygen
   * asking for a passphrase, apt-get showing progress): trusted path, clean
   * environment plus TERM, stdio inherited, no timeout.
   */
  execOnTerminal(program: string, args: string[]): Promise<{ exitCode: number | null }>;

  writeAtomic(path: string, data: string | Buffer, opts?: WriteOptions): Promise<void>;
  remove(path: string): Promise<void>;
  /** Create (or verify) a private directory: owned by us, 0700, never widened. */
  ensurePrivateDir(path: string): Promise<void>;
  appendPrivate(path: string, line: string): Promise<void>;
  /** A fresh private temp dir (real path) under the state dir; disposed recursively. */
  makeTempDir(prefix: string): Promise<{ path: string; dispose(): Promise<void> }>;
  /** Copy a host directory tree into a real destination directory (staging for validation). */
  copyTreeTo(hostDir: string, realDest: string): Promise<void>;
  writeReal(realPath: string, data: string | Buffer): Promise<void>;
  /** A report file the user named (a real path, not under --root); never written through a symlink. */
  writeOutputFile(realPath: string, data: string): Promise<void>;

  /**
   * Network probes of the local web server. Loopback only (127.0.0.0/8, ::1):
   * anything else is refused before a socket opens; under --no-network they
   * answer "skipped" without opening one. They never throw.
   */
  tlsHandshake(target: ProbeTarget, opts?: Omit<TlsHandshakeOptions, 'network'>): Promise<TlsHandshakeResult>;
  tlsAccepts(target: ProbeTarget, offer: TlsOffer, opts?: Omit<ProbeOptions, 'network'>): Promise<TlsAcceptResult>;
  httpGet(target: HttpTarget, opts?: Omit<HttpGetOptions, 'network'>): Promise<HttpGetResult>;

  env(name: string): string | undefined;
  /**
   * Where the admin's SSH session comes from: our own SSH_CONNECTION when set;
   * otherwise (sudo's env_reset drops it) the nearest ancestor process's, read
   * from /proc/PID/environ of ancestors owned by root or by our login uid, on
   * the live root only (never under --root). Only a value shaped
   * "ADDR PORT ADDR PORT" is returned; null when there is none.
   */
  sshConnection(): Promise<SshConnection | null>;
  now(): Date;
  facts(): Promise<{ hostname: string; os: string; kernel: string; uptimeSeconds: number | null }>;
}

export class HostError extends Error {
  constructor(
    message: string,
    readonly path?: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}
