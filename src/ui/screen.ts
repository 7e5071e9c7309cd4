// The ONE factory for blessed screens, and the code that gives the terminal
// back on every exit path. See ../../../shared/STACK-NOTES.md ("blessed").
//
// Why a factory: blessed reads the system's terminfo by default and cannot
// parse Debian 12's files. With TERM=screen-256color it prints
// "Error on screen-256color.plab_norm" plus generated JS onto the TUI and drops
// to 8 colours; tmux-256color silently gets 8 colours. We make blessed read only
// the terminfo files it ships (node_modules/blessed/usr: xterm-256color, xterm,
// linux) and pick one of those three from TERM/COLORTERM.

import * as path from 'node:path';
import * as util from 'node:util';
import * as blessed from 'blessed';

type Screen = blessed.Widgets.Screen;

export interface Disposable {
  dispose(): void;
}

/** The three terminfo entries blessed ships in node_modules/blessed/usr. */
export type BundledTerminal = 'xterm-256color' | 'xterm' | 'linux';

export interface CreateScreenOptions {
  /** Defaults to process.stdout / process.stdin. Tests pass a pty's streams. */
  output?: NodeJS.WritableStream;
  input?: NodeJS.ReadableStream;
  title?: string;
  /** Everything console.* prints while the screen is up goes here (blessed opens the file). */
  logFile?: string;
  /** Also (or instead) hand every routed console line to this sink. */
  onLog?: (line: string) => void;
  /** Defaults to process.env; read for TERM, COLORTERM, NO_COLOR only. */
  env?: NodeJS.ProcessEnv;
  /** Program name used in the one-line fatal error message. Default 'hardtop'. */
  name?: string;
}

// TERM values that mean "a modern terminal with at least 256 colours" without
// saying "256color" (kitty, alacritty, foot, wezterm, ghostty, *-direct).
const MODERN_TERM = /256color|truecolor|24bit|-direct\b|kitty|alacritty|foot|wezterm|ghostty|contour/;

/**
 * Which bundled terminfo entry to use. Pure, so it is unit-tested.
 * TERM=linux keeps the console's own entry (no 256 colours, PC ROM charset);
 * anything that advertises 256 colours (or any COLORTERM, which terminals set
 * when they do truecolour) gets xterm-256color; everything else plain xterm,
 * which every terminal emulator an admin uses understands.
 */
export function pickTerminal(env: NodeJS.ProcessEnv): BundledTerminal {
  const term = (env.TERM ?? '').toLowerCase();
  if (term === 'linux') return 'linux';
  if (MODERN_TERM.test(term) || (env.COLORTERM ?? '') !== '') return 'xterm-256color';
  return 'xterm';
}

/** https://no-color.org: any non-empty value turns colours off. */
export function noColorRequested(env: NodeJS.ProcessEnv): boolean {
  return (env.NO_COLOR ?? '') !== '';
}

function bundledTerminfoFile(name: BundledTerminal): string {
  // Resolve through the package so a hoisted or nested blessed both work.
  return path.join(path.dirname(require.resolve('blessed/package.json')), 'usr', name);
}

// --- blessed internals we touch, typed narrowly -----------------------------

interface TputInternals {
  colors: number;
  terminal: string;
  error: Error | null;
}
interface TputCtor {
  prototype: { _prefix(term?: string): string };
}
interface ProgramInternals {
  output: NodeJS.WritableStream;
  input: NodeJS.ReadableStream & { setRawMode?(raw: boolean): void; isRaw?: boolean };
  isAlt: boolean;
  tput: TputInternals;
  setupTput(): void;
  log(...args: unknown[]): void;
  flush(): void;
  /** blessed's log file stream (options.log): writes are queued, not synchronous. */
  _logger?: NodeJS.WritableStream;
}
type Cell = [number, string];
interface ScreenInternals {
  program: ProgramInternals;
  lines: Array<Cell[] & { dirty?: boolean }>;
  draw(start: number, end: number): void;
  destroyed?: boolean;
}

function internals(screen: Screen): ScreenInternals {
  return screen as unknown as ScreenInternals;
}

/**
 * Build the Program's Tput from a bundled terminfo file. blessed's Program does
 * not forward Tput's `terminfoFile` option, so for the duration of this one
 * synchronous call we make Tput's path lookup return our file, then put the
 * original lookup back. Nothing else can run in between.
 */
function setupBundledTput(program: ProgramInternals, name: BundledTerminal): void {
  const Tput = (blessed as unknown as { Tput: TputCtor }).Tput;
  const file = bundledTerminfoFile(name);
  const original = Tput.prototype._prefix;
  Tput.prototype._prefix = () => file;
  try {
    program.setupTput();
  } finally {
    Tput.prototype._prefix = original;
  }
}

/**
 * blessed builds its 256→8 colour reduction table at load time by calling
 * colors.match() with the palette cut down to 8 entries, and match() caches
 * every answer. Afterwards `{#ff8700-fg}` resolves to 3 (yellow) instead of
 * 208 on a 256-colour terminal. The reduction table is already built; an
 * empty cache makes later matches exact. Module-wide, once.
 */
