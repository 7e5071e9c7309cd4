// The text edits of ssh.client.harden, computed without touching the machine
// (the ConfigSource is injected, as for the parser).
//
// ssh reads ~/.ssh/config, then /etc/ssh/ssh_config with its Includes in
// place, and for each option uses the FIRST value that applies to the
// destination (ssh_config(5)). So the system-wide policy must be the first
// line every host meets in the system file:
//
// - where ssh_config Includes ssh_config.d/*.conf outside any host-specific
//   block (Debian and Ubuntu do, above their `Host *`), the settings go into a
//   drop-in that sorts first (00-hardtop.conf), with no Host line of its own:
//   the package's file stays untouched for upgrades;
// - else into a marked block at the very top of ssh_config;
// - an earlier line for every host that would still win over ours (in the
//   main file above the Include, or in a drop-in that sorts before ours) is
//   commented out with a marker;
// - a Host- or Match-scoped line is never changed, even one that makes ssh
//   offer a weak algorithm to its hosts: it is a deliberate exception (old
//   network gear that only speaks SHA-1 key exchange), and commenting it out
//   cuts off access to that device. The plan names each one (the client
//   checks keep reporting them);
// - the algorithm options are written in the removal form (`-weak,…`), see
//   fix-client-harden.ts removalValue: an explicit HostKeyAlgorithms list
//   would switch off ssh's known_hosts key-type preference;
// - options ssh removed or ignores (UseRoaming, Protocol, Cipher …) are
//   commented out wherever they are in the system files; old aliases
//   (ChallengeResponseAuthentication …) are renamed to their keyword.
//
// Comments keep every line where it was, so file:line evidence elsewhere
// still points at the same lines. The result is parsed again and every
// setting must then be what every host gets, or the edit is refused.
// Users' ~/.ssh/config files are never edited here (they are the users').

import { canonicalSshKey, hostOverrides, isUniversal, loadSshConfig, universalValue, whereApplies, type SshConfig, type SshConfigDirective, type SshConfigInclude } from '../../src/parse/ssh-config';
import { tokenizeSshdLine, type ConfigSource } from '../../src/parse/sshd-config';
import { clientDeprecatedEntry } from './client-policy';
import { includeMatches, overlaySource, type LineAction, type Setting } from './harden-edit';

export type ClientPlacement =
  /** The main file's Include (outside any host-specific block) reads `path`. */
  | { kind: 'drop-in'; path: string; include: SshConfigInclude }
  | { kind: 'main'; path: string };

export const CLIENT_BLOCK_BEGIN = '# BEGIN hardtop ssh.client.harden';
export const CLIENT_BLOCK_END = '# END hardtop ssh.client.harden';
const CLIENT_DROP_IN_HEADER = [
  '# Written by hardtop (fix ssh.client.harden). ssh uses the FIRST value it reads',
  '# for each option and reads this file first, so these settings win for every host.',
  "# A user's own ~/.ssh/config is read before it and can still override them.",
  '# `hardtop undo` restores the previous files; a later run keeps your other lines here.',
];
const CLIENT_BLOCK_NOTE = '# (ssh uses the first value it reads: this block comes first, so these settings win for every host)';

