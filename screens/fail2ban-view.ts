// The fail2ban view, opened from the dashboard's fail2ban panel (Enter):
// live per-jail counters with a bans-per-minute sparkline, the newest events
// of fail2ban's log as they come, the top offenders; Enter opens the ban list
// (every address banned now, searchable), where `u` unbans the selected
// address, `b` bans one typed in and `i` adds one typed in (Tab: the
// selected one) to ignoreip — all through the dashboard's fix preview (the
// same overlay and engine path as every fix).
//
// ignoreip wider than the policy's /16 (IPv4) or /48 (IPv6): the first
// Enter previews it as typed, and fail2ban.ignore refuses it with its reason
// on screen; the prompt then stays open and says so, and only a second Enter
// on the same text previews it again with wide=yes — the second
// confirmation is a step the admin sees and takes, never a silent flag.
//
// The ban list shows, under the rows, the selected address's past bans from
// fail2ban's database (Fail2banLive.history): read for the selected row only,
// once the cursor rests (HISTORY_DEBOUNCE_MS), one read at a time, cached per
// address while the view is open — the list may hold 100,000 addresses, and
// holding a key down must not start a sqlite3 per row it passes.
//
// It renders snapshots of a Fail2banLive and returns what should happen
// next; it holds no security logic (the fixes refuse loopback, the admin's
// own address and malformed input) and never touches the machine.

import type * as blessed from 'blessed';
import type { AddressHistory, Fail2banLive } from '../src/core/fail2ban-live';
import type { Scope } from '../src/ui/keymap';
import { ignoreEntryWidth } from '../checks/fail2ban/policy';
import { BanList, MAX_FILTER } from './fail2ban-banlist';
import { banListLines, historyPaneHeight, liveLines, type BanListPrompt, type HistoryPane } from './fail2ban-lines';

/** What the dashboard should do after a key. */
export type ViewIntent =
  | { kind: 'none' }
  | { kind: 'back' }
  | { kind: 'help' }
  /** The area's findings (the generic detail), instead of this view. */
  | { kind: 'detail' }
  | { kind: 'preview'; fixId: string; args: Record<string, string> }
  | { kind: 'say'; text: string };

const NONE: ViewIntent = { kind: 'none' };
/** Longest address worth typing ("ffff:…/128" is 43). */
const MAX_ADDRESS = 45;
/** The cursor must rest this long on a row before its history is read. */
export const HISTORY_DEBOUNCE_MS = 150;
/** A cached history older than this is read again once the ban list changed (a new ban of it may be there). */
const HISTORY_STALE_MS = 10_000;
/** Addresses whose history is kept while the view is open (the oldest read is forgotten first). */
const HISTORY_CACHED = 500;

interface CachedHistory {
  result: AddressHistory;
  /** Date.now() when read. */
  at: number;
  /** The ban list's version when read. */
  version: number;
}


export class Fail2banView {
  private mode: 'live' | 'bans' | 'search' | 'ban-input' | 'ignore-input' = 'live';
  /** The wide entry whose first preview was refused: Enter on the same text asks again with wide=yes. */
  private wideRefused: string | null = null;
  private readonly list = new BanList();
  private input = '';
  private inputJail = '';
  private readonly sub: { dispose(): void };
  private listHeight = 10;
  private readonly histories = new Map<string, CachedHistory>();
  /** The address whose history should be read once the cursor rests. */
  private historyWanted: string | null = null;
  private historyTimer: NodeJS.Timeout | null = null;
  /** The address being read now (one read at a time). */
  private historyLoading: string | null = null;
  private disposed = false;

  constructor(
    private readonly live: Fail2banLive,
    private readonly opts: { color: boolean; requestRender: () => void },
  ) {
    this.sub = live.onChange(() => opts.requestRender());
  }

  scope(): Scope {
    switch (this.mode) {
      case 'live':
        return 'fail2ban';
      case 'bans':
        return 'bans';
      case 'search':
        return 'bans-search';
      case 'ban-input':
        return 'ban-input';
      // An address prompt like the ban's (Enter, Backspace, Esc, Tab): the
      // keymap has no scope of its own for it yet.
      case 'ignore-input':
        return 'ignore-input';
    }
  }

  /** After a ban or an unban was applied (or not): ask the server again. */
  refresh(): void {
    this.live.refresh();
  }

