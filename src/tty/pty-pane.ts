// An embedded terminal: node-pty → @xterm/headless → a blessed Box.
// The recipe is in ../../../shared/STACK-NOTES.md ("blessed"); the shape
// follows blessed-xterm (a Box, a headless emulator, a dedicated release key).
//
// Why paint cells ourselves instead of setting content: the child's output is
// a terminal rendering, and xterm has already parsed every control sequence.
// Writing cells straight into screen.lines never passes the child's text
// through blessed's {tag} or SGR parsers, so nothing the child prints can
// restyle or escape the pane. The box keeps `content` empty.
//
// Keys: while the pane is focused it grabs the keyboard (screen.grabKeys), so
// dashboard bindings do not fire while the admin types into the child.
//   running: every key goes to the child except C-] (telnet's and virsh
//            console's escape character), which hands control back.
//   exited:  q, Enter or Escape hand control back; other keys are ignored.
// "Handing back" emits onRelease; the owner moves focus or disposes the pane.

import * as os from 'node:os';
import * as blessed from 'blessed';
import * as pty from 'node-pty';
import { Terminal, type IBufferCell } from '@xterm/headless';

export interface Disposable {
  dispose(): void;
}

export interface PtyCommand {
  /** Absolute path of the program: no PATH lookup happens here. */
  file: string;
  args: string[];
  /** The child's whole environment (process.env is never read for it). */
  env: Record<string, string>;
  cwd?: string;
}

export interface PtyExit {
  exitCode: number;
  /** e.g. 'SIGTERM' when a signal ended the child. */
  signal?: string;
}

export type ReleaseReason = 'release-key' | 'done';

export interface ReleaseKey {
  /** As shown in the hint and as blessed spells key.full, e.g. 'C-]'. */
  name: string;
  /** The raw bytes the terminal sends for it, e.g. '\x1d'. */
  bytes: string;
}

export interface PtyPaneOptions {
  command: PtyCommand;
  /** Paint into this box … */
  box?: blessed.Widgets.BoxElement;
  /** … or create a box as a child of this parent. */
  parent?: blessed.Widgets.Node;
  boxOptions?: blessed.Widgets.BoxOptions;
  /** Default C-] (0x1d). */
  releaseKey?: ReleaseKey;
  /** Keys (blessed names) that hand back after the child exited. */
  doneKeys?: string[];
  /** A status row at the bottom of the box's inner area. Default true. */
  statusLine?: boolean;
  scrollback?: number;
  /** Minimum time between two paints, ms. Default 16. */
  frameMs?: number;
  /** Called (throttled) when the pane needs a repaint. Default screen.render(). */
  requestRender?: () => void;
}

export const DEFAULT_RELEASE_KEY: ReleaseKey = { name: 'C-]', bytes: '\x1d' };
const DEFAULT_DONE_KEYS = ['q', 'enter', 'return', 'linefeed', 'escape'];

// --- pure helpers (unit-tested) -------------------------------------------------

