// The text edits of ssh.server.harden, computed without touching the machine
// (the ConfigSource is injected, like the parser's).
//
// sshd uses the FIRST value it reads for most keywords (sshd_config(5)), and a
// `Match All` block overrides the global value for every connection. So
// writing "PasswordAuthentication no" somewhere is not enough; it has to be
// the line sshd reads first:
//
// - where the main file Includes sshd_config.d/*.conf (Debian, Ubuntu, RHEL 9)
//   the settings go into a drop-in that sorts first (00-hardtop.conf): the
//   package's main file stays untouched for upgrades, as ssh-audit's current
//   guides do it;
// - else into a marked block at the very top of the main file;
// - any line that would still win over ours (earlier in reading order: in a
//   drop-in that sorts before ours, or in the main file above the Include;
//   or in a Match All block) is commented out with a marker naming where the
//   value now lives, never deleted, so the admin can see what happened;
// - a line in any other Match block that sets one of these options
//   differently (`Match Group sftponly` + `PasswordAuthentication yes`) is
//   LEFT ALONE by default and named in the plan (who it matches, file:line):
//   such blocks are usually deliberate (SFTP customers with passwords, a
//   backup host's forced-command root login), and commit-confirm only tests
//   the admin's own new login, so taking them away would lock those accounts
//   out with nothing reverting it. The checks keep flagging them. Only with
//   matchPolicy 'scrub' (the fix's `--arg match=scrub`) are they commented
//   out, and even then never in a block that also sets ForceCommand or
//   ChrootDirectory: that block is a restricted-account setup whose login
//   method IS its purpose, and nothing in the apply would notice it broke;
// - options this OpenSSH removed (UseRoaming is fatal in sshd_config) or
//   ignores are commented out with a marker wherever they are; old aliases
//   (ChallengeResponseAuthentication …) are renamed to their keyword.
//
// Comments keep every line where it was, so file:line evidence elsewhere
// still points at the same lines. The result is parsed again and each
// setting must then be the winner, or the plan is refused.

import { compareNames, compileComponent } from '../../src/host/glob';
import {
  canonicalKey,
  effectiveDirective,
  loadSshdConfig,
  tokenizeSshdLine,
  type ConfigSource,
  type SshdConfig,
  type SshdDirective,
  type SshdInclude,
  type SshdMatchBlock,
} from '../../src/parse/sshd-config';
import type { DeprecatedEffect } from './policy';
import { deprecatedEntry } from './policy';
import { normaliseValue } from './server-config';

export interface Setting {
  keyword: string;
  value: string;
}

export type Placement =
  /** The main file's `include` (global, in the main file) reads `path`. */
  | { kind: 'drop-in'; path: string; include: SshdInclude }
  | { kind: 'main'; path: string };

export const BLOCK_BEGIN = '# BEGIN hardtop ssh.server.harden';
export const BLOCK_END = '# END hardtop ssh.server.harden';
const DROP_IN_HEADER = [
  '# Written by hardtop (fix ssh.server.harden). sshd uses the FIRST value it reads',
  '# for most options and reads this file first, so these settings win.',
  '# `hardtop undo` restores the previous files; a later run keeps your other lines here.',
];
const MAIN_BLOCK_NOTE = '# (sshd uses the first value it reads: this block comes first, so these settings win)';

/** sshd's glob(3) semantics for one Include pattern against one absolute path. */
export function includeMatches(pattern: string, path: string): boolean {
  const p = pattern.split('/');
  const f = path.split('/');
  if (p.length !== f.length) return false;
  return p.every((component, i) => {
    if (f[i].startsWith('.') && !component.startsWith('.')) return false; // glob(3): a leading dot only explicitly
    return compileComponent(component).test(f[i]);
  });
}

/**
 * A drop-in when the MAIN file (not a Match, not a nested file) Includes a
 * pattern matching `dropIn` and its directory exists; else the main file.
 */
export function choosePlacement(cfg: SshdConfig, dropIn: string, dropInDirExists: boolean): Placement {
  if (dropInDirExists) {
    const include = cfg.includes.find((inc) => inc.file === cfg.main && inc.match === null && inc.resolved.some((p) => includeMatches(p, dropIn)));
    if (include) return { kind: 'drop-in', path: dropIn, include };
  }
  return { kind: 'main', path: cfg.main };
}