  handle(scope: Scope, key: string): ViewIntent {
    const page = Math.max(1, this.listHeight - 1);
    switch (`${scope}:${key}`) {
      case 'fail2ban:enter':
        this.mode = 'bans';
        this.syncList();
        return NONE;
      case 'fail2ban:r':
      case 'bans:r':
        this.live.refresh();
        return { kind: 'say', text: 'asking fail2ban…' };
      case 'fail2ban:?':
      case 'bans:?':
        return { kind: 'help' };
      case 'fail2ban:escape':
        return { kind: 'back' };
      case 'fail2ban:d':
        return { kind: 'detail' };
      case 'bans:escape':
        this.mode = 'live';
        return NONE;
      case 'bans:up':
        return this.move(-1);
      case 'bans:down':
        return this.move(1);
      case 'bans:pageup':
        return this.move(-page);
      case 'bans:pagedown':
        return this.move(page);
      case 'bans:home':
        this.list.select(0);
        return NONE;
      case 'bans:end':
        this.list.select(this.list.count - 1);
        return NONE;
      case 'bans:/':
        this.mode = 'search';
        return NONE;
      case 'bans:u': {
        const row = this.list.current();
        if (!row) return { kind: 'say', text: 'nothing selected: no banned address' };
        return { kind: 'preview', fixId: 'fail2ban.unban', args: { jail: row.jail, address: row.address } };
      }
      case 'bans:b': {
        const jails = this.jails();
        if (jails.length === 0) return { kind: 'say', text: 'no running jail to ban in' };
        this.inputJail = this.list.current()?.jail ?? (jails.includes('sshd') ? 'sshd' : jails[0]);
        this.input = '';
        this.mode = 'ban-input';
        return NONE;
      }
      case 'bans:i':
        this.input = '';
        this.wideRefused = null;
        this.mode = 'ignore-input';
        return NONE;
      case 'bans-search:enter':
        this.mode = 'bans';
        return NONE;
      case 'bans-search:backspace':
        this.list.setFilter([...this.list.filter].slice(0, -1).join(''));
        return NONE;
      case 'bans-search:escape':
        this.list.setFilter('');
        this.mode = 'bans';
        return NONE;
      case 'ignore-input:tab':
        return this.fillSelected();
      case 'ignore-input:backspace':
        this.input = this.input.slice(0, -1);
        this.wideRefused = null;
        return NONE;
      case 'ignore-input:escape':
        this.wideRefused = null;
        this.mode = 'bans';
        return { kind: 'say', text: 'cancelled: ignoreip unchanged' };
      case 'ignore-input:enter':
        return this.submitIgnore();
      case 'ban-input:tab': {
        const jails = this.jails();
        if (jails.length) this.inputJail = jails[(jails.indexOf(this.inputJail) + 1) % jails.length];
        return NONE;
      }
      case 'ban-input:backspace':
        this.input = this.input.slice(0, -1);
        this.wideRefused = null;
        return NONE;
      case 'ban-input:escape':
        this.mode = 'bans';
        return { kind: 'say', text: 'cancelled: nothing banned' };
      case 'ban-input:enter': {
        const address = this.input.trim();
        if (address === '') return { kind: 'say', text: 'type an address or range first (e.g. 192.0.2.7 or 2001:db8::/64)' };
        this.mode = 'bans';
        // The fix decides what may be banned; the preview says why not.
        return { kind: 'preview', fixId: 'fail2ban.ban', args: { jail: this.inputJail, address } };
      }
    }
    return NONE;
  }

  /** Tab in the ignore prompt: the selected banned address, to edit or take as it is. */
  private fillSelected(): ViewIntent {
    const row = this.list.current();
    if (!row) return { kind: 'say', text: 'no address selected: type one' };
    this.input = row.address.slice(0, MAX_ADDRESS);
    this.wideRefused = null;
    return NONE;
  }

  /** Enter in the ignore prompt: preview fail2ban.ignore; a wide range takes two Enters (see the header). */
  private submitIgnore(): ViewIntent {
    const address = this.input.trim();
    if (address === '') return { kind: 'say', text: 'type an address or range first (e.g. 192.0.2.7 or 198.51.100.0/24), or Tab for the selected one' };
    const width = ignoreEntryWidth(address);
    if (width?.wide && !width.everything) {
      if (this.wideRefused !== address) {
        // First Enter: the fix's own refusal explains; the prompt stays for the second step.
        this.wideRefused = address;
        return { kind: 'preview', fixId: 'fail2ban.ignore', args: { address } };
      }
      this.wideRefused = null;
      this.mode = 'bans';
      return { kind: 'preview', fixId: 'fail2ban.ignore', args: { address, wide: 'yes' } };
    }
    // Narrow, everything (always refused) or not an address: the fix decides and says why.
    this.wideRefused = null;
    this.mode = 'bans';
    return { kind: 'preview', fixId: 'fail2ban.ignore', args: { address } };
  }

