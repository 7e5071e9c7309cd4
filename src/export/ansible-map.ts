// How one piece of a fix's Plan becomes Ansible: a command becomes tasks of
// Ansible's own modules (apt, systemd, service) or a `command` with an argv
// list (never a shell string); a reload becomes a handler; a validation
// becomes copy's `validate:` or a check task after the copy. Pure.
//
// Plans made under --root carry real paths of that tree in their commands
// (`systemctl --root=/srv/img`, `pkill -F /srv/img/run/sshd.pid`). The
// playbook takes the root as a variable instead, so those are turned back
// into host paths here; a command that names the root any other way is left
// out rather than guessed at.

import type { Command, FileEdit, Validation } from '../core/types';
import { sanitizeText } from '../core/sanitize';
import { Tpl, type YMap, type YNode } from './yaml';

/** The playbook's switch for "hardtop_root is /": the tasks that act on the running system need it. */
export const LIVE = new Tpl('hardtop_live | bool');
export const NOT_LIVE = new Tpl('not (hardtop_live | bool)');

/** Host paths the playbook embeds in `{{ hardtop_prefix }}/…` templates: nothing Jinja or a shell could read differently. */
const SAFE_PATH = /^(?:\/[A-Za-z0-9_.@+=:,-]+)+$/;
const UNIT = /^[A-Za-z0-9@._:\\-]+\.(?:service|timer|socket|path|target|mount)$/;
const PACKAGE = /^[a-z0-9][a-z0-9+.-]*$/;

export function safeHostPath(path: string): boolean {
  return SAFE_PATH.test(path) && !path.split('/').some((c) => c === '.' || c === '..');
}

/** `{{ hardtop_prefix }}/etc/…`: a host path under the playbook's root. Only for safeHostPath paths. */
export function underRoot(path: string): Tpl {
  if (!safeHostPath(path)) throw new Error(`not a path the playbook embeds: ${JSON.stringify(path)}`);
  return new Tpl(`{{ hardtop_prefix }}${path}`);
}

/**
 * argv with the export root's real paths turned back into host paths, or
 * null when the root appears in some other form (inside a value, say).
 */
export function unroot(argv: readonly string[], root: string): string[] | null {
  if (root === '/') return [...argv];
  const out: string[] = [];
  for (const arg of argv) {
    if (arg === root) out.push('/');
    else if (arg.startsWith(`${root}/`)) out.push(arg.slice(root.length));
    else if (arg.includes(root)) return null;
    else out.push(arg);
  }
  return out;
}

/** What the tasks of one command need from the block they land in. */
export interface TaskContext {
  /** "updates.enable-timers": the prefix of every task name. */
  label: string;
  /** A fresh variable name for `register:`. */
  nextVar(kind: string): string;
  /** Handlers the block's changes notify. */
  notify: string[];
}

export interface HandlerSpec {
  /** Identical handlers from several plans are written once. */
  key: string;
  name: string;
  task: YMap;
}

export type CommandMapping =
  | { kind: 'tasks'; build(ctx: TaskContext): YMap[] }
  | { kind: 'handler'; handler: HandlerSpec }
  | { kind: 'left-out'; reason: string };

/** Commands that change something once and for all, or need a person: left to `hardtop fix`. */
function oneWay(argv: readonly string[]): string | null {
  const [program, ...args] = argv;
  if (program === 'certbot') return 'certbot asks the CA for a new certificate: one-way and rate-limited, not a state a playbook converges to (certbot.timer renews on its own)';
  if (program === 'rkhunter' && args.includes('--propupd')) {
    return 'rkhunter --propupd blesses the files on disk as genuine: a decision for a person who has read the last scan, never a step a playbook repeats';
  }
  if (program === 'rkhunter' && (args.includes('--check') || args.includes('-c'))) return 'an rkhunter scan is an action (minutes of CPU), not a configuration state';
  if (program === 'systemctl' && args.some((a) => a === 'restart' || a === 'try-restart')) {
    return 'a one-time service restart (to drop deleted libraries): not a state a playbook converges to; run it with hardtop fix';
  }
  return null;
}

function handlerName(describe: string): string {
  // No "{" (never a template) and nothing a terminal would act on: notify matches it as plain text.
  return `hardtop: ${sanitizeText(describe).replace(/[{}]/g, '?')}`;
}

/** systemctl [--root=R] VERB [--now] UNIT…, as the updates fixes write it. */
interface SystemctlCall {
  verb: string;
  now: boolean;
  units: string[];
}

function parseSystemctl(argv: readonly string[], root: string): SystemctlCall | null {
  if (argv[0] !== 'systemctl') return null;
  let verb: string | null = null;
  let now = false;
  const units: string[] = [];
  for (const arg of argv.slice(1)) {
    if (arg.startsWith('--root=')) {
      // Only the export's own root: the playbook substitutes hardtop_root for it.
      if (arg.slice('--root='.length) !== root) return null;
    } else if (arg === '--now') now = true;
    else if (arg.startsWith('-')) return null;
    else if (verb === null) verb = arg;
    else if (UNIT.test(arg)) units.push(arg);
    else return null;
  }
  return verb !== null && units.length > 0 ? { verb, now, units } : null;
}