export type LineActionKind = 'disable' | 'remove' | 'rename';

export interface LineAction {
  kind: LineActionKind;
  file: string;
  line: number;
  /** The line as it was (trimmed, for messages). */
  text: string;
  /** For 'rename': the keyword it becomes. */
  to?: string;
  /** For 'remove': why. */
  why?: string;
}

export type HardenEdit =
  | {
      ok: true;
      /** New text of every file that changes (the drop-in included when new). */
      texts: Map<string, string>;
      actions: LineAction[];
      /** Things the admin should know that the edit does not change. */
      notes: string[];
      /** Match-block lines that give these options otherwise and were left as they are. */
      keptMatch: KeptMatchLine[];
    }
  | { ok: false; reason: string };

/** Edit our own section: replace the line of each setting, or append it. */
export function updateSection(lines: string[], settings: readonly Setting[]): string[] {
  const out = [...lines];
  for (const s of settings) {
    const key = canonicalKey(s.keyword);
    const at = out.findIndex((raw) => {
      const tok = tokenizeSshdLine(raw);
      return tok.kind === 'directive' && canonicalKey(tok.keyword) === key;
    });
    const line = `${s.keyword} ${s.value}`;
    if (at >= 0) out[at] = line;
    else out.push(line);
  }
  return out;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function joinLines(lines: string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** The drop-in's new text: the admin's lines kept, ours set. */
export function dropInText(current: string | null, settings: readonly Setting[]): string {
  const lines = splitLines(current ?? '');
  const body = lines[0]?.startsWith(DROP_IN_HEADER[0]) ? lines.slice(DROP_IN_HEADER.length) : lines;
  return joinLines([...DROP_IN_HEADER, ...updateSection(body, settings)]);
}

/** The main file's new text and the line range (1-based, inclusive) of our block. */
export function mainBlockText(current: string, settings: readonly Setting[]): { text: string; first: number; last: number } | { error: string } {
  const lines = splitLines(current);
  const begin = lines.findIndex((l) => l.startsWith(BLOCK_BEGIN));
  let body: string[] = [];
  let rest = lines;
  if (begin >= 0) {
    const end = lines.findIndex((l, i) => i > begin && l.startsWith(BLOCK_END));
    if (end < 0) return { error: `${BLOCK_BEGIN} without ${BLOCK_END}: the hardtop block was edited by hand; fix it first` };
    body = lines.slice(begin + 1, end).filter((l) => l !== MAIN_BLOCK_NOTE);
    rest = [...lines.slice(0, begin), ...lines.slice(end + 1)];
  }
  const block = [BLOCK_BEGIN, MAIN_BLOCK_NOTE, ...updateSection(body, settings), BLOCK_END];
  return { text: joinLines([...block, ...rest]), first: 1, last: block.length };
}

/** Read through `base`, with `overlay` texts standing in for (or adding) files. */
export function overlaySource(base: ConfigSource, overlay: ReadonlyMap<string, string>): ConfigSource {
  return {
    async read(path) {
      const text = overlay.get(path);
      return text !== undefined ? { ok: true, text } : base.read(path);
    },
    async glob(pattern) {
      const found = new Set(await base.glob(pattern));
      for (const p of overlay.keys()) if (includeMatches(pattern, p)) found.add(p);
      return [...found].sort(compareNames);
    },
  };
}

function valueOf(d: SshdDirective): string {
  return normaliseValue(d.key, d.args.join(' '));
}

function commentOut(raw: string, marker: string): string {
  return `${marker}${raw}`;
}

function renameKeyword(raw: string, from: string, to: string): string | null {
  const lead = /^[ \t]*/.exec(raw)?.[0] ?? '';
  if (!raw.startsWith(from, lead.length)) return null;
  return `${lead}${to}${raw.slice(lead.length + from.length)}`;
}

/** A Match-block line the edit leaves alone although it sets an option otherwise. */
export interface KeptMatchLine {
  directive: SshdDirective;
  block: SshdMatchBlock;
  /** Who the block matches, in words ("members of group sftponly"). */
  who: string;
  /** Set when even 'scrub' leaves it: the restricting lines (ForceCommand internal-sftp …). */
  restrictedBy: string[];
}

export type MatchPolicy = 'keep' | 'scrub';

const CRITERION_WORDS: Record<string, string> = {
  user: 'accounts',
  group: 'members of group',
  address: 'connections from',
  localaddress: 'connections to local address',
  localport: 'connections on local port',
  host: 'clients whose host name is',
  rdomain: 'connections in routing domain',
};

/** Who a Match block singles out, in words: "members of group sftponly and connections from 10.0.0.0/8". */
export function describeMatch(block: SshdMatchBlock): string {
  const parts: string[] = [];
  const args = block.criteria.flatMap((a) => {
    const eq = a.indexOf('=');
    return eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a];
  });
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i].toLowerCase();
    const value = args[i + 1];
    if (value === undefined) parts.push(args[i]);
    else parts.push(`${CRITERION_WORDS[key] ?? key} ${value}`);
  }
  return parts.length > 0 ? parts.join(' and ') : block.text;
}

