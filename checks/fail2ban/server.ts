// The fail2ban server: where it listens and logs (the fail2ban stack:
// fail2ban.conf, fail2ban.d/*.conf, fail2ban.local, fail2ban.d/*.local),
// and asking it things over its socket with fail2ban-client, with a timeout:
// a hung server must cost a check seconds, never hang hardtop.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { IniValue } from '../../src/parse/fail2ban-ini';
import { getOption, type MergedConfig } from '../../src/parse/fail2ban-config';
import { isPong, parseJailStatus, parseServerStatus, type JailStatus } from '../../src/parse/fail2ban-client';
import { oneLine } from '../updates/finding';
import { CONF_DIR, loadStack } from './config';
import { at } from './jails';
import { fail2banPolicy } from './policy';

export interface ServerSetting {
  value: string;
  /** Where it is set; undefined: fail2ban's built-in default. */
  origin?: IniValue;
}

export interface ServerSettings {
  socket: ServerSetting;
  logtarget: ServerSetting;
  dbfile: ServerSetting;
}

export type ServerSettingsLoad = { kind: 'ok'; settings: ServerSettings } | { kind: 'error'; summary: string; evidence: Evidence[] };

function defaults(): ServerSettings {
  const d = fail2banPolicy.serverDefaults;
  return { socket: { value: d.socket }, logtarget: { value: d.logtarget }, dbfile: { value: d.dbfile } };
}

/**
 * fail2ban's reader asks the [Definition] section (falling back to
 * [DEFAULT]); without a [Definition] section at all it uses its built-ins.
 */
function settingsFrom(cfg: MergedConfig): { settings: ServerSettings } | { summary: string; evidence: Evidence[] } {
  const settings = defaults();
  if (!cfg.sections.has('Definition')) return { settings };
  for (const key of ['socket', 'logtarget', 'dbfile'] as const) {
    const r = getOption(cfg, 'Definition', key);
    if (!r) continue;
    if (!r.ok) return { summary: `${r.error} (${at(r.origin)})`, evidence: [{ file: r.origin.file, line: r.origin.line, text: r.error }] };
    settings[key] = { value: r.value, origin: r.origin };
  }
  return { settings };
}

export async function loadServerSettings(host: Host): Promise<ServerSettingsLoad> {
  const stack = await loadStack(host, 'fail2ban');
  if (stack.kind === 'missing') return { kind: 'ok', settings: defaults() };
  if (stack.kind === 'error') return stack;
  const s = settingsFrom(stack.config);
  return 'settings' in s ? { kind: 'ok', settings: s.settings } : { kind: 'error', ...s };
}

export function settingEvidence(key: string, s: ServerSetting): Evidence {
  return s.origin ? { file: s.origin.file, line: s.origin.line, text: `${key} = ${s.value}` } : { text: `${key} = ${s.value} (fail2ban default)` };
}

/**
 * The real path of a host path for a program that opens it itself (the
 * client connecting to the socket, sqlite3 opening the database). Under
 * --root, a symlink on the way would be followed by the kernel to the REAL
 * system (/var/run → /run), so we refuse rather than talk to the wrong
 * server or read the wrong database.
 */
export async function directRealPath(host: Host, hostPath: string): Promise<{ ok: true; path: string } | { ok: false; why: string }> {
  if (host.root === '/') return { ok: true, path: host.realPath(hostPath) };
  const parts = hostPath.split('/').filter((p) => p !== '' && p !== '.');
  let prefix = '';
  for (const part of parts) {
    prefix += `/${part}`;
    const st = await host.lstat(prefix).catch(() => null);
    if (st === null) break; // the rest does not exist: the caller's stat says so
    if (st.kind === 'symlink') return { ok: false, why: `${prefix} is a symlink, not followed under --root for ${hostPath}` };
  }
  return { ok: true, path: host.realPath(hostPath) };
}

