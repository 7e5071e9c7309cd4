// The dashboard: one panel per area, a header, a key bar, and the screens that
// open from it (area detail, fix preview, embedded terminal, help).
// It renders findings and calls the actions it is given; it holds no security
// logic and never touches the machine itself.

import * as blessed from 'blessed';
import { escapeTags, sanitizeText, truncate } from '../src/core/sanitize';
import { summarize } from '../src/core/score';
import type { Scheduler } from '../src/core/scheduler';
import type { Fail2banLive } from '../src/core/fail2ban-live';
import type { Area, Check, Command, Finding, FixParam } from '../src/core/types';
import { AREAS } from '../src/core/types';
import { FAIL2BAN_HELP_SCOPES, FAIL2BAN_SCOPES, type Scope, bindingFor, helpLines, keyBarText } from '../src/ui/keymap';
import { RenderScheduler } from '../src/ui/render-scheduler';
import { TAB_ORDER, neighbourAcross, neighbourVertical, panelRects } from './layout';
import { detailLines } from './detail';
import { flatKeys, keysLines } from './authorized-keys';
import { startWizard, wizardData, wizardKey, wizardLines, type WizardData, type WizardState } from './key-wizard';
import { resultLines } from './result';
import { authorizedKeys, rotationReminder } from './ssh-keys-view';
import { effectiveLines } from './effective-config';
import type { EffectiveView } from '../checks/ssh/effective-view';
import { RENEW_FIX_ID } from '../checks/tls/fix-ids';
import { Fail2banView, type ViewIntent } from './fail2ban-view';
import { previewLines, type FixPreview } from './preview';
import { TerminalView } from './terminal';
import {
  AREA_TITLES,
  STATUS_COLOR,
  STATUS_SYMBOL,
  type HeaderFacts,
  type Row,
  headerParts,
  panelRows,
  panelStatus,
  statusCounts,
  worstFirst,
} from './view-model';

/** What the dashboard may ask the rest of hardtop to do. Supplied by src/cli. */
export interface DashboardActions {
  /** `args`: a parametrised fix's values (fail2ban.unban: jail and address). */
  preview(fixId: string, args?: Readonly<Record<string, string>>): Promise<FixPreview | { error: string }>;
  /** The values a fix needs (reboot.schedule: at; fail2ban.ignore: address): asked for before its preview. */
  paramsOf?(fixId: string): readonly FixParam[];
  /** `details`: the fix's afterApply lines (new fingerprints, known_hosts lines …), shown in a result screen. */
  apply(fixId: string, runInTerminal: (cmd: Command) => Promise<{ exitCode: number | null }>): Promise<{ ok: boolean; message: string; details?: string[] }>;
  undo(): Promise<{ ok: boolean; message: string }>;
  /** A commit-confirmed change waiting for a confirmation from a new login, or null. */
  pendingConfirm(): Promise<{ fixId: string; secondsLeft: number } | null>;
  confirm(): Promise<{ ok: boolean; message: string }>;
  /** Resolve a command to a program path and clean environment for the embedded terminal. */
  terminalSpawn(cmd: Command): Promise<{ file: string; args: string[]; env: Record<string, string> } | { error: string }>;
  /**
   * The SSH server's full effective configuration (checks/ssh/effective-view.ts),
   * read when the admin asks for it (Enter on the SSH panel). Absent: Enter
   * opens the generic detail there, as on the other panels.
   */
  effectiveConfig?(): Promise<EffectiveView | { error: string }>;
}

export interface DashboardOptions {
  screen: blessed.Widgets.Screen;
  scheduler: Scheduler;
  checks: readonly Check[];
  /** Areas left out with --only: their panels say so instead of "no checks". */
  excluded: readonly Area[];
  facts: Promise<HeaderFacts>;
  readOnly: boolean;
  color: boolean;
  actions: DashboardActions;
  onQuit: () => void;
  /** Opens the live fail2ban source when the fail2ban view opens (Enter on its panel); absent: the generic detail. */
  openFail2banLive?: () => Fail2banLive;
}

type Overlay =
  | { kind: 'help'; scroll: number }
  | { kind: 'preview'; fixId: string; args: Readonly<Record<string, string>>; preview: FixPreview; scroll: number }
  | { kind: 'terminal' }
  /** What an applied fix left to read (afterApply): scrollable, closed with Esc. */
  | { kind: 'result'; fixId: string; ok: boolean; message: string; details: string[]; scroll: number }
  /** The key rotation wizard; its data is read once when it opens, so what it shows is what it previews. */
  | { kind: 'wizard'; state: WizardState; data: WizardData }
  /** A value the fix needs, typed before its preview; one param at a time, checked against its pattern. */
  | { kind: 'params'; fixId: string; args: Record<string, string>; missing: FixParam[]; input: string; error: string | null };

