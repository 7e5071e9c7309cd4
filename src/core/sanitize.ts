// The one sanitiser for untrusted text (log lines, user names, certificate
// subjects, header values, file names, config lines …).
//
// hardtop runs as root in an admin's terminal. Anything an attacker can get
// into a log line or a file name could otherwise reach that terminal: clear
// the screen, fake a "pass", rewrite the clipboard (OSC 52), plant a link
// (OSC 8), reorder text with bidi overrides, or inject blessed `{tags}`.
//
// Choices, so callers know what they get:
// - Escape sequences (CSI, OSC, DCS/SOS/PM/APC, two-byte ESC) are dropped
//   whole, payload included: an OSC 52 clipboard payload never shows up as text.
// - String sequences (OSC, DCS, SOS, PM, APC) end at their terminator (BEL, ST
//   = ESC \ or U+009C) or where a terminal would abort them (CAN, SUB, another
//   ESC, another C1 control). An UNTERMINATED one eats to the end of its LINE,
//   not to the end of the text: a terminal would eat everything, but one
//   hostile log line must not be able to hide the log lines after it.
// - In a single display line (`sanitizeText`) a newline (LF, U+2028, U+2029)
//   becomes a visible '⏎', so a value with an embedded line break cannot
//   pass itself off as two separate lines; CR is dropped (it would let text
//   overwrite the start of its own line). Tab becomes a space.
// - A lone UTF-16 surrogate becomes U+FFFD (as invalid UTF-8 does when
//   decoded), so the admin sees that something was there.
// - Linear time, hand-written scanner (no backtracking regex), and idempotent:
//   the output only holds characters that the scanner passes through unchanged.

const ESC = 0x1b;
const BEL = 0x07;
const TAB = 0x09;
const LF = 0x0a;
const CAN = 0x18;
const SUB = 0x1a;
const DEL = 0x7f;
const BACKSLASH = 0x5c;
const LSEP = 0x2028;
const PSEP = 0x2029;

// 8-bit (C1) introducers: terminals that honour C1 treat these like their ESC forms.
const C1_DCS = 0x90;
const C1_SOS = 0x98;
const C1_CSI = 0x9b;
const C1_ST = 0x9c;
const C1_OSC = 0x9d;
const C1_PM = 0x9e;
const C1_APC = 0x9f;

const REPLACEMENT = '\uFFFD';
/** What a line break turns into inside one display line. */
export const NEWLINE_MARK = '⏎';

/** Anything that needs the slow path. A plain character class: linear, no backtracking. */
const NEEDS_WORK = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/;

function isBidiControl(c: number): boolean {
  return (
    c === 0x061c || c === 0x200e || c === 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
  );
}

function isLineEnd(c: number): boolean {
  return c === LF || c === LSEP || c === PSEP;
}

/** CSI: parameter and intermediate bytes (0x20–0x3F), then one final byte (0x40–0x7E). Returns the index after it. */
function skipCsi(s: string, j: number): number {
  const n = s.length;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c < 0x20 || c > 0x3f) break;
    j++;
  }
  // A missing final byte ends the sequence here; the offending character is
  // then handled (and shown, if printable) by the main loop.
  if (j < n) {
    const c = s.charCodeAt(j);
    if (c >= 0x40 && c <= 0x7e) j++;
  }
  return j;
}

/** OSC/DCS/SOS/PM/APC body: everything up to a terminator. Returns the index after what it consumed. */
function skipString(s: string, j: number): number {
  const n = s.length;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === BEL || c === C1_ST || c === CAN || c === SUB) return j + 1;
    if (c === ESC) return s.charCodeAt(j + 1) === BACKSLASH ? j + 2 : j; // ST, or a new sequence starts
    if (c >= 0x80 && c <= 0x9f) return j; // another C1 control aborts the string
    if (isLineEnd(c)) return j; // see the header: never eat past the line
    j++;
  }
  return n; // unterminated: eat to the end, as a terminal would
}

/** After an ESC at j-1: the sequence it introduces. Returns the index after it. */
function skipEscape(s: string, j: number): number {
  const n = s.length;
  if (j >= n) return j;
  const c = s.charCodeAt(j);
  switch (c) {
    case 0x5b: // [
      return skipCsi(s, j + 1);
    case 0x5d: // ]
    case 0x50: // P
    case 0x58: // X
    case 0x5e: // ^
    case 0x5f: // _
      return skipString(s, j + 1);
  }
  if (c >= 0x20 && c <= 0x2f) {
    // nF sequences such as ESC ( B: intermediates, then one final byte.
    let k = j;
    while (k < n) {
      const d = s.charCodeAt(k);
      if (d < 0x20 || d > 0x2f) break;
      k++;
    }
    if (k < n) {
      const d = s.charCodeAt(k);
      if (d >= 0x30 && d <= 0x7e) k++;
    }
    return k;
  }
  if (c >= 0x30 && c <= 0x7e) return j + 1; // two-byte: ESC c (reset), ESC 7, ESC = …
  return j; // a lone ESC: dropped, the next character stands on its own
}

function scan(s: string, newline: string): string {
  if (!NEEDS_WORK.test(s)) return s;
  const n = s.length;
  let out = '';
  let run = 0; // start of the current run of characters copied as they are
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < DEL) {
      i++;
      continue;
    }
    if (c >= 0xa0 && !(c >= 0xd800 && c <= 0xdfff) && !isBidiControl(c) && c !== LSEP && c !== PSEP) {
      i++;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1); // NaN past the end
      if (d >= 0xdc00 && d <= 0xdfff) {
        i += 2; // a valid pair: keep it
        continue;
      }
    }
    // Something to drop or replace: flush the run first.
    out += s.slice(run, i);
    if (c === ESC) {
      i = skipEscape(s, i + 1);
    } else if (c === C1_CSI) {
      i = skipCsi(s, i + 1);
    } else if (c === C1_OSC || c === C1_DCS || c === C1_SOS || c === C1_PM || c === C1_APC) {
      i = skipString(s, i + 1);
    } else {
      if (c === TAB) out += ' ';
      else if (isLineEnd(c)) out += newline;
      else if (c >= 0xd800 && c <= 0xdfff) out += REPLACEMENT; // lone surrogate
      // else: other C0 (CR included), DEL, C1, bidi control: dropped.
      i++;
    }
    run = i;
  }
  return out + s.slice(run);
}

