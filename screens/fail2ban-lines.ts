// Pure: the lines of the fail2ban view (blessed-tagged, untrusted text
// sanitised and tag-escaped): the jail table with sparklines, the newest
// events, the top offenders, and the ban list window.

import type { AddressHistory, Fail2banLiveSnapshot, LiveEvent, LiveEventKind, PastBan } from '../src/core/fail2ban-live';
import { displayWidth, escapeTags, sanitizeText, truncate } from '../src/core/sanitize';
import { formatSeconds } from '../src/parse/fail2ban-config';
import type { BanList } from './fail2ban-banlist';

const BARS = '▂▃▄▅▆▇█';
const ZERO = '▁';

/** One character per value: ▁ for zero, ▂…█ scaled to the largest value. */
export function sparkline(values: readonly number[]): string {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  let out = '';
  for (const v of values) {
    if (!(v > 0) || max === 0) out += ZERO;
    else out += BARS[Math.min(BARS.length - 1, Math.max(0, Math.ceil((v / max) * BARS.length) - 1))];
  }
  return out;
}

const KIND_COLOR: Record<LiveEventKind, string> = {
  Ban: 'red',
  'Restore Ban': 'magenta',
  Unban: 'green',
  Found: 'yellow',
  Ignore: 'gray',
};

function paint(color: boolean, c: string, s: string): string {
  return color && c ? `{${c}-fg}${s}{/${c}-fg}` : s;
}

/** Untrusted text cut to `width` cells, then tag-escaped. */
function fit(s: string, width: number): string {
  return escapeTags(truncate(sanitizeText(s), Math.max(1, width)));
}

function pad(s: string, width: number): string {
  const clean = truncate(sanitizeText(s), width);
  return escapeTags(clean + ' '.repeat(Math.max(0, width - displayWidth(clean))));
}

function padPlain(s: string, width: number): string {
  const cut = truncate(s, width);
  return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
}

function num(n: number): string {
  return n.toLocaleString('en-US');
}

function bytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 / 1024 / 1024).toFixed(1)} GiB`;
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} B`;
}

const SERVER_COLOR = { starting: 'gray', up: 'green', down: 'red', error: 'red' } as const;
const LOG_COLOR = { starting: 'gray', following: '', missing: 'yellow', elsewhere: 'yellow', error: 'red' } as const;

function eventLine(e: LiveEvent, width: number, color: boolean): string {
  // The log's own time; HH:MM:SS is enough for what scrolls by.
  const time = e.time.slice(11, 19);
  const head = `${time} `;
  const rest = `[${sanitizeText(e.jail)}] ${e.kind} ${sanitizeText(e.ip)}`;
  return `${escapeTags(head)}${paint(color, KIND_COLOR[e.kind], fit(rest, width - head.length))}`;
}

