// The one registry of key bindings. The help overlay, the key bar and the
// README's key table are generated from it, so they cannot drift apart.

export type Scope =
  | 'dashboard'
  | 'ssh-panel'
  | 'detail'
  | 'keys'
  | 'effective'
  | 'wizard'
  | 'result'
  | 'fail2ban'
  | 'bans'
  | 'bans-search'
  | 'ban-input'
  | 'ignore-input'
  | 'preview'
  | 'params'
  | 'terminal'
  | 'help'
  | 'fleet'
  | 'fleet-filter'
  | 'fleet-host';

export interface KeyBinding {
  /** blessed key names, e.g. ['tab'], ['S-tab'], ['C-c']. */
  keys: readonly string[];
  /** How the key is written for people (help, key bar, README). */
  label: string;
  scope: Scope;
  description: string;
  /** Short word for the key bar; absent: not shown there. */
  bar?: string;
  /** Changes the system: disabled in read-only mode. */
  danger?: boolean;
}

export const SCOPE_TITLES: Record<Scope, string> = {
  // Help lists the scopes in this order: the everyday ones first.
  dashboard: 'Dashboard',
  'ssh-panel': 'Dashboard, SSH panel focused (the other dashboard keys work too)',
  detail: 'Area detail',
  preview: 'Fix preview',
  params: 'A value a fix needs (typed before its preview)',
  terminal: 'Embedded terminal',
  result: 'Result of an applied fix',
  wizard: 'Key rotation wizard',
  keys: 'Authorized keys',
  effective: 'SSH effective configuration',
  help: 'Help',
  fail2ban: 'fail2ban live view',
  bans: 'fail2ban ban list',
  'bans-search': 'Ban list, typing a search',
  'ban-input': 'Ban list, typing an address to ban',
  'ignore-input': 'Ban list, typing an address or range never to ban (ignoreip)',
  fleet: 'Fleet view',
  'fleet-filter': 'Fleet view, typing a filter',
  'fleet-host': "Fleet view, one host's findings",
};

/** The scopes of `hardtop fleet`: its own help lists them, the dashboard's does not. */
export const FLEET_SCOPES: readonly Scope[] = ['fleet', 'fleet-filter', 'fleet-host', 'help'];
/** The fail2ban view's scopes: its help lists them (with the preview's); the dashboard's general help does not. */
export const FAIL2BAN_SCOPES: readonly Scope[] = ['fail2ban', 'bans', 'bans-search', 'ban-input', 'ignore-input'];
/** What help shows when opened from the fail2ban view. */
export const FAIL2BAN_HELP_SCOPES: readonly Scope[] = [...FAIL2BAN_SCOPES, 'preview', 'help'];
/**
 * A scope that adds to (and overrides keys of) another: on the SSH panel,
 * `r` opens the rotation wizard; every other dashboard key still works there.
 */
export const PARENT_SCOPE: Partial<Record<Scope, Scope>> = { 'ssh-panel': 'dashboard' };

