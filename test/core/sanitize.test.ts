import test from 'ava';
import blessed from 'blessed';
import {
  NEWLINE_MARK,
  decodeUntrusted,
  displayWidth,
  escapeTags,
  forScreen,
  sanitizeMultiline,
  sanitizeText,
  truncate,
} from '../../src/core/sanitize';

const ESC = '\x1b';
const BEL = '\x07';
const ST = '\x1b\\';

// ---------------------------------------------------------------- CSI

test('CSI colour codes are removed, text kept', (t) => {
  t.is(sanitizeText(`${ESC}[31mred${ESC}[0m plain ${ESC}[1;38;5;196mbold${ESC}[m`), 'red plain bold');
});

test('CSI cursor moves and ESC[2J (clear screen) are removed', (t) => {
  t.is(sanitizeText(`a${ESC}[2Jb${ESC}[Hc${ESC}[10;20Hd${ESC}[3Ae${ESC}[Kf`), 'abcdef');
});

test('CSI with private parameters (alt screen, hide cursor, bracketed paste) is removed', (t) => {
  t.is(sanitizeText(`x${ESC}[?1049h${ESC}[?25l${ESC}[?2004hy${ESC}[>4;1m`), 'xy');
});

test('CSI without a final byte ends where the parameters end', (t) => {
  // The non-CSI character after the parameters is shown, not swallowed.
  t.is(sanitizeText(`${ESC}[12;é`), 'é');
  t.is(sanitizeText(`${ESC}[`), '');
  t.is(sanitizeText(`ok${ESC}[1;2`), 'ok');
});

// ---------------------------------------------------------------- OSC

test('OSC 52 clipboard write is dropped whole, payload included (BEL terminator)', (t) => {
  const payload = Buffer.from('curl evil.sh | sh').toString('base64');
  const out = sanitizeText(`before${ESC}]52;c;${payload}${BEL}after`);
  t.is(out, 'beforeafter');
  t.false(out.includes(payload));
});

test('OSC 52 terminated by ST (ESC \\) and by 8-bit ST is dropped whole', (t) => {
  t.is(sanitizeText(`a${ESC}]52;c;Zm9v${ST}b`), 'ab');
  t.is(sanitizeText(`a${ESC}]52;c;Zm9v\u009cb`), 'ab');
});

test('OSC 8 hyperlink: both link sequences dropped, only the visible text stays', (t) => {
  const s = `${ESC}]8;;https://evil.example/${ST}click me${ESC}]8;;${ST}`;
  t.is(sanitizeText(s), 'click me');
});

test('OSC window title is dropped', (t) => {
  t.is(sanitizeText(`${ESC}]0;pwned${BEL}x`), 'x');
  t.is(sanitizeText(`\u009d0;pwned${BEL}x`), 'x'); // 8-bit OSC
});

test('unterminated OSC eats to the end of its line only', (t) => {
  t.is(sanitizeText(`seen${ESC}]52;c;aGlkZGVu`), 'seen');
  // One hostile log line must not hide the lines after it.
  t.is(sanitizeMultiline(`line1 ${ESC}]0;eaten\nline2\nline3`), 'line1 \nline2\nline3');
  t.is(sanitizeText(`a${ESC}]0;eaten\nb`), `a${NEWLINE_MARK}b`);
});

test('an ESC inside an OSC ends it and starts a new sequence (as in a terminal)', (t) => {
  t.is(sanitizeText(`${ESC}]0;title${ESC}[31mred`), 'red');
  // CAN and SUB abort a string sequence.
  t.is(sanitizeText(`${ESC}]0;title\x18shown`), 'shown');
  t.is(sanitizeText(`${ESC}Pdata\x1ashown`), 'shown');
});

// ---------------------------------------------------------------- DCS, SOS, PM, APC

test('DCS, SOS, PM and APC strings are dropped whole', (t) => {
  t.is(sanitizeText(`a${ESC}P1$r0m${ST}b`), 'ab'); // DCS (DECRQSS reply)
  t.is(sanitizeText(`a${ESC}Xsos${ST}b`), 'ab');
  t.is(sanitizeText(`a${ESC}^pm${ST}b`), 'ab');
  t.is(sanitizeText(`a${ESC}_Gf=100;AAAA${ST}b`), 'ab'); // kitty graphics APC
  t.is(sanitizeText(`a\u0090dcs\u009cb`), 'ab'); // 8-bit DCS … ST
  t.is(sanitizeText(`a\u009fapc\u009cb`), 'ab');
});