export class Dashboard {
  private readonly screen: blessed.Widgets.Screen;
  private readonly header: blessed.Widgets.BoxElement;
  private readonly keybar: blessed.Widgets.BoxElement;
  private readonly panels = new Map<Area, blessed.Widgets.BoxElement>();
  private readonly main: blessed.Widgets.BoxElement;
  private readonly checksByArea = new Map<Area, Check[]>();
  /** The selected check per area, by id: rows re-sort as statuses change, the selection stays put. */
  private readonly selected = new Map<Area, string>();
  private readonly render: RenderScheduler;
  private focused: Area = 'updates';
  private mode: 'dashboard' | 'detail' | 'fail2ban' | 'keys' | 'effective' = 'dashboard';
  /** The SSH effective configuration while its screen is open: null while it is being read. */
  private effective: { view: EffectiveView | null; error: string | null; scroll: number } | null = null;
  /** In the detail view: the item of the selected finding under the cursor (null: the finding itself). */
  private detailItem: number | null = null;
  /** In the authorized-keys screen: the key under the cursor, and the scroll. */
  private keysIndex = 0;
  private keysScroll = 0;
  /** The fail2ban view while it is open (mode 'fail2ban'); its live source runs only then. */
  private f2b: Fail2banView | null = null;
  private detailScroll = 0;
  private overlay: Overlay | null = null;
  private facts: HeaderFacts | null = null;
  private flash: { text: string; until: number } | null = null;
  private busy = false;
  /** A change that reverts by itself unless confirmed: shown in the header, counted down. */
  private pending: { fixId: string; deadline: number } | null = null;
  private pendingTimer: NodeJS.Timeout | null = null;
  private terminal: TerminalView | null = null;
  private readonly disposers: (() => void)[] = [];

  constructor(private readonly opts: DashboardOptions) {
    this.screen = opts.screen;
    this.render = new RenderScheduler(() => {
      this.paint();
      this.screen.render();
    });
    for (const area of AREAS) this.checksByArea.set(area, opts.checks.filter((c) => c.area === area));
    // With --only, start on the first panel that has checks, not an empty one.
    this.focused = TAB_ORDER.find((a) => (this.checksByArea.get(a)?.length ?? 0) > 0) ?? 'updates';

    this.header = blessed.box({ parent: this.screen, top: 0, left: 0, width: '100%', height: 1, tags: true });
    this.keybar = blessed.box({ parent: this.screen, bottom: 0, left: 0, width: '100%', height: 1, tags: true });
    for (const area of AREAS) {
      this.panels.set(
        area,
        blessed.box({ parent: this.screen, tags: true, wrap: false, border: { type: 'line' }, label: '', style: { border: {} } }),
      );
    }
    // Detail, preview and help share one full-height box over the panels.
    this.main = blessed.box({ parent: this.screen, top: 1, left: 0, width: '100%', height: '100%-2', tags: true, wrap: false, border: { type: 'line' }, hidden: true });

    const onKey = (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg) => this.onKey(ch, key);
    this.screen.on('keypress', onKey);
    this.disposers.push(() => this.screen.removeListener('keypress', onKey));
    const onResize = () => this.render.request();
    this.screen.on('resize', onResize);
    this.disposers.push(() => this.screen.removeListener('resize', onResize));

    const sub = opts.scheduler.on(() => this.render.request());
    this.disposers.push(() => sub.dispose());
    opts.facts.then(
      (f) => {
        this.facts = f;
        this.render.request();
      },
      () => undefined,
    );
    const flashTimer = setInterval(() => {
      if (this.flash && Date.now() > this.flash.until) {
        this.flash = null;
        this.render.request();
      }
    }, 500);
    flashTimer.unref();
    this.disposers.push(() => clearInterval(flashTimer));
  }

  /** Paint now (the first frame must not wait for any check). */
  start(): void {
    this.paint();
    this.screen.render();
    void this.refreshPending();
  }

  /**
   * Ask once (at start, after an apply, undo or confirm); while a change is
   * pending, a 1 s timer repaints the countdown. No pending change, no timer.
   */
  private async refreshPending(): Promise<void> {
    const p = await this.opts.actions.pendingConfirm().catch(() => null);
    this.pending = p ? { fixId: p.fixId, deadline: Date.now() + p.secondsLeft * 1000 } : null;
    if (this.pending && !this.pendingTimer) {
      let ticks = 0;
      this.pendingTimer = setInterval(() => {
        // Re-ask every 3 s too: a confirm from another login (hardtop confirm, a second dashboard) ends the countdown here.
        if (this.pending && (Date.now() > this.pending.deadline + 2000 || ++ticks % 3 === 0)) void this.refreshPending();
        this.render.request();
      }, 1000);
    } else if (!this.pending && this.pendingTimer) {
      clearInterval(this.pendingTimer);
      this.pendingTimer = null;
    }
    this.render.request();
  }

  /** After anything that changed the system: re-run the checks, look for a pending confirmation. */
  private afterChange(): void {
    this.opts.scheduler.refresh();
    void this.refreshPending();
  }

