// How execStream cuts a byte stream into text pieces (line-pieces.ts), fed
// directly so every split offset and every piece size can be tried; the real
// programs are in exec-stream.test.ts.

import test from 'ava';
import { characterBoundary, LinePieces } from '../../src/host/line-pieces';

/** ASCII, 2-, 3- and 4-byte characters, short and long lines, no final newline. */
const SAMPLE = Buffer.from('ab\nJörg Üñï\n€uro 𝄞 clef\n\nxyzzy-long-line-ééé€€€𝄞𝄞𝄞-end\nlast 𝄞', 'utf8');

function feed(chunkBytes: number, parts: Buffer[], maxBytes = 1 << 30): { pieces: string[]; truncated: boolean } {
  const pieces: string[] = [];
  const lp = new LinePieces(chunkBytes, maxBytes, (text) => pieces.push(text));
  for (const p of parts) lp.add(p);
  lp.end();
  return { pieces, truncated: lp.truncated };
}

test('every split of the input and every piece size: same text, no mangled character, rules kept', (t) => {
  const want = SAMPLE.toString('utf8');
  let checked = 0;
  for (let chunkBytes = 1; chunkBytes <= SAMPLE.length + 1; chunkBytes++) {
    for (let cut = 0; cut <= SAMPLE.length; cut++) {
      for (const cut2 of [cut, Math.min(SAMPLE.length, cut + 1), Math.min(SAMPLE.length, cut + 3)]) {
        const { pieces } = feed(chunkBytes, [SAMPLE.subarray(0, cut), SAMPLE.subarray(cut, cut2), SAMPLE.subarray(cut2)]);
        const label = `chunkBytes ${chunkBytes}, cuts at ${cut}/${cut2}`;
        if (pieces.join('') !== want) return t.fail(`${label}: ${JSON.stringify(pieces)}`);
        if (pieces.some((p) => p === '' || p.includes('\uFFFD'))) return t.fail(`${label}: empty or mangled piece ${JSON.stringify(pieces)}`);
        for (const [i, p] of pieces.entries()) {
          const bytes = Buffer.byteLength(p);
          // A 4-byte character cannot fit a piece smaller than itself: the decoder carries it.
          if (chunkBytes >= 4 && bytes > chunkBytes) return t.fail(`${label}: piece ${i} is ${bytes} bytes`);
          const last = i === pieces.length - 1;
          // Not ending in "\n" is allowed only for a cut line (a full piece, up to a character) or the tail.
          if (!last && !p.endsWith('\n') && chunkBytes >= 4 && bytes < chunkBytes - 3) return t.fail(`${label}: piece ${i} ${JSON.stringify(p)} cut short`);
        }
        checked++;
      }
    }
  }
  t.true(checked > 1000);
});

test('whole lines are handed over as they arrive; an incomplete one waits for its newline or the end', (t) => {
  const pieces: string[] = [];
  const lp = new LinePieces(1024, 1 << 20, (text) => pieces.push(text));
  lp.add(Buffer.from('one\ntw'));
  t.deepEqual(pieces, ['one\n']);
  lp.add(Buffer.from('o\nthree'));
  t.deepEqual(pieces, ['one\n', 'two\n']);
  t.is(lp.end(), '');
  t.deepEqual(pieces, ['one\n', 'two\n', 'three']);
});

test('several lines go out together up to chunkBytes, cut after a "\\n"', (t) => {
  const { pieces } = feed(10, [Buffer.from('aaa\nbbb\nccc\nddd\n')]);
  t.deepEqual(pieces, ['aaa\nbbb\n', 'ccc\nddd\n']);
});

test('a line longer than chunkBytes is cut, on a character boundary', (t) => {
  // "é" is 2 bytes: 5-byte pieces would split every third one; cuts fall before it instead.
  const { pieces } = feed(5, [Buffer.from('éééééé\n')]);
  t.deepEqual(pieces, ['éé', 'éé', 'éé\n']);
});

test('maxBytes bounds what is handed over; past it add() says stop', (t) => {
  const pieces: string[] = [];
  const lp = new LinePieces(4, 10, (text) => pieces.push(text));
  t.true(lp.add(Buffer.from('123\n456\n')));
  t.false(lp.add(Buffer.from('789\nabc\n')));
  t.false(lp.add(Buffer.from('more\n')));
  lp.end();
  t.true(lp.truncated);
  t.is(pieces.join(''), '123\n456\n78');
});

test('a throwing consumer stops delivery and the error is kept', (t) => {
  const pieces: string[] = [];
  const boom = new Error('consumer failed');
  const lp = new LinePieces(4, 1 << 20, (text) => {
    pieces.push(text);
    throw boom;
  });
  t.false(lp.add(Buffer.from('a\nb\nc\n')));
  lp.end();
  t.deepEqual(pieces, ['a\nb\n']);
  t.true(lp.failed);
  t.is(lp.error, boom);
});

test('characterBoundary backs off only to split a character, never to an empty piece', (t) => {
  const b = Buffer.from('a€b', 'utf8'); // 61 e2 82 ac 62
  t.is(characterBoundary(b, 0, 1), 1);
  t.is(characterBoundary(b, 0, 2), 1);
  t.is(characterBoundary(b, 0, 3), 1);
  t.is(characterBoundary(b, 0, 4), 4);
  t.is(characterBoundary(b, 1, 3), 3, 'the character starts the piece: left to the decoder');
  t.is(characterBoundary(b, 0, 5), 5);
});
