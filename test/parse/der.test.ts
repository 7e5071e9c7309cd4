// The DER walker (src/parse/der.ts) and what is built on it: the embedded SCT
// list (src/parse/sct.ts) and Must-Staple (src/parse/tls-feature.ts). Real
// certificates: two public leaves from the pyca/cryptography test vectors
// (test/fixtures/tls-ct/README.md) and ones the test CA makes now with
// openssl (synthetic SCT lists, the TLS Feature extension). Hostile input:
// every truncation of a real certificate, hand-made broken lengths.

import test from 'ava';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { certificateExtensions, childrenOf, decodeOid, octetStringContents, readTlv, smallInteger } from '../../src/parse/der';
import { distinctLogs, embeddedScts, parseSct, parseSctList, SCT_LIST_OID } from '../../src/parse/sct';
import { mustStaple } from '../../src/parse/tls-feature';
import { octetString, sct, sctExtensionLine, sctList } from '../helpers/sct';
import { createTestCa, type TestCa } from '../helpers/test-ca';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'tls-ct');
const der = (name: string) => new X509Certificate(fs.readFileSync(path.join(FIXTURES, name))).raw;
const cryptographyIo = der('cryptography.io-2018.pem');
const badssl = der('badssl-invalid-expected-sct-2016.pem');

let ca: TestCa;
let tmp: string;
test.before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-der-'));
  ca = createTestCa(path.join(tmp, 'ca'));
});
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------
// TLV

test('readTlv: short and long lengths, high tag numbers, classes', (t) => {
  t.like(readTlv(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]), 0), { cls: 'universal', constructed: true, number: 16, contentStart: 2, end: 5 });
  const long = Buffer.concat([Buffer.from([0x04, 0x82, 0x01, 0x00]), Buffer.alloc(256)]);
  t.like(readTlv(long, 0), { number: 4, contentStart: 4, end: 260 });
  t.like(readTlv(Buffer.from([0xa3, 0x00]), 0), { cls: 'context', constructed: true, number: 3, end: 2 });
  t.like(readTlv(Buffer.from([0x9f, 0x81, 0x00, 0x00]), 0), { cls: 'context', number: 128, contentStart: 4 }, 'high tag number form');
});

test('readTlv: malformed lengths give null, never a read past the end', (t) => {
  t.is(readTlv(Buffer.from([0x30, 0x80, 0x00, 0x00]), 0), null, 'indefinite length is not DER');
  t.is(readTlv(Buffer.from([0x30, 0x85, 1, 0, 0, 0, 0]), 0), null, 'a 5-byte length');
  t.is(readTlv(Buffer.from([0x30, 0x05, 0x00]), 0), null, 'longer than the buffer');
  t.is(readTlv(Buffer.from([0x30, 0x02, 0x00, 0x00]), 0, 3), null, 'longer than the enclosing element');
  t.is(readTlv(Buffer.from([0x30]), 0), null);
  t.is(readTlv(Buffer.from([0x1f, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00]), 0), null, 'a tag number past 4 octets');
  t.is(readTlv(Buffer.from([]), 0), null);
  t.is(readTlv(Buffer.from([0x30, 0x00]), -1), null);
  t.is(childrenOf(Buffer.from([0x30, 0x03, 0x02, 0x05, 0x00]), readTlv(Buffer.from([0x30, 0x03, 0x02, 0x05, 0x00]), 0)!), null, 'a child overrunning its parent');
});

test('decodeOid: the first two arcs, multi-byte arcs, non-minimal and unterminated forms', (t) => {
  t.is(decodeOid(Buffer.from('2a864886f70d010101', 'hex')), '1.2.840.113549.1.1.1');
  t.is(decodeOid(Buffer.from('2b06010401d679020402', 'hex')), SCT_LIST_OID);
  t.is(decodeOid(Buffer.from([0x88, 0x37])), '2.999');
  t.is(decodeOid(Buffer.from([0x55, 0x1d, 0x11])), '2.5.29.17');
  t.is(decodeOid(Buffer.from([0x80, 0x01])), null);
  t.is(decodeOid(Buffer.from([0x2b, 0x86])), null);
  t.is(decodeOid(Buffer.alloc(0)), null);
});

test('smallInteger and octetStringContents', (t) => {
  const int = Buffer.from([0x02, 0x01, 0x05]);
  t.is(smallInteger(int, readTlv(int, 0)!), 5);
  const neg = Buffer.from([0x02, 0x01, 0xff]);
  t.is(smallInteger(neg, readTlv(neg, 0)!), null);
  t.deepEqual(octetStringContents(octetString(Buffer.from('abc'))), Buffer.from('abc'));
  t.is(octetStringContents(Buffer.concat([octetString(Buffer.from('abc')), Buffer.from([0])])), null, 'trailing bytes');
});

// ---------------------------------------------------------------------------
// Extensions of real certificates

