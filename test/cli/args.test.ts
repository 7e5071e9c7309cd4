import test from 'ava';
import { UsageError, parseArgs } from '../../src/cli/args';

test('no arguments opens the dashboard on /', (t) => {
  t.deepEqual(parseArgs([]), { command: 'dashboard', root: '/', only: null, network: true });
});

test('check takes format, output, only, root and no-network', (t) => {
  t.deepEqual(parseArgs(['check', '--format', 'prom', '--output=/tmp/r.prom', '--only', 'ssh,tls', '--root', '/srv/root', '--no-network']), {
    command: 'check',
    format: 'prom',
    output: '/tmp/r.prom',
    only: ['ssh', 'tls'],
    root: '/srv/root',
    network: false,
  });
});

test('fix needs an id and understands --dry-run and --yes', (t) => {
  t.like(parseArgs(['fix', 'ssh.server.harden', '--dry-run']), { command: 'fix', fixId: 'ssh.server.harden', dryRun: true, yes: false });
  t.throws(() => parseArgs(['fix']), { instanceOf: UsageError, message: /needs a fix id/ });
  t.throws(() => parseArgs(['fix', 'a', '--dry-run', '--yes']), { instanceOf: UsageError });
});

test('undo takes an optional journal id', (t) => {
  t.like(parseArgs(['undo']), { command: 'undo', journalId: null });
  t.like(parseArgs(['undo', '20261128T194500Z-abc123']), { command: 'undo', journalId: '20261128T194500Z-abc123' });
});

const bad: [string[], RegExp][] = [
  [['--frobnicate'], /unknown option '--frobnicate'/],
  [['check', '--only', 'ssh,nope'], /unknown area 'nope'/],
  [['check', '--format', 'xml'], /--format must be text, json or prom/],
  [['check', '--root'], /needs a value/],
  [['dance'], /unknown command 'dance'/],
  [['undo', 'a', 'b'], /unexpected argument 'b'/],
  [['check', '--yes'], /does not apply to 'check'/],
  [['export', 'x'], /not available in this version yet/],
];
for (const [argv, message] of bad) {
  test(`usage error: ${argv.join(' ')}`, (t) => {
    t.throws(() => parseArgs(argv), { instanceOf: UsageError, message });
  });
}

test('--help and --version win over everything else', (t) => {
  t.deepEqual(parseArgs(['check', '--help']), { command: 'help' });
  t.deepEqual(parseArgs(['--version']), { command: 'version' });
});
