// previewPlan is pure: what the admin sees before pressing the key.

import test from 'ava';
import { previewPlan, displayCommand } from '../../src/fix/preview';
import { APP_JSON, NEW_JSON, OLD_JSON, appPlan } from '../fixtures/fix/sysroot';

test('preview: one unified diff per edit, validations then commands, warnings and guard', (t) => {
  const plan = appPlan({
    edits: [
      { path: APP_JSON, before: `# app\n${OLD_JSON}`, after: `# app\n${NEW_JSON}` },
      { path: '/etc/app/extra.conf', before: null, after: 'a = 1\n' },
    ],
    validate: [{ describe: 'check', argv: ['appctl', 'check', '-c', '{stage}/etc/app/app.json'], stage: ['/etc/app'] }],
    commands: [{ argv: ['systemctl', 'reload', 'app.service'], describe: 'reload' }],
    warnings: ['clients on port 80 will be cut off'],
    guard: { ok: true, reason: 'port 443 is open in the firewall' },
  });
  const preview = previewPlan(plan);
  t.is(preview.fixId, 'app.tls');
  t.is(preview.title, 'Serve app over TLS');
  t.is(preview.risk, 'disruptive');
  t.deepEqual(preview.diffs, [
    [
      '--- a/etc/app/app.json',
      '+++ b/etc/app/app.json',
      '@@ -1,2 +1,2 @@',
      ' # app',
      '-{"listen": 80, "tls": false}',
      '+{"listen": 443, "tls": true}',
      '',
    ].join('\n'),
    ['--- /dev/null', '+++ b/etc/app/extra.conf', '@@ -0,0 +1,1 @@', '+a = 1', ''].join('\n'),
  ]);
  t.deepEqual(preview.commands, ['appctl check -c {stage}/etc/app/app.json', 'systemctl reload app.service']);
  t.deepEqual(preview.warnings, ['clients on port 80 will be cut off']);
  t.deepEqual(preview.guard, { ok: true, reason: 'port 443 is open in the firewall' });
});

test('preview does not touch its input', (t) => {
  const plan = appPlan();
  const copy = structuredClone(plan);
  previewPlan(plan).warnings.push('x');
  t.deepEqual(plan, copy);
});

test('displayCommand keeps argument boundaries visible and stays on one line', (t) => {
  t.is(displayCommand({ argv: ['systemctl', 'reload', 'my app'] }), "systemctl reload 'my app'");
  t.is(displayCommand({ argv: ['echo', "it's", ''] }), `echo 'it'\\''s' ''`);
  t.is(displayCommand({ argv: ['python3', '-c', 'import x\nx.y()'] }), "python3 -c $'import x\\nx.y()'");
  t.false(displayCommand({ argv: ['a', 'b\nc\u001b[2J'] }).includes('\n'));
});