  dispose(): void {
    this.f2b?.dispose();
    this.f2b = null;
    if (this.pendingTimer) clearInterval(this.pendingTimer);
    this.terminal?.dispose();
    this.render.dispose();
    for (const d of this.disposers.splice(0)) d();
  }

  // ---------------------------------------------------------------- keys

  private scope(): Scope {
    if (this.overlay) return this.overlay.kind;
    if (this.mode === 'fail2ban' && this.f2b) return this.f2b.scope();
    if (this.mode === 'dashboard' && this.focused === 'ssh') return 'ssh-panel';
    return this.mode === 'fail2ban' ? 'dashboard' : this.mode;
  }

  private onKey(ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg): void {
    const scope = this.scope();
    if (scope === 'terminal') return; // the terminal view owns the keys while it is up
    const name = key?.full ?? ch ?? '';
    const binding = bindingFor(scope, name);
    if (!binding) {
      if (scope === 'params' && this.overlay?.kind === 'params' && isTypedText(ch, key)) {
        if (this.overlay.input.length < MAX_PARAM_LENGTH) this.overlay.input += ch;
        this.overlay.error = null;
        this.render.request();
        return;
      }
      // The ban list's search and address prompts take typed text.
      if (this.f2b && FAIL2BAN_SCOPES.includes(scope) && isTypedText(ch, key) && this.f2b.typed(ch)) this.render.request();
      return;
    }
    if (binding.danger && this.opts.readOnly) {
      this.say('read-only: run hardtop as root to change the system');
      return;
    }
    // The binding's own scope: on the SSH panel, the dashboard's keys keep their meaning.
    this.handle(binding.scope, binding.keys[0]);
    this.render.request();
  }

  private handle(scope: Scope, key: string): void {
    switch (`${scope}:${key}`) {
      case 'dashboard:tab':
        return this.focus(TAB_ORDER[(TAB_ORDER.indexOf(this.focused) + 1) % TAB_ORDER.length]);
      case 'dashboard:S-tab':
        return this.focus(TAB_ORDER[(TAB_ORDER.indexOf(this.focused) + TAB_ORDER.length - 1) % TAB_ORDER.length]);
      case 'dashboard:left':
      case 'dashboard:right':
        return this.focus(neighbourAcross(this.focused));
      case 'dashboard:up':
        return this.moveSelection(-1, true);
      case 'dashboard:down':
        return this.moveSelection(1, true);
      case 'detail:up':
        return this.moveDetailCursor(-1);
      case 'detail:down':
        return this.moveDetailCursor(1);
      case 'dashboard:enter':
        if (this.focused === 'fail2ban' && this.opts.openFail2banLive) return this.openFail2ban();
        if (this.focused === 'ssh' && this.opts.actions.effectiveConfig) return void this.openEffective();
        this.mode = 'detail';
        this.detailScroll = 0;
        this.detailItem = null;
        return;
      case 'ssh-panel:r': {
        const data = wizardData(this.opts.scheduler.results);
        this.overlay = { kind: 'wizard', state: startWizard(data), data };
        this.flash = null;
        return;
      }
      case 'ssh-panel:a':
        this.mode = 'keys';
        this.keysIndex = 0;
        this.keysScroll = 0;
        return;
      case 'ssh-panel:f5':
        this.opts.scheduler.refresh();
        return this.say('checking again…');
      case 'wizard:up':
      case 'wizard:down':
      case 'wizard:enter':
      case 'wizard:escape':
        return this.wizardStep(key);
      case 'keys:up':
      case 'keys:down':
        this.keysIndex = Math.max(0, this.keysIndex + (key === 'up' ? -1 : 1));
        return;
      case 'keys:f': {
        const row = flatKeys(authorizedKeys(this.opts.scheduler.results))[this.keysIndex];
        if (!row) return this.say('no key selected');
        return void this.previewFix(row.fix.id, row.fix.args);
      }
      case 'keys:escape':
      case 'effective:escape':
        this.mode = 'dashboard';
        this.effective = null;
        return;
      case 'effective:up':
      case 'effective:down':
      case 'effective:pageup':
      case 'effective:pagedown':
        if (this.effective) {
          const page = Math.max(1, ((this.screen.height as number) || 24) - 5);
          const step = key === 'up' ? -1 : key === 'down' ? 1 : key === 'pageup' ? -page : page;
          this.effective.scroll = Math.max(0, this.effective.scroll + step);
        }
        return;
      case 'effective:d':
        this.effective = null;
        this.mode = 'detail';
        this.detailScroll = 0;
        this.detailItem = null;
        return;
      case 'effective:?':
      case 'keys:?':
        this.overlay = { kind: 'help', scroll: 0 };
        return;
      case 'result:up':
      case 'result:down':
        if (this.overlay?.kind === 'result') this.overlay.scroll = Math.max(0, this.overlay.scroll + (key === 'up' ? -1 : 1));
        return;
      case 'result:escape':
        this.overlay = null;
        return;
      case 'detail:escape':
        this.mode = 'dashboard';
        return;
      case 'dashboard:f':
        return void this.previewSelected();
      case 'detail:f':
        return void this.previewInDetail();
      case 'detail:S-r':
      case 'dashboard:S-r':
        return void this.previewRenewal(scope === 'detail');
      case 'dashboard:u':
        return void this.runAction('undoing…', () => this.opts.actions.undo()).then(() => this.afterChange());
      case 'dashboard:c':
        return void this.runAction('confirming…', () => this.opts.actions.confirm()).then(() => void this.refreshPending());
      case 'dashboard:r':
        this.opts.scheduler.refresh();
        return this.say('checking again…');
      case 'detail:r':
        for (const c of this.checksByArea.get(this.focused) ?? []) this.opts.scheduler.refresh(c.id);
        return this.say('checking again…');
      case 'dashboard:?':
      case 'detail:?':
        this.overlay = { kind: 'help', scroll: 0 };
        return;
      case 'help:escape':
        this.overlay = null;
        return;
      case 'dashboard:q':
        return this.opts.onQuit();
      case 'preview:escape':
        this.overlay = null;
        return this.say('cancelled: nothing changed');
      case 'help:up':
      case 'help:down':
      case 'preview:up':
      case 'preview:down':
        if (this.overlay?.kind === 'preview' || this.overlay?.kind === 'help') this.overlay.scroll = Math.max(0, this.overlay.scroll + (key === 'up' ? -1 : 1));
        return;
      case 'preview:e':
        return this.editValues();
      case 'preview:y':
        return void this.applyPreviewed();
      case 'params:enter':
        return void this.submitParam();
      case 'params:backspace':
        if (this.overlay?.kind === 'params') this.overlay.input = this.overlay.input.slice(0, -1);
        return;
      case 'params:escape':
        this.overlay = null;
        return this.say('cancelled: nothing changed');
    }
    if (this.f2b && FAIL2BAN_SCOPES.includes(scope)) this.onViewIntent(this.f2b.handle(scope, key));
  }

