// `hardtop export ansible`: the plans of the fixes a host needs, as an
// Ansible playbook and role (site.yml + roles/hardtop/…). Pure: plans in,
// file texts out; src/cli/export-command.ts runs the checks, makes the plans
// and writes the files.
//
// The shape, and why:
// - One block per fix (tagged with its id, area and risk). Fixes whose plans
//   rewrite the same file are one block: they were planned one after the
//   other (each saw the file as the earlier one leaves it), and the file is
//   written ONCE with the final text, so a second run changes nothing.
// - A file is written whole with ansible.builtin.copy `content:` (idempotent
//   by nature), but only after a stat + assert that it is still the file the
//   plan was made from, or already the result: a playbook made on one host,
//   run against another (or after someone edited the file), stops instead of
//   overwriting a different config with this host's. New files get the plan's
//   mode; an existing file keeps its mode and owner (copy's atomic move does).
// - Validation with the service's own checker: `validate:` on the copy when
//   the checker reads just that file (sh -n, grep, apt-config -c %s, sshd -t
//   -f %s for the MAIN sshd_config); a checker that reads the whole tree (sshd
//   for a drop-in, rkhunter -C) runs as a task right after the writes. If that
//   task fails, the new file stays in place (copy's backup: true keeps the old
//   one next to it) and no handler runs: rolling back is out of scope.
// - hardtop_root (default /) is where files are written. Tasks that act on
//   the running system (packages, services, reloads, checkers that read
//   absolute paths of the running system) run only when it is /.
// - Lockout-risk fixes (ssh.server.harden) run only with
//   hardtop_allow_lockout_risk=true: `hardtop fix` applies them
//   commit-confirmed, and Ansible has no such safety net.
// - Everything from the system goes through yaml.ts (quoted, !unsafe when it
//   holds "{", comments sanitised). Task names are sanitised too: Ansible
//   prints them. A file whose text holds control characters gets `diff: false`
//   so --diff does not print them raw.

import { createHash } from 'node:crypto';
import type { Plan } from '../core/types';
import { sanitizeText } from '../core/sanitize';
import {
  conditions,
  LIVE,
  mapCommand,
  mapValidation,
  safeHostPath,
  underRoot,
  type CommandMapping,
  type HandlerSpec,
  type MappedValidation,
  type TaskContext,
} from './ansible-map';
import { Comment, Tpl, yamlDocument, type YMap, type YNode } from './yaml';

export interface LeftOut {
  fixId: string;
  reason: string;
}

export interface ExportInput {
  /** In catalogue order, each planned on a view with the earlier plans' edits applied. */
  plans: readonly Plan[];
  /** Fixes that were not planned (guard refused, needs parameters …), with why. */
  leftOut: readonly LeftOut[];
  /** The root the plans were made under (host.root: a real path, "/" for the live system). */
  root: string;
  hostname: string;
  version: string;
  generatedAt: string;
}

export interface ExportFile {
  /** Relative to the output directory. */
  path: string;
  text: string;
}

export interface AnsibleExport {
  files: ExportFile[];
  exported: string[];
  leftOut: LeftOut[];
}

export const LOCKOUT_SWITCH = 'hardtop_allow_lockout_risk';

/** Control characters (and the like) that --diff would print raw. */
const NOT_FOR_DIFF = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

interface MappedPlan {
  plan: Plan;
  validations: MappedValidation[];
  commands: Exclude<CommandMapping, { kind: 'left-out' | 'handler' }>[];
  handlers: HandlerSpec[];
}

interface FileState {
  path: string;
  original: string | null;
  final: string | null;
  mode?: number;
}

interface Group {
  plans: MappedPlan[];
}

function text(s: string): string {
  return sanitizeText(s);
}

