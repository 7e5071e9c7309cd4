// rkhunter.config remembers rkhunter -C's verdict (issue #10): a repeat run
// with the same configuration and program does not run rkhunter -C again; a
// changed file (content, or only its mtime), a new rkhunter.d file, a changed
// program, an old record, a record for another key or a damaged one → it runs
// again. The REAL rkhunter -C runs on a sysroot (rkh-default, rkh-good), and
// the record lives in that sysroot's state dir (the check itself caches only
// on the live system; judgeConfig takes the cache explicitly).

import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_CACHE_FILE } from '../../checks/rkhunter/config-cache';
import { judgeConfig, rkhConfig, type ConfigCheckCache } from '../../checks/rkhunter/config';
import type { Finding } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { copyRoot, real, write } from '../fixtures/fix/updates/tree';
import { rkhunterUnavailable } from './rkhunter-helpers';

const unavailable = rkhunterUnavailable();
const real_ = unavailable ? test.serial.skip : test.serial;
if (unavailable) test('rkhunter -C cache tests skipped', (t) => t.log(unavailable));

const T0 = new Date('2026-11-29T12:00:00Z');

/** A sysroot host that counts how often the real rkhunter is run (the runs themselves are real). */
function countingHost(root: string): { host: Host; runs: () => number } {
  const inner = createLocalHost({ root, network: false });
  let n = 0;
  const host = new Proxy(inner, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === 'exec') {
        return (program: string, ...rest: unknown[]) => {
          if (program === 'rkhunter') n++;
          return (value as (...a: unknown[]) => unknown).call(target, program, ...rest);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { host, runs: () => n };
}

function cacheAt(now: Date, maxAgeSeconds = 3600): ConfigCheckCache {
  return { file: CONFIG_CACHE_FILE, maxAgeSeconds, now };
}

/** The finding without the line that says where the verdict came from. */
function verdict(f: Finding): [string, string] {
  return [f.status, f.summary];
}

async function twice(t: ExecutionContext, host: Host, runs: () => number, now: Date): Promise<[Finding, Finding]> {
  const before = runs();
  const first = await judgeConfig(host, cacheAt(now));
  const second = await judgeConfig(host, cacheAt(new Date(now.getTime() + 60_000)));
  t.is(runs() - before, 1, 'rkhunter -C ran once for two checks');
  return [first, second];
}

real_('a repeat check with an unchanged configuration reuses the verdict; the evidence says it is remembered', async (t) => {
  t.timeout(180_000);
  const root = copyRoot(t, 'rkh-default');
  const { host, runs } = countingHost(root);
  const [first, second] = await twice(t, host, runs, T0);
  t.is(first.status, 'warn', first.summary); // Debian's quoted WEB_CMD
  t.deepEqual(verdict(second), verdict(first));
  t.regex(second.evidence[0].text ?? '', /^exit 1 \(on a staged copy with its absolute paths rebased under --root; remembered from 2026-11-29T12:00:00.000Z: the configuration files and rkhunter are unchanged since\)$/);
  t.notRegex(first.evidence[0].text ?? '', /remembered/);
  // The record is private: 0600 in a 0700 directory.
  t.is(fs.statSync(real(root, CONFIG_CACHE_FILE)).mode & 0o777, 0o600);
  t.is(fs.statSync(path.dirname(real(root, CONFIG_CACHE_FILE))).mode & 0o777, 0o700);
});

real_('a changed configuration runs rkhunter -C again: new text, the same text with a new mtime, a new rkhunter.d file', async (t) => {
  t.timeout(240_000);
  const root = copyRoot(t, 'rkh-good');
  const { host, runs } = countingHost(root);
  const [first] = await twice(t, host, runs, T0);
  t.is(first.status, 'pass', first.summary);

  // A bogus option: the remembered "pass" must not hide it.
  const local = real(root, '/etc/rkhunter.conf.local');
  fs.appendFileSync(local, 'NOT_AN_OPTION=1\n');
  const broken = await judgeConfig(host, cacheAt(T0));
  t.is(runs(), 2);
  t.is(broken.status, 'fail');
  t.regex(broken.summary, /Unknown configuration file option: NOT_AN_OPTION=1/);

  // Same bytes again, but touched: the mtime is in the key.
  fs.writeFileSync(local, fs.readFileSync(local, 'utf8').replace('NOT_AN_OPTION=1\n', ''));
  t.is((await judgeConfig(host, cacheAt(T0))).status, 'pass');
  t.is(runs(), 3);
  const future = new Date(Date.now() + 120_000);
  fs.utimesSync(local, future, future);
  t.is((await judgeConfig(host, cacheAt(T0))).status, 'pass');
  t.is(runs(), 4, 'only the mtime changed: run again');
  await judgeConfig(host, cacheAt(T0));
  t.is(runs(), 4, 'and remembered again');

  // A new drop-in is part of the configuration.
  write(root, '/etc/rkhunter.d/20-more.conf', 'ALLOWHIDDENDIR=/etc/.git\n');
  t.is((await judgeConfig(host, cacheAt(T0))).status, 'pass');
  t.is(runs(), 5);

  // Replaced by a rename with the same bytes and the same (whole-second) mtime: only the inode is new.
  const second = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  fs.utimesSync(local, second, second);
  await judgeConfig(host, cacheAt(T0));
  t.is(runs(), 6);
  const ino = (await host.stat('/etc/rkhunter.conf.local'))?.ino;
  const copy = `${local}.new`;
  fs.copyFileSync(local, copy);
  fs.utimesSync(copy, second, second);
  fs.renameSync(copy, local);
  t.is(fs.statSync(local).mtimeMs, second.getTime());
  if (ino === undefined) {
    t.log('this host reports no inode numbers (FileStat.ino): the key cannot see a rename');
  } else {
    t.not((await host.stat('/etc/rkhunter.conf.local'))?.ino, ino);
    await judgeConfig(host, cacheAt(T0));
    t.is(runs(), 7, 'a new inode: run again');
  }
});

real_('the program, the age, and the record itself: a new rkhunter, an old or future record, a damaged or foreign one → run again', async (t) => {
  t.timeout(240_000);
  const root = copyRoot(t, 'rkh-good');
  const { host, runs } = countingHost(root);
  await twice(t, host, runs, T0);

  // Past the policy's age (it also checks paths no key sees), or from the future: run again.
  await judgeConfig(host, cacheAt(new Date(T0.getTime() + 3601_000)));
  t.is(runs(), 2);
  await judgeConfig(host, cacheAt(new Date(T0.getTime() - 60_000)));
  t.is(runs(), 3, 'a record from the future (clock stepped back) is not trusted');

  // The program that runs (under --root the key stats the tree's copy; on the live system, the real one).
  const program = (await host.which('rkhunter')) ?? '/usr/bin/rkhunter';
  write(root, program, '#!/bin/sh\n# upgraded stand-in\nexit 1\n');
  await judgeConfig(host, cacheAt(T0));
  t.is(runs(), 4);

  // Damaged, foreign, or for another configuration: ignored, replaced.
  for (const text of ['{not json', 'null', JSON.stringify({ schema: 'other', key: 'x' }), JSON.stringify({ schema: 'hardtop.rkhunter-config-check/1', key: 'another', at: T0.toISOString(), run: {} })]) {
    write(root, CONFIG_CACHE_FILE, text);
    const f = await judgeConfig(host, cacheAt(T0));
    t.is(f.status, 'pass', text);
  }
  t.is(runs(), 8);
  t.true(JSON.parse(fs.readFileSync(real(root, CONFIG_CACHE_FILE), 'utf8')).key.length === 64, 'replaced by a good record');
});

real_('the check caches only on the live system: under --root it writes nothing into the tree', async (t) => {
  t.timeout(120_000);
  const root = copyRoot(t, 'rkh-good');
  const f = await rkhConfig.run(createLocalHost({ root, network: false }), { now: T0, network: false, signal: new AbortController().signal });
  t.is(f.status, 'pass', f.summary);
  t.false(fs.existsSync(real(root, CONFIG_CACHE_FILE)));
});