export type ClientAnswer =
  | { kind: 'ok'; stdout: string; command: string }
  /** Nothing listens: no socket, a stale one, connection refused. */
  | { kind: 'down'; why: string; command: string }
  | { kind: 'timeout'; command: string }
  /** The server answered with an error, or the client failed in another way. */
  | { kind: 'failed'; why: string; command: string }
  /** fail2ban-client cannot be run here (not installed on this machine, untrusted path). */
  | { kind: 'unavailable'; why: string; command: string };

/** The command line as evidence shows it: host paths, never the --root prefix. */
function shownCommand(socket: string, args: string[]): string {
  return ['fail2ban-client', '-s', socket, ...args].join(' ');
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return oneLine(lines[lines.length - 1] ?? '');
}

// A hung server must cost the dashboard one timeout, not one per check:
// every fail2ban check asks the server, and the scheduler runs only a few
// checks at a time, so seven checks each waiting out the timeout would hold
// the other areas' checks back for several timeouts. So, per Host and
// socket: identical calls in flight at the same time share one
// fail2ban-client, and after a timeout the socket is taken as hung for one
// more timeout's length (calls then answer "timeout" at once). Answers are
// never remembered: a live server is always asked afresh.
interface SharedCall {
  answer: Promise<ClientAnswer>;
  /** Aborts the one fail2ban-client when every caller waiting on it has given up. */
  controller: AbortController;
  waiting: number;
  /** Takes it out of the in-flight map: an abandoned call is not joined again. */
  forget: () => void;
}
interface SocketMemory {
  hungUntilMs: number;
  inFlight: Map<string, SharedCall>;
}
const socketMemory = new WeakMap<Host, Map<string, SocketMemory>>();

function memoryOf(host: Host, realSocket: string): SocketMemory {
  let perHost = socketMemory.get(host);
  if (!perHost) socketMemory.set(host, (perHost = new Map()));
  let m = perHost.get(realSocket);
  if (!m) perHost.set(realSocket, (m = { hungUntilMs: 0, inFlight: new Map() }));
  return m;
}

export async function callClient(host: Host, socket: string, args: string[], signal?: AbortSignal): Promise<ClientAnswer> {
  const command = shownCommand(socket, args);
  const st = await host.stat(socket).catch(() => null);
  if (st === null) return { kind: 'down', why: `no socket at ${socket}`, command };
  if (st.kind !== 'socket') return { kind: 'failed', why: `${socket} is not a socket`, command };
  const real = await directRealPath(host, socket);
  if (!real.ok) return { kind: 'failed', why: real.why, command };
  const argv: string[] = [];
  // -c: the client reads its own settings from this tree, not the real /etc, under --root.
  const conf = await host.stat(CONF_DIR).catch(() => null);
  if (conf?.kind === 'dir') argv.push('-c', host.realPath(CONF_DIR));
  argv.push('-s', real.path, ...args);
  if (signal?.aborted) return { kind: 'failed', why: 'cancelled', command };
  const memory = memoryOf(host, real.path);
  if (Date.now() < memory.hungUntilMs) return { kind: 'timeout', command };
  const key = argv.join('\u0000');
  let call = memory.inFlight.get(key);
  if (!call) {
    const controller = new AbortController();
    const answer = runClient(host, socket, argv, command, controller.signal).then((a) => {
      if (a.kind === 'timeout') memory.hungUntilMs = Date.now() + fail2banPolicy.client.timeoutMs;
      if (memory.inFlight.get(key) === call) memory.inFlight.delete(key);
      return a;
    });
    call = { answer, controller, waiting: 0, forget: () => memory.inFlight.get(key) === call && memory.inFlight.delete(key) };
    memory.inFlight.set(key, call);
  }
  return waitFor(call, command, signal);
}

