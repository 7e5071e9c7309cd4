// /etc/default/rkhunter (Debian's switches for the cron jobs and the apt hook),
// read through the Host.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { parseDefaultFile, type ParsedDefaultFile, type ShellVar } from '../../src/parse/rkhunter-default';
import { readFailure, thrownMessage } from '../updates/finding';

export const DEFAULT_FILE = '/etc/default/rkhunter';

export type DefaultFileLoad =
  | { kind: 'ok'; parsed: ParsedDefaultFile }
  | { kind: 'missing' }
  | { kind: 'error'; summary: string; evidence: Evidence[] };

export async function loadDefaultFile(host: Host): Promise<DefaultFileLoad> {
  let r;
  try {
    r = await host.read(DEFAULT_FILE, { maxBytes: 1024 * 1024 });
  } catch (err) {
    return { kind: 'error', summary: `cannot read ${DEFAULT_FILE}: ${thrownMessage(err)}`, evidence: [{ file: DEFAULT_FILE }] };
  }
  if (!r.ok) {
    if (r.reason === 'missing') return { kind: 'missing' };
    return { kind: 'error', summary: readFailure(DEFAULT_FILE, r), evidence: [{ file: DEFAULT_FILE }] };
  }
  return { kind: 'ok', parsed: parseDefaultFile(r.text) };
}

/** `NAME="value" (/etc/default/rkhunter:9)` or `NAME unset`, for summaries. */
export function describeVar(name: string, v: ShellVar): string {
  switch (v.state) {
    case 'set':
      return `${name}="${v.assignment.value}" (${DEFAULT_FILE}:${v.assignment.line})`;
    case 'unset':
      return `${name} is not set in ${DEFAULT_FILE}`;
    case 'unknown':
      return `${name} cannot be evaluated (${DEFAULT_FILE}:${v.problem.line}: ${v.problem.message})`;
  }
}

export function varEvidence(v: ShellVar): Evidence {
  switch (v.state) {
    case 'set':
      return { file: DEFAULT_FILE, line: v.assignment.line, text: v.assignment.text };
    case 'unset':
      return { file: DEFAULT_FILE };
    case 'unknown':
      return { file: DEFAULT_FILE, line: v.problem.line, text: v.problem.message };
  }
}