  private openFail2ban(): void {
    this.f2b?.dispose();
    this.f2b = new Fail2banView(this.opts.openFail2banLive!(), { color: this.opts.color, requestRender: () => this.render.request() });
    this.mode = 'fail2ban';
  }

  private onViewIntent(intent: ViewIntent): void {
    switch (intent.kind) {
      case 'back':
      case 'detail':
        this.f2b?.dispose();
        this.f2b = null;
        this.mode = intent.kind === 'detail' ? 'detail' : 'dashboard';
        this.detailScroll = 0;
        return;
      case 'help':
        this.overlay = { kind: 'help', scroll: 0 };
        return;
      case 'say':
        return this.say(intent.text);
      case 'preview':
        return void this.previewFix(intent.fixId, intent.args);
    }
  }

  private focus(area: Area): void {
    this.focused = area;
  }

  /**
   * The detail cursor walks through every finding's head line and then its
   * items, in the order they are drawn, so up/down reach each item.
   */
  private moveDetailCursor(delta: -1 | 1): void {
    const rows = this.rowsOf(this.focused);
    const stops: { checkId: string; item: number | null }[] = [];
    for (const r of rows) {
      stops.push({ checkId: r.checkId, item: null });
      const n = this.opts.scheduler.results.get(r.checkId)?.items?.length ?? 0;
      for (let i = 0; i < n; i++) stops.push({ checkId: r.checkId, item: i });
    }
    if (stops.length === 0) return;
    const current = this.selectedIndex(this.focused, rows);
    const currentId = rows[current]?.checkId;
    let at = stops.findIndex((s) => s.checkId === currentId && s.item === this.detailItem);
    if (at < 0) at = Math.max(0, stops.findIndex((s) => s.checkId === currentId));
    const next = stops[Math.max(0, Math.min(stops.length - 1, at + delta))];
    this.selected.set(this.focused, next.checkId);
    this.detailItem = next.item;
  }

  /** `f` in the detail view: the item's own fix when the cursor is on an item that has one, else the finding's. */
  private async previewInDetail(): Promise<void> {
    const item = this.detailItem === null ? undefined : this.selectedFinding()?.items?.[this.detailItem];
    if (item?.fix) return this.previewFix(item.fix.id, item.fix.args);
    return this.previewSelected();
  }

  /**
   * R: renew one certificate now (tls.renew --arg cert-name: certbot in the
   * embedded terminal, then the web server reloads). The certificate is the
   * item under the cursor, or the only certbot lineage of the finding.
   */
  private async previewRenewal(inDetail: boolean): Promise<void> {
    const finding = this.selectedFinding();
    const item = inDetail && this.detailItem !== null ? finding?.items?.[this.detailItem] : undefined;
    if (item?.fix?.id === RENEW_FIX_ID) return this.previewFix(item.fix.id, item.fix.args);
    const lineages = (finding?.items ?? []).filter((i) => i.fix?.id === RENEW_FIX_ID);
    if (lineages.length === 1) return this.previewFix(RENEW_FIX_ID, lineages[0].fix!.args);
    return this.say(lineages.length > 1 ? 'several certificates: Enter, put the cursor on one, then R' : 'no certbot certificate here: R renews one from the TLS panel (expiry, renewal)');
  }