export interface BlessedKey {
  name?: string;
  full?: string;
  sequence?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

const CURSOR_KEYS: Record<string, string> = { up: 'A', down: 'B', right: 'C', left: 'D', home: 'H', end: 'F' };

/**
 * The bytes to send to the child for one blessed keypress, or undefined.
 * blessed splits input into single characters and whole escape sequences, so
 * key.sequence is already the raw bytes, with two exceptions handled here:
 * - a CR arrives twice (as 'return' and as a synthetic 'enter'): drop the copy;
 * - unmodified cursor keys must follow the CHILD's DECCKM mode, not the mode
 *   blessed put the outer terminal in (keypad_xmit turns it on for blessed).
 */
export function keyToBytes(ch: string | undefined, key: BlessedKey | undefined, appCursorKeys: boolean): string | undefined {
  if (key?.name === 'enter' && key.sequence === '\r') return undefined;
  const letter = key?.name ? CURSOR_KEYS[key.name] : undefined;
  if (letter && !key?.ctrl && !key?.meta && !key?.shift) return (appCursorKeys ? '\x1bO' : '\x1b[') + letter;
  const bytes = key?.sequence ?? ch;
  return bytes === '' ? undefined : bytes;
}

/** Human text for the status row. */
export function describeExit(exit: PtyExit | undefined): string {
  if (!exit) return 'running…';
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exited ${exit.exitCode}`;
}

function signalName(signal: number | undefined): string | undefined {
  if (!signal) return undefined;
  const entry = Object.entries(os.constants.signals).find(([, n]) => n === signal);
  return entry ? entry[0] : `signal ${signal}`;
}

// blessed attribute: flags<<18 | fg<<9 | bg; 0x1ff = default colour.
const DEFAULT_COLOUR = 0x1ff;
const BOLD = 1;
const UNDERLINE = 2;
const BLINK = 4;
const INVERSE = 8;
const INVISIBLE = 16;
const DEFAULT_ATTR = (DEFAULT_COLOUR << 9) | DEFAULT_COLOUR; // no flags, default colours

// xterm's 6x6x6 colour cube levels and its 24-step grey ramp (232–255).
const CUBE = [0, 95, 135, 175, 215, 255];
const rgbCache = new Map<number, number>();

function nearestLevel(v: number): number {
  let best = 0;
  for (let i = 1; i < CUBE.length; i++) if (Math.abs(CUBE[i] - v) < Math.abs(CUBE[best] - v)) best = i;
  return best;
}

/**
 * 24-bit colour → nearest xterm 256-palette index (cube or grey ramp).
 * Our own, not blessed.colors.match: blessed's match cache is filled with
 * 8-colour answers when the module loads, so it maps #ff8700 to 3, not 208.
 */
export function rgbTo256(rgb: number): number {
  const cached = rgbCache.get(rgb);
  if (cached !== undefined) return cached;
  const r = (rgb >> 16) & 0xff;
  const g = (rgb >> 8) & 0xff;
  const b = rgb & 0xff;
  const [ri, gi, bi] = [nearestLevel(r), nearestLevel(g), nearestLevel(b)];
  const cube = 16 + 36 * ri + 6 * gi + bi;
  const cubeDist = (CUBE[ri] - r) ** 2 + (CUBE[gi] - g) ** 2 + (CUBE[bi] - b) ** 2;
  const greyStep = Math.max(0, Math.min(23, Math.round(((r + g + b) / 3 - 8) / 10)));
  const grey = 8 + 10 * greyStep;
  const greyDist = (grey - r) ** 2 + (grey - g) ** 2 + (grey - b) ** 2;
  const idx = greyDist < cubeDist ? 232 + greyStep : cube;
  if (rgbCache.size < 4096) rgbCache.set(rgb, idx); // children repeat colours
  return idx;
}

function colour(isDefault: boolean, isPalette: boolean, value: number): number {
  if (isDefault) return DEFAULT_COLOUR;
  return isPalette ? value & 0xff : rgbTo256(value);
}

/** blessed's attribute word for one xterm cell. */
export function cellAttr(cell: IBufferCell): number {
  let flags = 0;
  if (cell.isBold()) flags |= BOLD;
  if (cell.isUnderline()) flags |= UNDERLINE;
  if (cell.isBlink()) flags |= BLINK;
  if (cell.isInverse()) flags |= INVERSE;
  if (cell.isInvisible()) flags |= INVISIBLE;
  const fg = colour(cell.isFgDefault(), cell.isFgPalette(), cell.getFgColor());
  const bg = colour(cell.isBgDefault(), cell.isBgPalette(), cell.getBgColor());
  return (flags << 18) | (fg << 9) | bg;
}

// --- a tiny typed event -----------------------------------------------------------

class Emitter<T> {
  private listeners: Array<(e: T) => void> = [];
  on(listener: (e: T) => void): Disposable {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }
  fire(e: T): void {
    for (const l of this.listeners.slice()) l(e);
  }
  clear(): void {
    this.listeners = [];
  }
}

// --- blessed internals we touch, typed narrowly -------------------------------------

type Cell = [number, string];
interface ScreenInternals {
  lines: Array<Cell[] & { dirty?: boolean }>;
  focused?: unknown;
  grabKeys: boolean;
  fullUnicode: boolean;
  destroyed?: boolean;
  render(): void;
}
interface Coords {
  xi: number;
  xl: number;
  yi: number;
  yl: number;
}
interface BoxInternals {
  screen: ScreenInternals;
  render(): Coords | undefined;
  width: number;
  height: number;
  iwidth: number;
  iheight: number;
  ileft: number;
  itop: number;
  iright: number;
  ibottom: number;
  detached?: boolean;
}

// --- the pane ----------------------------------------------------------------------------

export class PtyPane implements Disposable {
  readonly box: blessed.Widgets.BoxElement;
  private readonly term: Terminal;
  private readonly child: pty.IPty;
  private readonly releaseKey: ReleaseKey;
  private readonly doneKeys: ReadonlySet<string>;
  private readonly statusLine: boolean;
  private readonly frameMs: number;
  private readonly requestRender: () => void;
  private readonly disposables: Disposable[] = [];
  private readonly exitEmitter = new Emitter<PtyExit>();
  private readonly releaseEmitter = new Emitter<ReleaseReason>();
  private readonly cell: IBufferCell;
  private exitInfo: PtyExit | undefined;
  private renderTimer: NodeJS.Timeout | undefined;
  private pendingHighSurrogate = '';
  private savedGrabKeys: boolean | undefined;
  private disposed = false;
  private readonly ownsBox: boolean = false;
  private cols: number;
  private rows: number;

  constructor(opts: PtyPaneOptions) {
    if (opts.box) this.box = opts.box;
    else if (opts.parent) {
      this.box = blessed.box({ ...opts.boxOptions, parent: opts.parent });
      this.ownsBox = true;
    } else throw new Error('PtyPane needs a box or a parent');

    this.releaseKey = opts.releaseKey ?? DEFAULT_RELEASE_KEY;
    this.doneKeys = new Set(opts.doneKeys ?? DEFAULT_DONE_KEYS);
    this.statusLine = opts.statusLine ?? true;
    this.frameMs = opts.frameMs ?? 16;
    const screen = this.boxi.screen;
    this.requestRender = opts.requestRender ?? (() => screen.render());

    [this.cols, this.rows] = this.innerSize();
    this.term = new Terminal({
      cols: this.cols,
      rows: this.rows,
      scrollback: opts.scrollback ?? 1000,
      allowProposedApi: true,
    });
    this.cell = this.term.buffer.active.getNullCell();

    const { file, args, env, cwd } = opts.command;
    try {
      this.child = pty.spawn(file, args, {
        name: env.TERM ?? 'xterm-256color', // what our emulator actually is
        cols: this.cols,
        rows: this.rows,
        cwd,
        env,
      });
    } catch (err) {
      // Nothing is wired yet: free what we made, let the caller report it.
      this.term.dispose();
      if (this.ownsBox) this.box.destroy();
      throw err;
    }

    this.wire();
  }

  /** Undefined while the child runs. */
  get exit(): PtyExit | undefined {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  get pid(): number {
    return this.child.pid;
  }

  /** The emulator's size (the box's inner area minus the status row). */
  get size(): { cols: number; rows: number } {
    return { cols: this.cols, rows: this.rows };
  }

  onExit(listener: (e: PtyExit) => void): Disposable {
    return this.exitEmitter.on(listener);
  }

  onRelease(listener: (reason: ReleaseReason) => void): Disposable {
    return this.releaseEmitter.on(listener);
  }

  focus(): void {
    this.box.focus();
  }

  /** Send bytes to the child as if typed (no-op after exit). */
  write(data: string): void {
    if (this.running && !this.disposed) this.child.write(data);
  }

  /** Text of the emulator's visible rows (for status lines, logs and tests). */
  visibleText(): string[] {
    const buf = this.term.buffer.active;
    const out: string[] = [];
    for (let r = 0; r < this.rows; r++) out.push(buf.getLine(buf.viewportY + r)?.translateToString(true) ?? '');
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.renderTimer) clearTimeout(this.renderTimer);
    this.renderTimer = undefined;
    for (const d of this.disposables.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        // keep going: every resource gets its chance
      }
    }
    if (this.running) this.killGroup();
    this.exitEmitter.clear();
    this.releaseEmitter.clear();
    this.term.dispose();
    if (this.ownsBox) this.box.destroy();
  }

  // --- internals --------------------------------------------------------------------------

  private get boxi(): BoxInternals {
    return this.box as unknown as BoxInternals;
  }

  private innerSize(): [number, number] {
    const b = this.boxi;
    let w = 80;
    let h = 24;
    try {
      w = b.width - b.iwidth;
      h = b.height - b.iheight - (this.statusLine ? 1 : 0);
    } catch {
      // not attached yet: the first render fixes the size
    }
    return [Math.max(1, w || 1), Math.max(1, h || 1)];
  }

  private wire(): void {
    const add = (d: Disposable) => this.disposables.push(d);

    add(this.child.onData((data) => this.term.write(data, () => this.scheduleRender())));
    // xterm answers the child's queries (DA, DSR cursor position …) through onData.
    add(this.term.onData((data) => this.write(data)));
    add(
      this.child.onExit(({ exitCode, signal }) => {
        // Let xterm finish parsing what is already queued, so the last output
        // is on screen before the status says the child is gone.
        this.term.write('', () => {
          if (this.disposed) return;
          this.exitInfo = { exitCode, signal: signalName(signal) };
          this.exitEmitter.fire(this.exitInfo);
          this.scheduleRender();
        });
      }),
    );

    // Paint after blessed draws the box itself (border, label, background).
    const box = this.boxi;
    const hadOwnRender = Object.prototype.hasOwnProperty.call(box, 'render');
    const originalRender = box.render;
    box.render = () => {
      const coords = originalRender.call(box);
      if (coords && !this.disposed) this.paint(coords);
      return coords;
    };
    add({
      dispose: () => {
        if (hadOwnRender) box.render = originalRender;
        else delete (box as Partial<BoxInternals>).render;
      },
    });

    this.listen('resize', () => this.scheduleRender());
    this.listen('keypress', (ch: string | undefined, key: BlessedKey | undefined) => this.onKey(ch, key));
    this.listen('focus', () => {
      const screen = this.boxi.screen;
      if (this.savedGrabKeys === undefined) this.savedGrabKeys = screen.grabKeys;
      screen.grabKeys = true;
      this.scheduleRender(); // draw the cursor
    });
    const ungrab = () => {
      if (this.savedGrabKeys === undefined) return;
      this.boxi.screen.grabKeys = this.savedGrabKeys;
      this.savedGrabKeys = undefined;
    };
    this.listen('blur', () => {
      ungrab();
      this.scheduleRender();
    });
    add({ dispose: ungrab });
  }

  private listen(event: string, fn: (...args: never[]) => void): void {
    const box = this.box as unknown as NodeJS.EventEmitter;
    box.on(event, fn as (...args: unknown[]) => void);
    this.disposables.push({ dispose: () => box.removeListener(event, fn as (...args: unknown[]) => void) });
  }

  private onKey(ch: string | undefined, key: BlessedKey | undefined): void {
    if (this.disposed) return;
    if (!this.running) {
      if (key?.name && this.doneKeys.has(key.name)) {
        // Enter arrives as 'return' and again as 'enter': release only once.
        if (key.name === 'enter' && key.sequence === '\r') return;
        this.releaseEmitter.fire('done');
      }
      return;
    }
    if (ch === this.releaseKey.bytes || key?.sequence === this.releaseKey.bytes || key?.full === this.releaseKey.name) {
      this.releaseEmitter.fire('release-key');
      return;
    }
    let bytes = keyToBytes(ch, key, this.term.modes.applicationCursorKeysMode);
    if (bytes === undefined) return;
    // blessed splits astral characters (emoji …) into two UTF-16 halves: rejoin.
    if (bytes.length === 1 && /[\ud800-\udbff]/.test(bytes)) {
      this.pendingHighSurrogate = bytes;
      return;
    }
    if (this.pendingHighSurrogate) {
      bytes = this.pendingHighSurrogate + bytes;
      this.pendingHighSurrogate = '';
    }
    this.write(bytes);
  }

  /** At most one repaint per frameMs, however much output arrives. */
  private scheduleRender(): void {
    if (this.renderTimer || this.disposed) return;
    this.renderTimer = setTimeout(() => {
      this.renderTimer = undefined;
      if (this.disposed || this.boxi.screen.destroyed) return;
      this.requestRender();
    }, this.frameMs);
  }

  /** Keep emulator and pty the size of the box; called on every paint. */
  private syncSize(): void {
    const [cols, rows] = this.innerSize();
    if (cols === this.cols && rows === this.rows) return;
    this.cols = cols;
    this.rows = rows;
    this.term.resize(cols, rows);
    if (this.running) {
      try {
        this.child.resize(cols, rows);
      } catch {
        // the child is exiting; its exit event follows
      }
    }
  }

  private paint(c: Coords): void {
    this.syncSize();
    const box = this.boxi;
    const screen = box.screen;
    const x0 = c.xi + box.ileft;
    const y0 = c.yi + box.itop;
    const xEnd = Math.min(c.xl - box.iright, x0 + this.cols);
    const yEnd = c.yl - box.ibottom;
    const buf = this.term.buffer.active;
    const cell = this.cell;

    // The child's cursor, drawn as an inverted cell while the pane has focus.
    const focused = screen.focused === this.box && this.running;
    const cursorRow = buf.baseY + buf.cursorY - buf.viewportY;
    const cursorHidden = (this.term as unknown as { _core?: { coreService?: { isCursorHidden?: boolean } } })._core
      ?.coreService?.isCursorHidden;

    for (let r = 0; r < this.rows; r++) {
      const y = y0 + r;
      if (y >= yEnd) break;
      const line = screen.lines[y];
      if (!line) continue;
      const src = buf.getLine(buf.viewportY + r);
      for (let x = x0, col = 0; x < xEnd; x++, col++) {
        let attr = DEFAULT_ATTR;
        let ch = ' ';
        if (src && src.getCell(col, cell)) {
          const width = cell.getWidth();
          if (width === 0) {
            ch = ' '; // right half of a wide char: blessed eats this cell
          } else {
            ch = cell.getChars() || ' ';
            // A wide char needs its right half inside the pane, and a terminal
            // that blessed drives in full-unicode mode; else show a stand-in.
            if (width === 2 && (x + 1 >= xEnd || !screen.fullUnicode)) ch = '?';
          }
          attr = cellAttr(cell);
        }
        if (focused && !cursorHidden && r === cursorRow && col === buf.cursorX) attr ^= INVERSE << 18;
        setCell(line, x, attr, ch);
      }
    }
    if (this.statusLine) this.paintStatus(x0, y0 + this.rows, xEnd, yEnd);
  }

  private paintStatus(x0: number, y: number, xEnd: number, yEnd: number): void {
    if (y >= yEnd) return;
    const line = this.boxi.screen.lines[y];
    if (!line) return;
    const exit = this.exitInfo;
    const hint = exit ? 'q/Enter/Esc returns' : `${this.releaseKey.name} returns`;
    const text = ` ${describeExit(exit)} · ${hint} `;
    // green for a clean exit, red for failure or a signal; colour is an extra
    // (NO_COLOR strips it), the words carry the meaning.
    const fg = !exit ? DEFAULT_COLOUR : exit.exitCode === 0 && !exit.signal ? 2 : 1;
    const attr = ((BOLD | INVERSE) << 18) | (fg << 9) | DEFAULT_COLOUR;
    for (let x = x0, i = 0; x < xEnd; x++, i++) setCell(line, x, attr, text[i] ?? ' ');
  }

  private killGroup(): void {
    const pid = this.child.pid;
    // Our exit listener is already disposed: watch for the exit ourselves so
    // the escalation below never signals a group id the kernel has reused.
    let gone = false;
    this.child.onExit(() => (gone = true));
    // node-pty makes the child a session (and group) leader: -pid reaches the
    // whole job, e.g. the dpkg under an apt-get.
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
        return true;
      } catch {
        return false;
      }
    };
    if (!signal('SIGTERM')) {
      try {
        this.child.kill('SIGTERM');
      } catch {
        // already gone
      }
    }
    // Last resort for a job that ignores SIGTERM; unref'd so it never keeps
    // the process alive, and it outlives dispose() on purpose.
    setTimeout(() => gone || signal('SIGKILL'), 3000).unref();
  }
}

function setCell(line: Cell[] & { dirty?: boolean }, x: number, attr: number, ch: string): void {
  const cell = line[x];
  if (!cell) return;
  if (cell[0] !== attr || cell[1] !== ch) {
    cell[0] = attr;
    cell[1] = ch;
    line.dirty = true;
  }
}
