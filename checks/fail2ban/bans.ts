// fail2ban.bans (info): who is banned now and how often, per jail (the
// running server's `status <jail>`), and the addresses banned most often
// (fail2ban's database, which keeps bans for dbpurgeage). One item per jail.

import type { Check, Evidence, Item } from '../../src/core/types';
import { finding, guardedCheck, listSome } from '../updates/finding';
import { loadState, whyConfig } from './area';
import { CONF_DIR } from './config';
import { formatSeconds } from '../../src/parse/fail2ban-config';
import { readBanHistory, readOffenderBans, type BanHistory, type OffenderBan } from './db';
import { notInstalled } from './install';
import { jailStatus } from './server';
import { fail2banPolicy } from './policy';

/** Matched lines shown per offender (the newest: what they tried last). */
const MATCHES_SHOWN = 3;

/**
 * One item per top offender and jail: fail2ban's record of its latest ban
 * (time, ban time, ban count, failures, users tried, the lines that matched),
 * so the detail answers "who is this and what did they try" without sqlite.
 */
export function offenderItem(b: OffenderBan, dbfile: string): Item {
  const date = new Date(b.timeofban * 1000);
  const when = Number.isNaN(date.getTime()) ? `time ${String(b.timeofban)}?` : date.toISOString().replace(/\.\d+Z$/, 'Z');
  const length = b.bantime < 0 ? 'permanently' : `for ${formatSeconds(b.bantime)}`;
  const failures = b.failures === null ? '' : `, ${b.failures} failure${b.failures === 1 ? '' : 's'}`;
  const users = b.users.length ? `; users tried: ${b.users.join(', ')}` : '';
  const command = `sqlite3 -readonly ${dbfile}`;
  const lines = b.matches.slice(-MATCHES_SHOWN);
  return {
    subject: b.ip,
    status: 'info',
    summary: `[${b.jail}] last banned ${when} ${length} (ban #${b.bancount} of this address${failures})${users}`,
    evidence: lines.length ? lines.map((text) => ({ file: dbfile, command, text: `matched: ${text}` })) : [{ file: dbfile, command, text: 'no matched lines in the database (fail2ban keeps dbmaxmatches of them)' }],
  };
}

function topText(history: BanHistory): string {
  if (history.kind !== 'ok') return '';
  if (history.topIps.length === 0) return 'no bans recorded';
  return `top offenders: ${history.topIps.map((t) => `${t.key} (${t.bans} ban${t.bans === 1 ? '' : 's'})`).join(', ')}`;
}

export const fail2banBans: Check = guardedCheck({
  id: 'fail2ban.bans',
  area: 'fail2ban',
  title: 'fail2ban bans',
  severity: 'info',
  watch: [`${CONF_DIR}/fail2ban.conf`, `${CONF_DIR}/fail2ban.local`],
  interval: 30,
  timeoutMs: 30000,
  async run(host, ctx) {
    const skip = await notInstalled(fail2banBans, host);
    if (skip) return skip;
    const state = await loadState(host, ctx.signal);
    if (state.settings.kind === 'error') return finding(fail2banBans, 'error', state.settings.summary, state.settings.evidence);
    const history = await readBanHistory(host, state.settings.settings.dbfile.value, ctx.signal);
    const perJailDb = new Map(history.kind === 'ok' ? history.perJail.map((j) => [j.key, j.bans]) : []);
    const historyNote = history.kind === 'error' ? `ban history unreadable: ${history.why}` : history.kind === 'none' ? history.why : topText(history);
    const evidence: Evidence[] = history.kind === 'none' ? [] : [history.evidence];
    const dbfile = state.settings.settings.dbfile.value;
    // Details of the top offenders' latest bans; an old database without `bips` just has none.
    const offenders = history.kind === 'ok' && history.topIps.length > 0 ? await readOffenderBans(host, dbfile, fail2banPolicy.bans.topOffenders, ctx.signal) : null;
    const offenderItems = offenders?.kind === 'ok' ? offenders.bans.map((b) => offenderItem(b, dbfile)) : [];

    if (state.live.kind === 'up') {
      const items: Item[] = [];
      for (const jail of state.live.jails) {
        // Counters only: this runs every 30 s, and the list of every banned address is the live view's.
        const st = await jailStatus(host, state.live.socket, jail, ctx.signal, 'short');
        if (st.kind !== 'ok') {
          items.push({ subject: jail, status: 'error', summary: `cannot read its status: ${st.kind === 'timeout' ? 'timed out' : st.why}`, evidence: [{ command: st.command }] });
          continue;
        }
        const s = st.status;
        const db = perJailDb.has(jail) ? `, ${perJailDb.get(jail)} in the database` : '';
        items.push({
          subject: jail,
          status: 'info',
          summary: `${s.currentlyBanned} banned now, ${s.totalBanned} since start${db}; ${s.currentlyFailed} failing now, ${s.totalFailed} failures since start`,
          evidence: [{ command: st.command, text: `Currently banned: ${s.currentlyBanned} Total banned: ${s.totalBanned}` }],
        });
      }
      const perJail = items.map((i) => `[${i.subject}] ${i.status === 'error' ? 'status unreadable' : i.summary.split(';')[0]}`);
      const summary = `${listSome(perJail, 4) || 'no jails running'}${historyNote ? `; ${historyNote}` : ''}`;
      const f = finding(fail2banBans, 'info', summary, [...evidence, ...items.flatMap((i) => i.evidence).slice(0, 8)]);
      f.items = [...items, ...offenderItems];
      return f;
    }
    if (history.kind !== 'ok') return finding(fail2banBans, 'skip', `${whyConfig(state.live).replace(/; judged from the configuration$/, '')}; ${historyNote}`, evidence);
    const items: Item[] = history.perJail.map((j) => ({ subject: j.key, status: 'info', summary: `${j.bans} ban(s) in the database, newest ${new Date(j.last * 1000).toISOString()}`, evidence: [] }));
    const f = finding(
      fail2banBans,
      'info',
      `server not running; database: ${listSome(history.perJail.map((j) => `[${j.key}] ${j.bans}`), 4) || 'no bans'}; ${topText(history)}`,
      evidence,
    );
    f.items = [...items, ...offenderItems];
    return f;
  },
});
