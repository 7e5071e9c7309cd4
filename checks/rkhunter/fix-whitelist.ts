// rkhunter.whitelist: silence warnings of the last scan with the exact line
// each one's item suggests (ALLOWHIDDENDIR=/etc/.java,
// SCRIPTWHITELIST=/usr/bin/egrep, ALLOW_SSH_ROOT_USER=unset …), appended to
// rkhunter.conf.local — never to rkhunter.conf, which dpkg owns.
//
// `--arg warning=KIND:SUBJECT` whitelists the ONE warning the admin picked
// (the key each rkhunter.warnings item carries in fix.args), with the option
// for its kind; a kind with no such option is refused with the reason.
// `--arg warning=known` whitelists every known false positive at once, and
// only them: a warning whose kind or path is not a known false positive is
// never whitelisted blindly that way, and possible tampering never is. The
// lines for known false positives come from the policy data
// (assets/policy/rkhunter.json), not from the log.
//
// Before it is offered, the edit is re-judged with the same code as
// rkhunter.warnings (a later rkhunter.d file could still reset a list); at
// apply time the real `rkhunter -C` checks the staged configuration.

import type { FileEdit, Fix, FixArgs, FixParam, Plan, Validation } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { rebaseRkhunterConf, rkhSingle, type ParsedRkhConf, type RkhConfFile } from '../../src/parse/rkhunter-conf';
import { withEdits } from '../updates/apt-conf-edit';
import { oneLine } from '../updates/finding';
import { currentFile, emptyPlan, refuse } from '../updates/fix-plan';
import { count, refuseWithoutRkhunter } from './fix-common';
import { judgeLastScan, KNOWN_FALSE_POSITIVE, POSSIBLE_TAMPERING, safeWhitelistValue, type JudgedItem, type ScanJudgement } from './judge';
import { isoMinute } from './log-load';
import { rkhunterPolicy } from './policy';
import { ALL_KNOWN, targetLine, warningKey } from './whitelist-target';

/** One line to append, and the warnings it silences. */
export interface WhitelistEntry {
  line: string;
  /** Why it is safe to silence (policy text), for the comment above it. */
  why: string;
  subjects: string[];
}

/** Comment text: one line, printable, no control characters. */
function comment(text: string): string {
  return `# ${oneLine(text).replace(/[\u0000-\u001f\u007f]/g, '?')}`;
}

/**
 * The new rkhunter.conf.local: the old text byte for byte, then a commented
 * block with one line per entry. Pure.
 *
 * Always LF, even in a CRLF file: rkhunter keeps a CR as part of the value
 * (ALLOW_SSH_ROOT_USER=unset\r is not "unset"), so a CRLF line of ours would
 * silence nothing.
 */
export function appendWhitelist(before: string | null, intro: string, entries: readonly WhitelistEntry[]): string {
  const eol = '\n';
  const block: string[] = [comment(intro)];
  for (const e of entries) {
    const about = e.subjects.filter(safeWhitelistValue);
    block.push(comment(`${about.length > 0 ? `${about.join(', ')}: ` : ''}${e.why}`), e.line);
  }
  if (before === null || before === '') return block.join(eol) + eol;
  const ended = before.endsWith('\n') ? before : before + eol;
  return `${ended}${eol}${block.join(eol)}${eol}`;
}