export const BINDINGS: readonly KeyBinding[] = [
  { scope: 'dashboard', keys: ['tab'], label: 'Tab', description: 'next panel', bar: 'panel' },
  { scope: 'dashboard', keys: ['S-tab'], label: 'S-Tab', description: 'previous panel' },
  { scope: 'dashboard', keys: ['left', 'h'], label: '←/h', description: 'panel to the left' },
  { scope: 'dashboard', keys: ['right', 'l'], label: '→/l', description: 'panel to the right' },
  { scope: 'dashboard', keys: ['up', 'k'], label: '↑/k', description: 'previous finding (then the panel above)' },
  { scope: 'dashboard', keys: ['down', 'j'], label: '↓/j', description: 'next finding (then the panel below)' },
  { scope: 'dashboard', keys: ['enter'], label: 'Enter', description: "open the area's detail (SSH: the full effective configuration; fail2ban: the live view)", bar: 'detail' },
  { scope: 'dashboard', keys: ['f'], label: 'f', description: "preview the selected finding's fix", bar: 'fix', danger: true },
  { scope: 'dashboard', keys: ['u'], label: 'u', description: 'undo the latest applied change', bar: 'undo', danger: true },
  { scope: 'dashboard', keys: ['c'], label: 'c', description: 'confirm a change waiting for confirmation (from a NEW ssh login)', danger: true },
  { scope: 'dashboard', keys: ['r', 'f5'], label: 'r/F5', description: 'run every check again now', bar: 'refresh' },
  { scope: 'dashboard', keys: ['S-r'], label: 'R', description: 'renew the selected finding\'s certbot certificate now (several: Enter, then R on one; preview first)', danger: true },
  { scope: 'dashboard', keys: ['?'], label: '?', description: 'help', bar: 'help' },
  { scope: 'dashboard', keys: ['q', 'C-c'], label: 'q', description: 'quit', bar: 'quit' },

  { scope: 'ssh-panel', keys: ['r'], label: 'r', description: 'key rotation wizard: rotate host keys, retire the old ones, rotate a user key', bar: 'rotate', danger: true },
  { scope: 'ssh-panel', keys: ['a'], label: 'a', description: 'authorized keys per account (remove one, with a preview)', bar: 'keys' },
  { scope: 'ssh-panel', keys: ['f5'], label: 'F5', description: 'run every check again now (r is the wizard here)', bar: 'refresh' },

  { scope: 'detail', keys: ['up', 'k'], label: '↑/k', description: 'previous finding or item' },
  { scope: 'detail', keys: ['down', 'j'], label: '↓/j', description: 'next finding or item (the cursor walks through each finding\'s items)' },
  { scope: 'detail', keys: ['f'], label: 'f', description: "preview the fix of the selected item (that item alone) or else of the finding", bar: 'fix', danger: true },
  { scope: 'detail', keys: ['S-r'], label: 'R', description: 'renew the certificate under the cursor now (certbot renew --cert-name …, then the web server reloads; preview first)', bar: 'renew', danger: true },
  { scope: 'detail', keys: ['r'], label: 'r', description: "run this area's checks again", bar: 'refresh' },
  { scope: 'detail', keys: ['?'], label: '?', description: 'help', bar: 'help' },
  { scope: 'detail', keys: ['escape', 'q', 'backspace'], label: 'Esc/q', description: 'back to the dashboard', bar: 'back' },

  { scope: 'keys', keys: ['up', 'k'], label: '↑/k', description: 'previous key' },
  { scope: 'keys', keys: ['down', 'j'], label: '↓/j', description: 'next key' },
  { scope: 'keys', keys: ['f', 'd'], label: 'f/d', description: 'remove the selected key (diff preview first; never the key of this session)', bar: 'remove', danger: true },
  { scope: 'keys', keys: ['?'], label: '?', description: 'help', bar: 'help' },
  { scope: 'keys', keys: ['escape', 'q', 'backspace'], label: 'Esc/q', description: 'back to the dashboard', bar: 'back' },

  { scope: 'effective', keys: ['up', 'k'], label: '↑/k', description: 'scroll up' },
  { scope: 'effective', keys: ['down', 'j'], label: '↓/j', description: 'scroll down' },
  { scope: 'effective', keys: ['pageup'], label: 'PgUp', description: 'a page up' },
  { scope: 'effective', keys: ['pagedown', 'space'], label: 'PgDn', description: 'a page down' },
  { scope: 'effective', keys: ['d'], label: 'd', description: 'the SSH findings (the area\'s detail, with their fixes)', bar: 'findings' },
  { scope: 'effective', keys: ['?'], label: '?', description: 'help', bar: 'help' },
  { scope: 'effective', keys: ['escape', 'q', 'backspace'], label: 'Esc/q', description: 'back to the dashboard', bar: 'back' },

  { scope: 'wizard', keys: ['up', 'k'], label: '↑/k', description: 'previous choice / scroll up' },
  { scope: 'wizard', keys: ['down', 'j'], label: '↓/j', description: 'next choice / scroll down' },
  { scope: 'wizard', keys: ['enter'], label: 'Enter', description: 'next step (the last one shows the fix preview: nothing changes before y)', bar: 'next' },
  { scope: 'wizard', keys: ['escape', 'q', 'n'], label: 'Esc', description: 'cancel the wizard: nothing changed', bar: 'cancel' },

  { scope: 'result', keys: ['up', 'k'], label: '↑/k', description: 'scroll up' },
  { scope: 'result', keys: ['down', 'j'], label: '↓/j', description: 'scroll down' },
  { scope: 'result', keys: ['escape', 'q', 'enter'], label: 'Esc/q', description: 'close the result', bar: 'close' },

  { scope: 'params', keys: ['enter'], label: 'Enter', description: 'take the value typed (then the preview)', bar: 'next' },
  { scope: 'params', keys: ['backspace'], label: 'Backspace', description: 'delete the last character' },
  { scope: 'params', keys: ['escape'], label: 'Esc', description: 'cancel, change nothing', bar: 'cancel' },
  { scope: 'preview', keys: ['e'], label: 'e', description: 'edit the values the fix takes (time, address, …), then preview again', bar: 'values' },
  { scope: 'preview', keys: ['y'], label: 'y', description: 'apply the fix shown', bar: 'apply', danger: true },
  { scope: 'preview', keys: ['up', 'k'], label: '↑/k', description: 'scroll up' },
  { scope: 'preview', keys: ['down', 'j'], label: '↓/j', description: 'scroll down' },
  { scope: 'preview', keys: ['escape', 'n', 'q'], label: 'Esc/n', description: 'cancel, change nothing', bar: 'cancel' },

  { scope: 'terminal', keys: ['C-]'], label: 'C-]', description: 'stop waiting: back to the dashboard (kills a running command)' },
  { scope: 'terminal', keys: ['q', 'enter', 'escape'], label: 'q/Enter', description: 'after the command exits: back to the dashboard' },

  { scope: 'help', keys: ['up', 'k'], label: '↑/k', description: 'scroll up' },
  { scope: 'help', keys: ['down', 'j'], label: '↓/j', description: 'scroll down' },
  { scope: 'help', keys: ['escape', 'q', '?'], label: 'Esc/q/?', description: 'close help', bar: 'close' },

  { scope: 'fail2ban', keys: ['enter'], label: 'Enter', description: 'the ban list: every address banned now', bar: 'ban list' },
  { scope: 'fail2ban', keys: ['r'], label: 'r', description: 'ask fail2ban for its counters and bans now', bar: 'refresh' },
  { scope: 'fail2ban', keys: ['d'], label: 'd', description: "the fail2ban findings (the area's detail, with their fixes)", bar: 'findings' },
  { scope: 'fail2ban', keys: ['?'], label: '?', description: 'help', bar: 'help' },
  { scope: 'fail2ban', keys: ['escape', 'q', 'backspace'], label: 'Esc/q', description: 'back to the dashboard', bar: 'back' },

  { scope: 'bans', keys: ['up', 'k'], label: '↑/k', description: 'previous address' },
  { scope: 'bans', keys: ['down', 'j'], label: '↓/j', description: 'next address' },
  { scope: 'bans', keys: ['pageup'], label: 'PgUp', description: 'a page up' },
  { scope: 'bans', keys: ['pagedown', 'space'], label: 'PgDn', description: 'a page down' },
  { scope: 'bans', keys: ['home', 'g'], label: 'Home/g', description: 'first address' },
  { scope: 'bans', keys: ['end', 'S-g'], label: 'End/G', description: 'last address' },
  { scope: 'bans', keys: ['/'], label: '/', description: 'search: type, the list narrows as you type', bar: 'search' },
  { scope: 'bans', keys: ['u'], label: 'u', description: 'unban the selected address (preview first)', bar: 'unban', danger: true },
  { scope: 'bans', keys: ['b'], label: 'b', description: 'ban an address you type (preview first; never loopback or your SSH address)', bar: 'ban', danger: true },
  { scope: 'bans', keys: ['i'], label: 'i', description: 'never ban an address or range: add it to ignoreip (preview first)', bar: 'ignore', danger: true },
  { scope: 'bans', keys: ['r'], label: 'r', description: 'ask fail2ban for its bans now' },
  { scope: 'bans', keys: ['?'], label: '?', description: 'help', bar: 'help' },
  { scope: 'bans', keys: ['escape', 'q', 'backspace'], label: 'Esc/q', description: 'back to the live view', bar: 'back' },

  { scope: 'bans-search', keys: ['enter'], label: 'Enter', description: 'keep the search, back to the list', bar: 'keep' },
  { scope: 'bans-search', keys: ['backspace'], label: 'Backspace', description: 'delete the last character' },
  { scope: 'bans-search', keys: ['escape'], label: 'Esc', description: 'clear the search', bar: 'clear' },

  { scope: 'ban-input', keys: ['enter'], label: 'Enter', description: 'preview the ban of the address typed', bar: 'preview', danger: true },
  { scope: 'ban-input', keys: ['tab'], label: 'Tab', description: 'next jail', bar: 'jail' },
  { scope: 'ban-input', keys: ['backspace'], label: 'Backspace', description: 'delete the last character' },
  { scope: 'ban-input', keys: ['escape'], label: 'Esc', description: 'cancel, ban nothing', bar: 'cancel' },

  { scope: 'ignore-input', keys: ['enter'], label: 'Enter', description: 'preview adding it to ignoreip (a range wider than /16 or /48: Enter twice)', bar: 'preview', danger: true },
  { scope: 'ignore-input', keys: ['tab'], label: 'Tab', description: 'take the selected banned address', bar: 'selected' },
  { scope: 'ignore-input', keys: ['backspace'], label: 'Backspace', description: 'delete the last character' },
  { scope: 'ignore-input', keys: ['escape'], label: 'Esc', description: 'cancel, change nothing', bar: 'cancel' },

  { scope: 'fleet', keys: ['up', 'k'], label: '↑/k', description: 'previous host' },
  { scope: 'fleet', keys: ['down', 'j'], label: '↓/j', description: 'next host' },
  { scope: 'fleet', keys: ['pageup'], label: 'PgUp', description: 'a page up' },
  { scope: 'fleet', keys: ['pagedown'], label: 'PgDn', description: 'a page down' },
  { scope: 'fleet', keys: ['home', 'g'], label: 'Home/g', description: 'first host' },
  { scope: 'fleet', keys: ['end', 'S-g'], label: 'End/G', description: 'last host' },
  { scope: 'fleet', keys: ['enter'], label: 'Enter', description: "the selected host's findings", bar: 'findings' },
  { scope: 'fleet', keys: ['/'], label: '/', description: 'filter the hosts by name: type, the list narrows as you type', bar: 'filter' },
  { scope: 'fleet', keys: ['?'], label: '?', description: 'help', bar: 'help' },
  { scope: 'fleet', keys: ['escape'], label: 'Esc', description: 'clear the filter; without one, quit' },
  { scope: 'fleet', keys: ['q', 'C-c'], label: 'q', description: 'quit', bar: 'quit' },

  { scope: 'fleet-filter', keys: ['enter'], label: 'Enter', description: 'keep the filter, back to the list', bar: 'keep' },
  { scope: 'fleet-filter', keys: ['backspace'], label: 'Backspace', description: 'delete the last character' },
  { scope: 'fleet-filter', keys: ['escape'], label: 'Esc', description: 'clear the filter', bar: 'clear' },
  { scope: 'fleet-filter', keys: ['C-c'], label: 'C-c', description: 'quit' },

  { scope: 'fleet-host', keys: ['up', 'k'], label: '↑/k', description: 'scroll up' },
  { scope: 'fleet-host', keys: ['down', 'j'], label: '↓/j', description: 'scroll down' },
  { scope: 'fleet-host', keys: ['pageup'], label: 'PgUp', description: 'a page up' },
  { scope: 'fleet-host', keys: ['pagedown', 'space'], label: 'PgDn/Space', description: 'a page down' },
  { scope: 'fleet-host', keys: ['escape', 'q', 'backspace'], label: 'Esc/q', description: 'back to the fleet', bar: 'back' },
  { scope: 'fleet-host', keys: ['C-c'], label: 'C-c', description: 'quit' },
];

