// `hardtop fleet DIR` on the command line (src/cli/args.ts).
import test from 'ava';
import { HELP, UsageError, parseArgs } from '../../src/cli/args';

test('fleet DIR parses to the fleet command with its directory', (t) => {
  t.deepEqual(parseArgs(['fleet', '/srv/reports']), { command: 'fleet', dir: '/srv/reports' });
  t.deepEqual(parseArgs(['fleet', '--', '-odd-name']), { command: 'fleet', dir: '-odd-name' });
  t.deepEqual(parseArgs(['fleet', '--help']), { command: 'help' });
});

const errors: [string[], RegExp][] = [
  [['fleet'], /'fleet' needs a directory of reports/],
  [['fleet', 'a', 'b'], /unexpected argument 'b' for 'fleet'/],
  [['fleet', '--root', '/x', 'dir'], /option '--root' does not apply to 'fleet'/],
  [['fleet', '--format', 'json', 'dir'], /option '--format' does not apply to 'fleet'/],
];
for (const [argv, message] of errors) {
  test(`usage error: ${argv.join(' ')}`, (t) => {
    t.throws(() => parseArgs(argv), { instanceOf: UsageError, message });
  });
}

test('--help names the fleet command', (t) => {
  t.regex(HELP, /hardtop fleet DIR/);
});
