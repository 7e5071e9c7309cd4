// Is a package installed? Read from dpkg's own database through the Host.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { packagePresence, parseDpkgStatus, type PackagePresence, type ParsedDpkgStatus } from '../../src/parse/dpkg-status';
import { readFailure, thrownMessage } from './finding';

export const DPKG_STATUS = '/var/lib/dpkg/status';

/** A big desktop's status file is ~10 MB; servers are far below. */
const STATUS_MAX_BYTES = 64 * 1024 * 1024;

export type PackageLookup =
  /** No dpkg database: not a Debian-family system (or not this root). */
  | { kind: 'no-dpkg' }
  | { kind: 'error'; summary: string; evidence: Evidence[] }
  | { kind: 'known'; presence: PackagePresence; evidence: Evidence[] };

// The status file is a few MB and every updates/reboot check asks about it:
// parse it once per change (mtime + size), per host.
const cache = new WeakMap<Host, { stamp: string; parsed: ParsedDpkgStatus }>();

export type StatusReading = { kind: 'no-dpkg' } | { kind: 'error'; summary: string } | { kind: 'ok'; parsed: ParsedDpkgStatus; stamp: string };

/** The parsed status database (cached while the file is unchanged); `stamp` changes whenever the file does. */
export async function readDpkgStatus(host: Host): Promise<StatusReading> {
  let result;
  try {
    result = await host.read(DPKG_STATUS, { maxBytes: STATUS_MAX_BYTES });
  } catch (err) {
    return { kind: 'error', summary: `cannot read ${DPKG_STATUS}: ${thrownMessage(err)}` };
  }
  if (!result.ok) {
    if (result.reason === 'missing') return { kind: 'no-dpkg' };
    return { kind: 'error', summary: readFailure(DPKG_STATUS, result) };
  }
  const stamp = `${result.stat.mtimeMs}:${result.stat.size}:${result.text.length}`;
  const cached = cache.get(host);
  if (cached && cached.stamp === stamp) return { kind: 'ok', parsed: cached.parsed, stamp };
  const parsed = parseDpkgStatus(result.text);
  cache.set(host, { stamp, parsed });
  return { kind: 'ok', parsed, stamp };
}

/** Whether `name` is installed, with the stanza as evidence. A corrupt database is an error, as it is for dpkg. */
export async function lookupPackage(host: Host, name: string): Promise<PackageLookup> {
  const status = await readDpkgStatus(host);
  if (status.kind !== 'ok') return status.kind === 'no-dpkg' ? status : { ...status, evidence: [{ file: DPKG_STATUS }] };
  const firstError = status.parsed.errors[0];
  if (firstError) {
    return {
      kind: 'error',
      summary: `malformed ${DPKG_STATUS}:${firstError.line}: ${firstError.message}`,
      evidence: [{ file: DPKG_STATUS, line: firstError.line }],
    };
  }
  const presence = packagePresence(status.parsed, name);
  const evidence: Evidence[] =
    presence.kind === 'absent'
      ? [{ file: DPKG_STATUS, text: `no stanza for ${name}` }]
      : [{ file: DPKG_STATUS, line: presence.pkg.line, text: `Package: ${name} Status: ${presence.pkg.statusText ?? ''}` }];
  return { kind: 'known', presence, evidence };
}
