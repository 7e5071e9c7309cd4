// The SSH server's effective configuration, as every ssh.server.* check sees it.
//
// CHECKS.md: "effective" means what the daemon will actually use: `sshd -T`
// (on a staged copy, see server-sshd-t.ts) where sshd can be asked, else
// hardtop's own parse with first-value-wins. The parse is always done: it is
// the file:line evidence for every value, and the fallback.
//
// All checks of a run share one sshd -T per configuration: the result is kept
// per Host, keyed by the text of every config file and the state of the host
// keys, so an edit (or a key change) is seen on the next run and nothing else
// is re-run.

import type { Evidence, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import {
  clipWord,
  effectiveDirective,
  firstGlobal,
  loadSshdConfig,
  matchOverrides,
  type ConfigSource,
  type SshdConfig,
  type SshdDirective,
  type SshdMatchBlock,
} from '../../src/parse/sshd-config';
import { matchApplies, probeFor, specArgument, specShort, type AccountDb, type ConnectionSpec } from '../../src/parse/sshd-match';
import { sshdTValue, type SshdDiagnostic, type SshdT } from '../../src/parse/sshd-t';
import { groupsOf, parseGroup, parsePasswd } from '../../src/parse/passwd';
import { thrownMessage } from '../updates/finding';
import { assembleAlgorithms, deprecatedEntry, sshPolicy } from './policy';
import { detectServer, type ServerPresence } from './server-presence';
import { hostKeyPaths, runSshdT, SSHD_CONFIG, type SshdTRun } from './server-sshd-t';

export { SSHD_CONFIG };
export const SSH_DIR = '/etc/ssh';
/** What the checks watch: the config tree (host keys included) and the package database. */
export const SERVER_WATCH = [SSH_DIR, `${SSH_DIR}/sshd_config.d`, '/var/lib/dpkg/status'];
export const SERVER_INTERVAL = 3600;
export const SERVER_TIMEOUT_MS = 30_000;

export function hostSource(host: Host): ConfigSource {
  return {
    async read(path) {
      const r = await host.read(path);
      if (r.ok) return { ok: true, text: r.text };
      const reason = r.reason === 'missing' ? 'missing' : r.reason === 'not-a-file' ? 'not-a-file' : 'other';
      return { ok: false, reason, message: r.message };
    },
    glob: (pattern) => host.glob(pattern),
  };
}

/** Where an effective value came from. */
export type Origin =
  | { kind: 'line'; directive: SshdDirective }
  | { kind: 'default'; label: string };

export interface EffectiveValue {
  key: string;
  /** As sshd -T prints it (lower case for keywords like yes/no), or our equivalent. */
  value: string;
  origin: Origin;
}

/** What one Match block (other than Match All) means for the connections it singles out. */
export interface MatchEvaluation {
  block: SshdMatchBlock;
  /** A connection that makes the block apply (asked of sshd -T -C), or null when none can. */
  spec: ConnectionSpec | null;
  /** `user=…,host=…,addr=…,laddr=…,lport=…` (what -C was given). */
  specText?: string;
  /** Only the parameters that single the connection out: `addr=10.0.0.1`. */
  specShort?: string;
  /** Why no connection triggers the block (only-negated lists, nobody in the group …). */
  cannot?: string;
  /** How the value was found: sshd -T -C, or hardtop's own evaluation (no sshd, or Match Group under --root). */
  via: 'sshd -T -C' | 'parse';
  /** Why hardtop's own evaluation was used although sshd could be asked. */
  viaNote?: string;
  /** The value that connection gets for the key. */
  value?: string;
  /** The line that gives it (the first Match block that applies and sets it, else the global winner). */
  directive?: SshdDirective;
  /** How the evaluation reads in evidence (host paths). */
  command?: string;
}

export interface ServerConfig {
  parsed: SshdConfig;
  via: 'sshd -T' | 'parse';
  /** Present when via is 'sshd -T'. */
  t?: SshdT;
  /** sshd's complaints that did not stop it (deprecated options, unloadable host keys), host paths. */
  diagnostics: SshdDiagnostic[];
  /** sshd -T ran but no host key could be loaded: sshd will not start. */
  noHostKeys: boolean;
  /** The command that gave the values, or why hardtop's own parse was used. */
  source: Evidence;
  /** "OpenSSH_9.2": whose defaults apply to options the files do not set. */
  defaultsLabel: string;
  get(key: string): EffectiveValue | undefined;
  /** An algorithm list option, resolved (sshd -T resolves +/-/^ itself). */
  list(key: string): { names: string[]; origin: Origin };
  /** Match blocks (other than Match All) that set `key`, with the value they set. */
  overrides(key: string): { block: SshdMatchBlock; directive: SshdDirective; value: string }[];
  /** Per Match block (other than Match All), what a connection it singles out gets for `key`. */
  matchEvaluations(key: string): MatchEvaluation[];
  hostKeys(): { paths: string[]; configured: boolean };
}

export type ServerState =
  | { kind: 'absent'; presence: ServerPresence }
  /** sshd would not start with this configuration, or it cannot be read: every check says so. */
  | { kind: 'broken'; presence: ServerPresence; summary: string; evidence: Evidence[] }
  | { kind: 'ok'; presence: ServerPresence; config: ServerConfig };

/** sshd -T prints some keywords under an older alias. */
const VALUE_ALIASES: Record<string, Record<string, string>> = {
  permitrootlogin: { 'without-password': 'prohibit-password' },
};

export function normaliseValue(key: string, value: string): string {
  const v = /^(yes|no|true|false)$/i.test(value) ? value.toLowerCase() : value;
  return VALUE_ALIASES[key]?.[v.toLowerCase()] ?? VALUE_ALIASES[key]?.[v] ?? v;
}

// ---------------------------------------------------------------------------

const memo = new WeakMap<Host, { key: string; run: Promise<SshdTRun>; version: Promise<string | null> }>();

async function memoKey(host: Host, cfg: SshdConfig, specs: readonly string[]): Promise<string> {
  const parts: string[] = [host.isRoot ? 'root' : 'user', ...specs];
  for (const f of cfg.files) parts.push(f.path, f.text);
  for (const p of hostKeyPaths(cfg).paths) {
    const st = await host.lstat(p).catch(() => null);
    parts.push(p, st ? `${st.kind}:${st.size}:${st.mtimeMs}:${st.mode}` : 'none');
  }
  return JSON.stringify(parts);
}

async function sshdVersion(host: Host, ctx: RunContext): Promise<string | null> {
  const r = await host.exec('sshd', ['-V'], { timeoutMs: 5000, signal: ctx.signal });
  const m = /OpenSSH_[0-9][^\s,]*/.exec(`${r.stderr}\n${r.stdout}`);
  return m ? m[0] : null;
}

function sharedRun(host: Host, cfg: SshdConfig, key: string, ctx: RunContext, specs: readonly string[]) {
  const cached = memo.get(host);
  if (cached && cached.key === key) return cached;
  const entry = { key, run: runSshdT(host, cfg, ctx, specs), version: sshdVersion(host, ctx).catch(() => null) };
  memo.set(host, entry);
  // A failed attempt (a timeout, an abort, /run/sshd missing) is tried again on the next run.
  void entry.run.then((r) => {
    if (r.kind === 'unavailable' && memo.get(host) === entry) memo.delete(host);
  });
  return entry;
}

function where(file: string, line: number): string {
  return line > 0 ? `${file}:${line}` : file;
}

export async function loadServerState(host: Host, ctx: RunContext): Promise<ServerState> {
  const presence = await detectServer(host);
  if (presence.kind !== 'installed') {
    if (presence.kind === 'absent') return { kind: 'absent', presence };
    return { kind: 'broken', presence, summary: presence.summary, evidence: presence.evidence };
  }

  let parsed: SshdConfig;
  try {
    parsed = await loadSshdConfig(SSHD_CONFIG, hostSource(host));
  } catch (err) {
    // loadSshdConfig does not throw; this is a belt for the braces.
    return { kind: 'broken', presence, summary: `cannot read ${SSHD_CONFIG}: ${thrownMessage(err)}`, evidence: [{ file: SSHD_CONFIG }] };
  }

  // A file sshd must read and cannot: sshd would not start. Do not stage around it.
  const ioFatal = parsed.problems.find((p) => p.fatal && p.kind !== 'syntax');
  if (ioFatal) {
    const at = where(ioFatal.file, ioFatal.line);
    return { kind: 'broken', presence, summary: `sshd cannot read its configuration: ${at}: ${ioFatal.message}`, evidence: [{ file: ioFatal.file, line: ioFatal.line || undefined, text: ioFatal.message }] };
  }

  const db = await loadAccountDb(host);
  const probes = matchProbes(parsed, db);
  const specs = [...new Set(probes.flatMap((p) => (p.spec ? [specArgument(p.spec)] : [])))];
  const key = await memoKey(host, parsed, specs);
  const shared = sharedRun(host, parsed, key, ctx, specs);
  const run = await shared.run;

  if (run.kind === 'rejected') {
    const first = run.fatal[0];
    const more = run.fatal.length > 1 ? ` (+${run.fatal.length - 1} more)` : '';
    const at = first.file !== undefined ? `${where(first.file, first.line ?? 0)}: ` : '';
    // sshd quotes the offending word whole (up to ~1000 bytes of a junk line): clipped for the panel.
    const what = clipWord(first.kind === 'bad-option' ? `Bad configuration option: ${first.keyword}` : first.message.replace(/^.*? line \d+: /, ''), 200);
    const entry = first.keyword ? deprecatedEntry(first.keyword) : undefined;
    const why = entry?.effect === 'fatal' ? ` (${entry.note})` : '';
    return {
      kind: 'broken',
      presence,
      summary: `sshd refuses its configuration: ${at}${what}${why}${more}`,
      evidence: [
        ...run.fatal.map((d) => ({ file: d.file, line: d.line, text: lineText(parsed, d.file, d.line) ?? d.message })),
        { command: run.command, text: run.fatal.map((d) => d.message).join('; ') },
      ],
    };
  }

  if (run.kind === 'unavailable') {
    // Our own parse decides; its fatal findings are the ones sshd would die on.
    const fatal = parsed.problems.filter((p) => p.fatal);
    const removed = parsed.directives.filter((d) => deprecatedEntry(d.keyword)?.effect === 'fatal');
    if (fatal.length > 0 || removed.length > 0) {
      const firstProblem = fatal[0];
      const firstRemoved = removed[0];
      const summary = firstProblem
        ? `sshd would refuse its configuration: ${where(firstProblem.file, firstProblem.line)}: ${firstProblem.message}`
        : `sshd would refuse its configuration: ${where(firstRemoved.file, firstRemoved.line)}: Bad configuration option: ${firstRemoved.keyword} (${deprecatedEntry(firstRemoved.keyword)?.note})`;
      return {
        kind: 'broken',
        presence,
        summary,
        evidence: [
          ...fatal.map((p) => ({ file: p.file, line: p.line, text: p.message })),
          ...removed.map((d) => ({ file: d.file, line: d.line, text: d.text })),
          { text: `hardtop's own parse (sshd -T not used: ${run.reason})` },
        ],
      };
    }
  }

  const version = run.kind === 'ok' ? await shared.version : null;
  return { kind: 'ok', presence, config: buildConfig(parsed, run, version, { db, probes, underRoot: host.root !== '/' }) };
}

/** The root's accounts and groups, for Match User/Group (an unreadable file: nobody). */
export async function loadAccountDb(host: Host): Promise<AccountDb> {
  const text = async (p: string) => {
    const r = await host.read(p).catch(() => null);
    return r?.ok ? r.text : '';
  };
  const accounts = parsePasswd(await text('/etc/passwd')).accounts;
  const groups = parseGroup(await text('/etc/group')).groups;
  return {
    users: accounts.map((a) => a.name),
    groupsOf: (user) => {
      const a = accounts.find((x) => x.name === user);
      return a ? groupsOf(a, groups) : [];
    },
  };
}

interface MatchProbe {
  block: SshdMatchBlock;
  spec: ConnectionSpec | null;
  cannot?: string;
}

function matchProbes(parsed: SshdConfig, db: AccountDb): MatchProbe[] {
  return parsed.matches
    .filter((b) => !b.all)
    .map((block) => {
      const p = probeFor(block.criteria, db);
      return 'spec' in p ? { block, spec: p.spec } : { block, spec: null, cannot: p.cannot };
    });
}

/** sshd's own rule, applied by hardtop: the first Match block that applies and sets `key`, else the first global line. */
export function directiveFor(parsed: SshdConfig, key: string, spec: ConnectionSpec, db: AccountDb): SshdDirective | undefined {
  const k = key.toLowerCase();
  for (const block of parsed.matches) {
    if (!matchApplies(block.criteria, spec, db)) continue;
    const d = block.directives.find((x) => x.key === k);
    if (d) return d;
  }
  return firstGlobal(parsed, k);
}

function lineText(cfg: SshdConfig, file: string | undefined, line: number | undefined): string | undefined {
  if (file === undefined || line === undefined) return undefined;
  const f = cfg.files.find((x) => x.path === file);
  const raw = f?.text.split('\n')[line - 1];
  // Clipped: the line may be a megabyte of junk, and evidence goes to every report.
  return raw === undefined ? undefined : clipWord(raw.replace(/\r/g, '').trim(), 200);
}

interface MatchContext {
  db: AccountDb;
  probes: MatchProbe[];
  /** --root: sshd -T -C would read group membership from the machine running hardtop, not the root. */
  underRoot: boolean;
}

function buildConfig(parsed: SshdConfig, run: Exclude<SshdTRun, { kind: 'rejected' }>, version: string | null, mctx: MatchContext): ServerConfig {
  const viaT = run.kind === 'ok';
  const t = viaT ? run.t : undefined;
  const defaultsLabel = viaT ? (version ?? 'this OpenSSH') : sshPolicy.fallbackDefaults.version;
  const source: Evidence = viaT
    ? { command: run.command }
    : { text: `hardtop's own parse of ${SSHD_CONFIG} and its Include files; defaults of ${sshPolicy.fallbackDefaults.version} (sshd -T not used: ${run.reason})` };

  const originOf = (key: string): Origin => {
    const d = effectiveDirective(parsed, key);
    return d ? { kind: 'line', directive: d } : { kind: 'default', label: defaultsLabel };
  };

  const get = (key: string): EffectiveValue | undefined => {
    const k = key.toLowerCase();
    if (t) {
      const v = sshdTValue(t, k);
      return v === undefined ? undefined : { key: k, value: normaliseValue(k, v), origin: originOf(k) };
    }
    const d = effectiveDirective(parsed, k);
    if (d) return { key: k, value: normaliseValue(k, d.args.join(' ')), origin: { kind: 'line', directive: d } };
    const def = sshPolicy.fallbackDefaults.values[k];
    return def === undefined ? undefined : { key: k, value: normaliseValue(k, def), origin: { kind: 'default', label: defaultsLabel } };
  };

  const list = (key: string) => {
    const k = key.toLowerCase();
    const origin = originOf(k);
    if (t) {
      const v = sshdTValue(t, k) ?? '';
      return { names: v === '' || v === 'none' ? [] : v.split(',').filter((x) => x !== ''), origin };
    }
    const defaults = (sshPolicy.fallbackDefaults.values[k] ?? '').split(',').filter((x) => x !== '');
    const d = effectiveDirective(parsed, k);
    return { names: d ? assembleAlgorithms(defaults, d.args[0] ?? '') : defaults, origin };
  };

  const overrides = (key: string) =>
    matchOverrides(parsed, key).map(({ block, directive }) => ({ block, directive, value: normaliseValue(key.toLowerCase(), directive.args.join(' ')) }));

  const matchEvaluations = (key: string): MatchEvaluation[] => {
    const k = key.toLowerCase();
    return mctx.probes.map((p) => {
      if (!p.spec) return { block: p.block, spec: null, cannot: p.cannot, via: 'parse' as const };
      const specText = specArgument(p.spec);
      const short = specShort(p.spec);
      const own = directiveFor(parsed, k, p.spec, mctx.db);
      const ownValue = own ? normaliseValue(k, own.args.join(' ')) : get(k)?.value;
      const command = `sshd -T -f ${SSHD_CONFIG} -C ${specText}`;
      const groupUnderRoot = mctx.underRoot && p.block.criteria.some((c, i) => i % 2 === 0 && c.toLowerCase() === 'group');
      const asked = viaT && run.kind === 'ok' ? run.matches.get(specText) : undefined;
      if (asked && !('error' in asked) && !groupUnderRoot) {
        const raw = sshdTValue(asked, k);
        const value = raw === undefined ? undefined : normaliseValue(k, raw);
        // The line: hardtop's evaluation when it agrees with sshd (it names file:line; sshd does not).
        const directive = own && ownValue === value ? own : undefined;
        return { block: p.block, spec: p.spec, specText, specShort: short, via: 'sshd -T -C' as const, value, directive, command };
      }
      const viaNote = groupUnderRoot
        ? "Match Group under --root: sshd -T -C would read group membership from the machine running hardtop, so hardtop's own evaluation with the root's /etc/group is used"
        : asked && 'error' in asked
          ? `sshd -T -C failed (${asked.error}): hardtop's own evaluation is used`
          : undefined;
      return { block: p.block, spec: p.spec, specText, specShort: short, via: 'parse' as const, viaNote, value: ownValue, directive: own };
    });
  };

  const hostKeys = () => {
    if (t) {
      const shown = t.values.get('hostkey') ?? [];
      const configured = firstGlobal(parsed, 'hostkey') !== undefined;
      return { paths: shown, configured };
    }
    return hostKeyPaths(parsed);
  };

  return {
    parsed,
    via: viaT ? 'sshd -T' : 'parse',
    t,
    diagnostics: viaT ? run.diagnostics : [],
    noHostKeys: viaT ? run.noHostKeys : false,
    source,
    defaultsLabel,
    get,
    list,
    overrides,
    matchEvaluations,
    hostKeys,
  };
}

// ---------------------------------------------------------------------------
// Evidence helpers shared by the checks

export function directiveEvidence(d: SshdDirective): Evidence {
  return { file: d.file, line: d.line, text: d.text };
}

/** "PermitRootLogin yes (/etc/ssh/sshd_config:32)" or "PermitRootLogin not set: default prohibit-password (OpenSSH_9.2)". */
export function describeValue(name: string, v: EffectiveValue): string {
  if (v.origin.kind === 'line') {
    const d = v.origin.directive;
    const alias = d.keyword.toLowerCase() !== name.toLowerCase() ? `set as ${d.keyword} at ` : '';
    return `${name} ${v.value} (${alias}${d.file}:${d.line})`;
  }
  return `${name} not set: default ${v.value} (${v.origin.label})`;
}

/** Evidence for a value: the line that set it (or the default), and the command that confirmed it. */
export function valueEvidence(config: ServerConfig, name: string, v: EffectiveValue): Evidence[] {
  const out: Evidence[] = [];
  if (v.origin.kind === 'line') out.push(directiveEvidence(v.origin.directive));
  else out.push({ file: SSHD_CONFIG, text: `${name} not set in ${SSHD_CONFIG} or its Include files: default ${v.value} (${v.origin.label})` });
  out.push(config.via === 'sshd -T' ? { ...config.source, text: `${v.key} ${v.value}` } : config.source);
  return out;
}

/**
 * Later global lines that set the same keyword and lose to the first one
 * (first value wins): the classic trap of a drop-in beating the main file.
 */
export function shadowedLines(config: ServerConfig, v: EffectiveValue): SshdDirective[] {
  if (v.origin.kind !== 'line') return [];
  const winner = v.origin.directive;
  return config.parsed.directives.filter((d) => d !== winner && d.match === null && d.key === winner.key && normaliseValue(d.key, d.args.join(' ')) !== v.value);
}
