// The ban list's history pane (the selected address's past bans from
// fail2ban's database): attacker-made text reaches the screen sanitised,
// escaped and cut; the pane fits any height; and the view reads the history
// of the row the cursor rests on only — never one read per row passed,
// one read at a time, cached per address while the view is open.

import test from 'ava';
import type * as blessed from 'blessed';
import type { AddressHistory, BannedAddress, Fail2banLive, Fail2banLiveSnapshot, PastBan } from '../../src/core/fail2ban-live';
import { BanList } from '../../screens/fail2ban-banlist';
import { banListLines, historyPaneHeight, historyPaneLines, visibleLength } from '../../screens/fail2ban-lines';
import { Fail2banView, HISTORY_DEBOUNCE_MS } from '../../screens/fail2ban-view';

const EVIL = '\u001b]52;c;cHduZWQ=\u0007{red-fg}pass{/red-fg}\u001b[2J\r\nfake line';

function ban(over: Partial<PastBan> = {}): PastBan {
  return { jail: 'sshd', timeofban: 1_764_370_800, bantime: 3600, bancount: 1, failures: 3, users: ['root'], matches: [], ...over };
}

function snapshot(bans: BannedAddress[], version = 1): Fail2banLiveSnapshot {
  return {
    server: { state: 'up', text: 'fail2ban answers' },
    log: { path: null, state: 'elsewhere', text: '', linesRead: 0, bytesRead: 0, skippedBytes: 0, rotations: 0 },
    jails: [],
    events: [],
    eventsTotal: 0,
    offenders: [],
    offendersPartial: false,
    bans,
    bansVersion: version,
    statusAt: 1,
  };
}

function assertClean(t: import('ava').ExecutionContext, lines: string[], width: number): void {
  const out = lines.join('\n');
  t.false(out.includes('\u001b'), 'no escape byte');
  t.false(out.includes('\u0007'), 'no BEL');
  t.false(out.includes('\r'), 'no carriage return');
  t.false(/\{red-fg\}pass/.test(out), 'no tag injected by the text');
  for (const l of lines) t.true(visibleLength(l) <= width, `fits ${width}: ${l}`);
}

