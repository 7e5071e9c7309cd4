// Starting a process that must OUTLIVE hardtop: commit-confirmed's reverter
// (DESIGN.md, fix engine contract §5) has to survive hardtop, its terminal
// and the SSH session dying. So the child gets its own session (setsid: no
// controlling terminal, so no SIGHUP when the session's terminal goes away,
// and not in the process group a Ctrl-C or a hangup reaches), stdio on
// /dev/null (nothing to write to once the pty is gone), the same clean
// environment as every other child, and it is neither waited for nor
// registered in run-program's "kill my children at exit" list.
//
// It runs as root, unattended, later: what it runs must be as trustworthy as
// any program we exec. A bare name goes through the trusted lookup; "node"
// means the Node that runs hardtop right now (process.execPath), accepted only
// when the file and every directory above it are root-owned and not writable
// by group or others.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SpawnDetachedResult } from './host';
import { displayPath } from './host-paths';
import { cleanEnvironment } from './run-program';
import { findTrustedProgram } from './trusted-program';

/** null when `file` and all its ancestors are root-owned and not group/other-writable. */
export async function rootOwnedChainProblem(file: string): Promise<string | null> {
  let real: string;
  try {
    real = await fs.promises.realpath(file);
  } catch (err) {
    return `${displayPath(file)}: ${(err as Error).message}`;
  }
  for (let p = real; ; p = path.dirname(p)) {
    const st = await fs.promises.stat(p);
    if (st.uid !== 0) return `${displayPath(p)} is owned by uid ${st.uid}, not root`;
    if ((st.mode & 0o022) !== 0) return `${displayPath(p)} is writable by group or others`;
    if (p === '/') return null;
  }
}

async function resolve(program: string): Promise<{ ok: true; file: string } | { ok: false; reason: string }> {
  if (program === 'node') {
    const problem = await rootOwnedChainProblem(process.execPath);
    if (problem) return { ok: false, reason: `this Node (${displayPath(process.execPath)}) cannot be trusted to run as root later: ${problem}` };
    return { ok: true, file: process.execPath };
  }
  const found = await findTrustedProgram(program);
  return found.ok ? { ok: true, file: found.path } : { ok: false, reason: found.reason };
}

export async function spawnDetached(program: string, args: string[]): Promise<SpawnDetachedResult> {
  const r = await resolve(program);
  if (!r.ok) return r;
  return new Promise((done) => {
    let child;
    try {
      child = spawn(r.file, args, { detached: true, stdio: 'ignore', env: cleanEnvironment(), cwd: '/' });
    } catch (err) {
      done({ ok: false, reason: `${displayPath(r.file)}: ${(err as Error).message}` });
      return;
    }
    child.once('error', (err) => done({ ok: false, reason: `${displayPath(r.file)}: ${err.message}` }));
    child.once('spawn', () => {
      child.unref();
      done({ ok: true, pid: child.pid!, program: r.file });
    });
  });
}