/** A drop-in when the main file Includes a pattern matching `dropIn` for every host and its directory exists; else the main file. */
export function chooseClientPlacement(cfg: SshConfig, dropIn: string, dropInDirExists: boolean): ClientPlacement {
  if (dropInDirExists && !cfg.missing) {
    const include = cfg.includes.find(
      (inc) => inc.file === cfg.main && inc.conditions.every((i) => cfg.blocks[i]?.universal === true) && inc.resolved.some((p) => includeMatches(p, dropIn)),
    );
    if (include) return { kind: 'drop-in', path: dropIn, include };
  }
  return { kind: 'main', path: cfg.main };
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function joinLines(lines: string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function keyOf(raw: string): string | null {
  const tok = tokenizeSshdLine(raw);
  return tok.kind === 'directive' ? canonicalSshKey(tok.keyword) : null;
}

/**
 * Set each setting in our own section: replace its line, or insert it before
 * the first Host/Match line (a line after one would apply to that block only).
 */
export function updateClientSection(lines: readonly string[], settings: readonly Setting[]): string[] {
  const out = [...lines];
  for (const s of settings) {
    const key = canonicalSshKey(s.keyword);
    const firstBlock = out.findIndex((raw) => {
      const k = keyOf(raw);
      return k === 'host' || k === 'match';
    });
    const limit = firstBlock === -1 ? out.length : firstBlock;
    const at = out.findIndex((raw, i) => i < limit && keyOf(raw) === key);
    const line = `${s.keyword} ${s.value}`;
    if (at >= 0) out[at] = line;
    else out.splice(limit, 0, line);
  }
  return out;
}

/** The drop-in's new text: the admin's lines kept, ours set. */
export function clientDropInText(current: string | null, settings: readonly Setting[]): string {
  const lines = splitLines(current ?? '');
  const body = lines[0]?.startsWith(CLIENT_DROP_IN_HEADER[0]) ? lines.slice(CLIENT_DROP_IN_HEADER.length) : lines;
  return joinLines([...CLIENT_DROP_IN_HEADER, ...updateClientSection(body, settings)]);
}

/** The main file's new text with our block first, and the block's line range (1-based, inclusive). */
export function clientMainBlockText(current: string, settings: readonly Setting[]): { text: string; first: number; last: number; shift: number } | { error: string } {
  const lines = splitLines(current);
  const begin = lines.findIndex((l) => l.startsWith(CLIENT_BLOCK_BEGIN));
  let body: string[] = [];
  let rest = lines;
  if (begin >= 0) {
    const end = lines.findIndex((l, i) => i > begin && l.startsWith(CLIENT_BLOCK_END));
    if (end < 0) return { error: `${CLIENT_BLOCK_BEGIN} without ${CLIENT_BLOCK_END}: the hardtop block was edited by hand; fix it first` };
    if (begin !== 0) return { error: 'the hardtop block is no longer at the top of the file, so it would not be read first; move or remove it by hand' };
    body = lines.slice(begin + 1, end).filter((l) => l !== CLIENT_BLOCK_NOTE);
    rest = [...lines.slice(0, begin), ...lines.slice(end + 1)];
  }
  if (body.some((l) => ['host', 'match', 'include'].includes(keyOf(l) ?? ''))) return { error: 'the hardtop block holds a Host, Match or Include line (edited by hand); fix it first' };
  const block = [CLIENT_BLOCK_BEGIN, CLIENT_BLOCK_NOTE, ...updateClientSection(body, settings), CLIENT_BLOCK_END];
  // Lines below the block moved by `shift` (the block replaced the old one, or is new).
  return { text: joinLines([...block, ...rest]), first: 1, last: block.length, shift: lines.length - rest.length === 0 ? block.length : block.length - (lines.length - rest.length) };
}

export interface ClientHardenInput {
  cfg: SshConfig;
  source: ConfigSource;
  placement: ClientPlacement;
  settings: readonly Setting[];
  /** Canonical keys of the algorithm options the checks judge. */
  algorithmKeys: readonly string[];
  /** The weak names a line makes ssh offer (empty: nothing weak). */
  weakOf(d: SshConfigDirective): string[];
}

export type ClientHardenEdit =
  | { ok: true; texts: Map<string, string>; actions: LineAction[]; notes: string[]; after: SshConfig }
  | { ok: false; reason: string };

function renameKeyword(raw: string, from: string, to: string): string | null {
  const lead = /^[ \t]*/.exec(raw)?.[0] ?? '';
  if (!raw.startsWith(from, lead.length)) return null;
  return `${lead}${to}${raw.slice(lead.length + from.length)}`;
}

const sameValue = (d: SshConfigDirective, value: string) => d.args.join(' ').toLowerCase() === value.toLowerCase();

export async function computeClientHardenEdit(input: ClientHardenInput): Promise<ClientHardenEdit> {
  const { cfg, placement, settings } = input;
  const original = new Map(cfg.files.map((f) => [f.path, f.text]));
  const overlay = new Map<string, string>();
  let isOurs: (d: SshConfigDirective) => boolean;
  let where: string;
  /** Where a line of the new text was in the old one (our block at the top of the main file moves the rest). */
  let oldLine = (d: SshConfigDirective) => d.line;

  if (settings.length === 0) {
    isOurs = () => false;
    where = placement.path;
  } else if (placement.kind === 'drop-in') {
    overlay.set(placement.path, clientDropInText(original.get(placement.path) ?? null, settings));
    isOurs = (d) => d.file === placement.path;
    where = placement.path.slice(placement.path.lastIndexOf('/') + 1);
  } else {
    const current = cfg.missing ? '' : original.get(placement.path);
    if (current === undefined) return { ok: false, reason: `${placement.path} could not be read` };
    const block = clientMainBlockText(current, settings);
    if ('error' in block) return { ok: false, reason: `${placement.path}: ${block.error}` };
    overlay.set(placement.path, block.text);
    isOurs = (d) => d.file === placement.path && d.line >= block.first && d.line <= block.last;
    oldLine = (d) => (d.file === placement.path ? d.line - block.shift : d.line);
    where = `the hardtop block at the top of ${placement.path}`;
  }

  const load = (texts: ReadonlyMap<string, string>) => loadSshConfig(cfg.main, overlaySource(input.source, texts), { kind: 'system' });
  const fatalBefore = new Set(cfg.problems.filter((p) => p.fatal).map((p) => `${p.file}:${p.line}:${p.message}`));
  const newFatal = (c: SshConfig) => c.problems.find((p) => p.fatal && !fatalBefore.has(`${p.file}:${p.line}:${p.message}`));
  const withOurs = await load(overlay);
  const fatal = newFatal(withOurs);
  if (fatal) return { ok: false, reason: `${fatal.file}:${fatal.line}: ${fatal.message}` };

  const actions = new Map<string, LineAction>();
  const notes: string[] = [];
  const act = (a: LineAction) => {
    const k = `${a.file}:${a.line}`;
    if (!actions.has(k)) actions.set(k, a);
  };
  const index = new Map(withOurs.directives.map((d, i) => [d, i]));
  // Host-specific lines that counted before the change (read before the value every host got).
  const effectiveBefore = new Set<string>();
  for (const key of new Set(cfg.directives.map((d) => d.key))) {
    for (const l of hostOverrides({ configs: [cfg] }, key).effective) effectiveBefore.add(`${l.directive.file}:${l.directive.line}`);
  }
  const wasEffective = (d: SshConfigDirective) => effectiveBefore.has(`${d.file}:${oldLine(d)}`);
  const written = new Map<string, SshConfigDirective>();

  for (const s of settings) {
    const key = canonicalSshKey(s.keyword);
    const ours = withOurs.directives.find((d) => isOurs(d) && d.key === key);
    if (!ours || !isUniversal(withOurs, ours)) return { ok: false, reason: `${s.keyword} did not land where it applies to every host (${where}); not changing anything` };
    written.set(key, ours);
    for (const d of withOurs.directives) {
      if (d.key !== key || isOurs(d) || sameValue(d, s.value)) continue;
      const earlier = index.get(d)! < index.get(ours)!;
      const universal = isUniversal(withOurs, d);
      if (earlier && universal) act({ kind: 'disable', file: d.file, line: d.line, text: d.text });
      else if (!earlier && universal) notes.push(`${d.file}:${d.line} "${d.text}" stays but no longer counts: ${where} is read first`);
      else if (earlier && !input.algorithmKeys.includes(key)) {
        notes.push(`${d.file}:${d.line} "${d.text}" stays: ${whereApplies(withOurs, d)} keeps its own value (read before ${where}); review it by hand`);
      } else if (!earlier && wasEffective(d)) {
        notes.push(
          `${d.file}:${d.line} "${d.text}" no longer takes effect for ${whereApplies(withOurs, d)}: ${where} is read first (ssh uses the first value); to keep that exception, it must be read before ${where}`,
        );
      }
    }
  }

  // Host-specific lines that make ssh offer a weak algorithm to their hosts
  // (those read before the value every host gets; later ones never count)
  // are LEFT ALONE and named: they are almost always deliberate exceptions
  // (`Host old-switch` + `KexAlgorithms +diffie-hellman-group1-sha1`), and
  // taking one away cuts off access to that device. ssh.client.algorithms
  // keeps reporting them.
  for (const key of input.algorithmKeys) {
    const all = withOurs.directives.filter((d) => d.key === key);
    const winner = written.get(key) ?? universalValue({ configs: [withOurs] }, key)?.directive;
    const limit = winner ? index.get(winner)! : Infinity;
    for (const d of all) {
      if (isOurs(d) || isUniversal(withOurs, d) || index.get(d)! > limit) continue;
      const weak = input.weakOf(d);
      if (weak.length === 0) continue;
      notes.push(
        `${d.file}:${oldLine(d)} "${d.text}" left alone: ${whereApplies(withOurs, d)} is still offered ${weak.join(', ')} (a host-specific exception, usually for old equipment); ssh.client.algorithms still reports it. Remove it by hand once that host no longer needs it`,
      );
    }
  }

  for (const d of withOurs.directives) {
    if (isOurs(d)) continue;
    const entry = clientDeprecatedEntry(d.keyword);
    if (!entry) continue;
    if (entry.effect === 'alias' && entry.replacement) act({ kind: 'rename', file: d.file, line: d.line, text: d.text, to: entry.replacement });
    else act({ kind: 'remove', file: d.file, line: d.line, text: d.text, why: `${entry.keyword}: ${entry.note} (OpenSSH ${entry.since})` });
  }

  const texts = new Map<string, string>(overlay);
  for (const a of actions.values()) {
    const text = texts.get(a.file) ?? original.get(a.file);
    if (text === undefined) return { ok: false, reason: `${a.file} could not be read` };
    const lines = text.split('\n');
    const raw = lines[a.line - 1];
    if (raw === undefined) return { ok: false, reason: `${a.file}:${a.line}: line not found` };
    if (a.kind === 'disable') lines[a.line - 1] = `# hardtop: disabled, see ${where}: ${raw}`;
    else if (a.kind === 'remove') lines[a.line - 1] = `# hardtop: removed (obsolete option): ${raw}`;
    else {
      const tok = tokenizeSshdLine(raw);
      const renamed = tok.kind === 'directive' && a.to ? renameKeyword(raw, tok.keyword, a.to) : null;
      if (renamed === null) continue; // a quoted or odd keyword: leave it, it still works
      lines[a.line - 1] = renamed;
    }
    texts.set(a.file, lines.join('\n'));
  }

  const after = await load(texts);
  const fatalAfter = newFatal(after);
  if (fatalAfter) return { ok: false, reason: `the edited configuration would not parse: ${fatalAfter.file}:${fatalAfter.line}: ${fatalAfter.message}` };
  for (const s of settings) {
    const winner = universalValue({ configs: [after] }, s.keyword);
    if (!winner || winner.directive.file !== placement.path || !sameValue(winner.directive, s.value)) {
      const who = winner ? `${winner.directive.file}:${winner.directive.line} "${winner.directive.text}"` : 'nothing';
      return { ok: false, reason: `${s.keyword} ${s.value} would still lose to ${who}; not changing anything` };
    }
  }
  for (const [path, text] of [...texts]) if (original.get(path) === text) texts.delete(path);
  return { ok: true, texts, actions: [...actions.values()], notes, after };
}