  private async openEffective(): Promise<void> {
    this.mode = 'effective';
    this.effective = { view: null, error: null, scroll: 0 };
    const mine = this.effective;
    try {
      const r = await this.opts.actions.effectiveConfig!();
      if (this.effective !== mine) return; // closed while it was being read
      if ('error' in r) mine.error = r.error;
      else mine.view = r;
    } catch (err) {
      mine.error = err instanceof Error ? err.message : String(err);
    }
    this.render.request();
  }

  private wizardStep(key: string): void {
    if (this.overlay?.kind !== 'wizard') return;
    const out = wizardKey(this.overlay.state, key, this.overlay.data);
    switch (out.kind) {
      case 'cancel':
        this.overlay = null;
        return this.say('cancelled: nothing changed');
      case 'stay':
        this.overlay.state = out.state;
        return;
      case 'say':
        this.overlay.state = out.state;
        return this.say(out.text);
      case 'preview':
        // The wizard's last step is the fix's own preview (Esc there: nothing changed; y applies).
        this.overlay = null;
        return void this.previewFix(out.fixId, out.args);
    }
  }

  private rowsOf(area: Area): Row[] {
    return worstFirst(panelRows(this.checksByArea.get(area) ?? [], this.opts.scheduler.results));
  }

  private selectedIndex(area: Area, rows: readonly Row[]): number {
    return Math.max(0, rows.findIndex((r) => r.checkId === this.selected.get(area)));
  }

  private moveSelection(delta: -1 | 1, crossPanels: boolean): void {
    const rows = this.rowsOf(this.focused);
    const next = this.selectedIndex(this.focused, rows) + delta;
    if (next >= 0 && next < rows.length) {
      this.selected.set(this.focused, rows[next].checkId);
      return;
    }
    if (!crossPanels) return;
    const neighbour = neighbourVertical(this.focused, delta);
    if (!neighbour) return;
    this.focused = neighbour;
    const below = this.rowsOf(neighbour);
    const row = delta === 1 ? below[0] : below.at(-1);
    if (row) this.selected.set(neighbour, row.checkId);
  }

  private selectedFinding(): Finding | undefined {
    const rows = this.rowsOf(this.focused);
    const row = rows[this.selectedIndex(this.focused, rows)];
    return row ? this.opts.scheduler.results.get(row.checkId) : undefined;
  }

  // ---------------------------------------------------------------- fixes

  private async previewSelected(): Promise<void> {
    const finding = this.selectedFinding();
    if (!finding) return this.say('nothing selected');
    if (finding.status === 'pass' || finding.fixes.length === 0) return this.say(`no fix offered for ${finding.id}`);
    return this.previewFix(finding.fixes[0]);
  }

  private async previewFix(fixId: string, args?: Readonly<Record<string, string>>): Promise<void> {
    if (this.busy) return this.say('busy: wait for the current action');
    // A fix that needs values the finding cannot supply asks for them first.
    const missing = (this.opts.actions.paramsOf?.(fixId) ?? []).filter((p) => !p.optional && args?.[p.name] === undefined);
    if (missing.length > 0) {
      this.overlay = { kind: 'params', fixId, args: { ...args }, missing, input: '', error: null };
      return;
    }
    this.busy = true;
    this.say(`planning ${fixId}…`);
    try {
      const preview = await this.opts.actions.preview(fixId, args).catch((err: unknown) => ({ error: `${fixId}: ${err instanceof Error ? err.message : String(err)}` }));
      if ('error' in preview) this.say(preview.error);
      else {
        this.flash = null; // the preview's own key bar must show, not "planning…"
        this.overlay = { kind: 'preview', fixId, args: { ...args }, preview, scroll: 0 };
      }
    } finally {
      this.busy = false;
      this.render.request();
    }
  }

  /**
   * e in a preview: every value the fix takes, optional ones too (reboot.policy's
   * hour, a mail address), typed afresh; an empty optional value keeps the fix's default.
   */
  private editValues(): void {
    if (this.overlay?.kind !== 'preview') return;
    const params = this.opts.actions.paramsOf?.(this.overlay.fixId) ?? [];
    if (params.length === 0) return this.say(`${this.overlay.fixId} takes no values`);
    const { fixId, args } = this.overlay;
    // Every value is asked again, prefilled with the current one (the finding's
    // choice too: Enter keeps it); the new values are previewed before any y.
    this.overlay = { kind: 'params', fixId, args: { ...args }, missing: [...params], input: args[params[0].name] ?? '', error: null };
  }

