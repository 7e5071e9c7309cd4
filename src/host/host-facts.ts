// Who is this machine: hostname, OS, kernel, uptime. Under --root the files of
// the sysroot speak; the running kernel and uptime belong to the machine we
// run on, not to the tree we are reading, so they are not reported there.

import * as os from 'node:os';

export interface Facts {
  hostname: string;
  os: string;
  kernel: string;
  uptimeSeconds: number | null;
}

/** Reads a small host-path text file, or null (any failure). */
export type SmallFileReader = (hostPath: string) => Promise<string | null>;

export async function gatherFacts(rooted: boolean, readSmall: SmallFileReader): Promise<Facts> {
  const osText = (await readSmall('/etc/os-release')) ?? (await readSmall('/usr/lib/os-release'));
  return {
    hostname: rooted ? hostnameFromFile(await readSmall('/etc/hostname')) : os.hostname(),
    os: (osText !== null ? prettyNameFromOsRelease(osText) : null) ?? 'unknown',
    kernel: rooted ? 'unknown' : os.release(),
    uptimeSeconds: rooted ? null : Math.floor(os.uptime()),
  };
}

export function hostnameFromFile(text: string | null): string {
  if (text === null) return 'unknown';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line !== '' && !line.startsWith('#')) return line;
  }
  return 'unknown';
}

/** PRETTY_NAME (else NAME VERSION) from os-release(5), a shell-like KEY=value file. */
export function prettyNameFromOsRelease(text: string): string | null {
  const vars = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(raw);
    if (m) vars.set(m[1], unquote(m[2].trim()));
  }
  const pretty = vars.get('PRETTY_NAME');
  if (pretty) return pretty;
  const name = vars.get('NAME');
  if (!name) return null;
  const version = vars.get('VERSION');
  return version ? `${name} ${version}` : name;
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  return v;
}
