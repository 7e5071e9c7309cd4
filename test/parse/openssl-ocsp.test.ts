// src/parse/openssl-ocsp.ts on real `openssl ocsp` output
// (test/fixtures/openssl-ocsp/README.md says how each was made).

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { opensslErrorReason, parseOpensslDate, parseOpensslOcsp } from '../../src/parse/openssl-ocsp';

const DIR = path.join(__dirname, '..', 'fixtures', 'openssl-ocsp');
const read = (name: string, label = 'leaf.pem') => parseOpensslOcsp(fs.readFileSync(path.join(DIR, `${name}.out`), 'utf8'), fs.readFileSync(path.join(DIR, `${name}.err`), 'utf8'), label);

test('good: status, both dates, verified', (t) => {
  t.deepEqual(read('good'), {
    kind: 'status',
    status: 'good',
    thisUpdate: new Date('2026-11-28T20:40:42Z'),
    nextUpdate: new Date('2026-11-29T20:40:42Z'),
    reason: null,
    revokedAt: null,
    verified: true,
    verifyError: null,
  });
});

test('no nextUpdate is null, not an error', (t) => {
  const r = read('no-next-update');
  t.is(r.kind, 'status');
  if (r.kind === 'status') t.deepEqual([r.status, r.nextUpdate, r.verified], ['good', null, true]);
});

test('revoked: reason and revocation time', (t) => {
  const r = read('revoked');
  if (r.kind !== 'status') return t.fail(r.kind);
  t.deepEqual([r.status, r.reason, r.revokedAt?.toISOString()], ['revoked', 'keyCompromise', '2026-11-27T20:40:42.000Z']);
});

test('forged: the status is read but not verified; the reason comes from OpenSSL\'s error line', (t) => {
  const r = read('forged');
  if (r.kind !== 'status') return t.fail(r.kind);
  t.false(r.verified);
  t.is(r.status, 'good');
  t.is(r.verifyError, 'self-signed certificate');
});

test('a responder error, a truncated response, a response about another certificate', (t) => {
  t.deepEqual(read('trylater'), { kind: 'responder-error', responseStatus: 'trylater' });
  t.deepEqual(read('truncated'), { kind: 'unreadable', detail: 'Error reading OCSP response' });
  t.deepEqual(read('other-cert', 'other.pem'), { kind: 'no-status', verified: true });
  t.deepEqual(read('good', 'another-label.pem').kind, 'unreadable', 'the status line must name the certificate we asked about');
});

test('dates: padded days, rollovers and junk', (t) => {
  t.is(parseOpensslDate('Dec  1 00:00:00 2026 GMT')?.toISOString(), '2026-12-01T00:00:00.000Z');
  t.is(parseOpensslDate('Feb 31 00:00:00 2026 GMT'), null);
  t.is(parseOpensslDate('Foo 1 00:00:00 2026 GMT'), null);
  t.is(parseOpensslDate('Nov 28 20:40:42 2026'), null);
  t.is(parseOpensslDate('Nov 28 20:40:42.123 2026 GMT')?.toISOString(), '2026-11-28T20:40:42.000Z');
});

test('opensslErrorReason: data after "Verify error:", else the reason field, else null', (t) => {
  t.is(opensslErrorReason('40C7:error:13800075:OCSP routines:ocsp_verify:signature failure:../crypto/ocsp/ocsp_vfy.c:92:\n'), 'signature failure');
  t.is(opensslErrorReason('WARNING: no nonce in response\n'), null);
});

test('never throws on junk', (t) => {
  for (const [out, err] of [['', ''], ['leaf.pem: ', ''], ['leaf.pem: good\n\tThis Update: x', 'Response verify OK'], ['\0\n\t:', '\0'], ['leaf.pem: revoked\n\tRevocation Time: Feb 30 00:00:00 2026 GMT', '']]) {
    t.notThrows(() => parseOpensslOcsp(out, err, 'leaf.pem'));
  }
  const odd = parseOpensslOcsp('leaf.pem: good\n\tThis Update: x', 'Response verify OK', 'leaf.pem');
  t.true(odd.kind === 'status' && odd.thisUpdate === null);
});
