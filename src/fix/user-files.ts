// Writing into a home directory AS ITS OWNER (SECURITY.md: no confused deputy
// in home directories). A user controls every name below their home: a write
// by root could be steered through a planted symlink onto /etc/shadow, or
// leave root-owned files sshd's StrictModes then refuses. So root never
// writes there; each step runs as the user through `runuser -u NAME --`,
// argv only, with programs from the system directories:
//
//   dd of=TMP conv=excl,fsync    the new bytes (from stdin) into a fresh
//                                temp file next to the target; excl: never
//                                into something already there
//   chmod MODE TMP               the mode the file had (or the new-file mode)
//   mv -f -T TMP TARGET          rename over the target: atomic, and it
//                                replaces a symlink rather than following it
//   sync DIR                     the rename is durable
//
// Whatever the user planted, these run with the user's own rights: the worst
// they can do is to their own files. Before the first step the user's uid is
// checked again (`id -u NAME`), so a name that now means another account
// (deleted and re-created, or another uid on the real system than in the
// --root tree) is refused instead of written as.

import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { FileOwner } from '../core/types';
import type { Host, ReadResult } from '../host/host';
import { sanitizeText } from '../core/sanitize';

const STEP_TIMEOUT_MS = 30_000;
/** authorized_keys files are small; the Host's read cap for them. */
export const USER_FILE_MAX_BYTES = 4 * 1024 * 1024;

async function asUser(host: Host, owner: FileOwner, argv: string[], input?: string): Promise<void> {
  const r = await host.exec('runuser', ['-u', owner.name, '--', ...argv], { timeoutMs: STEP_TIMEOUT_MS, ...(input !== undefined ? { input } : {}) });
  if (r.spawnError) throw new Error(`runuser could not run: ${sanitizeText(r.spawnError)}`);
  if (r.timedOut) throw new Error(`\`${argv[0]}\` as ${owner.name} timed out`);
  if (r.exitCode !== 0) {
    const line = r.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit ${r.exitCode ?? r.signal}`;
    throw new Error(`\`${argv[0]}\` as ${owner.name} failed: ${sanitizeText(line.trim()).slice(0, 300)}`);
  }
}

/** The name must still be the uid the plan saw, on the machine that runs runuser. */
export async function checkOwner(host: Host, owner: FileOwner): Promise<void> {
  const r = await host.exec('id', ['-u', '--', owner.name], { timeoutMs: 10_000 });
  const uid = r.exitCode === 0 ? Number(r.stdout.trim()) : NaN;
  if (uid !== owner.uid) {
    throw new Error(`account ${owner.name} is ${Number.isNaN(uid) ? 'unknown here' : `uid ${uid}`}, not uid ${owner.uid}: not writing as it`);
  }
}

/** Replace (or create) `path` with `data`, as the user. */
export async function writeAsUser(host: Host, owner: FileOwner, path: string, data: string, mode: number): Promise<void> {
  await checkOwner(host, owner);
  const target = host.realPath(path);
  const dir = posix.dirname(target);
  const tmp = posix.join(dir, `.${posix.basename(target)}.hardtop-${randomBytes(6).toString('hex')}`);
  try {
    await asUser(host, owner, ['dd', `of=${tmp}`, 'conv=excl,fsync', 'status=none'], data);
    await asUser(host, owner, ['chmod', (mode & 0o7777).toString(8).padStart(4, '0'), '--', tmp]);
    await asUser(host, owner, ['mv', '-f', '-T', '--', tmp, target]);
  } catch (err) {
    await host.exec('runuser', ['-u', owner.name, '--', 'rm', '-f', '--', tmp], { timeoutMs: STEP_TIMEOUT_MS }).catch(() => undefined);
    throw err;
  }
  await asUser(host, owner, ['sync', '--', dir]);
}

/** Remove `path` (nothing there is fine), as the user. */
export async function removeAsUser(host: Host, owner: FileOwner, path: string): Promise<void> {
  await checkOwner(host, owner);
  await asUser(host, owner, ['rm', '-f', '--', host.realPath(path)]);
}

/**
 * Read a file in a home the untrusted way. Its text as bytes, or null when it
 * does not exist. Throws on a refusal (a link, a FIFO, a hard link …) and on
 * text that is not valid UTF-8 (it could not be written back byte for byte).
 */
export async function readUserFile(host: Host, owner: FileOwner, path: string): Promise<{ bytes: Buffer; stat: Extract<ReadResult, { ok: true }>['stat'] } | null> {
  const r = await host.read(path, { untrustedBelow: owner.home, maxBytes: USER_FILE_MAX_BYTES });
  if (!r.ok) {
    if (r.reason === 'missing') return null;
    throw new Error(r.message);
  }
  // The Host decodes as UTF-8; invalid bytes become U+FFFD and would not round-trip.
  if (r.text.includes('\uFFFD')) throw new Error(`${path} is not valid UTF-8; hardtop does not rewrite it`);
  return { bytes: Buffer.from(r.text, 'utf8'), stat: r.stat };
}
