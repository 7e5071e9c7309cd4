import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BINDINGS, keyBarText, keyClashes, keyTableMarkdown } from '../../src/ui/keymap';

test('a key means one thing per scope', (t) => {
  t.deepEqual(keyClashes(), []);
});

test('the clash detector can fail', (t) => {
  const clashes = keyClashes([...BINDINGS, { scope: 'dashboard', keys: ['u'], label: 'u', description: 'unban' }]);
  t.is(clashes.length, 1);
  t.regex(clashes[0], /dashboard:u/);
});

test('read-only hides the keys that change the system from the key bar', (t) => {
  t.regex(keyBarText('dashboard', false), /f fix/);
  t.notRegex(keyBarText('dashboard', true), /f fix|u undo/);
  t.regex(keyBarText('dashboard', true), /q quit/);
});

test("the README's key table is generated from the registry and up to date", (t) => {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const begin = '<!-- keys:begin -->';
  const end = '<!-- keys:end -->';
  const section = readme.slice(readme.indexOf(begin) + begin.length, readme.indexOf(end)).trim();
  t.true(readme.includes(begin) && readme.includes(end), 'README has the key table markers');
  t.is(section, keyTableMarkdown(), 'README key table is stale: run `npm run docs`');
});
