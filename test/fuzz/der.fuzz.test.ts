// The DER walker and the decoders on it meet certificates from disk and from
// the network: no byte string may make them throw, and what they return stays
// inside the input. Inputs: random bytes, and real certificates with random
// bytes overwritten, inserted or cut (most of the interesting failures live
// one byte away from a valid certificate). HARDTOP_FUZZ_RUNS raises the count.

import test from 'ava';
import * as fc from 'fast-check';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { certificateExtensions, childrenOf, readTlv } from '../../src/parse/der';
import { embeddedScts, parseSctList } from '../../src/parse/sct';
import { mustStaple } from '../../src/parse/tls-feature';
import { sct, sctList } from '../helpers/sct';

const RUNS = Number(process.env.HARDTOP_FUZZ_RUNS ?? 2000);
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'tls-ct');
const REAL = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.pem')).map((f) => new X509Certificate(fs.readFileSync(path.join(FIXTURES, f))).raw);

/** A real certificate with a few random edits. */
const mutatedCert = fc
  .tuple(
    fc.constantFrom(...REAL),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 6 }),
  )
  .map(([cert, edits]) => {
    const bytes = [...cert];
    for (const [at, value, op] of edits) {
      const i = at % (bytes.length + 1);
      if (op === 'set' && i < bytes.length) bytes[i] = value;
      else if (op === 'insert') bytes.splice(i, 0, value);
      else if (op === 'delete' && i < bytes.length) bytes.splice(i, 1);
    }
    return Buffer.from(bytes);
  });

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)), mutatedCert);

test('certificate decoders: no input throws; results stay within the input', (t) => {
  fc.assert(
    fc.property(anyBytes, (buf) => {
      const exts = certificateExtensions(buf);
      if (exts) for (const e of exts) if (e.value.length > buf.length) throw new Error('extension larger than its certificate');
      const scts = embeddedScts(buf);
      if (scts.kind === 'ok' && scts.scts.length === 0) throw new Error('an ok SCT list is never empty');
      mustStaple(buf);
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('readTlv/childrenOf: every element found ends inside its parent', (t) => {
  fc.assert(
    fc.property(anyBytes, fc.nat(), (buf, at) => {
      const tlv = readTlv(buf, buf.length === 0 ? 0 : at % buf.length);
      if (!tlv) return;
      if (tlv.end > buf.length || tlv.contentStart > tlv.end) throw new Error('element outside the buffer');
      for (const c of childrenOf(buf, tlv) ?? []) if (c.start < tlv.contentStart || c.end > tlv.end) throw new Error('child outside its parent');
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('parseSctList: mutated real lists never throw', (t) => {
  const base = sctList([sct(1), sct(2), sct(3, Date.UTC(2026, 0, 1), 70)]);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), (edits, cut) => {
      const b = Buffer.from(base);
      for (const [at, v] of edits) b[at % b.length] = v;
      parseSctList(b.subarray(0, cut % (b.length + 1)));
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('pathological nesting and length: linear time', (t) => {
  // 600 000 bytes of 0x30: SEQUENCEs of length 48 inside each other, as deep as the input allows.
  // The walker descends a fixed number of levels (certificate, tbs, [3], list, extension): linear.
  const deep = Buffer.alloc(600_000, 0x30);
  const started = Date.now();
  certificateExtensions(deep);
  embeddedScts(deep);
  t.true(Date.now() - started < 8000, 'about linear, not quadratic');
});
