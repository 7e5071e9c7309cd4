// The fail2ban view's pure parts: the ban list with 100,000 addresses
// (only the rows on screen are built; search; the selection follows its
// address), the sparkline, and untrusted log text reaching the screen.

import test from 'ava';
import type { BannedAddress, Fail2banLive, Fail2banLiveSnapshot } from '../../src/core/fail2ban-live';
import { BanList } from '../../screens/fail2ban-banlist';
import { banListLines, liveLines, sparkline, visibleLength } from '../../screens/fail2ban-lines';
import { Fail2banView } from '../../screens/fail2ban-view';
import { BINDINGS, keyBarText } from '../../src/ui/keymap';

function manyBans(n: number): BannedAddress[] {
  const out: BannedAddress[] = [];
  for (let i = 0; i < n; i++) out.push({ jail: i % 10 === 0 ? 'recidive' : 'sshd', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` });
  return out;
}

function snapshot(over: Partial<Fail2banLiveSnapshot> = {}): Fail2banLiveSnapshot {
  return {
    server: { state: 'up', text: 'fail2ban answers on /run/fail2ban/fail2ban.sock: 2 jails' },
    log: { path: '/var/log/fail2ban.log', state: 'following', text: 'following /var/log/fail2ban.log', linesRead: 12, bytesRead: 1200, skippedBytes: 0, rotations: 0 },
    jails: [],
    events: [],
    eventsTotal: 0,
    offenders: [],
    offendersPartial: false,
    bans: [],
    bansVersion: 0,
    statusAt: null,
    ...over,
  };
}

test('100,000 banned addresses: a frame builds only the visible rows, and moving is O(1)', (t) => {
  const bans = manyBans(100_000);
  const list = new BanList();
  list.update(bans, 1);
  t.is(list.total, 100_000);
  const lines = banListLines(list, snapshot({ bans, bansVersion: 1 }), 100, 30, false, null);
  t.is(lines.length, 30, 'exactly one screenful');
  t.regex(lines[0], /^banned now: 100,000 addresses in 2 jails/);
  t.regex(lines[3], /^\{inverse\}recidive +10\.0\.0\.0/);
  list.select(list.count - 1);
  const last = banListLines(list, snapshot({ bans, bansVersion: 1 }), 100, 30, false, null);
  t.is(last.length, 30);
  t.regex(last[last.length - 1], /^\{inverse\}sshd +10\.1\.134\.159/);
  for (const prompt of [null, { kind: 'search' as const, text: '10.1' }, { kind: 'ban' as const, text: '2001:db8::/64', jail: 'sshd' }]) {
    for (const l of banListLines(list, snapshot({ bans, bansVersion: 1 }), 40, 12, false, prompt)) t.true(visibleLength(l) <= 40, l);
  }
  const win = list.window(27);
  t.is(win.offset, 100_000 - 27);
  t.is(win.rows.length, 27);
});

test('search narrows the list as typed; the selection follows its address through a new list', (t) => {
  const bans = manyBans(100_000);
  const list = new BanList();
  list.update(bans, 1);
  list.setFilter('10.1.134.15');
  t.is(list.count, 11); // .15 and .150–.159
  list.select(2);
  const chosen = list.current();
  t.deepEqual(chosen, { jail: 'sshd', address: '10.1.134.151' });
  // The server's list changes (a ban lifted before ours): the selection stays on the same address.
  list.update(bans.filter((b) => b.address !== '10.1.134.150'), 2);
  t.deepEqual(list.current(), chosen);
  t.is(list.count, 10);
  list.update(bans.filter((b) => b.address !== '10.1.134.150'), 2);
  t.is(list.count, 10, 'same version: not even re-filtered');
  list.setFilter('nothing like this');
  t.is(list.count, 0);
  t.is(list.current(), undefined);
  t.regex(banListLines(list, snapshot({ bans }), 80, 20, false, null).at(-1)!, /no address matches the filter/);
});

test('sparkline: ▁ for zero, ▂…█ scaled to the busiest minute', (t) => {
  t.is(sparkline([0, 0, 0]), '▁▁▁');
  t.is(sparkline([0, 1, 2, 4, 8]), '▁▂▃▅█');
  t.is(sparkline([5, 5]), '██');
  t.is(sparkline([]), '');
});

test('hostile log text reaches the screen without escapes or blessed tags', (t) => {
  const evil = '\u001b]52;c;cHduZWQ=\u0007{red-fg}pass{/red-fg}\u001b[2J';
  const s = snapshot({
    jails: [{ jail: `sshd${evil}`, running: true, counters: { currentlyFailed: 1, totalFailed: 2, currentlyBanned: 3, totalBanned: 4 }, bansPerMinute: new Array(60).fill(0), failuresPerMinute: new Array(60).fill(0) }],
    events: [{ time: '2026-11-28 20:04:22', timeMs: 0, jail: 'sshd', kind: 'Ban', ip: `192.0.2.7${evil}` }],
    eventsTotal: 1,
    offenders: [{ ip: `192.0.2.7${evil}`, failures: 3, bans: 1 }],
  });
  for (const width of [60, 120]) {
    const out = liveLines(s, width, 30, true).join('\n');
    t.false(out.includes('\u001b'), 'no escape byte');
    t.false(out.includes('\u0007'), 'no BEL');
    t.false(/\{red-fg\}pass/.test(out), 'no tag injected by the text');
    t.true(out.includes('{open}red-fg{close}pass'), 'shown, escaped');
    for (const l of out.split('\n')) t.true(visibleLength(l) <= width, `line fits ${width}: ${l}`);
  }
});

test('the live view shows counters, the sparkline, events and offenders', (t) => {
  const bans = new Array(60).fill(0);
  bans[59] = 4;
  bans[58] = 1;
  const s = snapshot({
    jails: [
      { jail: 'sshd', running: true, counters: { currentlyFailed: 2, totalFailed: 17, currentlyBanned: 3, totalBanned: 5 }, bansPerMinute: bans, failuresPerMinute: bans },
      { jail: 'old', running: false, counters: null, bansPerMinute: new Array(60).fill(0), failuresPerMinute: new Array(60).fill(0) },
    ],
    events: [{ time: '2026-11-28 20:04:22', timeMs: 0, jail: 'sshd', kind: 'Ban', ip: '192.0.2.7' }],
    eventsTotal: 1,
    offenders: [{ ip: '192.0.2.7', failures: 3, bans: 1 }],
  });
  const out = liveLines(s, 118, 30, false).join('\n');
  t.regex(out, /sshd +2\/17 +3\/5 +▁+▃█ max 4/);
  t.regex(out, /old +— +— +▁+ \(not running\)/);
  t.regex(out, /20:04:22 \[sshd\] Ban 192\.0\.2\.7 +192\.0\.2\.7 +3 fail 1 ban/);
});

/** A live source that is only data: what the view does with keys, without a server. */
function staticLive(s: Fail2banLiveSnapshot): Fail2banLive & { refreshed: number } {
  return {
    refreshed: 0,
    snapshot: () => s,
    onChange: () => ({ dispose() {} }),
    refresh() {
      this.refreshed++;
    },
    history: async () => ({ kind: 'none', why: 'no database in this test' }),
    dispose() {},
  };
}

test('keys of the view: u previews fail2ban.unban of the selected address, b previews fail2ban.ban of the typed one', (t) => {
  const bans = manyBans(20);
  const live = staticLive(
    snapshot({
      bans,
      bansVersion: 1,
      jails: ['sshd', 'recidive'].map((jail) => ({ jail, running: true, counters: null, bansPerMinute: [], failuresPerMinute: [] })),
    }),
  );
  const view = new Fail2banView(live, { color: false, requestRender: () => undefined });
  t.is(view.scope(), 'fail2ban');
  t.deepEqual(view.handle('fail2ban', 'enter'), { kind: 'none' });
  t.is(view.scope(), 'bans');
  view.handle('bans', 'down');
  t.deepEqual(view.handle('bans', 'u'), { kind: 'preview', fixId: 'fail2ban.unban', args: { jail: 'sshd', address: '10.0.0.1' } });
  view.handle('bans', 'b');
  t.is(view.scope(), 'ban-input');
  for (const ch of '192.0.2.7xyz;') view.typed(ch); // letters beyond hex and ";" are not address characters
  view.handle('ban-input', 'tab');
  t.deepEqual(view.handle('ban-input', 'enter'), { kind: 'preview', fixId: 'fail2ban.ban', args: { jail: 'recidive', address: '192.0.2.7' } });
  t.is(view.scope(), 'bans');
  view.handle('bans', '/');
  for (const ch of '0.0.10') view.typed(ch);
  t.is(view.scope(), 'bans-search');
  view.handle('bans-search', 'enter');
  t.deepEqual(view.handle('bans', 'u'), { kind: 'preview', fixId: 'fail2ban.unban', args: { jail: 'recidive', address: '10.0.0.10' } });
  t.deepEqual(view.handle('bans', 'escape'), { kind: 'none' });
  t.deepEqual(view.handle('fail2ban', 'escape'), { kind: 'back' });
  t.deepEqual(view.handle('fail2ban', 'd'), { kind: 'detail' });
});

test('registry: u and b in the ban list change the system (disabled read-only), and no key clashes with typing', (t) => {
  for (const key of ['u', 'b']) t.true(BINDINGS.find((b) => b.scope === 'bans' && b.keys.includes(key))?.danger, key);
  t.regex(keyBarText('bans', false), /u unban {2}b ban/);
  t.notRegex(keyBarText('bans', true), /unban|b ban/);
  // Prompts take text: no printable character may be bound there.
  for (const b of BINDINGS.filter((x) => x.scope === 'bans-search' || x.scope === 'ban-input')) {
    for (const k of b.keys) t.false(k.length === 1, `${b.scope}: ${k} would swallow typing`);
  }
});

test('i in the ban list: an address typed (or Tab: the selected one) previews fail2ban.ignore; a wide range needs a second, visible Enter that adds wide=yes', (t) => {
  const live = staticLive(
    snapshot({ bans: manyBans(3), bansVersion: 1, jails: [{ jail: 'sshd', running: true, counters: null, bansPerMinute: [], failuresPerMinute: [] }] }),
  );
  const view = new Fail2banView(live, { color: false, requestRender: () => undefined });
  const screen = () => {
    let text = '';
    view.paint({ setLabel() {}, setContent: (c: string) => (text = c) } as never, 100, 20);
    return text;
  };
  view.handle('fail2ban', 'enter');
  t.deepEqual(view.handle('bans', 'i'), { kind: 'none' });
  t.is(view.scope(), 'ignore-input', 'an address prompt with its own keys (help says what they do)');
  t.regex(screen(), /never ban, ignoreip \(Tab: selected, Enter: preview\): \{inverse\}/);
  t.is(view.handle('ignore-input', 'enter').kind, 'say', 'nothing typed: nothing previewed');

  // Tab takes the selected address; a narrow entry is one preview, back to the list.
  view.handle('ignore-input', 'tab');
  t.regex(screen(), /preview\): 10\.0\.0\.0\{inverse/);
  t.deepEqual(view.handle('ignore-input', 'enter'), { kind: 'preview', fixId: 'fail2ban.ignore', args: { address: '10.0.0.0' } });
  t.is(view.scope(), 'bans');

  // A /8: the first Enter previews it as typed (the fix refuses it and says why), the prompt stays and says so.
  view.handle('bans', 'i');
  for (const ch of '10.0.0.0/8') view.typed(ch);
  t.notRegex(screen(), /wider than/);
  t.deepEqual(view.handle('ignore-input', 'enter'), { kind: 'preview', fixId: 'fail2ban.ignore', args: { address: '10.0.0.0/8' } });
  t.is(view.scope(), 'ignore-input', 'still in the prompt after the refused preview');
  t.regex(screen(), /10\.0\.0\.0\/8 is wider than \/16! Enter again: preview it with wide=yes · Esc: cancel/);
  // The second Enter on the same text: wide=yes, visibly a second preview.
  t.deepEqual(view.handle('ignore-input', 'enter'), { kind: 'preview', fixId: 'fail2ban.ignore', args: { address: '10.0.0.0/8', wide: 'yes' } });
  t.is(view.scope(), 'bans');

  // Changing the text after the refusal makes the next Enter a first one again.
  view.handle('bans', 'i');
  for (const ch of '2001:db8::/32') view.typed(ch);
  t.deepEqual(view.handle('ignore-input', 'enter'), { kind: 'preview', fixId: 'fail2ban.ignore', args: { address: '2001:db8::/32' } });
  view.handle('ignore-input', 'backspace');
  view.typed('2');
  t.notRegex(screen(), /wider than/);
  t.deepEqual(view.handle('ignore-input', 'enter'), { kind: 'preview', fixId: 'fail2ban.ignore', args: { address: '2001:db8::/32' } }, 'no wide=yes: retyped');
  t.deepEqual(view.handle('ignore-input', 'escape'), { kind: 'say', text: 'cancelled: ignoreip unchanged' });
  t.is(view.scope(), 'bans');

  // 0.0.0.0/0 is never sent with wide=yes: the fix refuses it whatever the flag, and the view does not ask twice.
  view.handle('bans', 'i');
  for (const ch of '0.0.0.0/0') view.typed(ch);
  t.deepEqual(view.handle('ignore-input', 'enter'), { kind: 'preview', fixId: 'fail2ban.ignore', args: { address: '0.0.0.0/0' } });
  t.is(view.scope(), 'bans');
});