/** The live view: status lines, the jail table, events and top offenders side by side (or stacked when narrow). */
export function liveLines(s: Fail2banLiveSnapshot, width: number, height: number, color: boolean): string[] {
  const lines: string[] = [];
  const w = Math.max(20, width);
  lines.push(paint(color, SERVER_COLOR[s.server.state], fit(s.server.text, w)));
  const logBits = [s.log.text];
  if (s.log.state === 'following') logBits.push(`${num(s.log.linesRead)} lines read`);
  if (s.log.skippedBytes > 0) logBits.push(`skipped ${bytes(s.log.skippedBytes)} to keep up`);
  if (s.log.rotations > 0) logBits.push(`rotated ${s.log.rotations}×`);
  lines.push(paint(color, LOG_COLOR[s.log.state], fit(logBits.join(' · '), w)));
  lines.push('');

  // Columns: jail, failed now/all, banned now/all, then the sparkline and a
  // short note; the sparkline gets what is left, up to the minutes we keep.
  const jailW = 12;
  const colW = 13;
  const noteW = 14;
  const fixed = jailW + colW * 2 + 1;
  const kept = s.jails[0]?.bansPerMinute.length ?? 60;
  const minutes = Math.max(0, Math.min(kept, w - fixed - noteW));
  const sparkTitle = minutes > 0 ? truncate(`bans/min, last ${minutes} min`, Math.max(1, w - fixed)) : '';
  lines.push(`{bold}${pad('jail', jailW)}${pad('fail now/all', colW)}${pad('ban now/all', colW)} ${escapeTags(sparkTitle)}{/bold}`);
  if (s.jails.length === 0) lines.push(paint(color, 'gray', fit(s.server.state === 'starting' ? 'waiting for the server…' : 'no jails', w)));
  for (const j of s.jails) {
    const c = j.counters;
    const failed = c ? `${num(c.currentlyFailed)}/${num(c.totalFailed)}` : j.running ? '?' : '—';
    const banned = c ? `${num(c.currentlyBanned)}/${num(c.totalBanned)}` : j.running ? '?' : '—';
    const series = minutes > 0 ? j.bansPerMinute.slice(-minutes) : [];
    const max = Math.max(0, ...series);
    const spark = series.length ? paint(color, 'red', sparkline(series)) : '';
    const note = !j.running ? '(not running)' : j.countersError ? j.countersError : max > 0 ? `max ${num(max)}` : '';
    const noteRoom = Math.max(0, w - fixed - series.length - 1);
    const noteText = note && noteRoom > 0 ? ` ${fit(note, noteRoom)}` : '';
    lines.push(`${pad(j.jail, jailW)}${pad(failed, colW)}${pad(banned, colW)} ${spark}${noteText}`);
  }
  lines.push('');

  const rest = Math.max(3, height - lines.length);
  const side = w >= 90;
  const topW = side ? 36 : w;
  const evW = side ? w - topW - 2 : w;
  const offenders = s.offenders.map((o) => fit(`${padPlain(sanitizeText(o.ip), 20)} ${num(o.failures)} fail ${num(o.bans)} ban`, topW));
  const topTitle = `{bold}top offenders${s.offendersPartial ? ' (approx.)' : ''}{/bold}`;
  const evTitle = `{bold}newest events{/bold}${escapeTags(` (${num(s.eventsTotal)} seen)`)}`;
  if (side) {
    lines.push(`${evTitle}${' '.repeat(Math.max(1, evW + 2 - visibleLength(evTitle)))}${topTitle}`);
    const rows = rest - 1;
    for (let i = 0; i < rows; i++) {
      const e = s.events[i];
      const left = e ? eventLine(e, evW, color) : '';
      const right = offenders[i] ?? '';
      if (!left && !right) break;
      lines.push(`${left}${' '.repeat(Math.max(1, evW + 2 - visibleLength(left)))}${right}`);
    }
    if (s.events.length === 0) lines.push(paint(color, 'gray', 'no events yet'));
  } else {
    const topRows = Math.min(offenders.length, 5);
    const evRows = Math.max(1, rest - 2 - (topRows ? topRows + 1 : 0));
    lines.push(evTitle);
    for (const e of s.events.slice(0, evRows)) lines.push(eventLine(e, evW, color));
    if (s.events.length === 0) lines.push(paint(color, 'gray', 'no events yet'));
    if (topRows) {
      lines.push(topTitle);
      lines.push(...offenders.slice(0, topRows));
    }
  }
  return lines.slice(0, Math.max(1, height));
}

/** Visible cells of a tagged line (tags removed, escaped braces counted once). */
export function visibleLength(tagged: string): number {
  return displayWidth(tagged.replace(/\{(?:open|close)\}/g, 'x').replace(/\{\/?[a-z-]+\}/g, ''));
}

export interface BanListPrompt {
  /** "/" search being typed, or an address being typed for a ban or for ignoreip. */
  kind: 'search' | 'ban' | 'ignore';
  text: string;
  jail?: string;
  /** ignore: why a second Enter is needed (a wide range refused once). */
  wide?: string;
}

/** What the history pane knows of the selected address: still being read, or what the database said. */
export type HistoryPaneState = { kind: 'loading' } | AddressHistory;

export interface HistoryPane {
  address: string;
  state: HistoryPaneState;
}

/** Rows the history pane takes at this height: a real pane when there is room, one summary line on a short screen. */
export function historyPaneHeight(height: number): number {
  if (height >= 16) return Math.min(12, Math.floor(height * 0.4));
  if (height >= 8) return 2;
  return 0;
}

/** Matched lines shown per ban (the newest: what they tried last). */
const MATCHES_PER_BAN = 2;

function banTime(b: PastBan): string {
  const d = new Date(b.timeofban * 1000);
  return Number.isNaN(d.getTime()) ? `time ${String(b.timeofban)}?` : d.toISOString().replace(/\.\d+Z$/, 'Z').replace('T', ' ');
}

function banHead(b: PastBan): string {
  const length = b.bantime < 0 ? 'permanently' : `for ${formatSeconds(b.bantime)}`;
  const failures = b.failures === null ? '' : `, ${num(b.failures)} failure${b.failures === 1 ? '' : 's'}`;
  return `${banTime(b)} [${b.jail}] ${length}, ban #${b.bancount}${failures}`;
}

/**
 * The selected address's past bans (fail2ban's database): newest first, each
 * with its time, jail, ban time, count, failures, the users tried and the
 * newest matched lines — every string attacker-made, so sanitised, cut to
 * the width and tag-escaped here, whatever the reader did already.
 */