test('history pane: hostile users, matched lines, jail and address are sanitised, tag-escaped and cut; one line per row', (t) => {
  const long = `Failed password for ${'A'.repeat(5000)} from 192.0.2.7`;
  const state: AddressHistory = {
    kind: 'ok',
    address: `192.0.2.7${EVIL}`,
    total: 2,
    bans: [
      ban({ timeofban: 1_764_370_800, bancount: 2, users: [`admin${EVIL}`, 'root'], matches: [`m1${EVIL}`, long], jail: `sshd${EVIL}` }),
      ban({ timeofban: 1_764_367_200, users: ['oracle'], matches: ['Failed password for oracle'] }),
    ],
  };
  for (const width of [40, 100, 200]) {
    const lines = historyPaneLines({ address: state.address, state }, width, 12, true);
    assertClean(t, lines, width);
    t.true(lines.length <= 12);
    t.false(lines.some((l) => l.startsWith('fake line')), 'a line break in the text does not start a screen line');
  }
  const lines = historyPaneLines({ address: state.address, state }, 200, 12, false);
  const text = lines.join('\n');
  t.regex(lines[0], /^\{bold\}history of 192\.0\.2\.7.*\{\/bold\} · 2 bans in fail2ban's database$/);
  // Newest first, each with time (UTC), jail, ban time, count, failures, users and matched lines.
  t.regex(lines[1], /^2025-11-28 23:00:00Z \[sshd.*\{open\}red-fg\{close\}pass.*\] for 1h, ban #2, 3 failures$/);
  t.regex(lines[2], /^ {2}users tried: admin.*\{open\}red-fg\{close\}pass.*, root$/);
  t.regex(lines[3], /^ {2}matched: m1/);
  t.regex(lines[4], /^ {2}matched: Failed password for A+…$/, 'a 5000-character line is cut');
  t.is(lines[5], '2025-11-28 22:00:00Z [sshd] for 1h, ban #1, 3 failures');
  t.is(lines[6], '  users tried: oracle');
  t.is(lines[7], '  matched: Failed password for oracle');
  t.is(lines.length, 8);
  t.true(text.includes('{open}red-fg{close}pass'), 'hostile text is shown, escaped');
});

test('history pane: short heights keep the newest ban and say how many older ones are not shown', (t) => {
  const bans = Array.from({ length: 20 }, (_, i) => ban({ timeofban: 1_764_370_800 - i * 3600, bancount: 20 - i, users: [`user${i}`], matches: ['a', 'b', 'c'] }));
  const state: AddressHistory = { kind: 'ok', address: '192.0.2.9', total: 57, bans };
  const six = historyPaneLines({ address: '192.0.2.9', state }, 80, 6, false);
  t.is(six.length, 6);
  t.regex(six[0], /the newest 20 of 57 bans/);
  t.regex(six[1], /ban #20/);
  t.is(six[2], '  users tried: user0');
  t.is(six[3], '  matched: b', 'the newest matched lines');
  t.is(six[4], '  matched: c');
  t.is(six[5], '… 56 older bans');
  // At 6 lines the "more" line displaced ban #19's header: counted as not shown (56). At 7 the header stays.
  const seven = historyPaneLines({ address: '192.0.2.9', state }, 80, 7, false);
  t.is(seven.length, 7);
  t.regex(seven[5], /ban #19/);
  t.is(seven[6], '… 55 older bans');
  const two = historyPaneLines({ address: '192.0.2.9', state }, 100, 2, false);
  t.deepEqual(two.slice(1), ['last: 2025-11-28 23:00:00Z [sshd] for 1h, ban #20, 3 failures; users tried: user0']);
  t.deepEqual(historyPaneLines({ address: 'x', state }, 80, 0, false), []);
  t.is(historyPaneHeight(36), 12);
  t.is(historyPaneHeight(10), 2);
  t.is(historyPaneHeight(5), 0);
  // Loading, no database, an error, and an address with no ban recorded.
  t.regex(historyPaneLines({ address: 'x', state: { kind: 'loading' } }, 80, 6, false)[0], /reading fail2ban's database/);
  t.deepEqual(historyPaneLines({ address: 'x', state: { kind: 'none', why: `dbfile = :memory:${EVIL}` } }, 80, 6, false).length, 2);
  assertClean(t, historyPaneLines({ address: 'x', state: { kind: 'error', why: `sqlite3 said ${EVIL}` } }, 40, 6, true), 40);
  t.regex(historyPaneLines({ address: 'x', state: { kind: 'ok', address: 'x', total: 0, bans: [] } }, 80, 6, false)[0], /no ban in fail2ban's database/);
});

test('the ban list keeps its size with the pane: rows, then the pane at the bottom; no pane for an empty list', (t) => {
  const bans: BannedAddress[] = [{ jail: 'sshd', address: '192.0.2.7' }];
  const list = new BanList();
  list.update(bans, 1);
  const state: AddressHistory = { kind: 'ok', address: '192.0.2.7', total: 1, bans: [ban()] };
  const lines = banListLines(list, snapshot(bans), 80, 30, false, null, { address: '192.0.2.7', state });
  t.is(lines.length, 30 - historyPaneHeight(30) + 3, 'pane of 3 lines under the padded list');
  t.regex(lines[3], /^\{inverse\}sshd +192\.0\.2\.7/);
  t.regex(lines[30 - historyPaneHeight(30)], /^\{bold\}history of 192\.0\.2\.7\{\/bold\} · 1 ban/);
  const empty = new BanList();
  empty.update([], 1);
  t.false(banListLines(empty, snapshot([]), 80, 30, false, null, { address: 'x', state }).join('\n').includes('history of'));
});

/** A live source whose history() is counted and answered when the test says. */
function countingLive(bans: BannedAddress[]) {
  const calls: string[] = [];
  const pending: Array<(h: AddressHistory) => void> = [];
  const live: Fail2banLive = {
    snapshot: () => snapshot(bans),
    onChange: () => ({ dispose() {} }),
    refresh() {},
    history(address) {
      calls.push(address);
      return new Promise((resolve) => pending.push(resolve));
    },
    dispose() {},
  };
  return { live, calls, pending };
}

function fakeBox() {
  const box = { content: '', setLabel() {}, setContent(c: string) { box.content = c; } };
  return box;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the view reads the history of the row the cursor rests on only: none while moving through 100,000 rows, one at a time, cached', async (t) => {
  const bans: BannedAddress[] = Array.from({ length: 100_000 }, (_, i) => ({ jail: 'sshd', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }));
  const { live, calls, pending } = countingLive(bans);
  let renders = 0;
  const view = new Fail2banView(live, { color: false, requestRender: () => renders++ });
  t.teardown(() => view.dispose());
  const box = fakeBox();
  const paint = () => view.paint(box as unknown as blessed.Widgets.BoxElement, 120, 40);
  view.handle('fail2ban', 'enter');
  paint();
  // Holding ↓: 300 rows passed, a paint after each key, faster than the debounce.
  for (let i = 0; i < 300; i++) {
    view.handle('bans', 'down');
    paint();
    if (i % 50 === 0) await sleep(HISTORY_DEBOUNCE_MS / 5);
  }
  t.deepEqual(calls, [], 'no read while the cursor moves');
  t.regex(box.content, /history of 10\.0\.1\.44\{\/bold\} · reading fail2ban's database…/);
  await sleep(HISTORY_DEBOUNCE_MS * 2);
  t.deepEqual(calls, ['10.0.1.44'], 'one read, for the row the cursor rests on');

  // The cursor moves on while that read runs: no second read in parallel.
  view.handle('bans', 'down');
  paint();
  await sleep(HISTORY_DEBOUNCE_MS * 2);
  t.deepEqual(calls, ['10.0.1.44']);
  pending[0]({ kind: 'ok', address: '10.0.1.44', total: 1, bans: [ban({ users: ['admin'] })] });
  await sleep(0);
  t.is(renders, 1, 'the answer asks for a paint');
  paint(); // the paint asks for the row selected now
  await sleep(HISTORY_DEBOUNCE_MS * 2);
  t.deepEqual(calls, ['10.0.1.44', '10.0.1.45']);
  pending[1]({ kind: 'error', why: 'reading /var/lib/fail2ban/fail2ban.sqlite3 timed out' });
  await sleep(0);
  paint();
  t.regex(box.content, /cannot read the history: reading \/var\/lib\/fail2ban\/fail2ban\.sqlite3 timed out/);

  // Back to the first row: cached, shown at once, not read again.
  view.handle('bans', 'up');
  paint();
  t.regex(box.content, /history of 10\.0\.1\.44\{\/bold\} · 1 ban in fail2ban's database/);
  t.regex(box.content, /users tried: admin/);
  await sleep(HISTORY_DEBOUNCE_MS * 2);
  paint();
  t.is(calls.length, 2, 'cached per address');

  // Closed with a read pending: nothing is read after.
  view.handle('bans', 'pagedown');
  paint();
  view.dispose();
  await sleep(HISTORY_DEBOUNCE_MS * 2);
  t.is(calls.length, 2);
});

test('a ban time a Date cannot hold never crashes the pane (it is drawn inside the render timer)', (t) => {
  const state: AddressHistory = { kind: 'ok', address: '192.0.2.7', total: 1, bans: [ban({ timeofban: 1e15 })] };
  const lines = historyPaneLines({ address: state.address, state }, 100, 8, false);
  t.true(lines.some((l) => l.includes('time 1000000000000000?')), lines.join('\n'));
});