test('certificateExtensions: a real Let\'s Encrypt leaf, in order, with criticality', (t) => {
  const exts = certificateExtensions(cryptographyIo)!;
  t.deepEqual(
    exts.map((e) => [e.oid, e.critical]),
    [
      ['2.5.29.15', true],
      ['2.5.29.37', false],
      ['2.5.29.19', true],
      ['2.5.29.14', false],
      ['2.5.29.35', false],
      ['1.3.6.1.5.5.7.1.1', false],
      ['2.5.29.17', false],
      ['2.5.29.32', false],
      [SCT_LIST_OID, false],
    ],
  );
  t.true(certificateExtensions(badssl)!.some((e) => e.oid === '1.3.101.77'), 'an extension nobody registered still walks');
});

test('every truncation and a flipped length byte of a real certificate: null, never a throw', (t) => {
  for (let n = 0; n < cryptographyIo.length; n++) t.is(certificateExtensions(cryptographyIo.subarray(0, n)), null, `prefix ${n}`);
  const grown = Buffer.from(cryptographyIo);
  grown[3] += 1; // the outer SEQUENCE now claims one byte more than there is
  t.is(certificateExtensions(grown), null);
  t.deepEqual(certificateExtensions(Buffer.from([0x30, 0x04, 0x30, 0x02, 0x02, 0x00])), [], 'a v1 certificate body without extensions');
});

// ---------------------------------------------------------------------------
// SCTs

test('embedded SCTs of real certificates: two logs (cryptography.io), one log (badssl)', (t) => {
  const a = embeddedScts(cryptographyIo);
  if (a.kind !== 'ok') return t.fail(a.kind);
  t.deepEqual(a.scts.map((s) => [s.logId.slice(0, 8), new Date(s.timestamp).toISOString(), s.hashAlgorithm, s.signatureAlgorithm]), [
    ['293c5196', '2018-09-26T20:56:33.769Z', 4, 3],
    ['6f5376ac', '2018-09-26T20:56:33.904Z', 4, 3],
  ]);
  const b = embeddedScts(badssl);
  t.true(b.kind === 'ok' && b.scts.length === 1 && b.scts[0].logId.startsWith('a7ce4a4e'));
});

test('parseSctList: duplicates are kept and distinctLogs folds them; malformed lists are null', (t) => {
  const list = parseSctList(sctList([sct(1), sct(2), sct(1)]))!;
  t.is(list.length, 3);
  t.deepEqual(distinctLogs(list), ['01'.repeat(32), '02'.repeat(32)]);
  t.is(parseSctList(Buffer.from([0, 0])), null, 'an empty list is not allowed');
  const good = sctList([sct(1)]);
  t.is(parseSctList(good.subarray(0, good.length - 1)), null, 'truncated');
  t.is(parseSctList(Buffer.concat([good, Buffer.from([0])])), null, 'trailing byte');
  const v2 = sct(1);
  v2[0] = 1;
  t.is(parseSct(v2), null, 'unknown version');
  t.is(parseSct(sct(1).subarray(0, 46)), null);
  for (let n = 0; n < good.length; n++) t.notThrows(() => parseSctList(good.subarray(0, n)));
});

test('certificates the test CA makes with 0, 1, 2 and 3 logs, and a malformed list', (t) => {
  const make = (name: string, extensions: string[]) => new X509Certificate(ca.issue({ name, sans: [`${name}.test`], key: 'ec256', extensions }).certPem).raw;
  t.deepEqual(embeddedScts(make('none', [])), { kind: 'absent' });
  for (const logs of [[7], [7, 8], [7, 8, 9], [7, 7, 8]]) {
    const r = embeddedScts(make(`logs-${logs.join('-')}`, [sctExtensionLine(logs)]));
    t.true(r.kind === 'ok' && r.scts.length === logs.length && distinctLogs(r.scts).length === new Set(logs).size, logs.join(','));
  }
  const broken = embeddedScts(make('broken', [`${SCT_LIST_OID} = DER:0403000102`]));
  t.deepEqual(broken, { kind: 'malformed', why: 'the SCT list does not decode' });
  const notOctets = embeddedScts(make('not-octets', [`${SCT_LIST_OID} = DER:020105`]));
  t.deepEqual(notOctets, { kind: 'malformed', why: 'the SCT list extension is not an OCTET STRING' });
});

// ---------------------------------------------------------------------------
// Must-Staple

test('mustStaple: the TLS Feature extension with status_request, without it, and not at all', (t) => {
  const make = (name: string, extensions: string[]) => new X509Certificate(ca.issue({ name, sans: [`${name}.test`], key: 'ec256', extensions }).certPem).raw;
  t.true(mustStaple(make('must', ['tlsfeature = status_request'])));
  t.false(mustStaple(make('v2only', ['tlsfeature = status_request_v2'])));
  t.false(mustStaple(cryptographyIo));
  t.is(mustStaple(cryptographyIo.subarray(0, 100)), null);
});