// ---------------------------------------------------------------- two-byte ESC, lone ESC

test('two-byte and nF ESC sequences are removed', (t) => {
  t.is(sanitizeText(`a${ESC}cb`), 'ab'); // RIS: full reset
  t.is(sanitizeText(`a${ESC}7b${ESC}8c`), 'abc'); // save/restore cursor
  t.is(sanitizeText(`a${ESC}(0b${ESC}(Bc`), 'abc'); // DEC line drawing charset
  t.is(sanitizeText(`a${ESC}#8b`), 'ab'); // DECALN: fill the screen with E
});

test('a lone ESC is removed, at the end and before non-ASCII', (t) => {
  t.is(sanitizeText(`end${ESC}`), 'end');
  t.is(sanitizeText(`${ESC}`), '');
  t.is(sanitizeText(`${ESC}${ESC}${ESC}`), '');
  t.is(sanitizeText(`${ESC}é`), 'é');
});

// ---------------------------------------------------------------- C0, DEL, C1

test('C0 controls and DEL are removed, tab becomes a space', (t) => {
  t.is(sanitizeText('a\x00b\x07c\x08d\x7fe\tf'), 'abcde f');
});

test('CR is dropped so text cannot overwrite the start of its own line', (t) => {
  t.is(sanitizeText('Accepted password for root\rFailed'), 'Accepted password for rootFailed');
  t.is(sanitizeText('a\r\nb'), `a${NEWLINE_MARK}b`);
});

test('C1 controls: U+009B is an 8-bit CSI and is removed with its sequence', (t) => {
  t.is(sanitizeText('\u009b31mred\u009b0m'), 'red');
  // U+009B followed by "[31m": '[' is itself a CSI final byte, so "31m" shows (harmlessly).
  const out = sanitizeText('\u009b[31mred');
  t.false(/[\u0080-\u009f]/.test(out));
  t.is(out, '31mred');
  t.is(sanitizeText('a\u0085b\u008dc\u0084d'), 'abcd'); // NEL, RI, IND
});

test('the raw byte 0x9B (not UTF-8) decodes to U+FFFD, never to a C1 control', (t) => {
  const s = decodeUntrusted(Buffer.from([0x9b, 0x33, 0x31, 0x6d, 0x78]));
  t.is(s, '\uFFFD31mx');
  t.is(sanitizeText(s), '\uFFFD31mx');
});

// ---------------------------------------------------------------- Unicode

test('bidi override U+202E and other bidi controls are removed', (t) => {
  // "innocent\u202Efdp.exe" would display as "innocentexe.pdf".
  t.is(sanitizeText('innocent\u202Efdp.exe'), 'innocentfdp.exe');
  t.is(sanitizeText('a\u202Ab\u202Bc\u202Cd\u202De\u2066f\u2067g\u2068h\u2069i\u200Ej\u200Fk\u061Cl'), 'abcdefghijkl');
});

test('newlines: a visible mark in one line, kept in multiline; U+2028/U+2029 count as newlines', (t) => {
  t.is(sanitizeText('a\nb\u2028c\u2029d'), `a${NEWLINE_MARK}b${NEWLINE_MARK}c${NEWLINE_MARK}d`);
  t.is(sanitizeMultiline('a\r\nb\u2028c\u2029d\te'), 'a\nb\nc\nd e');
});

test('invalid UTF-8 decodes with U+FFFD: decodeUntrusted(ff fe 41)', (t) => {
  const s = decodeUntrusted(Buffer.from([0xff, 0xfe, 0x41]));
  t.is(s, '\uFFFD\uFFFDA');
  t.is(sanitizeText(s), s);
  // Encoded surrogates and overlong forms are invalid too.
  t.false(/[\ud800-\udfff]/.test(decodeUntrusted(Buffer.from([0xed, 0xa0, 0x80]))));
  t.is(decodeUntrusted(Buffer.from([0xc0, 0x80])), '\uFFFD\uFFFD');
});

