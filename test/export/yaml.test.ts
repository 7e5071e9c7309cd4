// The export's YAML writer, read back by Ansible's OWN loader (ansible-core's
// AnsibleLoader, as ansible-playbook reads a playbook): every string comes
// back exactly, hostile ones included; strings that hold "{" come back tagged
// !unsafe (never templated); comments cannot end early and start YAML.

import test from 'ava';
import fc from 'fast-check';
import { Comment, Tpl, doubleQuoted, yamlDocument, type YNode } from '../../src/export/yaml';
import { ANSIBLE_PYTHON, ansibleLoad, loadOne, plain } from './ansible-helpers';

const withAnsible = ANSIBLE_PYTHON ? test : test.skip;

const HOSTILE = [
  '',
  ' ',
  '\n',
  '\n\n\n',
  'a\n',
  'a',
  'a\n\n',
  '  leading spaces\nsecond\n',
  '\n\nleading newlines\n',
  'trailing spaces   \n   \n',
  "{{ lookup('pipe','id') }}",
  "{% raw %}{{ x }}{% endraw %}{# c #}",
  "'\n- name: x\n  ansible.builtin.shell: id\n",
  '"\n- name: x',
  'key: value',
  '- item',
  '--- \n...\n',
  '# not a comment',
  '!unsafe tagged?',
  '&anchor *alias',
  '|\n>\n',
  'tab\tinside\n\tleading tab\n',
  'crlf\r\nline\r\n',
  '\x1b[31mred\x1b[0m \x1b]0;title\x07 \x1bc',
  '\x00\x01\x7f\x80\x85\x9b\x9d',
  'nel\u0085ls\u2028ps\u2029',
  '\ufeffbom in the middle \ufeff',
  'bidi \u202eevil\u202c \u2066x\u2069',
  'emoji 😀 and é ü 中文',
  '\ufffe\uffff',
  'percent %s %% and backslash \\ and "quotes"',
  'yes',
  'no',
  '0644',
  '~',
  'null',
];

function doc(s: string): string {
  return yamlDocument([], [{ v: s, list: [s, 'x'] }, s]);
}

withAnsible('hostile strings come back from Ansible\'s loader exactly', (t) => {
  const loaded = ansibleLoad(HOSTILE.map(doc));
  HOSTILE.forEach((s, i) => {
    const r = loaded[i];
    if ('error' in r) return t.fail(`${JSON.stringify(s)}: ${r.error}\n${doc(s)}`);
    t.deepEqual(plain(r.ok), [{ v: s, list: [s, 'x'] }, s], JSON.stringify(s));
  });
});

withAnsible('a string with "{" is tagged !unsafe; one without is plain and has nothing Jinja could start', (t) => {
  const data = loadOne(yamlDocument([], { a: "{{ lookup('pipe','id') }}", b: 'plain text', c: '{% if %}', d: new Tpl('{{ hardtop_root }}') })) as Record<string, unknown>;
  t.deepEqual(data.a, { __unsafe__: "{{ lookup('pipe','id') }}" });
  t.deepEqual(data.c, { __unsafe__: '{% if %}' });
  t.is(data.b, 'plain text');
  t.is(data.d, '{{ hardtop_root }}', 'our own template is not tagged: Ansible templates it');
});

withAnsible('comments cannot carry YAML or escape sequences into the file', (t) => {
  const text = yamlDocument(['ok\n- name: injected', '\x1b[2J\rreturn', "it's \u2028 here"], [new Comment(['reason\n- evil: 1'], { name: 'real' })]);
  t.false(text.includes('\x1b'));
  t.false(text.includes('\r'));
  t.deepEqual(plain(loadOne(text)), [{ name: 'real' }]);
  t.true(text.split('\n').filter((l) => l.trim() !== '').every((l) => l.startsWith('#') || l.startsWith('-') || l.startsWith(' ')));
});

test('the writer never emits a raw control character, whatever the input', (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const text = doc(s);
      // Only newlines and tabs (inside literal blocks); every other control is escaped.
      return !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(text);
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('doubleQuoted escapes what YAML would read differently', (t) => {
  t.is(doubleQuoted('a"b\\c'), '"a\\"b\\\\c"');
  t.is(doubleQuoted('\x1b\u0085\u2028\t\n'), '"\\x1B\\x85\\u2028\\t\\n"');
  t.is(doubleQuoted('\ud800'), '"\\uFFFD"', 'a lone surrogate has no UTF-8 form');
});

/** Random strings biased towards the characters that matter to YAML and Jinja. */
const nasty = fc
  .array(
    fc.oneof(
      fc.constantFrom('\n', '\n\n', ' ', '  ', '\t', '\r', '{{', '}}', '{%', '#', ': ', '- ', '"', "'", '\\', '%s', '|', '>', '---', '...', '!', '&', '*', '\u0085', '\u2028', '\ufeff', '\x1b[', '\x00', '\x7f'),
      fc.integer({ min: 0, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c)),
      fc.string(),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

withAnsible('property: any string survives the trip through Ansible\'s loader', (t) => {
  const samples = fc.sample(nasty, { numRuns: 600, seed: 20261128 });
  const loaded = ansibleLoad(samples.map(doc));
  let bad = 0;
  samples.forEach((s, i) => {
    const r = loaded[i];
    const ok = !('error' in r) && JSON.stringify(plain(r.ok)) === JSON.stringify([{ v: s, list: [s, 'x'] }, s]);
    if (!ok && bad++ < 3) t.fail(`${JSON.stringify(s)} → ${JSON.stringify(r)}\n${doc(s)}`);
  });
  t.is(bad, 0);
});

withAnsible('nesting: sequences in mappings in sequences, empty ones, booleans and integers', (t) => {
  const body: YNode[] = [{ a: [[1, 2], [], { b: true, c: false, d: {} }], e: [{ f: 'x\ny\n', g: 'z' }] }];
  t.deepEqual(plain(loadOne(yamlDocument(['h'], body))), [{ a: [[1, 2], [], { b: true, c: false, d: {} }], e: [{ f: 'x\ny\n', g: 'z' }] }]);
});
