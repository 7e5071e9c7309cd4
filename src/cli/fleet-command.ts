// `hardtop fleet DIR`: read the reports collected from many hosts (plain JSON
// reports and the per-host files of `ansible … --tree DIR`) through the Host,
// build the fleet model, and show it.
//
// DIR is a place other machines' output lands in: every file is untrusted. A
// file is read only if it is a regular file with one link, at most
// FLEET_MAX_FILE_BYTES, never through a symlink, and opened non-blocking (a
// FIFO planted there cannot hang us); whatever is wrong with one file becomes
// one line in the view, never a crash.

import * as path from 'node:path';
import { FLEET_MAX_FILE_BYTES, FLEET_MAX_FILES, FLEET_MAX_TOTAL_BYTES, buildFleet, type FleetInput, type FleetModel } from '../core/fleet';
import { sanitizeText } from '../core/sanitize';
import type { Host } from '../host/host';
import { createLocalHost } from '../host/local-host';
import type { Io } from './main';

/** Files read at once: enough to hide latency, few enough to stay far from the fd limit. */
const CONCURRENCY = 32;

export type FleetDirResult = { inputs: FleetInput[]; notRead: number } | { error: string };

/** What is left of FLEET_MAX_TOTAL_BYTES, shared by the readers of one directory. */
interface Budget {
  bytes: number;
  limit: number;
}

async function readOne(host: Host, dir: string, name: string, budget: Budget): Promise<FleetInput | null> {
  const file = path.posix.join(dir, name);
  const st = await host.lstat(file).catch(() => null);
  if (st === null) return { file: name, error: 'vanished or cannot be examined' };
  if (st.kind === 'dir') return null; // ansible writes one flat file per host; a subdirectory is not ours to read
  if (st.kind === 'symlink') return { file: name, error: 'a symbolic link: not followed' };
  if (st.kind !== 'file') return { file: name, error: `not a regular file (${st.kind})` };
  if (st.size > FLEET_MAX_FILE_BYTES) return { file: name, error: `larger than ${FLEET_MAX_FILE_BYTES / (1024 * 1024)} MiB: not a report` };
  if (st.size > budget.bytes) return { file: name, error: `not read: the directory holds more than ${Math.round(budget.limit / (1024 * 1024))} MiB of files` };
  budget.bytes -= st.size;
  // untrustedBelow the file itself: no symlink swapped in after the lstat, no hard-linked alias.
  const r = await host.read(file, { maxBytes: FLEET_MAX_FILE_BYTES, untrustedBelow: file });
  if (r.ok) return { file: name, text: r.text };
  return { file: name, error: r.reason === 'too-large' ? `larger than ${FLEET_MAX_FILE_BYTES / (1024 * 1024)} MiB: not a report` : r.message };
}

/** Every file of DIR (not hidden, not a subdirectory) as text or as the reason it could not be read. */
export async function readFleetDir(host: Host, dir: string, maxTotalBytes = FLEET_MAX_TOTAL_BYTES): Promise<FleetDirResult> {
  let names: string[] | null;
  try {
    names = await host.list(dir);
  } catch (err) {
    return { error: `${dir}: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (names === null) return { error: `${dir}: no such directory` };
  // Dot files are editors' and rsync's temporaries, and our own .hardtop-*.tmp.
  const visible = names.filter((n) => !n.startsWith('.'));
  const chosen = visible.slice(0, FLEET_MAX_FILES);
  const results: (FleetInput | null)[] = new Array(chosen.length).fill(null);
  let next = 0;
  const budget: Budget = { bytes: maxTotalBytes, limit: maxTotalBytes };
  const worker = async () => {
    while (next < chosen.length) {
      const i = next++;
      results[i] = await readOne(host, dir, chosen[i], budget).catch((err: unknown) => ({ file: chosen[i], error: err instanceof Error ? err.message : String(err) }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, chosen.length) }, worker));
  return { inputs: results.filter((r): r is FleetInput => r !== null), notRead: visible.length - chosen.length };
}

/** Read DIR and build the model; a usage-style error when DIR cannot be listed. */
export async function loadFleetDir(host: Host, dir: string): Promise<FleetModel | { error: string }> {
  const read = await readFleetDir(host, dir);
  if ('error' in read) return read;
  return buildFleet(read.inputs, read.notRead);
}

export interface FleetCommand {
  dir: string;
}

/** The one-line usage error of main.ts (not imported from there: tests load this module without the catalogue). */
function usage(io: Pick<Io, 'stderr'>, message: string): number {
  io.stderr.write(`hardtop: ${sanitizeText(message)}\n`);
  return 2;
}

export async function runFleetCommand(parsed: FleetCommand, io: Io): Promise<number> {
  // Reports live anywhere on this machine: the Host at "/", whatever --root a check would use.
  const host = createLocalHost({ root: '/' });
  const dir = path.resolve(parsed.dir);
  const st = await host.stat(dir).catch(() => null);
  if (!st || st.kind !== 'dir') return usage(io, `${parsed.dir}: no such directory`);

  // Loaded lazily: blessed costs ~50 ms.
  const { createScreen, installExitHandlers, noColorRequested, restoreTerminal } = require('../ui/screen') as typeof import('../ui/screen');
  const { FleetScreen } = require('../../screens/fleet') as typeof import('../../screens/fleet');
  const screen = createScreen({ title: 'hardtop fleet' });
  let quit: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    quit = resolve;
  });
  const view = new FleetScreen({
    screen,
    model: null,
    dir: sanitizeText(parsed.dir),
    color: !noColorRequested(process.env),
    onQuit: () => quit(0),
  });
  const handlers = installExitHandlers(screen, () => view.dispose());
  // The first frame at once; a thousand reports take a moment to read and check.
  view.start();
  let failure: string | null = null;
  void loadFleetDir(host, dir).then(
    (model) => {
      if ('error' in model) {
        failure = model.error;
        quit(2);
      } else view.setModel(model);
    },
    (err: unknown) => {
      failure = err instanceof Error ? err.message : String(err);
      quit(2);
    },
  );
  const code = await done;
  view.dispose();
  handlers.dispose();
  restoreTerminal(screen);
  if (failure !== null) return usage(io, failure);
  return code;
}