let colourCacheFixed = false;
function fixBlessedColourCache(): void {
  if (colourCacheFixed) return;
  colourCacheFixed = true;
  (blessed as unknown as { colors: { _cache: Record<number, number> } }).colors._cache = {};
}

// --- console routing -----------------------------------------------------------

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

// Reference-counted: screens may overlap (tests, a screen opened over another)
// and go away in any order; console is patched while at least one is up and
// restored exactly once when the last goes.
const activeSinks = new Set<(line: string) => void>();
let savedConsole: Array<readonly [(typeof CONSOLE_METHODS)[number], (...args: unknown[]) => void]> = [];

/**
 * While a screen is up, anything printed through console.* (including Node's
 * own process warnings, which its default 'warning' handler prints through
 * console.error) would land on top of the TUI. Send it to the sinks instead.
 * Returns the function that removes this sink (idempotent).
 */
function routeConsole(sink: (line: string) => void): () => void {
  const token = (line: string) => sink(line);
  if (activeSinks.size === 0) {
    savedConsole = CONSOLE_METHODS.map((m) => [m, console[m]] as const);
    for (const m of CONSOLE_METHODS) {
      console[m] = (...args: unknown[]) => {
        const line = `${m}: ${util.format(...args)}`;
        for (const s of activeSinks) s(line);
      };
    }
  }
  activeSinks.add(token);
  return () => {
    if (!activeSinks.delete(token) || activeSinks.size > 0) return;
    for (const [m, fn] of savedConsole) console[m] = fn;
    savedConsole = [];
  };
}

// --- NO_COLOR --------------------------------------------------------------------

// blessed packs a cell attribute as flags<<18 | fg<<9 | bg, with 0x1ff meaning
// "default colour". Setting both colour fields to 0x1ff keeps bold, underline
// and inverse (NO_COLOR allows those) and drops every colour, whatever widget,
// tag or embedded pane produced it. Done just before blessed diffs and writes.
const DEFAULT_COLOURS = 0x3ffff;

function stripColoursBeforeDraw(screen: Screen): void {
  const s = internals(screen);
  const draw = s.draw.bind(screen);
  s.draw = (start: number, end: number) => {
    for (let y = start; y <= end; y++) {
      const line = s.lines[y];
      if (!line || !line.dirty) continue;
      for (const cell of line) cell[0] |= DEFAULT_COLOURS;
    }
    draw(start, end);
  };
}

// --- the factory -------------------------------------------------------------------

interface ScreenMeta {
  colour: boolean;
  terminal: BundledTerminal;
  logFile?: string;
  name: string;
}
const meta = new WeakMap<Screen, ScreenMeta>();

/** false under NO_COLOR: callers then signal state by text and bold/inverse only. */
export function hasColour(screen: Screen): boolean {
  return meta.get(screen)?.colour ?? true;
}

/** Which bundled terminfo entry the screen runs on. */
export function screenTerminal(screen: Screen): BundledTerminal | undefined {
  return meta.get(screen)?.terminal;
}

export function createScreen(opts: CreateScreenOptions = {}): Screen {
  const env = opts.env ?? process.env;
  const terminal = pickTerminal(env);
  const colour = !noColorRequested(env);

  // Route the console first: should blessed ever complain while it sets up,
  // the complaint goes to the log and not onto the user's terminal.
  const early: string[] = [];
  let program: ProgramInternals | undefined;
  const sink = (line: string) => {
    opts.onLog?.(line);
    if (!opts.logFile) return;
    if (program) program.log(line);
    else early.push(line);
  };
  const restoreConsole = routeConsole(sink);
  fixBlessedColourCache();

  try {
    program = blessed.program({
      input: opts.input,
      output: opts.output,
      log: opts.logFile,
      terminal,
      tput: false, // built below from the bundled terminfo
      buffer: true,
      zero: true,
    } as unknown as blessed.Widgets.IScreenOptions) as unknown as ProgramInternals;
    setupBundledTput(program, terminal);
    for (const line of early.splice(0)) program.log(line);

    const screen = blessed.screen({
      program: program as unknown as blessed.BlessedProgram,
      smartCSR: true,
      fullUnicode: true,
      autoPadding: true,
      warnings: false,
      dockBorders: true,
      title: opts.title,
    });
    meta.set(screen, { colour, terminal, logFile: opts.logFile, name: opts.name ?? 'hardtop' });
    if (!colour) stripColoursBeforeDraw(screen);
    // blessed emits 'warning' for things like "Output is not a TTY": log them.
    screen.on('warning', (text: unknown) => sink(`warning: ${String(text)}`));
    screen.once('destroy', restoreConsole);
    return screen;
  } catch (err) {
    restoreConsole();
    throw err;
  }
}

// --- giving the terminal back ---------------------------------------------------------

