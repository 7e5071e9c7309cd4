// Property-based tests of the sanitiser (and of the report formats that use it).
// Runs per property: HARDTOP_FUZZ_RUNS (default 2000; `npm run fuzz` uses 200000).

import test from 'ava';
import blessed from 'blessed';
import fc from 'fast-check';
import {
  NEWLINE_MARK,
  displayWidth,
  escapeTags,
  forScreen,
  sanitizeMultiline,
  sanitizeText,
  truncate,
} from '../../src/core/sanitize';
import { buildReport, formatJson, formatProm, formatText } from '../../src/core/report';
import { AREAS, SEVERITIES, STATUSES, type Finding } from '../../src/core/types';

const numRuns = Number(process.env.HARDTOP_FUZZ_RUNS) > 0 ? Number(process.env.HARDTOP_FUZZ_RUNS) : 2000;
const params = { numRuns };
// ava's default timeout is per-test inactivity; big fuzz runs need more.
const timeoutFor = (perRunMs: number) => Math.max(60_000, numRuns * perRunMs);

/** Forbidden in any sanitised output: C0 (LF aside), DEL, C1, bidi, line/paragraph separators, lone surrogates. */
const FORBIDDEN_MULTI =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const FORBIDDEN_LINE = new RegExp(`\\n|${FORBIDDEN_MULTI.source}`);

// Strings built from the pieces that matter: escape introducers and
// terminators, C0/C1, bidi, separators, surrogate halves, tag braces, plus
// arbitrary UTF-16 code units and ordinary text, so the scanner's branches
// are hit far more often than by uniform random strings.
const piece = fc.oneof(
  fc.constantFrom(
    '\x1b', '[', ']', 'P', 'X', '^', '_', '\\', '\x07', '\x9c', '\x9b', '\x9d', '\x90', '\x98', '\x9e', '\x9f',
    '\x18', '\x1a', '\n', '\r', '\t', '\x00', '\x7f', '\x85', ';', '0', '9', '?', ' ', '(', '#', 'm', 'H', '~',
    '\u202e', '\u2066', '\u200f', '\u061c', '\u2028', '\u2029', '\ud83d', '\ude00', '😀', '日', '{', '}',
    '{bold}', '{/}', '{escape}', '⏎', '\ufffd', 'e\u0301',
  ),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.string({ maxLength: 8 }),
);
const hostile = fc.array(piece, { maxLength: 60 }).map((a) => a.join(''));
/** Any UTF-16 string at all, lone surrogates included. */
const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 80 });
const input = fc.oneof(hostile, anyUnits, fc.string({ unit: 'binary', maxLength: 80 }));

/** Text that needs no sanitising at all (printable ASCII and a few safe non-ASCII). */
const safeText = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '[', ']', '\\', ';', 'é', '日', '😀', '{', '}', '⏎'), maxLength: 20 });
/** A sequence payload: anything but the characters that end or abort one. */
const payload = fc.string({ unit: fc.constantFrom('a', '5', ';', ':', '/', '=', '+', ' ', '[', ']', 'é', '\r', '\t', '\x00'), maxLength: 30 });

test('sanitizeText output never holds a control, DEL, C1, bidi, separator, newline or lone surrogate', (t) => {
  t.timeout(timeoutFor(1));
  fc.assert(fc.property(input, (s) => !FORBIDDEN_LINE.test(sanitizeText(s))), params);
  t.pass();
});

test('sanitizeMultiline output holds nothing forbidden except LF', (t) => {
  t.timeout(timeoutFor(1));
  fc.assert(fc.property(input, (s) => !FORBIDDEN_MULTI.test(sanitizeMultiline(s))), params);
  t.pass();
});

test('both sanitisers are idempotent', (t) => {
  t.timeout(timeoutFor(1));
  fc.assert(
    fc.property(input, (s) => {
      const a = sanitizeText(s);
      const b = sanitizeMultiline(s);
      return sanitizeText(a) === a && sanitizeMultiline(b) === b;
    }),
    params,
  );
  t.pass();
});

test('sanitizeText is sanitizeMultiline with line breaks shown as ⏎', (t) => {
  t.timeout(timeoutFor(1));
  fc.assert(
    fc.property(input, (s) => sanitizeText(s) === sanitizeMultiline(s).split('\n').join(NEWLINE_MARK)),
    params,
  );
  t.pass();
});

test('text that needs nothing is returned unchanged', (t) => {
  t.timeout(timeoutFor(1));
  fc.assert(fc.property(safeText, (s) => sanitizeText(s) === s && sanitizeMultiline(s) === s), params);
  t.pass();
});

test('terminated sequences vanish whole and the text around them survives', (t) => {
  t.timeout(timeoutFor(1));
  const params_ = fc.string({ unit: fc.constantFrom('0', '1', '9', ';', '?', '>', ':'), maxLength: 12 });
  const final = fc.integer({ min: 0x40, max: 0x7e }).map((c) => String.fromCharCode(c));
  const seq = fc.oneof(
    fc.tuple(params_, final).map(([p, f]) => `\x1b[${p}${f}`), // CSI
    fc.tuple(params_, final).map(([p, f]) => `\x9b${p}${f}`), // 8-bit CSI
    fc.tuple(fc.constantFrom(']', 'P', 'X', '^', '_'), payload, fc.constantFrom('\x07', '\x1b\\', '\x9c')).map(
      ([k, p, end]) => `\x1b${k}${p}${end}`,
    ),
  );
  fc.assert(fc.property(safeText, seq, safeText, (a, q, b) => sanitizeText(a + q + b) === a + b), params);
  t.pass();
});

