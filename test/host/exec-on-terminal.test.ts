// The CLI runs interactive fix commands (ssh-keygen's passphrase prompt) on
// the admin's own terminal: stdio inherited, the environment still clean.
import test from 'ava';
import * as path from 'node:path';
import { startTui, tsxArgs } from '../helpers/tui';

test('execOnTerminal gives the child the terminal, not the caller environment, and returns its exit code', async (t) => {
  const { cmd, args } = tsxArgs(path.resolve(__dirname, '../fixtures/bin/exec-on-terminal.ts'));
  const tui = startTui({ cmd, args, cols: 80, rows: 10, env: { BASH_ENV: '/nonexistent/poison', TERM: 'xterm-256color' } });
  t.teardown(() => tui.dispose());
  await tui.waitForText('exit=7');
  t.regex(tui.screenText(), /ON-A-TTY/);
  // `grep -c` printed 0: the caller's BASH_ENV did not reach the child.
  t.regex(tui.screenText(), /^0$/m);
});
