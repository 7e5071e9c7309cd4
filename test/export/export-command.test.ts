// What `hardtop export ansible` plans before the playbook is written: which
// fixes (the ones failing or warning findings name, catalogue order), planned
// one after the other on a view with the earlier edits made, and what is left
// out and why.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { catalog } from '../../checks/index';
import type { Catalog } from '../../src/core/catalog';
import type { Check, Fix, Plan } from '../../src/core/types';
import { planFixes } from '../../src/cli/export-command';
import { overlayHost } from '../../src/cli/export-overlay';
import { createLocalHost } from '../../src/host/local-host';
import { copyRoot } from '../checks/ssh-server-helpers';
import { snapshotTree } from './ansible-helpers';

test('the overlay shows edits to reads, stats, listings and globs, and writes nothing', async (t) => {
  const root = copyRoot(t, 'rkh-default');
  const before = snapshotTree(root);
  const host = createLocalHost({ root, network: false });
  const view = overlayHost(host, [
    { path: '/etc/default/rkhunter', before: 'x', after: 'NEW\n' },
    { path: '/etc/default/zz-new', before: null, after: 'fresh\n', mode: 0o600 },
    { path: '/etc/default/rkhunter', before: 'NEW\n', after: 'NEWER\n' },
  ]);
  t.is(await view.readText('/etc/default/rkhunter'), 'NEWER\n', 'the last edit of a path wins');
  t.deepEqual(await view.readBytes('/etc//default/zz-new'), Buffer.from('fresh\n'));
  const r = await view.read('/etc/default/zz-new');
  t.true(r.ok && r.text === 'fresh\n' && r.stat.mode === 0o600);
  t.is((await view.stat('/etc/default/zz-new'))?.kind, 'file');
  t.true((await view.list('/etc/default'))!.includes('zz-new'));
  t.deepEqual(await view.glob('/etc/default/z*'), ['/etc/default/zz-new']);
  t.true((await view.glob('/etc/default/*')).includes('/etc/default/rkhunter'));

  const gone = overlayHost(host, [{ path: '/etc/default/rkhunter', before: 'x', after: '', delete: true }]);
  t.is(await gone.readText('/etc/default/rkhunter'), null);
  t.is(await gone.lstat('/etc/default/rkhunter'), null);
  t.false((await gone.list('/etc/default'))!.includes('rkhunter'));
  t.deepEqual(await gone.glob('/etc/default/rkh*'), []);
  t.is(await view.readText('/etc/hostname'), await host.readText('/etc/hostname'), 'anything else: the real host');
  t.deepEqual(snapshotTree(root), before);
});

test('fixes that rewrite one file are planned one after the other: the second starts from the first one\'s result', async (t) => {
  const root = copyRoot(t, 'rkh-default');
  const { plans, leftOut } = await planFixes(createLocalHost({ root, network: false }), catalog, ['rkhunter']);
  const autogen = plans.find((p) => p.fixId === 'rkhunter.apt-autogen')!;
  const schedule = plans.find((p) => p.fixId === 'rkhunter.schedule')!;
  t.truthy(autogen && schedule, JSON.stringify(leftOut));
  t.is(autogen.edits[0].before, fs.readFileSync(path.join(root, 'etc/default/rkhunter'), 'utf8'));
  t.is(schedule.edits[0].before, autogen.edits[0].after);
  t.regex(schedule.edits[0].after, /^APT_AUTOGEN="true"$/m);
  t.regex(schedule.edits[0].after, /^CRON_DAILY_RUN="yes"$/m);
  t.true(leftOut.some((l) => l.fixId === 'rkhunter.scan' && /no --root/.test(l.reason)), 'a refused plan is left out with the guard\'s reason');
});

test('a file that is not valid UTF-8 is left out: writing its text back would change its bytes', async (t) => {
  const root = copyRoot(t, 'rkh-default');
  const file = path.join(root, 'etc/default/rkhunter');
  fs.writeFileSync(file, Buffer.concat([fs.readFileSync(file), Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x0a])]));
  const { plans, leftOut } = await planFixes(createLocalHost({ root, network: false }), catalog, ['rkhunter']);
  t.false(plans.some((p) => p.edits.some((e) => e.path === '/etc/default/rkhunter')));
  t.true(leftOut.some((l) => l.fixId === 'rkhunter.apt-autogen' && /not valid UTF-8/.test(l.reason)), JSON.stringify(leftOut));
});

test('only fixes that failing or warning findings name, in catalogue order; parameters, errors and refusals are left out with why', async (t) => {
  const planned: string[] = [];
  const fixOf = (id: string, over: Partial<Fix> = {}, plan: Partial<Plan> = {}): Fix => ({
    id,
    title: id,
    area: 'updates',
    risk: 'safe',
    async plan() {
      planned.push(id);
      return { fixId: id, title: id, risk: 'safe', edits: [{ path: `/etc/${id}`, before: null, after: 'x\n' }], validate: [], commands: [], warnings: [], ...plan };
    },
    ...over,
  });
  const check = (id: string, status: 'fail' | 'warn' | 'pass' | 'error', fixes: string[]): Check => ({
    id,
    area: 'updates',
    title: id,
    severity: 'medium',
    async run() {
      return { id, area: 'updates', title: id, status, severity: 'medium', summary: status, evidence: [], fixes };
    },
  });
  const cat: Catalog = {
    checks: [
      check('updates.a', 'fail', ['f.second', 'f.params']),
      check('updates.b', 'warn', ['f.first', 'f.throws', 'f.refused', 'f.unknown']),
      check('updates.c', 'pass', ['f.passing']),
      check('updates.d', 'error', ['f.error']),
    ],
    fixes: [
      fixOf('f.first'),
      fixOf('f.second'),
      fixOf('f.params', { params: [{ name: 'jail', describe: 'a jail name', pattern: /[a-z]+/ }] }),
      fixOf('f.throws', {
        async plan() {
          throw new Error('boom');
        },
      }),
      fixOf('f.refused', {}, { guard: { ok: false, reason: 'nothing to change' } }),
      fixOf('f.passing'),
      fixOf('f.error'),
    ],
  };
  const root = copyRoot(t, 'rkh-none');
  const { plans, leftOut } = await planFixes(createLocalHost({ root, network: false }), cat, null);
  t.deepEqual(plans.map((p) => p.fixId), ['f.first', 'f.second']);
  t.deepEqual(planned, ['f.first', 'f.second', 'f.refused'], 'catalogue order; a fix of a passing or erroring check is not planned');
  t.deepEqual(
    leftOut.map((l) => l.fixId),
    ['f.params', 'f.throws', 'f.refused', 'f.unknown'],
  );
  t.regex(leftOut[0].reason, /--arg jail=/);
  t.regex(leftOut[1].reason, /boom/);
  t.is(leftOut[2].reason, 'nothing to change');
  t.regex(leftOut[3].reason, /no such fix/);
});
