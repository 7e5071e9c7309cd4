// Log ingestion: a generated fail2ban log (HARDTOP_BENCH_LOG_MB, default
// 200 MB) in a private temp dir, streamed through src/parse/fail2ban-log.ts
// by a child process (bench/ingest-worker.ts) so its memory is measured alone.
// Also through the tail reader (Host.readFrom, src/host/tail.ts) and through
// the live view's own consumer (checks/fail2ban/live-events.ts) when they
// exist. The delay from an appended line to the screen is in fail2ban-live.ts.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Cleanup } from '../lib/cleanup';
import type { BenchConfig } from '../lib/config';
import type { Figure } from '../lib/figures';
import { generateFail2banLog } from '../lib/gen-log';
import { median, runCommand } from '../lib/measure';
import { repo } from './dashboard';

interface WorkerResult {
  bytes: number;
  seconds: number;
  lines: number;
  events: number;
  addresses: number;
  baselineRssKiB: number;
  peakRssKiB: number;
  heapPeakBytes: number;
}

const MB = 1_000_000;
const MiB = 1024 * 1024;

type WorkerMode = 'parser' | 'tail' | 'live';

const NOTES: Record<WorkerMode, string> = {
  parser: 'src/parse/fail2ban-log.ts parseLogLine on every line of a 256 KiB-chunk fs read stream; per jail and address: failures and bans',
  tail: 'the same consumer, bytes from Host.readFrom (src/host/tail.ts) in the live view\'s chunk size',
  live: "the dashboard's own consumer: Host.readFrom → LiveEvents.feedText (checks/fail2ban/live-events.ts) with assets/policy/fail2ban.json's limits",
};

async function worker(file: string, mode: WorkerMode): Promise<WorkerResult> {
  const r = await runCommand(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(repo, 'bench/ingest-worker.ts'), file, mode], { cwd: repo, timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`);
  return JSON.parse(r.stdout) as WorkerResult;
}

function figuresFor(label: string, results: WorkerResult[], what: string): Figure[] {
  const rates = results.map((r) => r.bytes / MB / r.seconds);
  const extras = results.map((r) => ((r.peakRssKiB - r.baselineRssKiB) * 1024) / MiB);
  const r0 = results[0];
  return [
    {
      section: 'ingest',
      name: `fail2ban log → events (${label})`,
      scope: `${Math.round(r0.bytes / MB)} MB generated log`,
      value: median(rates),
      unit: 'MB/s',
      target: { op: '>=', value: 100 },
      samples: rates,
      note: `${what}; ${r0.lines.toLocaleString('en')} lines, ${r0.events.toLocaleString('en')} events; median of ${results.length}`,
    },
    {
      section: 'ingest',
      name: `peak extra memory (${label})`,
      scope: `${Math.round(r0.bytes / MB)} MB generated log`,
      value: median(extras),
      unit: 'MiB',
      target: { op: '<=', value: 64 },
      samples: extras,
      note: `peak RSS (VmHWM reset after start-up, and sampled per MiB) minus RSS before reading; baseline ${(r0.baselineRssKiB / 1024).toFixed(0)} MiB (node + tsx); heap peak ${(r0.heapPeakBytes / MiB).toFixed(0)} MiB`,
    },
  ];
}

export async function benchIngest(cfg: BenchConfig, cleanup: Cleanup): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-bench-log-'));
  cleanup.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'fail2ban.log');
  generateFail2banLog(file, cfg.logMegabytes * MB);
  const runs = Math.min(cfg.runs, 3);

  const figures: Figure[] = [];
  const logScope = `${cfg.logMegabytes} MB generated log`;
  const modes: Array<{ mode: WorkerMode; label: string; needs: string[] }> = [
    { mode: 'parser', label: 'parser, fs stream', needs: [] },
    { mode: 'tail', label: 'parser via Host.readFrom', needs: ['src/host/tail.ts'] },
    { mode: 'live', label: 'live view: readFrom → LiveEvents', needs: ['src/host/tail.ts', 'checks/fail2ban/live-events.ts'] },
  ];
  for (const { mode, label, needs } of modes) {
    const missing = needs.filter((f) => !fs.existsSync(path.join(repo, f)));
    if (missing.length) {
      figures.push({ section: 'ingest', name: `fail2ban log → events (${label})`, scope: logScope, value: null, unit: 'MB/s', absent: 'n/a (not built yet)', target: { op: '>=', value: 100 }, note: `no ${missing.join(', ')}` });
      continue;
    }
    try {
      const results: WorkerResult[] = [];
      for (let i = 0; i < runs; i++) results.push(await worker(file, mode));
      figures.push(...figuresFor(label, results, NOTES[mode]));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      figures.push({ section: 'ingest', name: `fail2ban log → events (${label})`, scope: logScope, value: null, unit: 'MB/s', absent: 'n/a (failed)', target: { op: '>=', value: 100 }, note: why });
    }
  }

  return figures;
}
