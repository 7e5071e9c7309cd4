// fail2ban.bans (info): who is banned now and how often, per jail (the
// running server's `status <jail>`), and the addresses banned most often
// (fail2ban's database, which keeps bans for dbpurgeage). One item per jail.

import type { Check, Evidence, Item } from '../../src/core/types';
import { finding, guardedCheck, listSome } from '../updates/finding';
import { loadState, whyConfig } from './area';
import { CONF_DIR } from './config';
import { readBanHistory, type BanHistory } from './db';
import { notInstalled } from './install';
import { jailStatus } from './server';

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
      f.items = items;
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
    f.items = items;
    return f;
  },
});