  /** Enter in the value prompt: check the value, then ask the next one or preview. */
  private async submitParam(): Promise<void> {
    if (this.overlay?.kind !== 'params') return;
    const o = this.overlay;
    const param = o.missing[0];
    const value = o.input.trim();
    const args = { ...o.args };
    if (value === '' && param.optional) delete args[param.name];
    else if (!new RegExp(`^(?:${param.pattern.source})$`, param.pattern.flags).test(value)) {
      o.error = value === '' ? `type ${param.describe}` : `'${value}' is not ${param.describe}`;
      return;
    } else args[param.name] = value;
    if (o.missing.length > 1) {
      const next = o.missing[1];
      this.overlay = { ...o, args, missing: o.missing.slice(1), input: args[next.name] ?? '', error: null };
      return;
    }
    this.overlay = null;
    return this.previewFix(o.fixId, args);
  }

  private async applyPreviewed(): Promise<void> {
    if (this.overlay?.kind !== 'preview') return;
    const { fixId } = this.overlay;
    this.overlay = null;
    const result = await this.runAction(`applying ${fixId}…`, () => this.opts.actions.apply(fixId, (cmd) => this.runInTerminal(cmd)));
    // What only exists now (new fingerprints, known_hosts and SSHFP lines): a screen to read and copy, not a flash.
    if (result?.ok && result.details && result.details.length > 0) {
      this.overlay = { kind: 'result', fixId, ok: result.ok, message: result.message, details: result.details, scroll: 0 };
    }
    this.afterChange();
    this.f2b?.refresh();
  }

  private async runAction<R extends { ok: boolean; message: string }>(pending: string, action: () => Promise<R>): Promise<R | null> {
    if (this.busy) {
      this.say('busy: wait for the current action');
      return null;
    }
    this.busy = true;
    this.say(pending);
    try {
      const result = await action();
      this.say(result.message, result.ok ? 'green' : 'red');
      return result;
    } catch (err) {
      this.say(`failed: ${err instanceof Error ? err.message : String(err)}`, 'red');
      return null;
    } finally {
      this.busy = false;
      this.render.request();
    }
  }

  /** Run a fix's command in the embedded terminal; resolves when the admin returns. */
  private async runInTerminal(cmd: Command): Promise<{ exitCode: number | null }> {
    const spawn = await this.opts.actions.terminalSpawn(cmd);
    if ('error' in spawn) {
      this.say(spawn.error, 'red');
      return { exitCode: null };
    }
    this.overlay = { kind: 'terminal' };
    this.render.request();
    const view = new TerminalView(this.screen, { top: 1, bottom: 1, title: cmd.describe, color: this.opts.color });
    this.terminal = view;
    try {
      return await view.run(spawn);
    } finally {
      view.dispose();
      this.terminal = null;
      this.overlay = null;
      this.render.request();
    }
  }

  private say(text: string, color?: string): void {
    // Flash text often quotes the system (an error message, a file name): sanitised like everything shown.
    const clean = escapeTags(sanitizeText(text));
    this.flash = { text: color && this.opts.color ? `{${color}-fg}${clean}{/${color}-fg}` : clean, until: Date.now() + 4000 };
    this.render.request();
  }

  // ---------------------------------------------------------------- paint

