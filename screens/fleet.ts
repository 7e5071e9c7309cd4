// The fleet view (`hardtop fleet DIR`): one row per host, a host × area matrix
// of worst status, lowest score first; `/` narrows the list by host name,
// Enter shows one host's findings. It renders the model it is given and
// never touches the machine.
//
// Smooth with 1,000 hosts: the list box only ever holds the lines that fit on
// the screen (fleet-view formats just those), the filtered row list is
// recomputed only when the filter changes, and one render scheduler coalesces
// key repeats into at most one frame per tick.

import * as blessed from 'blessed';
import type { FleetModel } from '../src/core/fleet';
import { escapeTags, sanitizeText, truncate } from '../src/core/sanitize';
import { BINDINGS, FLEET_SCOPES, type Scope, helpLines, keyBarText } from '../src/ui/keymap';
import { RenderScheduler } from '../src/ui/render-scheduler';
import {
  type FleetRow,
  columnHeader,
  fleetHeader,
  fleetLayout,
  fleetRows,
  hostDetailLines,
  listLines,
  problemDetailLines,
  scrollOffset,
} from './fleet-view';

export interface FleetScreenOptions {
  screen: blessed.Widgets.Screen;
  /** null while the files are still being read: the first frame says so instead of waiting. */
  model: FleetModel | null;
  /** The directory as the admin named it (sanitised by the caller). */
  dir: string;
  color: boolean;
  onQuit: () => void;
}

/** The longest filter kept: a host name, not an essay. */
const MAX_FILTER = 200;

export class FleetScreen {
  private readonly screen: blessed.Widgets.Screen;
  private readonly header: blessed.Widgets.BoxElement;
  private readonly columns: blessed.Widgets.BoxElement;
  private readonly list: blessed.Widgets.BoxElement;
  private readonly keybar: blessed.Widgets.BoxElement;
  private readonly main: blessed.Widgets.BoxElement;
  private readonly render: RenderScheduler;
  private readonly disposers: (() => void)[] = [];

  private model: FleetModel | null;
  private filter = '';
  private filtering = false;
  private rows: FleetRow[];
  private selected = 0;
  private offset = 0;
  /** The open host (or unusable file), its lines computed once. */
  private detail: { lines: string[]; width: number; row: FleetRow; scroll: number } | null = null;
  private help: { scroll: number } | null = null;

  constructor(private readonly opts: FleetScreenOptions) {
    this.screen = opts.screen;
    this.model = opts.model;
    this.rows = this.model ? fleetRows(this.model, '') : [];
    this.render = new RenderScheduler(() => {
      this.paint();
      this.screen.render();
    });
    this.header = blessed.box({ parent: this.screen, top: 0, left: 0, width: '100%', height: 1, tags: true });
    this.columns = blessed.box({ parent: this.screen, top: 1, left: 0, width: '100%', height: 1, tags: true });
    this.list = blessed.box({ parent: this.screen, top: 2, left: 0, width: '100%', height: '100%-3', tags: true, wrap: false });
    this.keybar = blessed.box({ parent: this.screen, bottom: 0, left: 0, width: '100%', height: 1, tags: true });
    this.main = blessed.box({ parent: this.screen, top: 1, left: 0, width: '100%', height: '100%-2', tags: true, wrap: false, border: { type: 'line' }, hidden: true });

    const onKey = (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg) => this.onKey(ch, key);
    this.screen.on('keypress', onKey);
    this.disposers.push(() => this.screen.removeListener('keypress', onKey));
    // paint() re-lays an open host's lines out for the new width.
    const onResize = () => this.render.request();
    this.screen.on('resize', onResize);
    this.disposers.push(() => this.screen.removeListener('resize', onResize));
  }

  /** Paint now: the first frame must not wait for a key. */
  start(): void {
    this.paint();
    this.screen.render();
  }

  /** The reports have been read: show them (keeps a filter typed meanwhile). */
  setModel(model: FleetModel): void {
    this.model = model;
    this.setFilter(this.filter);
    this.render.request();
  }

  dispose(): void {
    this.render.dispose();
    for (const d of this.disposers.splice(0)) d();
  }

  // ---------------------------------------------------------------- keys

  private scope(): Scope {
    if (this.help) return 'help';
    if (this.detail) return 'fleet-host';
    return this.filtering ? 'fleet-filter' : 'fleet';
  }

  private onKey(ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg): void {
    const scope = this.scope();
    const name = key?.full ?? ch ?? '';
    const binding = BINDINGS.find((b) => b.scope === scope && b.keys.includes(name));
    if (binding) this.handle(scope, binding.keys[0]);
    else if (scope === 'fleet-filter' && isTypedText(ch, key)) this.setFilter(this.filter + sanitizeText(ch));
    else return;
    this.render.request();
  }