/**
 * unmask/enable: on the live system through the systemd module; under
 * another root offline with `systemctl --root`, idempotent by asking
 * `is-enabled` first (that probe only reads, so it runs in check mode too).
 */
function systemctlTasks(call: SystemctlCall): CommandMapping {
  return {
    kind: 'tasks',
    build(ctx) {
      const tasks: YMap[] = [];
      for (const unit of call.units) {
        const live: YMap = call.verb === 'unmask' ? { name: unit, masked: false } : { name: unit, enabled: true, state: call.now ? 'started' : undefined };
        tasks.push({
          name: `${ctx.label}: ${call.verb} ${unit}`,
          'ansible.builtin.systemd': live,
          when: LIVE,
          notify: ctx.notify.length > 0 ? ctx.notify : undefined,
        });
        const probe = ctx.nextVar('unit');
        tasks.push({
          name: `${ctx.label}: ask systemd about ${unit} under hardtop_root`,
          'ansible.builtin.command': { argv: ['systemctl', new Tpl('--root={{ hardtop_root }}'), 'is-enabled', unit] },
          register: probe,
          changed_when: false,
          failed_when: false,
          check_mode: false,
          when: NOT_LIVE,
        });
        // unmask: only a masked unit; enable: anything not enabled yet.
        const test = call.verb === 'unmask' ? `${probe}.stdout | trim == 'masked'` : `${probe}.stdout | trim != 'enabled'`;
        tasks.push({
          name: `${ctx.label}: ${call.verb} ${unit} under hardtop_root (offline, systemctl --root)`,
          'ansible.builtin.command': { argv: ['systemctl', new Tpl('--root={{ hardtop_root }}'), call.verb, unit] },
          when: [NOT_LIVE, new Tpl(test)],
          notify: ctx.notify.length > 0 ? ctx.notify : undefined,
        });
      }
      return tasks;
    },
  };
}

/** apt-get install [-y] [--no-install-recommends] PKG… → ansible.builtin.apt. */
function aptInstall(argv: readonly string[]): { packages: string[]; recommends: boolean } | null {
  if ((argv[0] !== 'apt-get' && argv[0] !== 'apt') || argv[1] !== 'install') return null;
  const packages: string[] = [];
  let recommends = true;
  for (const arg of argv.slice(2)) {
    if (arg === '-y' || arg === '--yes' || arg === '-q' || arg === '--quiet') continue;
    if (arg === '--no-install-recommends') recommends = false;
    else if (PACKAGE.test(arg)) packages.push(arg);
    else return null;
  }
  return packages.length > 0 ? { packages, recommends } : null;
}

export function mapCommand(cmd: Command, root: string): CommandMapping {
  const systemctl = parseSystemctl(cmd.argv, root);
  // Before unroot: `--root=R` is how the plan says "offline, under R", which the tasks express with hardtop_root.
  if (!cmd.reload && systemctl && (systemctl.verb === 'enable' || systemctl.verb === 'unmask')) return systemctlTasks(systemctl);
  const argv = unroot(cmd.argv, root);
  if (argv === null) return { kind: 'left-out', reason: `the command ${sanitizeText(cmd.argv.join(' '))} names the export's root in a way the playbook cannot turn into hardtop_root` };

  if (cmd.reload) {
    const name = handlerName(cmd.describe);
    if (systemctl && systemctl.verb === 'reload' && systemctl.units.length === 1 && !cmd.argv.some((a) => a.startsWith('--root='))) {
      const unit = systemctl.units[0];
      return { kind: 'handler', handler: { key: `service reloaded ${unit}`, name, task: { 'ansible.builtin.service': { name: unit, state: 'reloaded' }, when: LIVE } } };
    }
    // Anything else that reloads (SIGHUP to a pid file's daemon): the exact argv, live system only.
    return { kind: 'handler', handler: { key: `command ${JSON.stringify(argv)}`, name, task: { 'ansible.builtin.command': { argv }, when: LIVE } } };
  }

  const why = oneWay(cmd.argv);
  if (why) return { kind: 'left-out', reason: why };

  const apt = aptInstall(cmd.argv);
  if (apt) {
    return {
      kind: 'tasks',
      build: (ctx) => [
        {
          name: `${ctx.label}: install ${apt.packages.join(', ')}`,
          'ansible.builtin.apt': { name: apt.packages, state: 'present', install_recommends: apt.recommends ? undefined : false },
          when: LIVE,
          notify: ctx.notify.length > 0 ? ctx.notify : undefined,
        },
      ],
    };
  }

  if (cmd.interactive) return { kind: 'left-out', reason: `${sanitizeText(cmd.describe)}: an interactive command (it needs a person at the terminal)` };

  // Anything else: the exact argv, on the live system only. Ansible cannot
  // know whether it is needed, so it runs on every play (said in its name).
  return {
    kind: 'tasks',
    build: (ctx) => [
      {
        name: `${ctx.label}: ${sanitizeText(cmd.describe)} (runs on every play)`,
        'ansible.builtin.command': { argv },
        when: LIVE,
        notify: ctx.notify.length > 0 ? ctx.notify : undefined,
      },
    ],
  };
}