/** One caller's wait on a shared call: its own signal ends its wait; the last one to leave ends the call. */
async function waitFor(call: SharedCall, command: string, signal?: AbortSignal): Promise<ClientAnswer> {
  if (signal?.aborted) return { kind: 'failed', why: 'cancelled', command };
  call.waiting++;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<ClientAnswer>((resolve) => {
    onAbort = () => resolve({ kind: 'failed', why: 'cancelled', command });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const a = await Promise.race([call.answer, aborted]);
    return { ...a, command };
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (--call.waiting === 0) {
      call.forget();
      call.controller.abort();
    }
  }
}

async function runClient(host: Host, socket: string, argv: string[], command: string, signal?: AbortSignal): Promise<ClientAnswer> {
  const r = await host.exec('fail2ban-client', argv, { timeoutMs: fail2banPolicy.client.timeoutMs, signal });
  if (r.spawnError) return { kind: 'unavailable', why: r.spawnError, command };
  if (r.timedOut) return { kind: 'timeout', command };
  if (r.exitCode === 0) return { kind: 'ok', stdout: r.stdout, command };
  const said = `${r.stdout}\n${r.stderr}`;
  if (/Failed to access socket path|Is fail2ban running|Connection refused/i.test(said)) return { kind: 'down', why: `nothing answers on ${socket}`, command };
  const why = lastLine(r.stdout) || lastLine(r.stderr) || `exit ${r.exitCode ?? r.signal}`;
  return { kind: 'failed', why, command };
}

export function describeAnswer(a: Exclude<ClientAnswer, { kind: 'ok' }>): string {
  switch (a.kind) {
    case 'down':
      return `not running: ${a.why}`;
    case 'timeout':
      return `no answer within ${fail2banPolicy.client.timeoutMs / 1000} s (${a.command}): the server is hung or overloaded`;
    case 'failed':
      return `${a.command} failed: ${a.why}`;
    case 'unavailable':
      return `cannot run fail2ban-client on this machine: ${a.why}`;
  }
}

export type Live =
  | { kind: 'up'; socket: string; jails: string[]; command: string }
  | { kind: 'not-up'; socket: string; answer: Exclude<ClientAnswer, { kind: 'ok' }> }
  /** Where the socket is could not be worked out (fail2ban.conf malformed). */
  | { kind: 'unknown'; summary: string; evidence: Evidence[] };

/** `fail2ban-client status`: the jails the running server has. */
export async function liveJails(host: Host, settings: ServerSettingsLoad, signal?: AbortSignal): Promise<Live> {
  if (settings.kind === 'error') return { kind: 'unknown', summary: settings.summary, evidence: settings.evidence };
  const socket = settings.settings.socket.value;
  const a = await callClient(host, socket, ['status'], signal);
  if (a.kind !== 'ok') return { kind: 'not-up', socket, answer: a };
  const status = parseServerStatus(a.stdout);
  if (!status) return { kind: 'not-up', socket, answer: { kind: 'failed', why: `unexpected output: ${JSON.stringify(a.stdout.slice(0, 80))}`, command: a.command } };
  return { kind: 'up', socket, jails: status.jails, command: a.command };
}

export async function ping(host: Host, socket: string, signal?: AbortSignal): Promise<ClientAnswer> {
  const a = await callClient(host, socket, ['ping'], signal);
  if (a.kind === 'ok' && !isPong(a.stdout)) return { kind: 'failed', why: `unexpected answer ${JSON.stringify(lastLine(a.stdout))}`, command: a.command };
  return a;
}

/**
 * `status <jail>`; `short`: counters only, without the banned list (1.0.2
 * has the flavour): with 100,000 bans the full answer is 1.4 MB the caller
 * would parse for nothing.
 */
export async function jailStatus(
  host: Host,
  socket: string,
  jail: string,
  signal?: AbortSignal,
  flavour: 'basic' | 'short' = 'basic',
): Promise<{ kind: 'ok'; status: JailStatus; command: string } | Exclude<ClientAnswer, { kind: 'ok' }>> {
  // Never the "cymru" flavour: it makes the server query DNS.
  const a = await callClient(host, socket, flavour === 'short' ? ['status', jail, 'short'] : ['status', jail], signal);
  if (a.kind !== 'ok') return a;
  const status = parseJailStatus(a.stdout);
  if (!status) return { kind: 'failed', why: `unexpected output: ${JSON.stringify(a.stdout.slice(0, 80))}`, command: a.command };
  return { kind: 'ok', status, command: a.command };
}