  private paint(): void {
    const width = (this.screen.width as number) || 80;
    const height = (this.screen.height as number) || 24;
    this.paintHeader(width);
    const scope = this.scope();
    const bar = this.flash ? this.flash.text : keyBarText(scope, this.opts.readOnly);
    this.keybar.setContent(truncateTagged(bar, width));

    const showPanels = this.mode === 'dashboard' && (this.overlay === null || this.overlay.kind === 'help');
    const rects = panelRects(width, height);
    for (const area of AREAS) {
      const box = this.panels.get(area)!;
      const r = rects.get(area)!;
      box.left = r.left;
      box.top = r.top;
      box.width = r.width;
      box.height = r.height;
      if (showPanels) {
        box.show();
        this.paintPanel(area, box, r.width - 2, r.height - 2);
      } else box.hide();
    }

    if (this.overlay?.kind === 'terminal') {
      this.main.hide();
    } else if (this.overlay?.kind === 'help') {
      this.main.show();
      this.main.setLabel(' help ');
      // From the fail2ban view: its own keys (the general ones are a level up).
      const lines = helpLines(this.opts.readOnly, this.mode === 'fail2ban' ? FAIL2BAN_HELP_SCOPES : undefined).map((l) => escapeTags(l));
      this.overlay.scroll = Math.min(this.overlay.scroll, Math.max(0, lines.length - (height - 4)));
      this.main.setContent(lines.slice(this.overlay.scroll).join('\n'));
      this.main.setFront();
    } else if (this.overlay?.kind === 'result') {
      this.main.show();
      this.main.setLabel(` ${escapeTags(this.overlay.fixId)} — result `);
      const lines = resultLines(this.overlay, width - 3, this.opts.color);
      this.overlay.scroll = Math.min(this.overlay.scroll, Math.max(0, lines.length - (height - 4)));
      this.main.setContent(lines.slice(this.overlay.scroll).join('\n'));
      this.main.setFront();
    } else if (this.overlay?.kind === 'wizard') {
      this.main.show();
      this.main.setLabel(' SSH — key rotation wizard ');
      const { state, data } = this.overlay;
      const lines = wizardLines(state, data, width - 3, this.opts.color);
      const visible = height - 4;
      // Lists keep their cursor in view; the explain step scrolls with up/down.
      const wanted = state.step === 'account' ? Math.max(0, state.account + 6 - visible) : state.step === 'explain' ? state.scroll : 0;
      const scroll = Math.min(wanted, Math.max(0, lines.length - visible));
      if (state.step === 'explain') state.scroll = scroll;
      this.main.setContent(lines.slice(scroll).join('\n'));
      this.main.setFront();
    } else if (this.overlay?.kind === 'params') {
      this.main.show();
      const o = this.overlay;
      this.main.setLabel(` fix ${escapeTags(o.fixId)} — a value is needed `);
      this.main.setContent(paramPromptLines(o, width - 3, this.opts.color).join('\n'));
      this.main.setFront();
    } else if (this.overlay?.kind === 'preview') {
      this.main.show();
      const p = this.overlay.preview;
      this.main.setLabel(` fix ${escapeTags(this.overlay.fixId)} — preview `);
      const lines = previewLines(p, width - 3, this.opts.color);
      this.overlay.scroll = Math.min(this.overlay.scroll, Math.max(0, lines.length - (height - 4)));
      this.main.setContent(lines.slice(this.overlay.scroll).join('\n'));
      this.main.setFront();
    } else if (this.mode === 'effective' && this.effective) {
      this.main.show();
      this.main.setLabel(' SSH — effective configuration ');
      const e = this.effective;
      const lines = e.view
        ? effectiveLines(e.view, width - 3, this.opts.color)
        : [e.error ? escapeTags(truncate(`cannot show the effective configuration: ${sanitizeText(e.error)}`, width - 3)) : 'reading the effective configuration (sshd -T)…'];
      e.scroll = Math.min(e.scroll, Math.max(0, lines.length - (height - 4)));
      this.main.setContent(lines.slice(e.scroll).join('\n'));
      this.main.setFront();
    } else if (this.mode === 'keys') {
      this.main.show();
      this.main.setLabel(' SSH — authorized keys ');
      const accounts = authorizedKeys(this.opts.scheduler.results);
      const count = flatKeys(accounts).length;
      this.keysIndex = Math.max(0, Math.min(this.keysIndex, count - 1));
      const { lines, selectedLine } = keysLines(accounts, this.keysIndex, width - 3, this.opts.color);
      const visible = height - 4;
      if (selectedLine < this.keysScroll) this.keysScroll = selectedLine;
      if (selectedLine >= this.keysScroll + visible - 3) this.keysScroll = Math.max(0, selectedLine - visible + 4);
      this.main.setContent(lines.slice(this.keysScroll).join('\n'));
      this.main.setFront();
    } else if (this.mode === 'fail2ban' && this.f2b) {
      this.main.show();
      this.f2b.paint(this.main, width, height);
      this.main.setFront();
    } else if (this.mode === 'detail') {
      this.main.show();
      this.main.setLabel(` ${AREA_TITLES[this.focused]} — detail `);
      // The same order as the panel, so the selection means the same finding.
      const rows = this.rowsOf(this.focused);
      const byId = new Map((this.checksByArea.get(this.focused) ?? []).map((c) => [c.id, c]));
      const checks = rows.map((r) => byId.get(r.checkId)!);
      const sel = this.selectedIndex(this.focused, rows);
      const items = rows[sel] ? (this.opts.scheduler.results.get(rows[sel].checkId)?.items?.length ?? 0) : 0;
      // Items come and go as checks re-run: a cursor past the end goes back to the finding.
      if (this.detailItem !== null && this.detailItem >= items) this.detailItem = null;
      const { lines, selectedLine } = detailLines(checks, this.opts.scheduler.results, sel, width - 3, this.opts.color, this.detailItem);
      const visible = height - 4;
      if (selectedLine < this.detailScroll) this.detailScroll = selectedLine;
      if (selectedLine >= this.detailScroll + visible - 2) this.detailScroll = Math.max(0, selectedLine - visible + 3);
      this.main.setContent(lines.slice(this.detailScroll).join('\n'));
      this.main.setFront();
    } else {
      this.main.hide();
    }
  }

