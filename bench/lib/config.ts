// What a bench run measures and for how long, from the environment. The
// defaults follow issue 10; HARDTOP_BENCH_QUICK=1 shortens the long waits
// for a quick look (the figures are then marked as such in results.json).

export interface BenchConfig {
  /** Runs per median (dashboard starts, `check` runs, hardtop's side of the anchor pairs). */
  runs: number;
  /** Seconds of idle CPU sampling after every panel is populated. */
  idleSeconds: number;
  /** RSS is read this many seconds after the dashboard started. */
  rssAfterSeconds: number;
  /** Size of the generated fail2ban log. */
  logMegabytes: number;
  /** Reports in the generated fleet. */
  fleetReports: number;
  /** Addresses banned for the ban list. */
  bans: number;
  /** Runs of each anchor tool (lynis and testssl take a minute each). */
  anchorRuns: number;
  /** Sections to run (all by default). */
  sections: ReadonlySet<Section>;
  quick: boolean;
}

export const SECTIONS = ['dashboard', 'check', 'idle', 'ingest', 'fail2ban', 'fleet', 'anchors'] as const;
export type Section = (typeof SECTIONS)[number];

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number ≥ ${min}, not '${raw}'`);
  return n;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const quick = env.HARDTOP_BENCH_QUICK === '1';
  const only = (env.HARDTOP_BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of only) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`HARDTOP_BENCH_ONLY: unknown section '${s}' (sections: ${SECTIONS.join(', ')})`);
  return {
    runs: int(env, 'HARDTOP_BENCH_RUNS', quick ? 3 : 5, 1),
    idleSeconds: int(env, 'HARDTOP_BENCH_IDLE_SECONDS', quick ? 5 : 30, 1),
    rssAfterSeconds: int(env, 'HARDTOP_BENCH_RSS_AFTER_SECONDS', quick ? 10 : 60, 1),
    logMegabytes: int(env, 'HARDTOP_BENCH_LOG_MB', quick ? 50 : 200, 1),
    fleetReports: int(env, 'HARDTOP_BENCH_FLEET_REPORTS', 1000, 1),
    bans: int(env, 'HARDTOP_BENCH_BANS', 100_000, 1),
    anchorRuns: int(env, 'HARDTOP_BENCH_ANCHOR_RUNS', 1, 1),
    sections: new Set((only.length ? only : SECTIONS) as Section[]),
    quick,
  };
}
