// A full disk at the worst moment: the config's directory is a tiny tmpfs,
// filled up, so the new content cannot be written. The apply must fail at
// 'write', say so plainly, and leave the original (and anything already
// written) exactly as it was.

import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import { HostError, type Host } from '../../src/host/host';
import { applyPlan } from '../../src/fix/engine';
import { APP_JSON, MODE, OLD_JSON, OWNER, appPlan, fileState, journalLines, makeRoot, real, removeRoot } from '../fixtures/fix/sysroot';

const BIG_JSON = `{"listen": 443, "tls": true, "pad": "${'x'.repeat(32 * 1024)}"}\n`;

/** Mount a 64 KiB tmpfs over /etc/app of a fresh root, put app.json in it, fill it. Null if mounting is not possible. */
function fullTmpfsRoot(t: ExecutionContext): string | null {
  const root = makeRoot();
  const dir = real(root, '/etc/app');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    removeRoot(root);
    t.log(`mount -t tmpfs failed (${String(err).split('\n')[0]}); using an injected ENOSPC instead`);
    return null;
  }
  t.teardown(() => {
    execFileSync('umount', [dir]);
    removeRoot(root);
  });
  const file = path.join(dir, 'app.json');
  fs.writeFileSync(file, OLD_JSON);
  fs.chownSync(file, OWNER, OWNER);
  fs.chmodSync(file, MODE);
  const fd = fs.openSync(path.join(dir, 'filler'), 'w');
  try {
    for (;;) fs.writeSync(fd, Buffer.alloc(4096, 0x61));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  return root;
}

/** Fallback: the same host, whose writeAtomic fails like a full disk for files under /etc/app. */
function injectedEnospcHost(host: Host): Host {
  return new Proxy(host, {
    get(target, prop) {
      if (prop === 'writeAtomic') {
        return async (p: string, data: string | Buffer, opts?: object) => {
          if (p.startsWith('/etc/app/')) {
            throw new HostError(`${p}: not changed: failed while writing the temp file: ENOSPC: no space left on device, write`, p, 'ENOSPC');
          }
          return target.writeAtomic(p, data, opts);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function hostFor(t: ExecutionContext): { root: string; host: Host; dirListing: string[] } {
  const root = fullTmpfsRoot(t);
  if (root) return { root, host: createLocalHost({ root, network: false }), dirListing: ['app.json', 'filler'] };
  const plain = makeRoot();
  t.teardown(() => removeRoot(plain));
  return { root: plain, host: injectedEnospcHost(createLocalHost({ root: plain, network: false })), dirListing: ['app.json'] };
}

test('ENOSPC while writing the config: fails at write, names the file, original intact, no temp left', async (t) => {
  const { root, host, dirListing } = hostFor(t);
  const outcome = await applyPlan(host, appPlan({ edits: [{ path: APP_JSON, before: OLD_JSON, after: BIG_JSON }] }));
  t.false(outcome.ok);
  if (outcome.ok) return;
  t.is(outcome.stage, 'write');
  t.true(outcome.rolledBack);
  t.regex(outcome.message, /^writing \/etc\/app\/app\.json failed: .*no space left on device/i);
  t.false(outcome.message.includes('\n'));
  const now = fileState(root, APP_JSON)!;
  t.is(now.bytes.toString('utf8'), OLD_JSON);
  t.deepEqual([now.mode, now.uid, now.gid], [MODE, OWNER, OWNER]);
  t.deepEqual(fs.readdirSync(real(root, '/etc/app')).sort(), dirListing);
  const entry = journalLines(root)[0] as { outcome: string; stage: string };
  t.is(entry.outcome, 'rolled-back');
  t.is(entry.stage, 'write');
});

test('ENOSPC on the second file: the first, already written, is rolled back byte for byte', async (t) => {
  const { root, host } = hostFor(t);
  fs.writeFileSync(real(root, '/etc/other.conf'), 'other = old\n');
  fs.chmodSync(real(root, '/etc/other.conf'), 0o600);
  const plan = appPlan({
    edits: [
      { path: '/etc/other.conf', before: 'other = old\n', after: 'other = new\n' },
      { path: APP_JSON, before: OLD_JSON, after: BIG_JSON },
    ],
  });
  const seen: string[] = [];
  const outcome = await applyPlan(host, plan, { hooks: { onStep: (s) => void seen.push(s) } });
  t.true(seen.includes('written:/etc/other.conf'), 'the first file really was written');
  t.false(outcome.ok);
  if (outcome.ok) return;
  t.is(outcome.stage, 'write');
  t.true(outcome.rolledBack);
  t.regex(outcome.message, /\/etc\/app\/app\.json/);
  t.is(fs.readFileSync(real(root, '/etc/other.conf'), 'utf8'), 'other = old\n');
  t.is(fs.statSync(real(root, '/etc/other.conf')).mode & 0o7777, 0o600);
  t.is(fileState(root, APP_JSON)!.bytes.toString('utf8'), OLD_JSON);
});
