// End-to-end harness: the real program in a pty, read through @xterm/headless.
// See ../../../shared/STACK-NOTES.md ("Testing the TUI").
//
// - Terminal.write is asynchronous: the screen model is only up to date in
//   its callback, so every check runs after the last write has been parsed.
// - Waits are event-driven (re-checked after each parsed chunk) with generous
//   timeouts (default 15 s): a first frame under tsx can take 1.6 s while
//   other test files run. Never assert timings with this harness.
// - The app's stderr shares the pty with stdout. `captureStderrTo` runs the
//   program as  sh -c 'exec "$0" "$@" 2>"$TUI_STDERR_FILE"' cmd args…  so the
//   test can read the file and assert it is empty. `exec` keeps the pid: kill()
//   reaches the program itself, not a wrapper shell.

import * as pty from 'node-pty';
import { Terminal, type IBufferCell } from '@xterm/headless';

export interface StartTuiOptions {
  cmd: string;
  args: string[];
  cols?: number;
  rows?: number;
  /**
   * Merged over a base environment: the test's own environment without
   * TMUX/STY/NO_COLOR/COLORTERM/TERM_PROGRAM, plus TERM=xterm-256color and
   * LANG=C.UTF-8. A value of `undefined` removes the variable.
   */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Redirect the program's stderr (fd 2) into this file; see the header. */
  captureStderrTo?: string;
}

export interface TuiExit {
  exitCode: number;
  signal?: number;
}

/** A colour as xterm stores it: default, a palette index, or 0xRRGGBB. */
export type CellColour = 'default' | number | `#${string}`;

export interface CellStyle {
  char: string;
  fg: CellColour;
  bg: CellColour;
  bold: boolean;
  underline: boolean;
  inverse: boolean;
  dim: boolean;
}

export type KeyName =
  | 'enter'
  | 'tab'
  | 'backtab'
  | 'backspace'
  | 'escape'
  | 'space'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'pageup'
  | 'pagedown'
  | 'delete'
  | 'f1'
  | 'f5'
  | 'f10'
  | `C-${string}`;

