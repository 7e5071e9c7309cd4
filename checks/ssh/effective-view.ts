// The SSH server's full effective configuration as lines for a screen, every
// weak or deprecated item marked. Pure: it takes what sshd -T printed (or the
// fallback's values) and hardtop's parse of the files, and returns data; it
// never touches the machine and never renders. The dashboard's "Enter for the
// full effective config" view (owned by the screens) draws these lines.
//
//   buildEffectiveView({ values, parsed })   the pure core (testable on text)
//   effectiveViewOf(config)                  the same from a ServerConfig
//                                            (loadServerState), sshd -T or parse
//
// Verdicts come from assets/policy/ssh.json (the same lists the checks use):
//   weak        an algorithm list offering a weak name (the names are listed),
//               PermitRootLogin yes, PasswordAuthentication yes,
//               KbdInteractiveAuthentication yes, PermitEmptyPasswords yes;
//   deprecated  a line whose keyword this OpenSSH removed, ignores or keeps
//               only as an old alias (it has no sshd -T line of its own when
//               ignored: it is listed from the files, with its file:line);
//   ok          everything else (with a note where the checks warn, e.g.
//               PermitRootLogin prohibit-password).

import { allGlobal, canonicalKey, effectiveDirective, type SshdConfig, type SshdDirective, type SshdMatchBlock } from '../../src/parse/sshd-config';
import { deprecatedEntry, sshPolicy, weakReason, type WeakPattern } from './policy';
import { normaliseValue, type ServerConfig } from './server-config';

export type EffectiveVerdict = 'weak' | 'deprecated' | 'ok';

export interface EffectiveLine {
  /** The keyword in sshd_config(5) spelling when a file sets it ("PermitRootLogin"), else as sshd -T prints it. */
  key: string;
  /** Lower-case canonical keyword ("permitrootlogin"), for lookups. */
  canonical: string;
  value: string;
  /** The line that set the value, when hardtop's parse knows it (host paths). */
  source?: { file: string; line: number; text: string };
  /** Where the value comes from: a line of the files, or the compiled-in default. */
  origin: 'line' | 'default';
  verdict: EffectiveVerdict;
  /** Why weak or deprecated (or a note on an ok value); one line. */
  why?: string;
  /** For algorithm lists: the weak names in it. */
  weakNames?: string[];
}

export interface EffectiveMatchBlock {
  text: string;
  file: string;
  line: number;
  /** The block's own lines, judged the same way (what it changes for its connections). */
  lines: EffectiveLine[];
}

export interface EffectiveView {
  /** Every option, in the order sshd -T prints them (then deprecated lines sshd ignores). */
  lines: EffectiveLine[];
  /** Match blocks (Match All included) and what each sets. */
  matches: EffectiveMatchBlock[];
  counts: Record<EffectiveVerdict, number>;
}

export interface EffectiveViewInput {
  /** Lower-case keyword → values, one per sshd -T line (multi-valued options repeat). */
  values: ReadonlyMap<string, readonly string[]>;
  parsed: SshdConfig;
}

const LISTS: Record<string, () => readonly WeakPattern[]> = {
  kexalgorithms: () => sshPolicy.kex.weak,
  gssapikexalgorithms: () => sshPolicy.kex.weak,
  ciphers: () => sshPolicy.ciphers.weak,
  macs: () => sshPolicy.macs.weak,
  hostkeyalgorithms: () => sshPolicy.hostKeyAlgorithms.weak,
  pubkeyacceptedalgorithms: () => sshPolicy.hostKeyAlgorithms.weak,
  hostbasedacceptedalgorithms: () => sshPolicy.hostKeyAlgorithms.weak,
  casignaturealgorithms: () => sshPolicy.hostKeyAlgorithms.weak,
};

const YES_IS_WEAK: Record<string, string> = {
  passwordauthentication: 'passwords are accepted',
  kbdinteractiveauthentication: 'PAM can ask for a password through keyboard-interactive',
  permitemptypasswords: 'an account with an empty password can log in with none',
};

/** The verdict of one option value (global or in a Match block). */
export function judgeValue(canonical: string, value: string): { verdict: EffectiveVerdict; why?: string; weakNames?: string[] } {
  const list = LISTS[canonical];
  if (list) {
    const weak: string[] = [];
    const whys: string[] = [];
    for (const name of value.split(',').map((s) => s.trim()).filter(Boolean)) {
      const why = weakReason(list(), name) ?? (canonical === 'macs' && sshPolicy.macs.etmTwins[name] ? `MAC-then-encrypt; ${sshPolicy.macs.etmTwins[name]} is the EtM form` : null);
      if (why) {
        weak.push(name);
        whys.push(`${name} (${why})`);
      }
    }
    return weak.length > 0 ? { verdict: 'weak', why: `weak: ${whys.join(', ')}`, weakNames: weak } : { verdict: 'ok' };
  }
  const v = normaliseValue(canonical, value).toLowerCase();
  if (canonical === 'permitrootlogin') {
    if (v === 'yes') return { verdict: 'weak', why: 'root can log in, with a password too' };
    if (v === 'prohibit-password' || v === 'forced-commands-only') return { verdict: 'ok', why: 'root can still log in with a key (the check warns)' };
    return { verdict: 'ok' };
  }
  if (YES_IS_WEAK[canonical] && v === 'yes') return { verdict: 'weak', why: YES_IS_WEAK[canonical] };
  return { verdict: 'ok' };
}