/** Debian 12's WEB_CMD="/bin/false": rkhunter -C rejects the quotes. The same command without them, when .local can still override it. */
function unquotedWebCmd(conf: ParsedRkhConf, localConf: string, main: string): WhitelistEntry | null {
  const v = rkhSingle(conf, 'WEB_CMD');
  if (!v) return null;
  const m = /^(["'])(\/[A-Za-z0-9._+/-]+)\1$/.exec(v.value);
  // A drop-in in rkhunter.d is read after .local: a line of ours would lose to it.
  if (!m || (v.from.file !== main && v.from.file !== localConf)) return null;
  return {
    line: `WEB_CMD=${m[2]}`,
    why: `WEB_CMD=${v.value} (${v.from.file}:${v.from.line}) keeps its quotes, which rkhunter -C rejects (Debian's known packaging fault): the same command without them`,
    subjects: [],
  };
}

function entriesFor(targets: JudgedItem[]): WhitelistEntry[] {
  const byLine = new Map<string, WhitelistEntry>();
  for (const t of targets) {
    if (!t.whitelist) continue;
    const why = t.known?.why ?? rkhunterPolicy.warningKinds[t.kind].explain.replace(/^known false positive: /, '');
    const e = byLine.get(t.whitelist.line) ?? { line: t.whitelist.line, why, subjects: [] };
    if (!e.subjects.includes(t.subject)) e.subjects.push(t.subject);
    byLine.set(e.line, e);
  }
  return [...byLine.values()];
}

/**
 * `rkhunter -C` on a staged copy of the configuration with the new
 * rkhunter.conf.local. rkhunter reads `<dir of --configfile>/rkhunter.conf.local`
 * and `rkhunter.d/*.conf` next to it, so the staged tree is read as a whole.
 * Under --root the absolute paths inside are rebased into the sysroot (as
 * rkhunter.config does), or -C would check this machine's DBDIR, TMPDIR and
 * whitelisted files instead of the tree's.
 */
export function rkhunterConfigValidation(main: string, files: readonly RkhConfFile[]): Validation {
  return {
    argv: ['rkhunter', '-C', '--configfile', `{stage}${main}`],
    describe: `rkhunter -C accepts the staged configuration (${files.map((f) => f.path).join(' + ')})`,
    // Nothing is copied: prepareStage writes exactly the files rkhunter reads.
    stage: [],
    timeoutMs: rkhunterPolicy.config.checkTimeoutMs,
    async prepareStage(host: Host, stageRoot: string) {
      for (const f of files) await host.writeReal(`${stageRoot}${f.path}`, host.root === '/' ? f.text : rebaseRkhunterConf(f.text, host.root));
    },
  };
}

/** Each target must read as whitelisted once the edit is in place; else why not. */
async function notCovered(host: Host, edit: FileEdit, targets: { item: JudgedItem; line: string }[]): Promise<string[]> {
  const after = await judgeLastScan(withEdits(host, [edit]), { verifyPackages: false });
  if (after.kind !== 'judged') return [`the edited configuration cannot be judged: ${after.summary}`];
  const problems: string[] = [];
  for (const { item: t, line } of targets) {
    const now = after.items.find((i) => i.warning.line === t.warning.line && i.subject === t.subject);
    if (now?.status !== 'pass') problems.push(`${line} would not whitelist ${t.subject} (${now ? now.summary.replace(/^.* — /, '') : 'not found again'})`);
  }
  return problems;
}

/** What both modes share once they know the lines: the edit, the re-judgement, rkhunter -C. */
type Judged = Extract<ScanJudgement, { kind: 'judged' }>;

/** The last scan, judged, with a configuration to add to; or the refused plan. */
async function judgedOrRefused(host: Host, plan: Plan): Promise<Judged | Plan> {
  const missing = await refuseWithoutRkhunter(host, plan);
  if (missing) return missing;
  // With dpkg's cross-check, so possible tampering is named as such in the preview.
  const judged = await judgeLastScan(host);
  if (judged.kind === 'error') return refuse(plan, judged.summary);
  if (judged.kind === 'none') return refuse(plan, `no scan to whitelist from: ${judged.summary} (fix rkhunter.scan)`);
  if (judged.config.kind !== 'ok') return refuse(plan, `no ${judged.config.looked.join(' or ')}: rkhunter has no configuration to add to`);
  return judged;
}

function isPlan(x: Judged | Plan): x is Plan {
  return 'fixId' in x;
}

/**
 * rkhunter.conf.local with the entries appended, re-judged and validated;
 * refused when the edit would not silence every target or cannot be checked.
 */
async function finishPlan(
  host: Host,
  plan: Plan,
  judged: Judged,
  intro: string,
  entries: WhitelistEntry[],
  targets: { item: JudgedItem; line: string }[],
): Promise<Plan> {
  const { config, conf, localConf } = judged;
  if (config.kind !== 'ok') return refuse(plan, 'rkhunter has no configuration to add to');
  if (host.root !== '/' && /[\s"'\\]/.test(host.root)) return refuse(plan, `cannot rebase the configuration under ${JSON.stringify(host.root)} for rkhunter -C: the root path holds blanks or quotes`);
  if (!(await host.which('rkhunter'))) return refuse(plan, 'rkhunter is not installed on this machine to validate the configuration with (rkhunter -C)');

  const current = await currentFile(host, localConf);
  // rkhunter itself ignores a symlinked .local (test -f X -a ! -h X): writing through it would change nothing.
  if (current.kind === 'unusable') return refuse(plan, `${current.reason} (rkhunter ignores a symlinked ${localConf} anyway)`);
  const before = current.kind === 'file' ? current.text : null;

  // Debian 12's quoted WEB_CMD makes rkhunter -C (the validation) fail whatever we add: fixed on the way.
  const webCmd = conf ? unquotedWebCmd(conf, localConf, config.main) : null;
  const all = webCmd ? [...entries, webCmd] : entries;
  const after = appendWhitelist(before, intro, all);
  const edit: FileEdit = { path: localConf, before, after, mode: 0o644 };
  plan = { ...plan, edits: [edit] };

  const problems = await notCovered(host, edit, targets);
  if (problems.length > 0) return refuse(plan, problems.join('; '));

  for (const e of all) {
    plan.warnings.push(e.subjects.length > 0 ? `${e.line} — ${e.subjects.join(', ')}: ${e.why}` : `${e.line} — ${e.why}`);
  }
  for (const p of conf?.problems ?? []) {
    plan.warnings.push(`${p.file}:${p.line}: ${p.message}; rkhunter -C rejects such lines, so the validation will refuse the change until it is fixed (see rkhunter.config)`);
  }
  const files: RkhConfFile[] = config.files.filter((f) => f.path !== localConf);
  files.push({ path: localConf, text: after });
  plan.validate.push(rkhunterConfigValidation(config.main, files));
  return plan;
}

/** `--arg warning=known`: every known false positive of the last scan that has a whitelist line. */
async function planAllKnown(host: Host, plan: Plan): Promise<Plan> {
  const judged = await judgedOrRefused(host, plan);
  if (isPlan(judged)) return judged;
  const { scan, localConf, items } = judged;

  const open = items.filter((i) => i.status !== 'pass');
  const targets = open.filter((i) => i.label === KNOWN_FALSE_POSITIVE && i.whitelist !== null);
  const when = `the last scan (${isoMinute(scan.startedAt)}, ${scan.where})`;
  const others = open.filter((i) => !targets.includes(i));
  const tampering = others.filter((i) => i.label === POSSIBLE_TAMPERING);
  const noLine = others.filter((i) => i.label === KNOWN_FALSE_POSITIVE);
  const unknown = others.filter((i) => i.label !== POSSIBLE_TAMPERING && i.label !== KNOWN_FALSE_POSITIVE);
  if (tampering.length > 0) plan.warnings.push(`never whitelisted, possible tampering: ${tampering.map((i) => i.subject).join(', ')}`);
  if (unknown.length > 0) {
    plan.warnings.push(`not whitelisted, not known false positives (read each warning first): ${unknown.map((i) => `${i.subject} [${i.label}]`).join(', ')}`);
  }
  if (noLine.length > 0) {
    plan.warnings.push(`known false positives with no per-path whitelist line, left as they are: ${noLine.map((i) => `${i.subject} (${i.warning.test ?? 'test'})`).join(', ')}`);
  }
  if (targets.length === 0) {
    return refuse(plan, `nothing to whitelist: none of the ${count(open.length, 'open warning')} of ${when} is a known false positive with a whitelist line`);
  }
  plan = { ...plan, title: `Whitelist ${targets.length === 1 ? 'the one known false positive' : `all ${targets.length} known false positives`} of the last rkhunter scan in ${localConf}` };
  const intro = `Added by hardtop (fix rkhunter.whitelist): the known false positives of rkhunter's scan of ${isoMinute(scan.startedAt)}`;
  const done = await finishPlan(host, plan, judged, intro, entriesFor(targets), targets.map((item) => ({ item, line: item.whitelist?.line ?? '' })));
  if (!done.guard) done.warnings.push('rkhunter stops reporting these names: something malicious hiding under the same name later would go unreported too');
  return done;
}

/** `--arg warning=KIND:SUBJECT`: the one warning the admin picked. */
async function planOne(host: Host, plan: Plan, key: string): Promise<Plan> {
  const judged = await judgedOrRefused(host, plan);
  if (isPlan(judged)) return judged;
  const { scan, localConf, items } = judged;
  const when = `the last scan (${isoMinute(scan.startedAt)}, ${scan.where})`;

  const matching = items.filter((i) => warningKey(i) === key);
  if (matching.length === 0) {
    const keys = [...new Set(items.filter((i) => i.status !== 'pass').map(warningKey))];
    const listed = keys.length === 0 ? 'it has no open warnings' : `its open warnings: ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ` and ${keys.length - 8} more` : ''}`;
    return refuse(plan, `${when} has no warning ${JSON.stringify(key)}; ${listed}`);
  }
  const open = matching.filter((i) => i.status !== 'pass');
  if (open.length === 0) return refuse(plan, `already silenced: ${matching[0].summary.replace(/^.* — /, '')}`);
  const item = open[0];
  const target = targetLine(item);
  if (!target.ok) return refuse(plan, `${item.subject} [${item.label}] is not whitelisted: ${target.reason}`);
  const { line } = target;

  plan = { ...plan, title: `Whitelist ${item.subject} (${item.label}) in ${localConf}: ${line.line}` };
  if (item.label === POSSIBLE_TAMPERING) return refuse(plan, `${item.subject} is possible tampering: never whitelisted`);
  const why = item.known
    ? `known false positive: ${item.known.why}`
    : item.label === KNOWN_FALSE_POSITIVE
      ? rkhunterPolicy.warningKinds[item.kind].explain
      : `chosen by the admin after reading the warning (${item.label})`;
  const entry: WhitelistEntry = { line: line.line, why, subjects: [item.subject] };
  const intro = `Added by hardtop (fix rkhunter.whitelist): one warning of rkhunter's scan of ${isoMinute(scan.startedAt)}`;
  const done = await finishPlan(host, plan, judged, intro, [entry], open.map((i) => ({ item: i, line: line.line })));
  if (done.guard) return done;
  if (target.disablesTest) {
    done.warnings.push(`DISABLE_TESTS switches off the whole '${line.value}' test, not just this warning: it reports nothing at all from now on`);
  } else if (!item.known && item.label !== KNOWN_FALSE_POSITIVE) {
    done.warnings.push(`${item.subject} is not a known false positive: make sure it is yours (ls -la, dpkg -S) before silencing it`);
  }
  if (line.value.includes('*')) done.warnings.push(`${line.line} is the policy's pattern: it covers every name it matches, not only ${item.subject}`);
  done.warnings.push('rkhunter stops reporting this name: something malicious hiding under the same name later would go unreported too');
  return done;
}

/** `--arg warning=…`: the key of one warning (each rkhunter.warnings item names its own), or `known`. */
export const WARNING_PARAM: FixParam = {
  name: 'warning',
  describe: `one warning of the last scan as KIND:SUBJECT (e.g. hidden-file:/etc/.pwd.lock; each rkhunter.warnings item names its own), or '${ALL_KNOWN}' for every known false positive`,
  // A kind, ':' and any printable subject (matched against the log, never written as given).
  pattern: /known|[a-z][a-z0-9-]*:[^\u0000-\u001f\u007f]{1,4096}/,
};

export const whitelistWarnings: Fix = {
  id: 'rkhunter.whitelist',
  title: 'Whitelist a warning of the last rkhunter scan (rkhunter.conf.local)',
  area: 'rkhunter',
  risk: 'safe',
  params: [WARNING_PARAM],
  // Not rkhunter.warnings: it stays failing for warnings the whitelist must
  // never touch (possible tampering), and a correct whitelist would be rolled back.
  verifies: ['rkhunter.config'],
  async plan(host, _ctx, args?: FixArgs): Promise<Plan> {
    const key = args?.warning ?? '';
    const plan = emptyPlan(whitelistWarnings);
    if (key === ALL_KNOWN) return planAllKnown(host, { ...plan, title: 'Whitelist every known false positive of the last rkhunter scan (rkhunter.conf.local)' });
    if (key === '') return refuse(plan, `which warning? --arg ${WARNING_PARAM.name}=KIND:SUBJECT (from the rkhunter.warnings items) or --arg ${WARNING_PARAM.name}=${ALL_KNOWN}`);
    return planOne(host, plan, key);
  },
};