function mapPlan(plan: Plan, root: string): MappedPlan | { reason: string } {
  for (const e of plan.edits) {
    if (e.asUser) return { reason: `writes ${text(e.path)} as ${text(e.asUser.name)} in a home directory: hardtop does that as the user, a copy task would do it as root` };
    if (!safeHostPath(e.path)) return { reason: `edits ${text(e.path)}, a path the playbook does not embed (characters outside A-Z a-z 0-9 _ . @ + = : , -)` };
  }
  const validations: MappedValidation[] = [];
  for (const v of plan.validate) {
    const m = mapValidation(v, plan.edits, root);
    if ('leftOut' in m) return { reason: m.leftOut };
    validations.push(m);
  }
  const commands: MappedPlan['commands'] = [];
  const handlers: HandlerSpec[] = [];
  for (const c of plan.commands) {
    const m = mapCommand(c, root);
    // A plan is taken whole or not at all: half of a fix is not a fix.
    if (m.kind === 'left-out') return { reason: m.reason };
    if (m.kind === 'handler') handlers.push(m.handler);
    else commands.push(m);
  }
  if (plan.edits.length === 0 && commands.length === 0) return { reason: 'the plan changes nothing' };
  return { plan, validations, commands, handlers };
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** The files of a group, in the order they are first written, with their first and last text. */
function filesOf(group: Group): FileState[] {
  const files = new Map<string, FileState>();
  for (const { plan } of group.plans) {
    for (const e of plan.edits) {
      const final = e.delete ? null : e.after;
      const f = files.get(e.path);
      if (f) f.final = final;
      else files.set(e.path, { path: e.path, original: e.before, final, mode: e.before === null ? (e.mode ?? 0o644) : undefined });
    }
  }
  return [...files.values()];
}

/**
 * Group plans that rewrite the same file. A later plan must have been made
 * from the text the earlier one leaves; when it was not (its plan() read the
 * file some other way), it is left out rather than merged wrongly.
 */
function groupPlans(mapped: MappedPlan[], leftOut: LeftOut[]): Group[] {
  const groups: Group[] = [];
  const owner = new Map<string, { group: Group; text: string | null; fixId: string }>();
  for (const m of mapped) {
    const touched = new Set<Group>();
    let broken: string | null = null;
    for (const e of m.plan.edits) {
      const prev = owner.get(e.path);
      if (!prev) continue;
      if (e.before !== prev.text) broken = `it rewrites ${e.path} as it was before ${prev.fixId} changed it: export again after applying this playbook`;
      touched.add(prev.group);
    }
    if (broken) {
      leftOut.push({ fixId: m.plan.fixId, reason: broken });
      continue;
    }
    let group: Group;
    if (touched.size === 0) {
      group = { plans: [m] };
      groups.push(group);
    } else {
      // Merge into the earliest group touched; later ones fold into it.
      const ordered = groups.filter((g) => touched.has(g));
      group = ordered[0];
      for (const other of ordered.slice(1)) {
        group.plans.push(...other.plans);
        groups.splice(groups.indexOf(other), 1);
        for (const [path, o] of owner) if (o.group === other) owner.set(path, { ...o, group });
      }
      group.plans.push(m);
      group.plans.sort((a, b) => mapped.indexOf(a) - mapped.indexOf(b));
    }
    for (const e of m.plan.edits) owner.set(e.path, { group, text: e.delete ? null : e.after, fixId: m.plan.fixId });
  }
  return groups;
}

class Namer {
  private n = 0;
  next(kind: string): string {
    this.n += 1;
    return `hardtop_${kind}_${this.n}`;
  }
}

/** stat + assert: the file is what the plan was made from, or already the result. */
function preconditionTasks(f: FileState, label: string, reg: string, hostname: string): YMap[] {
  const accepted = [...new Set([f.original, f.final].filter((t): t is string => t !== null).map(sha256))];
  const list = accepted.map((h) => `'${h}'`).join(', ');
  const sameFile = `(${reg}.stat.isreg and ${reg}.stat.checksum in [${list}])`;
  const mayBeAbsent = f.original === null || f.final === null;
  const that = mayBeAbsent ? `not ${reg}.stat.exists or ${sameFile}` : `${reg}.stat.exists and ${sameFile}`;
  return [
    {
      name: `${label}: look at ${f.path}`,
      'ansible.builtin.stat': { path: underRoot(f.path), follow: false, get_checksum: true, checksum_algorithm: 'sha256', get_mime: false, get_attributes: false },
      register: reg,
    },
    {
      name: `${label}: ${f.path} is as hardtop saw it on ${text(hostname)}, or already done`,
      'ansible.builtin.assert': {
        that: [new Tpl(that)],
        fail_msg: `${f.path} is not the file hardtop planned from on ${text(hostname)}, nor the result: it changed since, or this is another host (or a symlink). Nothing was written; run hardtop export ansible on this host again.`,
        quiet: true,
      },
    },
  ];
}

function writeTask(f: FileState, label: string, notify: string[], attach: MappedValidation | undefined, backup: boolean): YMap {
  const notifyNode = notify.length > 0 ? notify : undefined;
  if (f.final === null) {
    return { name: `${label}: remove ${f.path}`, 'ansible.builtin.file': { path: underRoot(f.path), state: 'absent' }, notify: notifyNode };
  }
  const validate = attach?.attach?.validate;
  const hostile = NOT_FOR_DIFF.test(f.final) || (f.original !== null && NOT_FOR_DIFF.test(f.original));
  return {
    name: `${label}: write ${f.path}${validate !== undefined ? ` (validate: ${text(validate)}${attach!.liveOnly ? ', where hardtop_root is /' : ''})` : ''}`,
    'ansible.builtin.copy': {
      dest: underRoot(f.path),
      content: f.final,
      mode: f.mode !== undefined ? `0${f.mode.toString(8)}` : undefined,
      // A checker of the running system (sshd) only where hardtop_root is /.
      validate: validate === undefined ? undefined : attach!.liveOnly ? new Tpl(`{{ hardtop_validate if hardtop_live | bool else omit }}`) : validate,
      backup: backup && f.original !== null ? true : undefined,
    },
    vars: validate !== undefined && attach!.liveOnly ? { hardtop_validate: validate } : undefined,
    // The text holds control characters: --diff would print them raw to the terminal.
    diff: hostile ? false : undefined,
    notify: notifyNode,
  };
}

function groupBlock(group: Group, files: FileState[], handlerNames: Map<string, string>, namer: Namer, hostname: string): YNode {
  const ids = group.plans.map((m) => m.plan.fixId);
  const label = ids.join(' + ');
  const notify = [...new Set(group.plans.flatMap((m) => m.handlers.map((h) => handlerNames.get(h.key)!)))];
  const validations = group.plans.flatMap((m) => m.validations);

  // Which check goes on which copy, and which run after the writes.
  const attached = new Map<string, MappedValidation>();
  const post: MappedValidation[] = [];
  for (const v of validations) {
    const target = v.attach ? files.find((f) => f.path === v.attach!.path && f.final !== null) : undefined;
    if (target && attached.get(target.path)?.attach?.validate === v.attach!.validate) continue; // the same check, already on the copy
    if (target && !attached.has(target.path)) {
      attached.set(target.path, v);
      if (v.wholeTree && files.length > 1) post.push(v);
    } else {
      post.push(v);
    }
  }
  const seen = new Set<string>();
  const postTasks: YMap[] = [];
  for (const v of post) {
    const key = JSON.stringify(v.post.map((a) => (a instanceof Tpl ? `tpl:${a.text}` : a)));
    if (seen.has(key)) continue;
    seen.add(key);
    const shown = v.post.map((a) => (a instanceof Tpl ? a.text.replace('{{ hardtop_prefix }}', '<hardtop_root>') : a)).join(' ');
    postTasks.push({ name: `${label}: check the written files: ${text(shown)}`, 'ansible.builtin.command': { argv: v.post }, changed_when: false, when: v.liveOnly ? LIVE : undefined });
  }

  const tasks: YMap[] = [];
  for (const f of files) {
    tasks.push(...preconditionTasks(f, label, namer.next('file'), hostname));
    // A whole-tree check after the writes can fail with the new file in place: keep the old one beside it.
    tasks.push(writeTask(f, label, notify, attached.get(f.path), post.some((v) => v.wholeTree)));
  }
  tasks.push(...postTasks);
  for (const m of group.plans) {
    const ctx: TaskContext = { label: m.plan.fixId, nextVar: (k) => namer.next(k), notify };
    for (const c of m.commands) tasks.push(...c.build(ctx));
  }

  const lockout = group.plans.some((m) => m.plan.risk === 'lockout-risk');
  const comments: string[] = [];
  for (const { plan } of group.plans) {
    comments.push(`${plan.fixId} (${plan.risk}): ${plan.title}`);
    // "lockout-risk: applied commit-confirmed …" says how hardtop fix applies it, which does not hold here.
    for (const w of plan.warnings) if (!(plan.risk === 'lockout-risk' && w.startsWith('lockout-risk:'))) comments.push(`  ! ${w}`);
  }
  if (lockout) comments.push(`  Runs only with -e ${LOCKOUT_SWITCH}=true: hardtop fix applies it commit-confirmed (it reverts unless confirmed from a new login); Ansible has no such net, keep a second session open.`);
  const block: YMap = {
    name: `${label}: ${group.plans.map((m) => text(m.plan.title)).join('; ')}`,
    tags: [...new Set(['hardtop', ...group.plans.map((m) => m.plan.fixId.split('.')[0]), ...ids, ...group.plans.map((m) => m.plan.risk)])],
    when: conditions(lockout ? new Tpl(`${LOCKOUT_SWITCH} | bool`) : undefined),
    block: tasks,
  };
  return new Comment(comments, block);
}

function header(input: ExportInput, exported: string[], leftOut: LeftOut[], what: string): string[] {
  const lines = [
    `hardtop export ansible: ${what}`,
    `Made by hardtop ${input.version} on ${input.hostname} at ${input.generatedAt}, from the root ${input.root}.`,
    'The plans are that system as it was then: export again after it changes.',
    '',
    `Fixes in this playbook: ${exported.length > 0 ? exported.join(', ') : 'none'}.`,
  ];
  if (leftOut.length > 0) {
    lines.push('Not in this playbook (apply them with `hardtop fix ID` on the host, if at all):');
    for (const l of leftOut) lines.push(`  - ${l.fixId}: ${l.reason}`);
  }
  return lines;
}

const USAGE = [
  '',
  'Run: ansible-playbook -i HOST, site.yml [-e hardtop_root=DIR] [-e hardtop_allow_lockout_risk=true] [--check --diff]',
  'Variables (roles/hardtop/defaults/main.yml):',
  '  hardtop_root: the system root files are written under (default /). With any other root the',
  '    tasks that act on the running system (packages, services, reloads, checkers that read',
  '    /etc of the running system) are skipped.',
  `  ${LOCKOUT_SWITCH}: false, so fixes that could lock you out are skipped.`,
  'Each file is written whole, only if it is still the file hardtop planned from (or already',
  'the result): on another host, or after a change, the play stops instead of overwriting.',
  'hardtop undo does not know about changes made by this playbook; there is no automatic rollback.',
];

export function buildAnsibleExport(input: ExportInput): AnsibleExport {
  const leftOut: LeftOut[] = input.leftOut.map((l) => ({ fixId: l.fixId, reason: text(l.reason) }));
  const mapped: MappedPlan[] = [];
  for (const plan of input.plans) {
    const m = mapPlan(plan, input.root);
    if ('reason' in m) leftOut.push({ fixId: plan.fixId, reason: text(m.reason) });
    else mapped.push(m);
  }
  const groups = groupPlans(mapped, leftOut);
  const exported = groups.flatMap((g) => g.plans.map((m) => m.plan.fixId));

  // Handlers: one per distinct action, named once.
  const handlerNames = new Map<string, string>();
  const handlerTasks: YMap[] = [];
  const usedNames = new Set<string>();
  for (const g of groups) {
    for (const h of g.plans.flatMap((m) => m.handlers)) {
      if (handlerNames.has(h.key)) continue;
      let name = h.name;
      for (let i = 2; usedNames.has(name); i++) name = `${h.name} (${i})`;
      usedNames.add(name);
      handlerNames.set(h.key, name);
      handlerTasks.push({ name, ...h.task });
    }
  }

  const namer = new Namer();
  const tasks: YNode[] = [
    {
      name: 'hardtop_root is an absolute path',
      'ansible.builtin.assert': { that: [new Tpl('hardtop_root is string'), new Tpl("hardtop_root is match('/')")], fail_msg: 'hardtop_root must be an absolute path (default /)', quiet: true },
      tags: ['always'],
    },
  ];
  for (const g of groups) tasks.push(groupBlock(g, filesOf(g), handlerNames, namer, input.hostname));

  const files: ExportFile[] = [
    {
      path: 'site.yml',
      text: yamlDocument([...header(input, exported, leftOut, `the fixes ${input.hostname} needed, as a playbook`), ...USAGE], [
        { name: `hardtop fixes (exported from ${text(input.hostname)})`, hosts: 'all', gather_facts: false, roles: ['hardtop'] },
      ]),
    },
    {
      path: 'roles/hardtop/defaults/main.yml',
      text: yamlDocument(['hardtop export ansible: the role\'s variables (override with -e NAME=VALUE)'], {
        hardtop_root: '/',
        [LOCKOUT_SWITCH]: false,
        // Derived: "" for /, else the root without trailing slashes; dests are "{{ hardtop_prefix }}/etc/…".
        hardtop_prefix: new Tpl("{{ hardtop_root | regex_replace('/+$', '') }}"),
        hardtop_live: new Tpl("{{ hardtop_root | regex_replace('/+$', '') == '' }}"),
      }),
    },
    { path: 'roles/hardtop/tasks/main.yml', text: yamlDocument(header(input, exported, leftOut, `the tasks of the fixes ${input.hostname} needed`), tasks) },
    { path: 'roles/hardtop/handlers/main.yml', text: yamlDocument(['hardtop export ansible: reloads, run once at the end of the play when a change notified them (hardtop_root / only)'], handlerTasks) },
  ];
  return { files, exported, leftOut };
}