export function historyPaneLines(pane: HistoryPane, width: number, height: number, color: boolean): string[] {
  const w = Math.max(20, width);
  if (height <= 0) return [];
  const st = pane.state;
  // The address came from the server's ban list: untrusted too, and given at most half the line.
  const label = truncate(sanitizeText(`history of ${pane.address}`), Math.max(1, Math.floor(w / 2)));
  const title = (note: string) => `{bold}${escapeTags(label)}{/bold}${note ? paint(color, 'gray', fit(note, Math.max(1, w - displayWidth(label)))) : ''}`;
  if (st.kind === 'loading') return [title(' · reading fail2ban\'s database…')];
  if (st.kind === 'none') return [title(''), paint(color, 'gray', fit(st.why, w))].slice(0, height);
  if (st.kind === 'error') return [title(''), paint(color, 'yellow', fit(`cannot read the history: ${st.why}`, w))].slice(0, height);
  const shown = st.bans.length < st.total ? `the newest ${num(st.bans.length)} of ` : '';
  const head = title(st.total === 0 ? ' · no ban in fail2ban\'s database (it keeps dbpurgeage)' : ` · ${shown}${num(st.total)} ban${st.total === 1 ? '' : 's'} in fail2ban's database`);
  const lines = [head];
  if (height === 1) return lines;
  if (height === 2) {
    // One line: the newest ban and who they tried.
    const b = st.bans[0];
    if (b) lines.push(fit(`last: ${banHead(b)}${b.users.length ? `; users tried: ${b.users.join(', ')}` : ''}`, w));
    return lines;
  }
  const room = height - 1;
  const body: string[] = [];
  /** Index in `body` of each shown ban's header line. */
  const heads: number[] = [];
  for (const b of st.bans) {
    if (body.length >= room) break;
    heads.push(body.length);
    body.push(paint(color, 'red', fit(banHead(b), w)));
    // Newest first: its details as far as room goes, older bans after.
    const details = [fit(`  users tried: ${b.users.length ? b.users.join(', ') : '(none recorded)'}`, w), ...b.matches.slice(-MATCHES_PER_BAN).map((m) => paint(color, 'gray', fit(`  matched: ${m}`, w)))];
    body.push(...details.slice(0, room - body.length));
  }
  if (st.total > heads.length) {
    // The last line says how many are not shown; a header it displaces is not shown either.
    if (body.length >= room) {
      body.length = room - 1;
      if (heads.length && heads[heads.length - 1] >= body.length) heads.pop();
    }
    const hidden = st.total - heads.length;
    body.push(paint(color, 'gray', fit(`… ${num(hidden)} older ban${hidden === 1 ? '' : 's'}`, w)));
  }
  return [...lines, ...body];
}

/** The ban list: a title line, a prompt or filter line, the header, then only the rows that fit, then the selected address's history. */
export function banListLines(
  list: BanList,
  s: Fail2banLiveSnapshot,
  width: number,
  height: number,
  color: boolean,
  prompt: BanListPrompt | null,
  history: HistoryPane | null = null,
): string[] {
  const w = Math.max(20, width);
  const lines: string[] = [];
  const jails = new Set(s.bans.map((b) => b.jail)).size;
  const filtered = list.filter ? ` · filter "${list.filter}": ${num(list.count)} match` : '';
  lines.push(fit(`banned now: ${num(list.total)} address${list.total === 1 ? '' : 'es'} in ${jails} jail${jails === 1 ? '' : 's'}${filtered}`, w));
  if (prompt?.kind === 'search') lines.push(`/${fit(prompt.text, w - 2)}{inverse} {/inverse}`);
  else if (prompt?.kind === 'ban') lines.push(`${fit(`ban in [${prompt.jail ?? '?'}] (Tab: next jail, Enter: preview): ${prompt.text}`, w - 1)}{inverse} {/inverse}`);
  else if (prompt?.kind === 'ignore') {
    lines.push(`${fit(`never ban, ignoreip (Tab: selected, Enter: preview): ${prompt.text}`, w - 1)}{inverse} {/inverse}`);
    if (prompt.wide) lines.push(paint(color, 'yellow', fit(prompt.wide, w)));
  } else lines.push(paint(color, 'gray', fit(s.server.state === 'up' ? `as of the last status${s.statusAt ? '' : ' (none yet)'}` : s.server.text, w)));
  lines.push(`{bold}${pad('jail', 16)}${pad('address', Math.max(1, w - 16))}{/bold}`);
  const paneH = history && list.count > 0 ? historyPaneHeight(height) : 0;
  const visible = Math.max(1, height - lines.length - paneH);
  const win = list.window(visible);
  if (list.count === 0) {
    lines.push(paint(color, 'gray', list.total === 0 ? 'no address is banned' : 'no address matches the filter'));
    return lines;
  }
  win.rows.forEach((b, i) => {
    const text = `${pad(b.jail, 16)}${pad(b.address, Math.max(1, w - 16))}`;
    lines.push(win.offset + i === win.selected ? `{inverse}${text}{/inverse}` : text);
  });
  if (history && paneH > 0) {
    // The pane sits at the bottom, under a short list too.
    while (lines.length < height - paneH) lines.push('');
    lines.push(...historyPaneLines(history, w, paneH, color));
  }
  return lines;
}
