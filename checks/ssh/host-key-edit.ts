// The sshd_config text edits of a host key rotation, pure (the parsed
// configuration in, new file texts out).
//
// HostKey lines accumulate: sshd loads every one, in reading order, and in the
// key exchange it offers the FIRST key of each type (STACK-NOTES.md: with two
// Ed25519 HostKey lines ssh-keyscan sees the first only). Clients that already
// trust the old key must keep being shown the old key until they had a chance
// to learn the new one, which OpenSSH clients do after logging in
// (UpdateHostKeys, hostkeys-00@openssh.com: the server sends EVERY loaded key).
// Put first, a new key of a type the client knows would greet it with
// "REMOTE HOST IDENTIFICATION HAS CHANGED". So the new HostKey lines go right
// AFTER the last existing one (in reading order, in the file that holds it),
// and retiring removes the old lines, after which the new key is the first.
//
// Where no HostKey line exists sshd loads its compiled-in defaults; the first
// HostKey line written would switch that off, so the defaults in use are
// written out first, in sshd's order, and the new keys after them.
//
// Lines are inserted and removed whole; every other byte stays as it was.

import type { SshdConfig, SshdDirective } from '../../src/parse/sshd-config';
import { derelativise } from './server-sshd-t';

export const ROTATE_MARKER = '# hardtop ssh.rotate-host-keys';

export type TextEdit = { ok: true; texts: Map<string, string> } | { ok: false; reason: string };

/** Global HostKey lines in reading order. */
export function hostKeyLines(cfg: SshdConfig): SshdDirective[] {
  return cfg.directives.filter((d) => d.match === null && d.key === 'hostkey' && (d.args[0] ?? '').toLowerCase() !== 'none');
}

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** Split keeping a final newline visible: "a\nb\n" → ["a", "b", ""]. */
function lines(text: string, eol: string): string[] {
  return text.split(eol);
}

/**
 * Add `HostKey` lines for `paths` (in order), after the last global HostKey
 * line, or, when there is none, at the top of the main file (then `paths`
 * must already hold the defaults sshd loaded). `comment` is one line of ours,
 * written above them.
 */
export function addHostKeyLines(cfg: SshdConfig, paths: readonly string[], comment: string): TextEdit {
  if (paths.length === 0) return { ok: false, reason: 'no HostKey line to add' };
  if (paths.some((p) => !/^\/[^\s"'\\#]+$/.test(p))) return { ok: false, reason: 'a key path with spaces or quotes; not writing it' };
  const existing = hostKeyLines(cfg);
  const last = existing.at(-1);
  const file = last ? last.file : cfg.main;
  const text = cfg.files.find((f) => f.path === file)?.text;
  if (text === undefined) return { ok: false, reason: `${file} was not read` };
  const eol = eolOf(text);
  const all = lines(text, eol);
  const at = last ? last.line : 0;
  if (at > all.length) return { ok: false, reason: `${file}:${at}: line not found` };
  const block = [`${ROTATE_MARKER}: ${comment.replace(/[\r\n]+/g, ' ')}`, ...paths.map((p) => `HostKey ${p}`)];
  const out = [...all.slice(0, at), ...block, ...all.slice(at)];
  // A main file without a final newline would glue the next line onto ours.
  return { ok: true, texts: new Map([[file, out.join(eol)]]) };
}

/**
 * Remove the global HostKey lines naming any of `paths` (derelativised as
 * sshd does), and our own marker comments in the files touched.
 */
export function removeHostKeyLines(cfg: SshdConfig, paths: ReadonlySet<string>): { texts: Map<string, string>; removed: SshdDirective[] } {
  const removed = hostKeyLines(cfg).filter((d) => paths.has(derelativise(d.args[0] ?? '')));
  const byFile = new Map<string, Set<number>>();
  for (const d of removed) {
    const set = byFile.get(d.file) ?? new Set<number>();
    set.add(d.line);
    byFile.set(d.file, set);
  }
  const texts = new Map<string, string>();
  for (const [file, drop] of byFile) {
    const text = cfg.files.find((f) => f.path === file)?.text;
    if (text === undefined) continue;
    const eol = eolOf(text);
    const kept = lines(text, eol).filter((raw, i) => !drop.has(i + 1) && !raw.startsWith(ROTATE_MARKER));
    texts.set(file, kept.join(eol));
  }
  return { texts, removed };
}
