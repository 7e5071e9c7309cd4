// "Enter opens the ban list: searchable, and smooth with 100,000 banned
// addresses" — against a REAL fail2ban-server (test/helpers/fail2ban-server.ts:
// temp config, socket and log), not a model: a runtime jail "bulk" with no
// action at all (bans touch nothing; loopback could not leave the machine
// anyway) holds 100,000 bans of 127.16.0.0 upwards, and the real bin/hardtop
// runs in a pty.
//
// Smooth: every key is answered (PgDn scrolls to the next page, End reaches
// the last address, each search keystroke narrows the list) within a bound
// that only separates "answered" from "hung"; the figures are logged for the
// bench (npm run bench has the precise ones). Searchable: typing one address
// narrows 100,000 rows to that one, and `u` + `y` on it makes fail2ban
// report it unbanned (99,999 left).

import test from 'ava';
import { startFail2banServer, type Fail2banServer } from '../helpers/fail2ban-server';
import { startTui } from '../helpers/tui';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
const BANS = 100_000;
const JAIL = 'bulk';
/** Answered, not hung: far above any real latency, far below a test timeout. */
const KEY_BOUND_MS = 10_000;

const address = (i: number) => `127.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
const num = (n: number) => n.toLocaleString('en-US');

async function banMany(server: Fail2banServer, count: number): Promise<void> {
  for (const args of [['add', JAIL, 'polling'], ['set', JAIL, 'addlogpath', server.authLog], ['set', JAIL, 'bantime', '86400'], ['start', JAIL]]) {
    const r = await server.client(args);
    if (r.code !== 0) throw new Error(`fail2ban-client ${args.join(' ')}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  const batch = 5000;
  for (let i = 0; i < count; i += batch) {
    const ips: string[] = [];
    for (let j = i; j < Math.min(count, i + batch); j++) ips.push(address(j));
    const r = await server.client(['set', JAIL, 'banip', ...ips], 120_000);
    if (r.code !== 0) throw new Error(`fail2ban-client banip: ${r.stderr.trim().slice(0, 200)}`);
  }
}

/** The addresses of the list's rows on screen ("bulk   127.…"), in order. */
function rowsShown(screen: string): string[] {
  return [...screen.matchAll(new RegExp(`${JAIL} +(127\\.\\d+\\.\\d+\\.\\d+)\\b`, 'g'))].map((m) => m[1]);
}

test.serial('ban list with 100,000 bans of a real fail2ban: opens, pages, reaches the end, narrows to one typed address, and u + y unbans it in fail2ban', async (t) => {
  t.timeout(300_000);
  const server = await startFail2banServer(t, { omitJails: ['recidive'] });
  await banMany(server, BANS);
  const count = async () => Number(/Currently banned:\s+(\d+)/.exec((await server.client(['status', JAIL], 60_000)).stdout)?.[1] ?? NaN);
  t.is(await count(), BANS, 'fail2ban holds them all');

  const tui = startTui({ cmd: process.execPath, args: [bin, '--root', server.root, '--no-network'], cols: 120, rows: 40 });
  t.teardown(() => tui.dispose());
  await tui.waitForText('▶ Updates', 30_000);
  tui.key('right');
  await tui.waitForText('▶ fail2ban');
  tui.key('enter');
  await tui.waitForText('fail2ban — live');
  // Every ban counted in the jail's row ("ban now/all" column starts with 100,000/).
  await tui.waitForText(new RegExp(`^│${JAIL} +\\S+ +${num(BANS)}/`, 'm'), 60_000);

  const timings: Record<string, number[]> = {};
  const timed = async (what: string, press: () => void, until: (screen: string) => boolean) => {
    const t0 = Date.now();
    press();
    const deadline = t0 + KEY_BOUND_MS;
    while (!until(tui.screenText())) {
      if (Date.now() > deadline) throw new Error(`${what}: not answered within ${KEY_BOUND_MS} ms\n${tui.screenText()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    (timings[what] ??= []).push(Date.now() - t0);
  };

  await timed('open the list', () => tui.key('enter'), (s) => s.includes(`banned now: ${num(BANS)} addresses in 1 jail`) && rowsShown(s).length > 10);
  const firstPage = rowsShown(tui.screenText());
  t.is(firstPage[0], address(0), 'the first ban first (fail2ban\'s order)');

  // PgDn: the first one moves the selection to the page's last row; every next one shows new rows.
  tui.key('pagedown');
  await tui.settle();
  for (let i = 0; i < 10; i++) {
    const before = rowsShown(tui.screenText()).join(' ');
    await timed('PgDn', () => tui.key('pagedown'), (s) => rowsShown(s).join(' ') !== before);
  }
  t.not(rowsShown(tui.screenText())[0], firstPage[0], 'scrolled');
  await timed('End', () => tui.key('end'), (s) => rowsShown(s).includes(address(BANS - 1)));
  await timed('Home', () => tui.key('home'), (s) => rowsShown(s)[0] === address(0));

  // Search: each keystroke narrows the 100,000 rows; one whole address leaves one row.
  const target = address(77_777); // 127.17.47.209
  tui.press('/');
  await tui.waitForText(/^│\/ /m);
  for (let k = 1; k <= target.length; k++) {
    const typed = target.slice(0, k);
    await timed('search keystroke', () => tui.press(target[k - 1]), (s) => s.includes(`filter "${typed}": `));
  }
  await tui.waitForText(`filter "${target}": 1 match`, KEY_BOUND_MS);
  t.deepEqual(rowsShown(tui.screenText()), [target], 'one row: the address typed');
  tui.key('enter'); // keep the filter, back to the list's keys

  tui.press('u');
  await tui.waitForText('fix fail2ban.unban — preview', 30_000);
  await tui.waitForText(`Unban ${target} in [${JAIL}]`);
  tui.press('y');
  await tui.waitForText(/applied fail2ban\.unban/, 60_000);
  const r = await server.client(['get', JAIL, 'banip'], 60_000);
  t.false(r.stdout.split(/[\s,]+/).includes(target), 'fail2ban no longer bans it');
  t.is(await count(), BANS - 1);
  await tui.waitForText(`banned now: ${num(BANS - 1)} addresses`, 60_000);
  await tui.waitForText(`filter "${target}": 0 match`);

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  t.log(`bench fail2ban-banlist-100k ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, { median: median(v), max: Math.max(...v), n: v.length }])))}`);
  tui.press('q');
  tui.press('q');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});