/**
 * One display line of untrusted text: no terminal control of any kind,
 * line breaks shown as '⏎', tabs as spaces. Idempotent, linear time.
 */
export function sanitizeText(s: string): string {
  return scan(s, NEWLINE_MARK);
}

/** Like sanitizeText, but keeps line breaks as '\n' (CR dropped, U+2028/U+2029 become '\n'). */
export function sanitizeMultiline(s: string): string {
  return scan(s, '\n');
}

/**
 * Bytes from the system as text: UTF-8, each invalid sequence shown as U+FFFD.
 * Decoding only; sanitise before display.
 */
export function decodeUntrusted(b: Buffer | Uint8Array): string {
  // Buffer#toString('utf8') replaces invalid input with U+FFFD (WHATWG rules)
  // and, unlike TextDecoder, keeps a BOM, so byte offsets and line numbers stay honest.
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

/**
 * blessed parses `{bold}`-style tags when `tags: true`. Its own escape
 * (blessed.escape) writes `{` as `{open}` and `}` as `{close}`; we do the same
 * here so core code need not load blessed. Apply exactly once, as the last step.
 */
export function escapeTags(s: string): string {
  return s.replace(/[{}]/g, (ch) => (ch === '{' ? '{open}' : '{close}'));
}

// Display width. Simple but right for the common cases: combining marks and
// format characters take no cell; East Asian wide/fullwidth and emoji take two.

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

// Sorted, inclusive [start, end] pairs of double-width code points.
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0],
  [0x23f3, 0x23f3], [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f],
  [0x2693, 0x2693], [0x26a1, 0x26a1], [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5],
  [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea], [0x26f2, 0x26f3], [0x26f5, 0x26f5],
  [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b], [0x2728, 0x2728],
  [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55],
  [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf],
  [0xa960, 0xa97f], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f],
  [0xff00, 0xff60], [0xffe0, 0xffe6], [0x16fe0, 0x16fe4], [0x17000, 0x18aff], [0x1b000, 0x1b2ff],
  [0x1f004, 0x1f004], [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e], [0x1f191, 0x1f19a], [0x1f200, 0x1f202],
  [0x1f210, 0x1f23b], [0x1f240, 0x1f248], [0x1f250, 0x1f251], [0x1f260, 0x1f265], [0x1f300, 0x1f320],
  [0x1f32d, 0x1f335], [0x1f337, 0x1f37c], [0x1f37e, 0x1f393], [0x1f3a0, 0x1f3ca], [0x1f3cf, 0x1f3d3],
  [0x1f3e0, 0x1f3f0], [0x1f3f4, 0x1f3f4], [0x1f3f8, 0x1f43e], [0x1f440, 0x1f440], [0x1f442, 0x1f4fc],
  [0x1f4ff, 0x1f53d], [0x1f54b, 0x1f54e], [0x1f550, 0x1f567], [0x1f57a, 0x1f57a], [0x1f595, 0x1f596],
  [0x1f5a4, 0x1f5a4], [0x1f5fb, 0x1f64f], [0x1f680, 0x1f6c5], [0x1f6cc, 0x1f6cc], [0x1f6d0, 0x1f6d2],
  [0x1f6d5, 0x1f6d7], [0x1f6dc, 0x1f6df], [0x1f6eb, 0x1f6ec], [0x1f6f4, 0x1f6fc], [0x1f7e0, 0x1f7eb],
  [0x1f7f0, 0x1f7f0], [0x1f90c, 0x1f93a], [0x1f93c, 0x1f945], [0x1f947, 0x1f9ff], [0x1fa70, 0x1faff],
  [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];

function isWide(cp: number): boolean {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = WIDE[mid];
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Terminal cells one code point takes (0, 1 or 2). Controls count 0: sanitise first. */
export function charWidth(cp: number): number {
  if (cp >= 0x20 && cp < 0x7f) return 1; // the common case, fast
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return cp === 0xad ? 0 : 1;
  if (ZERO_WIDTH.test(String.fromCodePoint(cp))) return 0;
  if (cp >= 0x1160 && cp <= 0x11ff) return 0; // Hangul medial vowels / final consonants join the syllable
  return isWide(cp) ? 2 : 1;
}

/** Terminal cells a (sanitised) string takes. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/**
 * At most `width` cells of a sanitised string; when cut, the last cell is '…'.
 * Never splits a surrogate pair, and keeps combining marks with their base.
 */
export function truncate(s: string, width: number): string {
  if (!(width > 0)) return '';
  if (displayWidth(s) <= width) return s;
  const budget = Math.floor(width) - 1;
  let used = 0;
  let out = '';
  for (const ch of s) {
    const w = charWidth(ch.codePointAt(0)!);
    if (used + w > budget) break;
    out += ch;
    used += w;
  }
  return out + '…';
}

/**
 * Untrusted text for a blessed element with `tags: true`: sanitised, cut to
 * `width` cells if given (before tag escaping, which would skew the count),
 * and tag-escaped.
 */
export function forScreen(s: string, width?: number): string {
  const clean = sanitizeText(s);
  return escapeTags(width === undefined ? clean : truncate(clean, width));
}