export interface Tui {
  /** Visible rows joined by \n, each trimmed right. */
  screenText(): string;
  /** Row n (0-based) trimmed right. */
  line(n: number): string;
  /** First position of `text` on screen, or undefined. */
  find(text: string): { x: number; y: number } | undefined;
  waitForText(text: string | RegExp, timeoutMs?: number): Promise<void>;
  waitForNoText(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Raw bytes, as typed. */
  press(keys: string): void;
  /** A named key, encoded as a real xterm would in the app's current modes. */
  key(name: KeyName): void;
  resize(cols: number, rows: number): void;
  readonly exited: Promise<TuiExit>;
  kill(signal?: NodeJS.Signals): void;
  cellStyle(x: number, y: number): CellStyle;
  isAltScreen(): boolean;
  isCursorVisible(): boolean;
  rawOutput(): string;
  /** Wait until everything received so far has been parsed. */
  settle(): Promise<void>;
  dispose(): void;
  readonly pid: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DROPPED_ENV = ['TMUX', 'STY', 'NO_COLOR', 'COLORTERM', 'TERM_PROGRAM'];

function buildEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of DROPPED_ENV) delete env[k];
  env.TERM = 'xterm-256color';
  env.LANG = env.LANG && /utf-?8/i.test(env.LANG) ? env.LANG : 'C.UTF-8';
  Object.assign(env, overrides);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function colourOf(isDefault: boolean, isRgb: boolean, value: number): CellColour {
  if (isDefault) return 'default';
  if (isRgb) return `#${value.toString(16).padStart(6, '0')}`;
  return value;
}

/** Cursor visibility and alt-screen as the app last set them (DECSET/DECRST, RIS). */
function lastModes(raw: string): { cursorVisible: boolean } {
  let cursorVisible = true;
  // eslint-disable-next-line no-control-regex
  const re = /\x1b\[\?([\d;]*)([hl])|\x1bc/g;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    if (m[0] === '\x1bc') {
      cursorVisible = true;
      continue;
    }
    if (m[1].split(';').includes('25')) cursorVisible = m[2] === 'h';
  }
  return { cursorVisible };
}

export function startTui(opts: StartTuiOptions): Tui {
  const cols = opts.cols ?? 80;
  const rows = opts.rows ?? 24;
  const env = buildEnv(opts.env);
  let file = opts.cmd;
  let args = opts.args;
  if (opts.captureStderrTo) {
    env.TUI_STDERR_FILE = opts.captureStderrTo;
    file = '/bin/sh';
    args = ['-c', 'exec "$0" "$@" 2>"$TUI_STDERR_FILE"', opts.cmd, ...opts.args];
  }

  const term = new Terminal({ cols, rows, scrollback: 0, allowProposedApi: true });
  const child = pty.spawn(file, args, { name: env.TERM, cols, rows, cwd: opts.cwd ?? process.cwd(), env });

  let raw = '';
  let pendingWrites = 0;
  let exitInfo: TuiExit | undefined;
  const checkers = new Set<() => void>();
  const settleWaiters: Array<() => void> = [];
  const runCheckers = () => {
    for (const check of [...checkers]) check();
  };
  const afterWrite = () => {
    pendingWrites--;
    if (pendingWrites === 0) for (const w of settleWaiters.splice(0)) w();
    runCheckers();
  };

  const dataSub = child.onData((data) => {
    raw += data;
    pendingWrites++;
    term.write(data, afterWrite);
  });
  // xterm answers the app's queries (DA, DSR …), as a real terminal would.
  const answerSub = term.onData((data) => {
    if (!exitInfo) child.write(data);
  });

  const settle = () =>
    new Promise<void>((resolve) => {
      if (pendingWrites === 0) resolve();
      else settleWaiters.push(resolve);
    });

  const exited = new Promise<TuiExit>((resolve) => {
    const sub = child.onExit(({ exitCode, signal }) => {
      sub.dispose();
      // Resolve once the last output has been parsed, so the screen is final.
      void settle().then(() => {
        exitInfo = { exitCode, signal: signal || undefined };
        resolve(exitInfo);
        runCheckers();
      });
    });
  });

  const lineText = (n: number): string => {
    const buf = term.buffer.active;
    return buf.getLine(buf.viewportY + n)?.translateToString(true) ?? '';
  };
  const screenText = (): string => {
    const out: string[] = [];
    for (let r = 0; r < term.rows; r++) out.push(lineText(r));
    return out.join('\n');
  };
  const matches = (text: string | RegExp) => {
    const s = screenText();
    return typeof text === 'string' ? s.includes(text) : text.test(s);
  };

  const waitFor = (text: string | RegExp, present: boolean, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (err?: Error) => {
        checkers.delete(check);
        if (timer) clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const describe = (why: string) =>
        new Error(`${why}: ${present ? '' : 'no '}${String(text)}\n--- screen ---\n${screenText()}\n--------------`);
      function check() {
        if (pendingWrites > 0) return; // the model is mid-update: wait for the callback
        if (matches(text) === present) return done();
        // Once the program is gone and its output parsed, the screen is final.
        if (exitInfo) done(describe(`program exited (${JSON.stringify(exitInfo)}) while waiting for`));
      }
      timer = setTimeout(() => done(describe(`timed out after ${timeoutMs} ms waiting for`)), timeoutMs);
      checkers.add(check);
      check();
    });

  const keyBytes = (name: KeyName): string => {
    const app = term.modes.applicationCursorKeysMode;
    const cursor = (c: string) => (app ? `\x1bO${c}` : `\x1b[${c}`);
    switch (name) {
      case 'enter':
        return '\r';
      case 'tab':
        return '\t';
      case 'backtab':
        return '\x1b[Z';
      case 'backspace':
        return '\x7f';
      case 'escape':
        return '\x1b';
      case 'space':
        return ' ';
      case 'up':
        return cursor('A');
      case 'down':
        return cursor('B');
      case 'right':
        return cursor('C');
      case 'left':
        return cursor('D');
      case 'home':
        return cursor('H');
      case 'end':
        return cursor('F');
      case 'pageup':
        return '\x1b[5~';
      case 'pagedown':
        return '\x1b[6~';
      case 'delete':
        return '\x1b[3~';
      case 'f1':
        return '\x1bOP';
      case 'f5':
        return '\x1b[15~';
      case 'f10':
        return '\x1b[21~';
      default: {
        // C-a … C-z, C-[ C-\ C-] C-^ C-_ : the control code of the character.
        const c = name.slice(2);
        if (c.length !== 1) throw new Error(`unknown key ${name}`);
        const code = c.toUpperCase().charCodeAt(0);
        if (code < 0x40 || code > 0x5f) throw new Error(`unknown key ${name}`);
        return String.fromCharCode(code - 0x40);
      }
    }
  };

  let disposed = false;
  const cell: IBufferCell = term.buffer.active.getNullCell();

  return {
    pid: child.pid,
    screenText,
    line: lineText,
    find(text) {
      for (let y = 0; y < term.rows; y++) {
        const x = lineText(y).indexOf(text);
        if (x >= 0) return { x, y };
      }
      return undefined;
    },
    waitForText: (text, timeoutMs = DEFAULT_TIMEOUT_MS) => waitFor(text, true, timeoutMs),
    waitForNoText: (text, timeoutMs = DEFAULT_TIMEOUT_MS) => waitFor(text, false, timeoutMs),
    press(keys) {
      if (!exitInfo) child.write(keys);
    },
    key(name) {
      if (!exitInfo) child.write(keyBytes(name));
    },
    resize(c, r) {
      term.resize(c, r);
      if (!exitInfo) child.resize(c, r);
    },
    exited,
    kill(signal = 'SIGTERM') {
      if (exitInfo) return;
      try {
        process.kill(child.pid, signal);
      } catch {
        // already gone
      }
    },
    cellStyle(x, y) {
      const buf = term.buffer.active;
      const c = buf.getLine(buf.viewportY + y)?.getCell(x, cell);
      if (!c) throw new Error(`no cell at ${x},${y}`);
      return {
        char: c.getChars(),
        fg: colourOf(c.isFgDefault(), c.isFgRGB(), c.getFgColor()),
        bg: colourOf(c.isBgDefault(), c.isBgRGB(), c.getBgColor()),
        bold: c.isBold() !== 0,
        underline: c.isUnderline() !== 0,
        inverse: c.isInverse() !== 0,
        dim: c.isDim() !== 0,
      };
    },
    isAltScreen: () => term.buffer.active.type === 'alternate',
    isCursorVisible: () => lastModes(raw).cursorVisible,
    rawOutput: () => raw,
    settle,
    dispose() {
      if (disposed) return;
      disposed = true;
      checkers.clear();
      if (!exitInfo) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      dataSub.dispose();
      answerSub.dispose();
      term.dispose();
    },
  };
}

/** How a test runs a TypeScript entry point in the pty: node --import tsx script. */
export function tsxArgs(script: string, ...args: string[]): { cmd: string; args: string[] } {
  return { cmd: process.execPath, args: ['--import', 'tsx', script, ...args] };
}