function sourceOf(d: SshdDirective | undefined): EffectiveLine['source'] {
  return d ? { file: d.file, line: d.line, text: d.text } : undefined;
}

/** A line as set in a file: judged, and marked deprecated when its keyword is obsolete or an old alias. */
function fileLine(d: SshdDirective): EffectiveLine {
  const value = d.args.join(' ');
  const j = judgeValue(d.key, value);
  const line: EffectiveLine = { key: d.keyword, canonical: d.key, value, source: sourceOf(d), origin: 'line', ...j };
  const dep = deprecatedEntry(d.keyword);
  if (dep && line.verdict !== 'weak') {
    line.verdict = 'deprecated';
    line.why = `${dep.keyword}: ${dep.note} (OpenSSH ${dep.since})${dep.replacement ? `; use ${dep.replacement}` : ''}`;
  }
  return line;
}

export function buildEffectiveView(input: EffectiveViewInput): EffectiveView {
  const { values, parsed } = input;
  const lines: EffectiveLine[] = [];
  for (const [canonical, vals] of values) {
    const k = canonicalKey(canonical);
    const setters = allGlobal(parsed, k);
    const winner = effectiveDirective(parsed, k);
    vals.forEach((value, i) => {
      // Multi-valued options (HostKey, Port, ListenAddress …) print one line per file line.
      const d =
        vals.length <= 1
          ? winner
          : setters.length === vals.length
            ? setters[i]
            : (setters.find((x) => x.args.join(' ') === value || x.args.includes(value)) ?? setters[0]);
      let j = judgeValue(k, value);
      // Debian's GSSAPI key exchanges are offered only when GSSAPIKeyExchange is on (the kex check agrees).
      if (k === 'gssapikexalgorithms' && (values.get('gssapikeyexchange')?.[0] ?? 'no').toLowerCase() !== 'yes') {
        j = { verdict: 'ok', why: j.verdict === 'weak' ? `not offered: GSSAPIKeyExchange is off (${j.why})` : undefined };
        if (j.why === undefined) delete j.why;
      }
      const line: EffectiveLine = { key: d?.keyword ?? canonical, canonical: k, value, source: sourceOf(d), origin: d ? 'line' : 'default', ...j };
      const dep = d ? deprecatedEntry(d.keyword) : undefined;
      if (dep && line.verdict !== 'weak') {
        line.verdict = 'deprecated';
        line.why = `set as ${d!.keyword}: ${dep.note} (OpenSSH ${dep.since})${dep.replacement ? `; use ${dep.replacement}` : ''}`;
      }
      lines.push(line);
    });
  }
  // Obsolete lines sshd ignores have no effective value: list them from the files.
  for (const d of parsed.directives) {
    if (d.match !== null || values.has(d.key)) continue;
    if (deprecatedEntry(d.keyword)) lines.push(fileLine(d));
  }
  const matches = parsed.matches.map((b: SshdMatchBlock) => ({ text: b.text, file: b.file, line: b.line, lines: b.directives.map(fileLine) }));
  const counts: Record<EffectiveVerdict, number> = { weak: 0, deprecated: 0, ok: 0 };
  for (const l of [...lines, ...matches.flatMap((m) => m.lines)]) counts[l.verdict]++;
  return { lines, matches, counts };
}

/**
 * The view of a loaded server configuration: sshd -T's values when it ran,
 * else hardtop's parse over the fallback defaults of the OpenSSH it knows.
 */
export function effectiveViewOf(config: ServerConfig): EffectiveView {
  if (config.t) return buildEffectiveView({ values: config.t.values, parsed: config.parsed });
  const values = new Map<string, string[]>();
  const keys = new Set<string>([...Object.keys(sshPolicy.fallbackDefaults.values), ...config.parsed.directives.filter((d) => d.match === null).map((d) => d.key)]);
  for (const k of keys) {
    if (deprecatedEntry(k) && !sshPolicy.fallbackDefaults.values[k]) continue; // listed from the files
    const multi = allGlobal(config.parsed, k);
    if (multi.length > 1 && !LISTS[k]) {
      values.set(k, multi.map((d) => d.args.join(' ')));
      continue;
    }
    const v = LISTS[k] ? config.list(k).names.join(',') : config.get(k)?.value;
    if (v !== undefined && v !== '') values.set(k, [v]);
  }
  return buildEffectiveView({ values, parsed: config.parsed });
}
