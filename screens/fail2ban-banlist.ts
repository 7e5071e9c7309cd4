// Pure: the ban list's state — every banned address (100,000 of them is
// normal on a busy server), a search filter, the selection and the window
// of rows on screen. Work per key is O(rows on screen); a new list or a new
// filter costs one pass over the list, never one per paint.

import type { BannedAddress } from '../src/core/fail2ban-live';

export const MAX_FILTER = 64;

function keyOf(b: BannedAddress): string {
  return `${b.jail}\u0000${b.address}`;
}

export class BanList {
  private all: readonly BannedAddress[] = [];
  private version = -1;
  private rows: readonly BannedAddress[] = [];
  private selectedKey: string | null = null;
  filter = '';
  selected = 0;
  offset = 0;

  /** A new list from the server; re-filtered only when its version changed. */
  update(bans: readonly BannedAddress[], version: number): void {
    if (version === this.version) return;
    this.version = version;
    this.all = bans;
    this.refilter();
  }

  setFilter(text: string): void {
    this.filter = text.slice(0, MAX_FILTER);
    this.selectedKey = null;
    this.selected = 0;
    this.offset = 0;
    this.refilter();
  }

  private refilter(): void {
    const q = this.filter.toLowerCase();
    this.rows = q === '' ? this.all : this.all.filter((b) => b.address.toLowerCase().includes(q) || b.jail.toLowerCase().includes(q));
    // The selection follows its address when the list changes under it.
    if (this.selectedKey !== null) {
      const i = this.rows.findIndex((b) => keyOf(b) === this.selectedKey);
      if (i >= 0) this.selected = i;
    }
    this.select(this.selected);
  }

  get total(): number {
    return this.all.length;
  }

  get count(): number {
    return this.rows.length;
  }

  select(index: number): void {
    this.selected = Math.max(0, Math.min(index, this.rows.length - 1));
    const row = this.rows[this.selected];
    this.selectedKey = row ? keyOf(row) : null;
  }

  move(delta: number): void {
    this.select(this.selected + delta);
  }

  current(): BannedAddress | undefined {
    return this.rows[this.selected];
  }

  /** The rows to draw for a window of `height` rows, keeping the selection in view. */
  window(height: number): { rows: readonly BannedAddress[]; offset: number; selected: number } {
    const h = Math.max(1, height);
    if (this.selected < this.offset) this.offset = this.selected;
    if (this.selected >= this.offset + h) this.offset = this.selected - h + 1;
    this.offset = Math.max(0, Math.min(this.offset, Math.max(0, this.rows.length - h)));
    return { rows: this.rows.slice(this.offset, this.offset + h), offset: this.offset, selected: this.selected };
  }
}