export function bindingsFor(scope: Scope): KeyBinding[] {
  return BINDINGS.filter((b) => b.scope === scope);
}

/**
 * What works in a scope: its own bindings, then its parent's (PARENT_SCOPE)
 * that share no key with them. A binding keeps its own scope, so a handler
 * knows which meaning was pressed.
 */
export function effectiveBindings(scope: Scope): KeyBinding[] {
  const own = bindingsFor(scope);
  const parent = PARENT_SCOPE[scope];
  if (!parent) return own;
  const taken = new Set(own.flatMap((b) => b.keys));
  return [...own, ...effectiveBindings(parent).filter((b) => !b.keys.some((k) => taken.has(k)))];
}

/** The binding a key press means in a scope, or undefined. */
export function bindingFor(scope: Scope, key: string): KeyBinding | undefined {
  return effectiveBindings(scope).find((b) => b.keys.includes(key));
}

/** A key means one thing per scope; returns the clashes (the keymap test wants none). */
export function keyClashes(bindings: readonly KeyBinding[] = BINDINGS): string[] {
  const seen = new Map<string, string>();
  const clashes: string[] = [];
  for (const b of bindings) {
    for (const k of b.keys) {
      const slot = `${b.scope}:${k}`;
      const other = seen.get(slot);
      if (other !== undefined) clashes.push(`${slot} is both '${other}' and '${b.description}'`);
      seen.set(slot, b.description);
    }
  }
  return clashes;
}

