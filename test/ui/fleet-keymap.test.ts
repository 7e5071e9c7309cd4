// The fleet view's keys live in the one registry (src/ui/keymap.ts), in
// scopes of their own; the dashboard's help does not list them.
import test from 'ava';
import { BINDINGS, FLEET_SCOPES, helpLines, keyBarText } from '../../src/ui/keymap';

test('the fleet scopes have their keys, and the key bar shows the essentials', (t) => {
  for (const scope of ['fleet', 'fleet-filter', 'fleet-host'] as const) t.true(BINDINGS.some((b) => b.scope === scope), scope);
  t.is(keyBarText('fleet', false), 'Enter findings  / filter  ? help  q quit');
  t.regex(keyBarText('fleet-host', false), /Esc\/q back/);
  // Nothing in the fleet view changes a system: no key is a danger key.
  t.false(BINDINGS.some((b) => FLEET_SCOPES.includes(b.scope) && b.scope !== 'help' && b.danger));
});

test("the dashboard's help leaves the fleet keys out; the fleet's help has them and not the dashboard's", (t) => {
  const dashboard = helpLines(false).join('\n');
  t.notRegex(dashboard, /Fleet view/);
  t.regex(dashboard, /Embedded terminal/);
  const fleet = helpLines(false, FLEET_SCOPES).join('\n');
  t.regex(fleet, /Fleet view, typing a filter/);
  t.notRegex(fleet, /Embedded terminal|Fix preview/);
});
