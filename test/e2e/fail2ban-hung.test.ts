// Issue 6, Reading: "a hung or missing socket is an error/fail finding and
// the rest of the dashboard keeps working" — with the real bin/hardtop in a
// pty on a fixture sysroot (f2b-hardened, copied to a temp dir) whose
// fail2ban socket ACCEPTS but never answers (a listener in this test process:
// what a wedged fail2ban-server looks like to fail2ban-client).
//
// The keys are answered while the fail2ban checks wait on the socket; the
// fail2ban panel ends with the `fail` of fail2ban.running (no answer within
// the client timeout), every panel finishes with the fail2ban checks costing
// one shared wait (few connections to the hung socket, not one per check:
// they would hold the scheduler's slots and the other areas back), the live
// view still opens (events from the log, the server "not answering"), and
// the dashboard quits cleanly. No timing is asserted beyond "answered, not
// hung".

import test from 'ava';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTui } from '../helpers/tui';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
const KEY_BOUND_MS = 15_000;

test('a fail2ban socket that accepts but never answers: fail2ban.running fails, the dashboard answers keys meanwhile, other panels fill, the live view opens', async (t) => {
  t.timeout(120_000);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-f2b-hung-'));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  const root = path.join(base, 'r');
  fs.cpSync(path.join(repo, 'test/fixtures/roots/f2b-hardened'), root, { recursive: true });

  const sockPath = path.join(root, 'run/fail2ban/fail2ban.sock');
  fs.mkdirSync(path.dirname(sockPath), { recursive: true });
  const held: net.Socket[] = [];
  let connections = 0;
  const listener = net.createServer((s) => {
    connections++;
    held.push(s); // accept, read, never answer
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => listener.listen(sockPath, resolve));
  t.teardown(() => {
    for (const s of held) s.destroy();
    listener.close();
  });

  const tui = startTui({ cmd: process.execPath, args: [bin, '--root', root, '--no-network'], cols: 140, rows: 45, env: { SSH_CONNECTION: undefined, SSH_CLIENT: undefined } });
  t.teardown(() => tui.dispose());
  await tui.waitForText('▶ Updates', 30_000);

  // While fail2ban-client waits on the socket: help opens and closes.
  for (const deadline = Date.now() + 30_000; connections === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  tui.press('?');
  await tui.waitForText(/┌─ help /, KEY_BOUND_MS);
  tui.key('escape');
  await tui.waitForNoText(/┌─ help /, KEY_BOUND_MS);
  t.log(`help answered in ${Date.now() - t0} ms with ${connections} fail2ban-client connection(s) hanging`);
  t.true(connections > 0, 'a fail2ban check was waiting on the hung socket');

  // The verdict: a fail, after the timeout, not a hang.
  tui.key('right');
  await tui.waitForText('▶ fail2ban');
  await tui.waitForText(/gives no answer within 5 s/, 60_000);
  // Every panel finishes: nothing left "checking…". The hung server cost the
  // first round one timeout, shared (checks/fail2ban/server.ts), not one
  // fail2ban-client connection and one timeout per fail2ban check.
  await tui.waitForNoText('checking…', 60_000);
  t.true(connections <= 3, `${connections} fail2ban-client connections to the hung socket in the first round`);
  t.regex(tui.screenText(), /✔ installed +fail2ban is installed/);

  // The live view opens on a hung server: the log's events, the server not answering.
  tui.key('enter');
  await tui.waitForText('fail2ban — live');
  await tui.waitForText(/\[sshd\] Ban /, 30_000);
  await tui.waitForText(/fail2ban no answer within 5 s \(fail2ban-client -s \/run\/fail2ban\/fail2ban\.sock status\): the server is hung or overloaded/, 30_000);
  tui.key('escape');
  await tui.waitForText('▶ fail2ban');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});