// --- validations --------------------------------------------------------------

/**
 * Daemons whose own checker validates a whole configuration tree from its
 * main file. They resolve Include/include and key paths as absolute paths
 * of the running system, so they run only where hardtop_root is /.
 */
const DAEMON_CHECKERS = new Map<string, { bin: string; configFlag: string }>([
  ['sshd', { bin: '/usr/sbin/sshd', configFlag: '-f' }],
  ['nginx', { bin: '/usr/sbin/nginx', configFlag: '-c' }],
]);

/** Checkers that read only the one file they are given: they can run under any hardtop_root. */
const SELF_CONTAINED = new Set(['sh', 'grep', 'apt-config']);

export interface MappedValidation {
  /** copy's `validate:` for one edited file (`%s` is Ansible's temp copy of the new content). */
  attach?: { path: string; validate: string };
  /** The same check as a task after the files are written (argv; host paths under hardtop_root). */
  post: (string | Tpl)[];
  /** Only where hardtop_root is /: the checker reads absolute paths of the running system. */
  liveOnly: boolean;
  /** The check reads other files of the tree too: it runs after ALL the writes even when attached. */
  wholeTree: boolean;
}

/** One argv element for the `validate:` string, which Ansible %-formats and splits with shlex. */
function validateWord(arg: string): string {
  const quoted = /^[A-Za-z0-9_@+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'"'"'`)}'`;
  return quoted.replace(/%/g, '%%');
}

export function mapValidation(v: Validation, edits: readonly FileEdit[], root: string): MappedValidation | { leftOut: string } {
  const argv = unroot(v.argv, root);
  if (argv === null) return { leftOut: `the validation ${sanitizeText(v.argv.join(' '))} names the export's root` };
  const program = argv[0];
  const stageTokens = argv.filter((a) => a.includes('{stage}'));
  if (stageTokens.some((a) => !a.startsWith('{stage}/') || !safeHostPath(a.slice('{stage}'.length).replace(/(.)\/$/, '$1')))) {
    return { leftOut: `the validation ${sanitizeText(v.argv.join(' '))} stages a path the playbook cannot name` };
  }
  const edited = (token: string) => edits.find((e) => `{stage}${e.path}` === token && !e.delete);

  const daemon = DAEMON_CHECKERS.get(program);
  if (daemon) {
    // `sshd -t -f %s` / `nginx -t -c %s` is right for the MAIN file only: a
    // drop-in or an included file is read through the main file, so it is
    // checked (the whole tree) after it is written.
    const f = argv.indexOf(daemon.configFlag);
    const main = f >= 0 ? argv[f + 1] : undefined;
    const target = main ? edited(main) : undefined;
    return {
      attach: target ? { path: target.path, validate: `${daemon.bin} -t ${daemon.configFlag} %s` } : undefined,
      post: [daemon.bin, ...argv.slice(1).map((a) => a.replace('{stage}', ''))],
      liveOnly: true,
      wholeTree: true,
    };
  }
  if (SELF_CONTAINED.has(program)) {
    let words: string[] | null = null;
    let target: FileEdit | undefined;
    if (program === 'apt-config') {
      // apt-config -c F1 -c F2 … dump: the edited file alone (apt also reads its own live configuration first).
      target = stageTokens.map(edited).find((e) => e !== undefined);
      if (target && argv[argv.length - 1] === 'dump') words = ['apt-config', '-c', '%s', 'dump'];
    } else if (stageTokens.length === 1) {
      target = edited(stageTokens[0]);
      if (target) words = argv.map((a) => (a === stageTokens[0] ? '%s' : validateWord(a)));
    }
    if (target && words) {
      const path = target.path;
      return {
        attach: { path, validate: words.join(' ') },
        post: program === 'apt-config' ? ['apt-config', '-c', underRoot(path), 'dump'] : argv.map((a) => (a === `{stage}${path}` ? underRoot(path) : a)),
        liveOnly: false,
        wholeTree: false,
      };
    }
  }
  // Any other checker (rkhunter -C on the whole configuration …): after the
  // writes, on the files where they now are, on the live system only.
  return { post: argv.map((a) => a.replace('{stage}', '')), liveOnly: true, wholeTree: true };
}

/** YNode helper: drop undefined from lists of conditions. */
export function conditions(...c: (Tpl | undefined)[]): YNode | undefined {
  const list = c.filter((x): x is Tpl => x !== undefined);
  return list.length === 0 ? undefined : list.length === 1 ? list[0] : list;
}
