// rkhunter.dat, the file-properties database, as written by a real
// `rkhunter --propupd` (test/fixtures/rkhunter/generate.sh).

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseRkhunterDat } from '../../src/parse/rkhunter-dat';

const REAL = fs.readFileSync(path.resolve(__dirname, '../fixtures/rkhunter/debian12-rkhunter.dat'), 'utf8');

test('a real database: header and every File: path with its line', (t) => {
  const dat = parseRkhunterDat(REAL);
  t.deepEqual(dat.errors, []);
  t.is(dat.version, '2026112800');
  t.is(dat.host, 'vm');
  t.is(dat.os, 'Debian GNU/Linux 12 (bookworm)');
  t.is(dat.files.length, 122);
  t.deepEqual(dat.files.find((f) => f.path === '/usr/bin/ls'), { path: '/usr/bin/ls', line: 71 });
  t.true(dat.files.every((f) => f.path.startsWith('/')));
});

test('something else in its place is an error with the line', (t) => {
  t.deepEqual(parseRkhunterDat('File:0:/usr/bin/ls:deadbeef\n').errors, [{ line: 1, message: 'does not start with "Version:YYYYMMDDNN": not an rkhunter.dat file' }]);
  t.deepEqual(parseRkhunterDat('Version:2026112800\nFile:0:\n').errors, [{ line: 2, message: 'a File: line without a path' }]);
  t.deepEqual(parseRkhunterDat('Version:2026112800\n???\n').errors, [{ line: 2, message: 'not a "Key:value" line' }]);
  t.is(parseRkhunterDat(`Version:2026112800\n\0\0`).errors[0].message, 'contains a NUL byte: corrupt');
  t.deepEqual(parseRkhunterDat(''), { version: null, host: null, os: null, files: [], errors: [] });
});