  private handle(scope: Scope, key: string): void {
    const page = Math.max(1, this.listHeight() - 1);
    switch (`${scope}:${key}`) {
      case 'fleet:up':
        return this.select(this.selected - 1);
      case 'fleet:down':
        return this.select(this.selected + 1);
      case 'fleet:pageup':
        return this.select(this.selected - page);
      case 'fleet:pagedown':
        return this.select(this.selected + page);
      case 'fleet:home':
        return this.select(0);
      case 'fleet:end':
        return this.select(this.rows.length - 1);
      case 'fleet:enter':
        return this.openSelected();
      case 'fleet:/':
        this.filtering = true;
        return;
      case 'fleet:?':
        this.help = { scroll: 0 };
        return;
      case 'fleet:escape':
        if (this.filter !== '') return this.setFilter('');
        return this.opts.onQuit();
      case 'fleet:q':
      case 'fleet-filter:C-c':
      case 'fleet-host:C-c':
        return this.opts.onQuit();
      case 'fleet-filter:enter':
        this.filtering = false;
        return;
      case 'fleet-filter:backspace':
        return this.setFilter([...this.filter].slice(0, -1).join(''));
      case 'fleet-filter:escape':
        this.filtering = false;
        return this.setFilter('');
      case 'fleet-host:up':
      case 'fleet-host:down':
      case 'fleet-host:pageup':
      case 'fleet-host:pagedown':
        if (this.detail) {
          const step = key === 'up' ? -1 : key === 'down' ? 1 : key === 'pageup' ? -page : page;
          this.detail.scroll = Math.max(0, this.detail.scroll + step);
        }
        return;
      case 'fleet-host:escape':
        this.detail = null;
        return;
      case 'help:up':
      case 'help:down':
        if (this.help) this.help.scroll = Math.max(0, this.help.scroll + (key === 'up' ? -1 : 1));
        return;
      case 'help:escape':
        this.help = null;
        return;
    }
  }

  private setFilter(text: string): void {
    this.filter = text.slice(0, MAX_FILTER);
    this.rows = this.model ? fleetRows(this.model, this.filter) : [];
    this.selected = 0;
    this.offset = 0;
  }

  private select(index: number): void {
    this.selected = Math.max(0, Math.min(index, this.rows.length - 1));
  }

  private openSelected(): void {
    const row = this.rows[this.selected];
    if (!row) return;
    const width = this.width() - 2;
    const lines = row.kind === 'host' ? hostDetailLines(row.host, width, this.opts.color) : problemDetailLines(row.problem, width, this.opts.color);
    this.detail = { lines, width, row, scroll: 0 };
  }

  // ---------------------------------------------------------------- paint

  private width(): number {
    return (this.screen.width as number) || 80;
  }

  private height(): number {
    return (this.screen.height as number) || 24;
  }

  private listHeight(): number {
    return Math.max(1, this.height() - 3);
  }

  private paint(): void {
    const width = this.width();
    const model = this.model;
    const header = model ? fleetHeader(model, this.opts.dir, this.rows.length, this.filter) : `hardtop fleet  ${this.opts.dir}`;
    this.header.setContent(`{bold}${escapeTags(truncate(header, width))}{/bold}`);
    this.keybar.setContent(this.keyBar(width));

    if (this.help) {
      this.main.show();
      this.main.setLabel(' help ');
      const lines = helpLines(false, FLEET_SCOPES).map((l) => escapeTags(l));
      const visible = this.height() - 4;
      this.help.scroll = Math.min(this.help.scroll, Math.max(0, lines.length - visible));
      this.main.setContent(lines.slice(this.help.scroll, this.help.scroll + visible).join('\n'));
      this.main.setFront();
      return;
    }
    if (this.detail) {
      // A resize while open re-lays the lines out for the new width.
      if (this.detail.width !== width - 2) {
        const row = this.detail.row;
        const lines = row.kind === 'host' ? hostDetailLines(row.host, width - 2, this.opts.color) : problemDetailLines(row.problem, width - 2, this.opts.color);
        this.detail = { ...this.detail, lines, width: width - 2 };
      }
      const d = this.detail;
      const visible = Math.max(1, this.height() - 4);
      d.scroll = Math.min(d.scroll, Math.max(0, d.lines.length - visible));
      this.main.show();
      const title = d.row.kind === 'host' ? d.row.host.name : d.row.problem.name;
      this.main.setLabel(` ${escapeTags(truncate(title, Math.max(10, width - 20)))} — findings `);
      this.main.setContent(d.lines.slice(d.scroll, d.scroll + visible).join('\n'));
      this.main.setFront();
      return;
    }
    this.main.hide();

    const height = this.listHeight();
    this.offset = scrollOffset(this.selected, this.offset, height, this.rows.length);
    this.columns.setContent(`{bold}${columnHeader(fleetLayout(width))}{/bold}`);
    if (this.rows.length === 0) {
      const why = !model ? `reading the reports in ${this.opts.dir}…` : this.filter !== '' ? `no host matches "${this.filter}"` : `no reports in ${this.opts.dir}`;
      this.list.setContent(escapeTags(truncate(why, width)));
      return;
    }
    this.list.setContent(listLines(this.rows, this.offset, height, this.selected, width, this.opts.color).join('\n'));
  }

  private keyBar(width: number): string {
    if (this.filtering) {
      const prompt = `filter: ${this.filter}▏`;
      const keys = keyBarText('fleet-filter', false);
      return escapeTags(truncate(`${prompt}   ${keys}`, width));
    }
    const position = this.rows.length && !this.detail && !this.help ? `${this.selected + 1}/${this.rows.length}  ` : '';
    return escapeTags(truncate(`${position}${keyBarText(this.scope(), false)}`, width));
  }
}

/** A printable character typed into the filter (not a control key, not a modified key). */
function isTypedText(ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined): ch is string {
  if (ch === undefined || ch === '' || key?.ctrl || key?.meta) return false;
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u001f\u007f-\u009f]/.test(ch);
}
