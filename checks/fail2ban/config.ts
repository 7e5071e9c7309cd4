// Read a fail2ban config stack (jail or fail2ban) through the Host, in
// fail2ban's own order with its [INCLUDES], and merge it (the pure rules
// live in src/parse/fail2ban-config.ts).
//
// What fail2ban does with odd files, mirrored so our verdict matches its:
// - an include that does not exist (or is a directory) is skipped silently;
// - a file that exists but cannot be read, or that Python's configparser
//   rejects, stops fail2ban ("Failed during configuration"): an error here,
//   with file:line.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { parseFail2banIni, type ParsedIni } from '../../src/parse/fail2ban-ini';
import { includesOf, localSibling, mergeIniFiles, stackOrder, type MergedConfig } from '../../src/parse/fail2ban-config';
import { readFailure, thrownMessage } from '../updates/finding';
import { fail2banPolicy } from './policy';

export const CONF_DIR = fail2banPolicy.install.confDir;

/** A pathological include tree must not make a check read forever. */
const MAX_FILES = 256;

export type StackLoad =
  /** Not one file of the stack exists. */
  | { kind: 'missing'; looked: string[] }
  | { kind: 'error'; summary: string; evidence: Evidence[] }
  | { kind: 'ok'; config: MergedConfig };

type FileRead = { kind: 'missing' } | { kind: 'error'; summary: string; evidence: Evidence[] } | { kind: 'ok'; parsed: ParsedIni };

class StackError extends Error {
  constructor(
    readonly summary: string,
    readonly evidence: Evidence[],
  ) {
    super(summary);
  }
}

async function readOne(host: Host, path: string): Promise<FileRead> {
  let r;
  try {
    r = await host.read(path);
  } catch (err) {
    return { kind: 'error', summary: `cannot read ${path}: ${thrownMessage(err)}`, evidence: [{ file: path }] };
  }
  if (!r.ok) {
    // Python's configparser skips what it cannot open as a file (a directory) as it skips a missing one.
    if (r.reason === 'missing' || r.reason === 'not-a-file') return { kind: 'missing' };
    return { kind: 'error', summary: readFailure(path, r), evidence: [{ file: path }] };
  }
  const parsed = parseFail2banIni(r.text, path);
  const first = parsed.errors[0];
  if (first) {
    return {
      kind: 'error',
      summary: `malformed ${first.file}:${first.line}: ${first.message} (fail2ban refuses to start)`,
      evidence: [{ file: first.file, line: first.line, text: first.message }],
    };
  }
  return { kind: 'ok', parsed };
}

async function exists(host: Host, path: string): Promise<boolean> {
  return (await host.stat(path).catch(() => null)) !== null;
}

/** Reads each file once per load; includes may name a file twice. */
class StackReader {
  private readonly cache = new Map<string, Promise<FileRead>>();
  count = 0;

  constructor(private readonly host: Host) {}

  read(path: string): Promise<FileRead> {
    let r = this.cache.get(path);
    if (!r) {
      if (++this.count > MAX_FILES) throw new StackError(`more than ${MAX_FILES} fail2ban config files (include loop?) under ${CONF_DIR}`, [{ file: path }]);
      r = readOne(this.host, path);
      this.cache.set(path, r);
    }
    return r;
  }

  /** configparserinc._getIncludes: each file with its X.local sibling, includes expanded. */
  async expand(files: string[], seen: string[]): Promise<string[]> {
    const withLocal: string[] = [];
    for (const f of files) {
      withLocal.push(f);
      const local = localSibling(f);
      if (!files.includes(local) && (await this.isFile(local))) withLocal.push(local);
    }
    const out: string[] = [];
    for (const f of withLocal) out.push(...(await this.expandOne(f, seen)));
    return out;
  }

  private async isFile(path: string): Promise<boolean> {
    const st = await this.host.stat(path).catch(() => null);
    return st !== null && st.kind === 'file';
  }

  private async expandOne(resource: string, seen: string[]): Promise<string[]> {
    const r = await this.read(resource);
    if (r.kind === 'missing') return [];
    if (r.kind === 'error') throw new StackError(r.summary, r.evidence);
    const inc = includesOf(r.parsed);
    const chain = [...seen, resource];
    const before: string[] = [];
    for (const f of inc.before) if (!seen.includes(f)) before.push(...(await this.expand([f], chain)));
    const after: string[] = [];
    for (const f of inc.after) if (!seen.includes(f)) after.push(...(await this.expand([f], chain)));
    return [...before, resource, ...after];
  }

  async parsed(path: string): Promise<ParsedIni> {
    const r = await this.read(path);
    if (r.kind !== 'ok') throw new StackError(r.kind === 'error' ? r.summary : `${path} vanished while reading`, [{ file: path }]);
    return r.parsed;
  }
}

/** The merged `name` stack (jail, fail2ban) under CONF_DIR. */
export async function loadStack(host: Host, name: 'jail' | 'fail2ban'): Promise<StackLoad> {
  const reader = new StackReader(host);
  try {
    const candidates = stackOrder(CONF_DIR, name, await host.glob(`${CONF_DIR}/${name}.d/*.conf`), await host.glob(`${CONF_DIR}/${name}.d/*.local`));
    const present: string[] = [];
    for (const c of candidates) if (await exists(host, c)) present.push(c);
    if (present.length === 0) return { kind: 'missing', looked: [`${CONF_DIR}/${name}.conf`, `${CONF_DIR}/${name}.local`] };
    const order = await reader.expand(present, []);
    const files: ParsedIni[] = [];
    for (const f of order) files.push(await reader.parsed(f));
    return { kind: 'ok', config: mergeIniFiles(files) };
  } catch (err) {
    if (err instanceof StackError) return { kind: 'error', summary: err.summary, evidence: err.evidence };
    return { kind: 'error', summary: `cannot read the fail2ban ${name} configuration: ${thrownMessage(err)}`, evidence: [{ file: `${CONF_DIR}/${name}.conf` }] };
  }
}
