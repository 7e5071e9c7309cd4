// `npm run docs`: regenerate the README's key table from the key registry
// (test/core/keymap.test.ts fails when the README is stale).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keyTableMarkdown } from '../src/ui/keymap';

const file = path.resolve(__dirname, '../README.md');
const begin = '<!-- keys:begin -->';
const end = '<!-- keys:end -->';
const text = fs.readFileSync(file, 'utf8');
const a = text.indexOf(begin);
const b = text.indexOf(end);
if (a < 0 || b < a) throw new Error('README.md has no key table markers');
fs.writeFileSync(file, `${text.slice(0, a + begin.length)}\n${keyTableMarkdown()}\n${text.slice(b)}`);
