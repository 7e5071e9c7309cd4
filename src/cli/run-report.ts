// `hardtop check`: run the selected checks once and build the report.

import type { Host } from '../host/host';
import type { Catalog } from '../core/catalog';
import { selectChecks } from '../core/catalog';
import { buildReport } from '../core/report';
import { Scheduler } from '../core/scheduler';
import type { Area, Finding, Report } from '../core/types';
import { VERSION } from '../core/version';

export async function runReport(host: Host, catalog: Catalog, only: readonly Area[] | null): Promise<Report> {
  const started = new Date();
  const t0 = Date.now();
  const checks = selectChecks(catalog, only);
  const scheduler = new Scheduler(checks, host, { network: host.network, live: false });
  scheduler.start();
  await scheduler.idle();
  scheduler.dispose();
  // Stable order: the catalogue's, whatever finished first.
  const findings: Finding[] = checks.map((c) => scheduler.results.get(c.id)!).filter(Boolean);
  const facts = await host.facts();
  return buildReport({
    version: VERSION,
    host: { hostname: facts.hostname, os: facts.os, kernel: facts.kernel, root: host.root },
    startedAt: started.toISOString(),
    durationMs: Date.now() - t0,
    findings,
  });
}