test('the sanitisers never throw, whatever the input', (t) => {
  t.timeout(timeoutFor(1));
  fc.assert(
    fc.property(fc.oneof(input, fc.string({ unit: 'binary', maxLength: 500 })), (s) => {
      sanitizeText(s);
      sanitizeMultiline(s);
      forScreen(s, 10);
    }),
    params,
  );
  t.pass();
});

test('escaped text comes back verbatim through blessed tag parsing: no tag can be injected', (t) => {
  t.timeout(timeoutFor(2));
  const screen = { program: { _attr: () => '<TAG>' } } as unknown as blessed.Widgets.Screen;
  const tagText = fc.array(fc.oneof(piece, fc.constantFrom('{red-fg}', '{/red-fg}', '{open}', '{close}', '{/escape}')), {
    maxLength: 30,
  }).map((a) => sanitizeText(a.join('')));
  fc.assert(fc.property(tagText, (s) => blessed.parseTags(escapeTags(s), screen) === s), params);
  t.pass();
});

test('truncate fits the width, keeps a prefix, and leaves short text alone', (t) => {
  t.timeout(timeoutFor(1));
  fc.assert(
    fc.property(input.map(sanitizeText), fc.integer({ min: 0, max: 30 }), (s, w) => {
      const out = truncate(s, w);
      if (displayWidth(out) > w) return false;
      if (w === 0) return out === '';
      if (displayWidth(s) <= w) return out === s;
      return out.endsWith('…') && s.startsWith(out.slice(0, -1)) && sanitizeText(out) === out;
    }),
    params,
  );
  t.pass();
});

function allStrings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(allStrings);
  return [];
}

test('report formats carry no control character whatever the findings hold', (t) => {
  t.timeout(timeoutFor(5));
  const finding: fc.Arbitrary<Finding> = fc.record({
    id: input,
    area: fc.constantFrom(...AREAS),
    title: input,
    status: fc.constantFrom(...STATUSES),
    severity: fc.constantFrom(...SEVERITIES),
    summary: input,
    evidence: fc.array(
      fc.record(
        { file: input, line: fc.nat(), text: input, command: input },
        { requiredKeys: [] },
      ),
      { maxLength: 3 },
    ),
    fixes: fc.array(input, { maxLength: 2 }),
    durationMs: fc.nat(),
  });
  fc.assert(
    fc.property(fc.array(finding, { maxLength: 4 }), input, (findings, hostname) => {
      const r = buildReport({
        version: '0.1.0',
        host: { hostname, os: 'os', kernel: 'k', root: '/' },
        startedAt: new Date(0),
        durationMs: 1,
        findings,
      });
      const json = formatJson(r);
      return (
        !FORBIDDEN_LINE.test(json.replace(/\n/g, '')) &&
        // What a consumer decodes: every string value, at any depth.
        allStrings(JSON.parse(json)).every((v) => !FORBIDDEN_LINE.test(v)) &&
        !FORBIDDEN_MULTI.test(formatText(r, { color: false })) &&
        !FORBIDDEN_MULTI.test(formatProm(r))
      );
    }),
    { numRuns: Math.max(1, Math.floor(numRuns / 4)) },
  );
  t.pass();
});

// ---------------------------------------------------------------- linear time

const MILLION = 1_000_000;
const pathological: Array<[string, () => string]> = [
  ['ESC [ repeated', () => '\x1b['.repeat(MILLION / 2)],
  ['ESC ] repeated, never terminated', () => '\x1b]'.repeat(MILLION / 2)],
  ['one OSC, never terminated', () => '\x1b]52;c;' + 'A'.repeat(MILLION)],
  ['ESC P repeated', () => '\x1bP'.repeat(MILLION / 2)],
  ['8-bit CSI repeated', () => '\x9b'.repeat(MILLION)],
  ['CSI parameters without a final byte', () => '\x1b[' + '1;'.repeat(MILLION / 2)],
  ['lone ESCs', () => '\x1b'.repeat(MILLION)],
  ['lone high surrogates', () => '\ud83d'.repeat(MILLION)],
  ['a million {', () => '{'.repeat(MILLION)],
  ['mixed', () => 'a\x1b[31m\x1b]8;;x\x07{\u202e\n\t'.repeat(MILLION / 16)],
];

for (const [name, make] of pathological) {
  test(`linear time on a 1,000,000-char pathological input: ${name}`, (t) => {
    const s = make();
    const started = process.hrtime.bigint();
    const a = sanitizeText(s);
    const b = sanitizeMultiline(s);
    const c = forScreen(s);
    const d = truncate(a, 80);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // A generous bound: quadratic behaviour on a million chars would take minutes.
    t.true(ms < 5000, `${ms.toFixed(0)} ms`);
    t.false(FORBIDDEN_LINE.test(a));
    t.false(FORBIDDEN_MULTI.test(b));
    t.true(c.length >= a.length);
    t.true(displayWidth(d) <= 80);
  });
}