test('decodeUntrusted reads a Uint8Array view at its own offset', (t) => {
  const whole = Buffer.from('xxhello');
  t.is(decodeUntrusted(whole.subarray(2)), 'hello');
});

test('lone surrogates become U+FFFD; valid pairs (emoji) are kept', (t) => {
  t.is(sanitizeText('a\ud800b'), 'a\uFFFDb');
  t.is(sanitizeText('a\udc00'), 'a\uFFFD');
  t.is(sanitizeText('\ud83d'), '\uFFFD');
  t.is(sanitizeText('ok 😀 ✔'), 'ok 😀 ✔');
  // Removing an ESC between two halves must not glue them into a pair.
  t.is(sanitizeText('\ud83d\x1b\ude00'), '\uFFFD\uFFFD');
});

test('ordinary text passes through unchanged (same string)', (t) => {
  const s = 'sshd[1234]: Failed password for invalid user ädmin from 203.0.113.9 port 22 — 日本語 {bold}';
  t.is(sanitizeText(s), s);
  t.is(sanitizeMultiline(s), s);
});

test('sanitisation is idempotent on a mixed hostile string', (t) => {
  const s = `x${ESC}[31m\u009b2J\u202E${ESC}]52;c;AA\n\ty\r\ud800${ESC}`;
  const once = sanitizeText(s);
  t.is(sanitizeText(once), once);
  const m = sanitizeMultiline(s);
  t.is(sanitizeMultiline(m), m);
});

// ---------------------------------------------------------------- blessed tags

test('escapeTags writes { and } as blessed does (blessed.escape)', (t) => {
  const s = '{bold}x{/bold} {red-fg}{escape}{/escape} }{';
  t.is(escapeTags(s), blessed.escape(s));
});

test('escaped text comes back verbatim through blessed tag parsing (no tag injected)', (t) => {
  // A fake screen whose attribute lookup marks any tag that would have applied.
  const screen = { program: { _attr: () => '<TAG>' } } as unknown as blessed.Widgets.Screen;
  for (const s of ['{bold}root{/bold}', '{escape}', '{/}', '{open}', '{{}}', '{red-fg}x{/red-fg}']) {
    t.is(blessed.parseTags(escapeTags(s), screen), s);
  }
});

test('forScreen sanitises then escapes tags, and truncates before escaping', (t) => {
  t.is(forScreen(`${ESC}[31m{bold}x`), '{open}bold{close}x');
  t.is(forScreen('{abcdef}', 4), '{open}ab…'); // 3 cells of text + …
});

// ---------------------------------------------------------------- width

test('displayWidth: ASCII 1, CJK and emoji 2, combining marks 0', (t) => {
  t.is(displayWidth('abc'), 3);
  t.is(displayWidth('日本'), 4);
  t.is(displayWidth('😀'), 2);
  t.is(displayWidth('e\u0301'), 1); // e + combining acute
  t.is(displayWidth('✔ ▲ ✖'), 5);
});

test('truncate by display cells with an ellipsis', (t) => {
  t.is(truncate('hello', 10), 'hello');
  t.is(truncate('hello', 5), 'hello');
  t.is(truncate('hello world', 5), 'hell…');
  t.is(truncate('日本語テキスト', 5), '日本…'); // 4 cells + …
  t.is(truncate('日本語テキスト', 6), '日本…'); // a wide char never straddles the edge
  t.is(truncate('a😀b😀c', 4), 'a😀…');
  t.is(truncate('😀😀', 4), '😀😀'); // exactly fits: no cut
  t.is(truncate('😀😀', 3), '😀…');
  t.is(truncate('😀😀', 2), '…');
  t.is(truncate('abc', 1), '…');
  t.is(truncate('abc', 0), '');
  t.is(truncate('abc', -3), '');
  t.is(truncate('e\u0301e\u0301e\u0301', 2), 'e\u0301…');
});

test('truncate never splits a surrogate pair', (t) => {
  for (let w = 1; w < 8; w++) {
    const out = truncate('😀😀😀😀😀', w);
    t.is(sanitizeText(out), out); // no lone surrogate to replace
    t.true(displayWidth(out) <= w);
  }
});