// Belt and braces after blessed's own leave(): mouse reporting off (all modes
// blessed may enable), bracketed paste off, attributes reset, cursor shown.
// Each of these is harmless when the mode is already off.
const RESET_MODES = '\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1005l\x1b[?1006l\x1b[?2004l\x1b[0m\x1b[?25h';
const LEAVE_ALT = '\x1b[?1049l';

const restoredScreens = new WeakSet<Screen>();

/**
 * Leave the alternate screen, show the cursor, reset modes, drop raw mode.
 * Safe to call twice and from any exit path: it never throws.
 */
export function restoreTerminal(screen: Screen): void {
  if (restoredScreens.has(screen)) return;
  restoredScreens.add(screen);
  const s = internals(screen);
  const program = s.program;
  let leftAlt = false;
  try {
    if (!s.destroyed) screen.destroy(); // leave(): normal buffer, cursor, keypad; flushes
    leftAlt = !program.isAlt;
  } catch {
    // fall through to the raw sequences below
  }
  try {
    program.output.write((leftAlt ? '' : LEAVE_ALT) + RESET_MODES);
  } catch {
    // the terminal may be gone (SIGHUP): nothing left to restore
  }
  try {
    const input = program.input;
    if (input.setRawMode && input.isRaw) input.setRawMode(false);
  } catch {
    // idem
  }
}

// --- exit paths --------------------------------------------------------------------------

export interface ExitHandlerOptions {
  /** How long an async cleanup may take before we exit anyway. Default 3000 ms. */
  graceMs?: number;
  /** Injected for tests; default process.exit. */
  exit?: (code: number) => void;
  /** Where the one-line fatal message goes; default process.stderr. */
  stderr?: NodeJS.WritableStream;
}

const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
type HandledSignal = keyof typeof SIGNALS;

/** One line, no control characters: the message comes from anywhere. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ').trim().slice(0, 300);
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/**
 * SIGINT/SIGTERM/SIGHUP exit 128+signo; uncaughtException/unhandledRejection
 * exit 1 after printing one line on stderr (the stack goes to the log file).
 * The terminal is restored FIRST on every path, then `cleanup` runs (kill
 * panes' children, close watchers). Our listeners also make blessed's own
 * handlers step aside (they only act when they are the sole listener).
 * Returns a Disposable that removes the handlers (for a clean, normal quit).
 */
/**
 * Finish writing the log file before the process exits: blessed queues log
 * lines on a write stream, and process.exit() would drop what is still queued
 * (the very lines that explain a crash). Resolves at once when there is no log.
 */
export function flushLog(screen: Screen): Promise<void> {
  const logger = internals(screen).program._logger;
  if (!logger) return Promise.resolve();
  return new Promise((resolve) => {
    try {
      logger.end(() => resolve());
    } catch {
      resolve();
    }
  });
}

export function installExitHandlers(
  screen: Screen,
  cleanup: () => void | Promise<void>,
  opts: ExitHandlerOptions = {},
): Disposable {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const stderr = opts.stderr ?? process.stderr;
  const graceMs = opts.graceMs ?? 3000;
  let exiting = false;

  const finish = (code: number, message?: string) => {
    if (exiting) {
      // A second signal or an error inside cleanup: stop waiting.
      exit(code);
      return;
    }
    exiting = true;
    restoreTerminal(screen);
    if (message !== undefined) {
      try {
        stderr.write(message + '\n');
      } catch {
        // stderr gone too
      }
    }
    let result: void | Promise<void>;
    try {
      const cleaned = cleanup();
      // Then the log file, so the lines that explain the exit are not lost.
      result = Promise.resolve(cleaned).then(() => flushLog(screen));
    } catch {
      result = flushLog(screen);
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      const timer = setTimeout(() => exit(code), graceMs);
      (result as Promise<void>).then(
        () => {
          clearTimeout(timer);
          exit(code);
        },
        () => {
          clearTimeout(timer);
          exit(code);
        },
      );
    } else {
      exit(code);
    }
  };

  const onSignal = (signal: NodeJS.Signals) => finish(128 + (SIGNALS[signal as HandledSignal] ?? 0));
  const onFatal = (err: unknown) => {
    // Still routed to the log while the screen is up: keep the full story there.
    console.error('fatal:', err instanceof Error ? err.stack : err);
    const m = meta.get(screen);
    const where = m?.logFile ? ` (details in ${m.logFile})` : '';
    finish(1, oneLine(`${m?.name ?? 'hardtop'}: fatal error: ${describeError(err)}`) + where);
  };

  // Any other process.exit() (a library, a forgotten path): still restore.
  // 'exit' listeners must be synchronous; restoreTerminal is.
  const onExit = () => restoreTerminal(screen);

  const signals = Object.keys(SIGNALS) as HandledSignal[];
  for (const sig of signals) process.on(sig, onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  process.on('exit', onExit);

  return {
    dispose() {
      for (const sig of signals) process.off(sig, onSignal);
      process.off('uncaughtException', onFatal);
      process.off('unhandledRejection', onFatal);
      process.off('exit', onExit);
    },
  };
}