/**
 * The lines that make a block a restricted-account setup (ForceCommand,
 * ChrootDirectory other than none): its login method is what it exists for.
 */
export function restrictingLines(block: SshdMatchBlock): string[] {
  return block.directives.filter((d) => (d.key === 'forcecommand' || d.key === 'chrootdirectory') && (d.args[0] ?? '').toLowerCase() !== 'none').map((d) => `${d.keyword} ${d.args.join(' ')}`);
}

export interface HardenEditInput {
  cfg: SshdConfig;
  source: ConfigSource;
  placement: Placement;
  settings: readonly Setting[];
  removeEffects: ReadonlySet<DeprecatedEffect>;
  /**
   * Settings whose global value is already right, but which a Match block
   * sets otherwise: only those Match lines change (nothing is written for them).
   */
  matchScrub?: readonly Setting[];
  /** Whether Match-block lines that set these options otherwise are commented out (default: kept, see the header). */
  matchPolicy?: MatchPolicy;
}

export async function computeHardenEdit(input: HardenEditInput): Promise<HardenEdit> {
  const { cfg, placement, settings } = input;
  const original = new Map(cfg.files.map((f) => [f.path, f.text]));
  const overlay = new Map<string, string>();
  let isOurs: (d: SshdDirective) => boolean;
  let where: string;

  if (settings.length === 0) {
    // Only obsolete options to clean up: no section of ours is created.
    isOurs = () => false;
    where = placement.path;
  } else if (placement.kind === 'drop-in') {
    const current = original.get(placement.path) ?? null;
    overlay.set(placement.path, dropInText(current, settings));
    isOurs = (d) => d.file === placement.path;
    where = placement.path.slice(placement.path.lastIndexOf('/') + 1);
  } else {
    const current = original.get(placement.path);
    if (current === undefined) return { ok: false, reason: `${placement.path} could not be read` };
    const block = mainBlockText(current, settings);
    if ('error' in block) return { ok: false, reason: `${placement.path}: ${block.error}` };
    overlay.set(placement.path, block.text);
    isOurs = (d) => d.file === placement.path && d.match === null && d.line >= block.first && d.line <= block.last;
    where = `the hardtop block at the top of ${placement.path}`;
  }

  const withOurs = await loadSshdConfig(cfg.main, overlaySource(input.source, overlay));
  const fatal = withOurs.problems.find((p) => p.fatal && p.kind !== 'syntax');
  if (fatal) return { ok: false, reason: `${fatal.file}:${fatal.line}: ${fatal.message}` };

  // Which lines change, decided on the configuration WITH our settings in it.
  const actions = new Map<string, LineAction>();
  const notes: string[] = [];
  const act = (a: LineAction) => {
    const k = `${a.file}:${a.line}`;
    if (!actions.has(k)) actions.set(k, a);
  };
  const index = new Map(withOurs.directives.map((d, i) => [d, i]));
  const kept = new Map<string, KeptMatchLine>();
  // A line in a (non-All) Match block that sets the option otherwise: a
  // Match block wins over every global line for its connections.
  const matchLine = (d: SshdDirective, block: SshdMatchBlock) => {
    const restrictedBy = restrictingLines(block);
    if (input.matchPolicy === 'scrub' && restrictedBy.length === 0) {
      act({ kind: 'disable', file: d.file, line: d.line, text: d.text, why: `${block.text} (${block.file}:${block.line}) gives ${d.keyword} ${d.args.join(' ')} to ${describeMatch(block)}, and a Match block wins over any global line (match=scrub)` });
    } else {
      const k = `${d.file}:${d.line}`;
      if (!kept.has(k)) kept.set(k, { directive: d, block, who: describeMatch(block), restrictedBy });
    }
  };
  for (const s of settings) {
    const key = canonicalKey(s.keyword);
    const ours = withOurs.directives.find((d) => isOurs(d) && d.key === key);
    if (!ours) return { ok: false, reason: `${s.keyword} did not land where it was written (${where}); not changing anything` };
    const mine = valueOf(ours);
    for (const d of withOurs.directives) {
      if (d.key !== key || isOurs(d) || valueOf(d) === mine) continue;
      const block = d.match === null ? null : withOurs.matches[d.match];
      const winsOverUs = (block === null && index.get(d)! < index.get(ours)!) || (block !== null && block.all);
      if (winsOverUs) act({ kind: 'disable', file: d.file, line: d.line, text: d.text });
      else if (block === null) notes.push(`${d.file}:${d.line} "${d.text}" stays but no longer counts: ${where} is read first`);
      else matchLine(d, block);
    }
  }
  for (const s of input.matchScrub ?? []) {
    const key = canonicalKey(s.keyword);
    const wanted = normaliseValue(key, s.value);
    for (const block of withOurs.matches) {
      if (block.all) continue;
      for (const d of block.directives) {
        if (d.key !== key || valueOf(d) === wanted) continue;
        matchLine(d, block);
      }
    }
  }
  for (const d of withOurs.directives) {
    if (isOurs(d)) continue;
    const entry = deprecatedEntry(d.keyword);
    if (!entry) continue;
    if (input.removeEffects.has(entry.effect)) {
      act({ kind: 'remove', file: d.file, line: d.line, text: d.text, why: `${entry.keyword}: ${entry.note} (OpenSSH ${entry.since})` });
    } else if (entry.effect === 'alias' && entry.replacement) {
      act({ kind: 'rename', file: d.file, line: d.line, text: d.text, to: entry.replacement });
    }
  }

  const texts = new Map<string, string>(overlay);
  for (const a of actions.values()) {
    const text = texts.get(a.file) ?? original.get(a.file) ?? withOurs.files.find((f) => f.path === a.file)?.text;
    if (text === undefined) return { ok: false, reason: `${a.file} could not be read` };
    const lines = text.split('\n');
    const raw = lines[a.line - 1];
    if (raw === undefined) return { ok: false, reason: `${a.file}:${a.line}: line not found` };
    if (a.kind === 'disable') lines[a.line - 1] = commentOut(raw, `# hardtop: disabled, see ${where}: `);
    else if (a.kind === 'remove') lines[a.line - 1] = commentOut(raw, '# hardtop: removed (obsolete option): ');
    else {
      const keyword = tokenizeSshdLine(raw);
      const renamed = keyword.kind === 'directive' && a.to ? renameKeyword(raw, keyword.keyword, a.to) : null;
      if (renamed === null) continue; // a quoted or odd keyword: leave it; it still works
      lines[a.line - 1] = renamed;
    }
    texts.set(a.file, lines.join('\n'));
  }

  // Each setting must now be what sshd uses for every connection that no
  // other Match block singles out.
  const after = await loadSshdConfig(cfg.main, overlaySource(input.source, texts));
  const fatalAfter = after.problems.find((p) => p.fatal);
  const fatalBefore = new Set(cfg.problems.filter((p) => p.fatal).map((p) => p.message));
  if (fatalAfter && !fatalBefore.has(fatalAfter.message)) return { ok: false, reason: `the edited configuration would not parse: ${fatalAfter.file}:${fatalAfter.line}: ${fatalAfter.message}` };
  for (const s of settings) {
    const winner = effectiveDirective(after, s.keyword);
    if (!winner || !(winner.file === placement.path && winner.args.join(' ') === s.value)) {
      const who = winner ? `${winner.file}:${winner.line} "${winner.text}"` : 'nothing';
      return { ok: false, reason: `${s.keyword} ${s.value} would still lose to ${who}; not changing anything` };
    }
  }

  for (const [path, text] of [...texts]) if (original.get(path) === text) texts.delete(path);
  return { ok: true, texts, actions: [...actions.values()], notes, keptMatch: [...kept.values()] };
}