/** The key bar at the bottom: only the bar-worthy keys of a scope, danger keys hidden when read-only. */
export function keyBarText(scope: Scope, readOnly: boolean): string {
  return effectiveBindings(scope)
    .filter((b) => b.bar && !(readOnly && b.danger))
    .map((b) => `${b.label} ${b.bar}`)
    .join('  ');
}

/** Markdown table for the README (test/ui/keymap.test.ts fails when the README is stale). */
export function keyTableMarkdown(): string {
  const rows = ['| scope | key | action |', '|---|---|---|'];
  for (const b of BINDINGS) {
    rows.push(`| ${SCOPE_TITLES[b.scope]} | \`${b.label}\` | ${b.description}${b.danger ? ' (root only)' : ''} |`);
  }
  return rows.join('\n');
}

/** Plain lines for the help overlay: by default the dashboard's scopes (every scope but the fleet view's and the fail2ban view's own). */
export function helpLines(readOnly: boolean, scopes?: readonly Scope[]): string[] {
  const lines: string[] = [];
  const shown = scopes ?? (Object.keys(SCOPE_TITLES) as Scope[]).filter((s) => s === 'help' || (!FLEET_SCOPES.includes(s) && !FAIL2BAN_SCOPES.includes(s)));
  for (const scope of shown) {
    const list = bindingsFor(scope);
    if (!list.length) continue;
    lines.push(SCOPE_TITLES[scope]);
    for (const b of list) {
      const note = b.danger && readOnly ? '  (read-only: disabled)' : '';
      lines.push(`  ${b.label.padEnd(9)} ${b.description}${note}`);
    }
    lines.push('');
  }
  return lines;
}