  private paintHeader(width: number): void {
    const results = [...this.opts.scheduler.results.values()];
    const summary = results.length ? summarize(results) : null;
    const parts = headerParts(this.facts, summary, this.opts.readOnly);
    if (this.pending) {
      // The one thing that must not be missed: the change reverts by itself.
      const left = Math.max(0, Math.ceil((this.pending.deadline - Date.now()) / 1000));
      const text = ` CONFIRM ${this.pending.fixId} within ${left}s from a NEW ssh login (hardtop confirm) or it reverts `;
      this.header.setContent(this.opts.color ? `{white-fg}{red-bg}{bold}${escapeTags(text)}{/bold}{/red-bg}{/white-fg}` : `{inverse}${escapeTags(text)}{/inverse}`);
      return;
    }
    const right = `${parts.score}${parts.badge ? `  ${parts.badge}` : ''}`;
    const left = truncate(parts.left, Math.max(10, width - right.length - 2));
    const pad = Math.max(1, width - left.length - right.length);
    const badge = parts.badge ? (this.opts.color ? `  {black-fg}{yellow-bg}${parts.badge}{/yellow-bg}{/black-fg}` : `  {inverse}${parts.badge}{/inverse}`) : '';
    this.header.setContent(`{bold}${escapeTags(left)}{/bold}${' '.repeat(pad)}${escapeTags(parts.score)}${badge}`);
  }

  private paintPanel(area: Area, box: blessed.Widgets.BoxElement, innerWidth: number, innerHeight: number): void {
    const rows = this.rowsOf(area);
    const isFocused = area === this.focused && this.mode === 'dashboard';
    const status = panelStatus(rows);
    const counts = statusCounts(rows);
    box.setLabel(` ${isFocused ? '▶ ' : ''}${AREA_TITLES[area]}${counts ? ` ${counts}` : ''} `);
    box.style.border = this.opts.color ? { fg: isFocused ? 'white' : STATUS_COLOR[status] } : {};
    if (rows.length === 0) {
      const why = this.opts.excluded.includes(area) ? 'not selected (--only)' : 'no checks in this area yet';
      box.setContent(this.opts.color ? `{gray-fg}${why}{/gray-fg}` : why);
      return;
    }
    // The SSH panel reminds, above its rows, once a host key rotation is past its grace period.
    const reminder = area === 'ssh' ? rotationReminder(this.opts.scheduler.results) : null;
    const head: string[] = [];
    if (reminder) {
      const text = escapeTags(truncate(`▲ ${reminder}`, Math.max(1, innerWidth)));
      head.push(this.opts.color ? `{yellow-fg}${text}{/yellow-fg}` : `{bold}${text}{/bold}`);
      innerHeight = Math.max(1, innerHeight - 1);
    }
    const sel = this.selectedIndex(area, rows);
    const offset = Math.max(0, Math.min(sel - Math.floor(innerHeight / 2), rows.length - innerHeight));
    // Labels line up in a column, so the summaries (what is wrong) start together.
    const labelWidth = Math.min(18, Math.max(...rows.map((r) => r.label.length)), Math.max(4, Math.floor(innerWidth / 3)));
    const lines = rows.slice(offset, offset + Math.max(1, innerHeight)).map((row, i) => {
      const label = row.label.length > labelWidth ? `${row.label.slice(0, labelWidth - 1)}…` : row.label.padEnd(labelWidth);
      const text = truncate(`${label} ${row.summary}`, Math.max(1, innerWidth - 2));
      const symbol = STATUS_SYMBOL[row.status];
      const sym = this.opts.color ? `{${STATUS_COLOR[row.status]}-fg}${symbol}{/${STATUS_COLOR[row.status]}-fg}` : symbol;
      const line = `${sym} ${escapeTags(text)}`;
      return isFocused && offset + i === sel ? `{inverse}${line}{/inverse}` : line;
    });
    box.setContent([...head, ...lines].join('\n'));
  }
}

/** Longer than any address, time or path a fix takes; keeps a pasted flood out. */
const MAX_PARAM_LENGTH = 256;

/** The value prompt: what the fix needs, what was typed so far, why it was refused. */
function paramPromptLines(o: { fixId: string; args: Record<string, string>; missing: readonly FixParam[]; input: string; error: string | null }, width: number, color: boolean): string[] {
  const param = o.missing[0];
  const given = Object.entries(o.args).map(([k, v]) => `  ${k} = ${v}`);
  const lines = [
    param.optional ? `${o.fixId} takes ${param.name} (may be left empty: the fix's default): ${param.describe}` : `${o.fixId} needs ${param.name}: ${param.describe}`,
    ...(given.length ? ['', 'given so far:', ...given] : []),
    '',
    `${param.name}: ${o.input}_`,
  ].map((l) => escapeTags(truncate(sanitizeText(l), width)));
  if (o.error) {
    const e = escapeTags(truncate(sanitizeText(o.error), width));
    lines.push('', color ? `{red-fg}${e}{/red-fg}` : e);
  }
  lines.push('', 'Enter: next (then the preview; nothing changes before y)   Esc: cancel');
  return lines;
}

/** A printable character typed (not a control key): text for a prompt. */
function isTypedText(ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined): ch is string {
  if (ch === undefined || ch === '' || key?.ctrl || key?.meta) return false;
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u001f\u007f-\u009f]/.test(ch);
}

/** Key bar text may hold tags; cut it by its visible length. */
function truncateTagged(text: string, width: number): string {
  const visible = text.replace(/\{[^{}]*\}/g, '');
  return visible.length <= width ? text : escapeTags(truncate(visible, width));
}
