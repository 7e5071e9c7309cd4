import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import { runCheck } from '../../src/core/run-check';
import { Scheduler } from '../../src/core/scheduler';
import type { Check, Finding } from '../../src/core/types';

function tempRoot(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-sched-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function finding(check: Check, summary: string): Finding {
  return { id: check.id, area: check.area, title: check.title, status: 'pass', severity: check.severity, summary, evidence: [], fixes: [] };
}

const ctx = { now: new Date('2026-11-28T12:00:00Z'), network: false };

test('a check that throws becomes an error finding naming the failure', async (t) => {
  const host = createLocalHost({ root: tempRoot(t) });
  const check: Check = { id: 'ssh.server.root-login', area: 'ssh', title: 'Root login', severity: 'high', run: async () => { throw new Error('boom at /etc/ssh/sshd_config:3'); } };
  const f = await runCheck(check, host, ctx);
  t.is(f.status, 'error');
  t.is(f.id, check.id);
  t.regex(f.summary, /boom at \/etc\/ssh\/sshd_config:3/);
});

test('a check that hangs times out as an error, and its signal is aborted', async (t) => {
  const host = createLocalHost({ root: tempRoot(t) });
  let aborted = false;
  const check: Check = {
    id: 'tls.ocsp', area: 'tls', title: 'OCSP', severity: 'medium', timeoutMs: 200,
    run: (_h, c) => new Promise(() => c.signal.addEventListener('abort', () => { aborted = true; })),
  };
  const f = await runCheck(check, host, ctx);
  t.is(f.status, 'error');
  t.regex(f.summary, /timed out/);
  t.true(aborted);
});

test('a check answering for another id is reported, not trusted', async (t) => {
  const host = createLocalHost({ root: tempRoot(t) });
  const check: Check = { id: 'web.hsts', area: 'web', title: 'HSTS', severity: 'high', run: async () => ({ ...finding({ id: 'web.csp', area: 'web', title: 'x', severity: 'low', run: async () => ({}) as Finding }, 'x') }) };
  const f = await runCheck(check, host, ctx);
  t.is(f.status, 'error');
  t.is(f.id, 'web.hsts');
});

test('two runs of one check never overlap; a trigger during a run queues one re-run', async (t) => {
  const host = createLocalHost({ root: tempRoot(t) });
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  const check: Check = {
    id: 'updates.auto.enabled', area: 'updates', title: 'Auto updates', severity: 'high',
    run: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs++;
      await new Promise((r) => setTimeout(r, 100));
      running--;
      return finding(check, `run ${runs}`);
    },
  };
  const s = new Scheduler([check], host, { network: false });
  s.start();
  s.refresh();
  s.refresh();
  s.refresh();
  await s.idle();
  await new Promise((r) => setTimeout(r, 50));
  await s.idle();
  s.dispose();
  t.is(maxRunning, 1);
  t.is(runs, 2);
});

test('a watched file change re-runs the check (debounced)', async (t) => {
  const root = tempRoot(t);
  fs.mkdirSync(path.join(root, 'etc'));
  fs.writeFileSync(path.join(root, 'etc/app.conf'), 'a=1\n');
  const host = createLocalHost({ root });
  const seen: string[] = [];
  const check: Check = {
    id: 'reboot.required', area: 'reboot', title: 'Reboot', severity: 'high', watch: ['/etc/app.conf'],
    run: async (h) => finding(check, (await h.readText('/etc/app.conf')) ?? 'missing'),
  };
  const s = new Scheduler([check], host, { network: false, live: true, debounceMs: 50 });
  t.teardown(() => s.dispose());
  const changed = new Promise<void>((resolve) => {
    s.on((e) => {
      if (e.type !== 'finished') return;
      seen.push(e.finding.summary);
      if (e.finding.summary === 'a=3\n') resolve();
    });
  });
  s.start();
  await s.idle();
  fs.writeFileSync(path.join(root, 'etc/app.conf'), 'a=2\n');
  fs.writeFileSync(path.join(root, 'etc/app.conf'), 'a=3\n');
  await Promise.race([changed, new Promise((r) => setTimeout(r, 15_000))]);
  t.is(seen[0], 'a=1\n');
  t.is(seen.at(-1), 'a=3\n');
  // The burst of two writes is coalesced: not one run per write event.
  t.true(seen.length <= 3, `runs: ${seen.join(' | ')}`);
});

test('the first results arrive while a slow check is still running', async (t) => {
  const host = createLocalHost({ root: tempRoot(t) });
  const slow: Check = { id: 'tls.ocsp', area: 'tls', title: 'slow', severity: 'medium', run: () => new Promise((r) => setTimeout(() => r(finding(slow, 'slow')), 500)) };
  const fast: Check = { id: 'web.hsts', area: 'web', title: 'fast', severity: 'high', run: async () => finding(fast, 'fast') };
  const s = new Scheduler([slow, fast], host, { network: false });
  const first = new Promise<string>((resolve) => s.on((e) => e.type === 'finished' && resolve(e.finding.id)));
  s.start();
  t.is(await first, 'web.hsts');
  t.true(s.running.has('tls.ocsp'));
  await s.idle();
  s.dispose();
});

test('a check marked slow starts first, so it overlaps the quick ones', async (t) => {
  const host = createLocalHost({ root: tempRoot(t) });
  const order: string[] = [];
  const make = (id: string, slow = false): Check => {
    const c: Check = { id, area: 'rkhunter', title: id, severity: 'low', slow, run: async () => (order.push(id), finding(c, id)) };
    return c;
  };
  const checks = [make('rkhunter.a'), make('rkhunter.b'), make('rkhunter.c'), make('rkhunter.slow', true)];
  const s = new Scheduler(checks, host, { network: false, concurrency: 1 });
  s.start();
  await s.idle();
  s.dispose();
  t.is(order[0], 'rkhunter.slow');
  // The report order is still the catalogue's: only the start order changed.
  t.deepEqual([...s.results.keys()].sort(), checks.map((c) => c.id).sort());
});