  /** Text typed where the view takes text (search, an address). True when taken. */
  typed(ch: string): boolean {
    if (this.mode === 'search') {
      if (this.list.filter.length >= MAX_FILTER) return true;
      this.list.setFilter(this.list.filter + ch);
      return true;
    }
    if (this.mode === 'ban-input' || this.mode === 'ignore-input') {
      if (this.mode === 'ignore-input') this.wideRefused = null; // new text: its first Enter is a first one again
      // Only what an address or a CIDR range is made of; the fix validates the meaning.
      if (/^[0-9A-Fa-f.:/]$/.test(ch) && this.input.length < MAX_ADDRESS) this.input += ch;
      return true;
    }
    return false;
  }

  private move(delta: number): ViewIntent {
    this.list.move(delta);
    return NONE;
  }

  private jails(): string[] {
    return this.live
      .snapshot()
      .jails.filter((j) => j.running)
      .map((j) => j.jail);
  }

  private syncList(): void {
    const s = this.live.snapshot();
    this.list.update(s.bans, s.bansVersion);
  }

  /** Paint into the dashboard's full-screen box. */
  paint(box: blessed.Widgets.BoxElement, width: number, height: number): void {
    const s = this.live.snapshot();
    const inner = Math.max(20, width - 3);
    const rows = Math.max(3, height - 4);
    if (this.mode === 'live') {
      box.setLabel(' fail2ban — live ');
      box.setContent(liveLines(s, inner, rows, this.opts.color).join('\n'));
      return;
    }
    this.list.update(s.bans, s.bansVersion);
    box.setLabel(' fail2ban — banned addresses ');
    const prompt: BanListPrompt | null =
      this.mode === 'search'
        ? { kind: 'search', text: this.list.filter }
        : this.mode === 'ban-input'
          ? { kind: 'ban', text: this.input, jail: this.inputJail }
          : this.mode === 'ignore-input'
            ? { kind: 'ignore', text: this.input, wide: this.wideNote() }
            : null;
    this.listHeight = Math.max(1, rows - 3 - historyPaneHeight(rows));
    const row = this.list.current();
    const history: HistoryPane | null = row ? { address: row.address, state: this.historyOf(row.address, s.bansVersion) } : null;
    box.setContent(banListLines(this.list, s, inner, rows, this.opts.color, prompt, history).join('\n'));
  }

  /** What the pane shows for `address` now; asks for a read when there is nothing (or nothing fresh) yet. */
  historyOf(address: string, version: number): HistoryPane['state'] {
    const cached = this.histories.get(address);
    const fresh = cached !== undefined && (cached.version === version || Date.now() - cached.at < HISTORY_STALE_MS);
    if (fresh || this.historyLoading === address) {
      this.cancelWanted();
    } else if (this.historyWanted !== address || !this.historyTimer) {
      // The cursor moved (or a read just ended): start the wait again.
      this.cancelWanted();
      this.historyWanted = address;
      this.historyTimer = setTimeout(() => this.readWanted(version), HISTORY_DEBOUNCE_MS);
    }
    // A stale entry is shown while it is read again.
    return cached?.result ?? { kind: 'loading' };
  }

  private cancelWanted(): void {
    if (this.historyTimer) clearTimeout(this.historyTimer);
    this.historyTimer = null;
    this.historyWanted = null;
  }

  private readWanted(version: number): void {
    this.historyTimer = null;
    const address = this.historyWanted;
    // One read at a time: when it ends, the next paint asks for the address selected then.
    if (address === null || this.disposed || this.historyLoading !== null) return;
    this.historyWanted = null;
    this.historyLoading = address;
    void this.live
      .history(address)
      .catch((err: unknown): AddressHistory => ({ kind: 'error', why: err instanceof Error ? err.message : String(err) }))
      .then((result) => {
        this.historyLoading = null;
        if (this.disposed) return;
        this.histories.delete(address);
        this.histories.set(address, { result, at: Date.now(), version });
        if (this.histories.size > HISTORY_CACHED) this.histories.delete(this.histories.keys().next().value as string);
        this.opts.requestRender();
      });
  }

  /** The prompt's second line after a wide range was refused once. */
  private wideNote(): string | undefined {
    if (this.wideRefused === null || this.wideRefused !== this.input.trim()) return undefined;
    const w = ignoreEntryWidth(this.wideRefused);
    if (!w) return undefined;
    return `${w.entry} is wider than /${w.widest}! Enter again: preview it with wide=yes · Esc: cancel`;
  }

  dispose(): void {
    this.disposed = true;
    this.cancelWanted();
    this.sub.dispose();
    this.live.dispose();
  }
}
