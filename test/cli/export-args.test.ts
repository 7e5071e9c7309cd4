// `hardtop export ansible [--out DIR] [--root DIR] [--only AREA] [--no-network]`.
import test from 'ava';
import { DEFAULT_EXPORT_OUT, HELP, UsageError, parseArgs } from '../../src/cli/args';

test('export ansible takes --out, --root, --only and --no-network', (t) => {
  t.deepEqual(parseArgs(['export', 'ansible', '--out', '/srv/pb', '--root', '/srv/img', '--only', 'ssh,updates', '--no-network']), {
    command: 'export',
    format: 'ansible',
    out: '/srv/pb',
    root: '/srv/img',
    only: ['ssh', 'updates'],
    network: false,
  });
});

test('export ansible writes to ./hardtop-ansible by default, on /', (t) => {
  t.deepEqual(parseArgs(['export', 'ansible']), { command: 'export', format: 'ansible', out: DEFAULT_EXPORT_OUT, root: '/', only: null, network: true });
  t.is(DEFAULT_EXPORT_OUT, 'hardtop-ansible');
});

const bad: [string[], RegExp][] = [
  [['export'], /needs a format/],
  [['export', 'salt'], /export format 'salt' is not available in this version yet/],
  [['export', 'ansible', 'extra'], /unexpected argument 'extra'/],
  [['export', 'ansible', '--out'], /needs a value/],
  [['export', 'ansible', '--format', 'json'], /does not apply to 'export'/],
  [['check', '--out', 'x'], /does not apply to 'check'/],
];
for (const [argv, message] of bad) {
  test(`usage error: ${argv.join(' ')}`, (t) => {
    t.throws(() => parseArgs(argv), { instanceOf: UsageError, message });
  });
}

test('--help lists export and --out', (t) => {
  t.deepEqual(parseArgs(['export', '--help']), { command: 'help' });
  t.regex(HELP, /hardtop export ansible \[--out DIR\]/);
  t.regex(HELP, /--out DIR/);
});
