// The bench measures its OWN build of hardtop, compiled once at the start
// into bench/.build-XXXXXX (inside the repo, so node_modules resolves), and
// removed at the end. Other engineers rebuild the shared dist/ while they
// work: a bench that ran bin/hardtop → dist/ saw binaries change (or vanish
// half-written) in the middle of a run.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Cleanup } from './cleanup';

const repo = path.resolve(__dirname, '../..');
let current: string | null = null;

/** The entry script of the bench's build (bin/hardtop's twin). */
export function hardtopBin(): string {
  if (!current) throw new Error('bench: privateBuild() has not run');
  return current;
}

/** Compile src/, checks/, screens/ (tsconfig.build.json) into a private dir; returns the entry script. */
export function privateBuild(cleanup: Cleanup): string {
  const dir = fs.mkdtempSync(path.join(repo, 'bench/.build-'));
  cleanup.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tsc = path.join(repo, 'node_modules/.bin/tsc');
  const r = spawnSync(tsc, ['-p', path.join(repo, 'tsconfig.build.json'), '--outDir', path.join(dir, 'dist')], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench: the build failed (the tree is mid-edit?):\n${(r.stdout + r.stderr).trim().split('\n').slice(0, 10).join('\n')}`);
  fs.mkdirSync(path.join(dir, 'bin'));
  const bin = path.join(dir, 'bin/hardtop');
  fs.writeFileSync(bin, "#!/usr/bin/env node\n'use strict';\nrequire('../dist/src/cli/main.js').run();\n", { mode: 0o755 });
  current = bin;
  return bin;
}
