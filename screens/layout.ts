// Pure geometry: where each area's panel goes for a given terminal size.
// Two columns; SSH (the longest list) gets a double-height slot on the left.

import type { Area } from '../src/core/types';

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Slot {
  area: Area;
  column: 0 | 1;
  /** First and last grid row covered (the grid has 4 rows). */
  rows: [number, number];
}

export const SLOTS: readonly Slot[] = [
  { area: 'updates', column: 0, rows: [0, 0] },
  { area: 'reboot', column: 0, rows: [1, 1] },
  { area: 'ssh', column: 0, rows: [2, 3] },
  { area: 'fail2ban', column: 1, rows: [0, 0] },
  { area: 'rkhunter', column: 1, rows: [1, 1] },
  { area: 'tls', column: 1, rows: [2, 2] },
  { area: 'web', column: 1, rows: [3, 3] },
];

/** Tab order: down the left column, then down the right. */
export const TAB_ORDER: readonly Area[] = SLOTS.map((s) => s.area);

/** Panels fill the space between the header line and the key bar. */
export function panelRects(cols: number, rows: number): Map<Area, Rect> {
  const top = 1;
  const avail = Math.max(8, rows - 2);
  const rowTops = [0, 1, 2, 3, 4].map((i) => top + Math.round((avail * i) / 4));
  const leftWidth = Math.floor(cols / 2);
  const rects = new Map<Area, Rect>();
  for (const slot of SLOTS) {
    const left = slot.column === 0 ? 0 : leftWidth;
    const width = slot.column === 0 ? leftWidth : cols - leftWidth;
    const t = rowTops[slot.rows[0]];
    rects.set(slot.area, { left, top: t, width, height: rowTops[slot.rows[1] + 1] - t });
  }
  return rects;
}

function slotOf(area: Area): Slot {
  return SLOTS.find((s) => s.area === area)!;
}

/** The panel in the other column that covers the same grid row. */
export function neighbourAcross(area: Area): Area {
  const slot = slotOf(area);
  const other = slot.column === 0 ? 1 : 0;
  const row = slot.rows[0];
  return SLOTS.find((s) => s.column === other && s.rows[0] <= row && row <= s.rows[1])!.area;
}

/** The panel above or below in the same column, or null at the edge. */
export function neighbourVertical(area: Area, dir: -1 | 1): Area | null {
  const slot = slotOf(area);
  const row = dir === 1 ? slot.rows[1] + 1 : slot.rows[0] - 1;
  return SLOTS.find((s) => s.column === slot.column && s.rows[0] <= row && row <= s.rows[1])?.area ?? null;
}
