// `npm run bench` (issue 10): how fast hardtop is, measured, next to the
// issue's targets and to the tools admins use today. Not part of `npm test`:
// these are figures, not assertions (a loaded machine would make them flake).
//
// Prints ONE table and writes bench/results.json (every sample, the machine,
// the settings) and bench/results.md (the same table for docs/bench.md).
//
// Environment (defaults follow the issue):
//   HARDTOP_BENCH_RUNS=5               runs per median
//   HARDTOP_BENCH_IDLE_SECONDS=30      idle CPU window
//   HARDTOP_BENCH_RSS_AFTER_SECONDS=60 RSS is read this long after start
//   HARDTOP_BENCH_LOG_MB=200           generated fail2ban log
//   HARDTOP_BENCH_FLEET_REPORTS=1000   generated fleet
//   HARDTOP_BENCH_BANS=100000          addresses in the ban list
//   HARDTOP_BENCH_ANCHOR_RUNS=1        runs of each anchor tool
//   HARDTOP_BENCH_ONLY=dashboard,check,idle,ingest,fail2ban,fleet,anchors
//   HARDTOP_BENCH_QUICK=1              3 runs, 5 s idle, RSS at 10 s, 50 MB log
//
// See docs/bench.md for what each figure means and the last measured table.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { privateBuild } from './lib/build';
import { Cleanup } from './lib/cleanup';
import { readConfig, type Section } from './lib/config';
import { markdownTable, textTable, verdict, type Figure } from './lib/figures';
import { describeMachine } from './lib/machine';

// Sections are loaded when they run: one that cannot load (a file another
// engineer is halfway through editing) costs its own figures, not the run.
/* eslint-disable @typescript-eslint/no-require-imports */
const sections = {
  dashboard: () => require('./sections/dashboard') as typeof import('./sections/dashboard'),
  check: () => require('./sections/check') as typeof import('./sections/check'),
  ingest: () => require('./sections/ingest') as typeof import('./sections/ingest'),
  views: () => require('./sections/views') as typeof import('./sections/views'),
  fail2ban: () => require('./sections/fail2ban-live') as typeof import('./sections/fail2ban-live'),
  anchors: () => require('./sections/anchors') as typeof import('./sections/anchors'),
};
/* eslint-enable @typescript-eslint/no-require-imports */
const repo = path.resolve(__dirname, '..');

async function main(): Promise<number> {
  const cfg = readConfig();
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nbench: ${sig}: stopping what the bench started…\n`);
    void cleanup.run().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const machine = describeMachine();
  const started = new Date();
  const figures: Figure[] = [];
  const errors: Array<{ section: Section; error: string }> = [];
  const steps: Array<[Section, () => Promise<Figure[]>]> = [
    ['dashboard', () => sections.dashboard().benchDashboardStart(cfg)],
    ['check', () => sections.check().benchCheck(cfg)],
    ['idle', () => sections.dashboard().benchDashboardIdle(cfg)],
    ['ingest', () => sections.ingest().benchIngest(cfg, cleanup)],
    ['fail2ban', () => sections.fail2ban().benchFail2banLive(cfg, cleanup)],
    ['fleet', () => sections.views().benchFleet(cfg, cleanup)],
    ['anchors', () => sections.anchors().benchAnchors(cfg, cleanup)],
  ];
  try {
    process.stderr.write('bench: building a private copy of hardtop…\n');
    privateBuild(cleanup);
    for (const [section, step] of steps) {
      if (!cfg.sections.has(section)) continue;
      process.stderr.write(`bench: ${section}…\n`);
      const t0 = Date.now();
      try {
        const got = await step();
        figures.push(...got);
      } catch (err) {
        // One broken section must not cost the others' figures.
        const error = err instanceof Error ? err.message : String(err);
        errors.push({ section, error });
        process.stderr.write(`bench: ${section} failed: ${error}\n`);
      }
      process.stderr.write(`bench: ${section} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    await cleanup.run();
  }

  const header = `hardtop bench · ${started.toISOString()} · ${machine.hostname} · ${machine.os} · ${machine.cores}× ${machine.cpu} · ${machine.memoryMiB} MiB · load ${machine.loadAverage.join(' ')} at start · node ${machine.node}${cfg.quick ? ' · QUICK run' : ''}`;
  console.log(`\n${header}\n`);
  console.log(textTable(figures));
  for (const e of errors) console.log(`\nsection ${e.section} FAILED: ${e.error}`);

  const results = {
    date: started.toISOString(),
    machine,
    settings: { ...cfg, sections: [...cfg.sections] },
    figures: figures.map((f) => ({ ...f, verdict: verdict(f) })),
    errors,
  };
  fs.writeFileSync(path.join(repo, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(repo, 'bench/results.md'), `${header}\n\n${markdownTable(figures)}\n`);
  console.log('\nwritten: bench/results.json, bench/results.md');
  return errors.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(3);
  },
);
