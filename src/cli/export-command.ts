// `hardtop export ansible [--out DIR] [--root DIR] [--only AREA]`: run the
// checks, plan every fix that a failing or warning finding names, and write
// those plans as an Ansible playbook and role (src/export/ansible.ts):
//
//   DIR/site.yml
//   DIR/roles/hardtop/{tasks,handlers,defaults}/main.yml
//
// Fixes are planned in catalogue order, each on a view of the system with
// the earlier plans' edits made (export-overlay.ts), so two fixes that
// rewrite one file compose instead of overwriting each other. A fix is left
// out, with the reason in the playbook's header, when its plan is refused
// (the guard), when it needs parameters (--arg), when planning fails, or when
// a file's text would not survive the trip byte for byte (not UTF-8).
//
// The output is code that will run as root: DIR and its subdirectories must
// be ours and 0700 (created so when missing), files are written without
// following links (Host.writeOutputFile).

import * as path from 'node:path';
import type { Catalog } from '../core/catalog';
import { findFix } from '../core/catalog';
import { sanitizeText } from '../core/sanitize';
import type { Area, FileEdit, Plan, Report, RunContext } from '../core/types';
import { VERSION } from '../core/version';
import { buildAnsibleExport, type AnsibleExport, type LeftOut } from '../export/ansible';
import type { Host } from '../host/host';
import { createLocalHost } from '../host/local-host';
import type { Parsed } from './args';
import { overlayHost } from './export-overlay';
import type { Io } from './main';
import { runReport } from './run-report';

export interface PlannedFixes {
  report: Report;
  plans: Plan[];
  leftOut: LeftOut[];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The fix ids that failing or warning findings name, in catalogue order (unknown ids last). */
export function fixesNeeded(report: Report, catalog: Catalog): string[] {
  const named = new Set(report.checks.filter((f) => f.status === 'fail' || f.status === 'warn').flatMap((f) => f.fixes));
  const known = catalog.fixes.map((f) => f.id).filter((id) => named.has(id));
  return [...known, ...[...named].filter((id) => !known.includes(id))];
}

/** Does the plan's `before` text come back as the very bytes on disk? (A copy writes the text as UTF-8.) */
async function notByteFaithful(view: Host, edits: readonly FileEdit[]): Promise<string | null> {
  for (const e of edits) {
    if (e.before === null) continue;
    const bytes = await view.readBytes(e.path).catch(() => null);
    if (bytes === null || !bytes.equals(Buffer.from(e.before, 'utf8'))) {
      return `${e.path} is not valid UTF-8 text (or changed while planning): writing its text back would change bytes the fix does not mean to touch`;
    }
  }
  return null;
}

export async function planFixes(host: Host, catalog: Catalog, only: readonly Area[] | null): Promise<PlannedFixes> {
  const report = await runReport(host, catalog, only);
  const ctx: RunContext = { now: host.now(), network: host.network, signal: new AbortController().signal };
  const plans: Plan[] = [];
  const leftOut: LeftOut[] = [];
  const edits: FileEdit[] = [];
  for (const id of fixesNeeded(report, catalog)) {
    const fix = findFix(catalog, id);
    if (!fix) {
      leftOut.push({ fixId: id, reason: 'no such fix in this version of hardtop' });
      continue;
    }
    // Values that may be left out have a default: the fix can still be exported.
    const required = (fix.params ?? []).filter((p) => !p.optional);
    if (required.length > 0) {
      leftOut.push({ fixId: id, reason: `needs ${required.map((p) => `--arg ${p.name}=… (${p.describe})`).join(', ')}: a decision per case, made with hardtop fix` });
      continue;
    }
    const view = overlayHost(host, edits);
    let plan: Plan;
    try {
      plan = await fix.plan(view, ctx);
    } catch (err) {
      leftOut.push({ fixId: id, reason: `could not be planned: ${message(err)}` });
      continue;
    }
    if (plan.guard && !plan.guard.ok) {
      leftOut.push({ fixId: id, reason: plan.guard.reason });
      continue;
    }
    const unfaithful = await notByteFaithful(view, plan.edits);
    if (unfaithful) {
      leftOut.push({ fixId: id, reason: unfaithful });
      continue;
    }
    plans.push(plan);
    edits.push(...plan.edits);
  }
  return { report, plans, leftOut };
}

export async function exportAnsible(host: Host, catalog: Catalog, only: readonly Area[] | null): Promise<AnsibleExport> {
  const { report, plans, leftOut } = await planFixes(host, catalog, only);
  return buildAnsibleExport({ plans, leftOut, root: host.root, hostname: report.host.hostname, version: VERSION, generatedAt: report.startedAt });
}

/** Write the files under `dir` (a real path): every directory ours and 0700, files never through a link. */
export async function writeExport(outHost: Host, dir: string, result: AnsibleExport): Promise<void> {
  await outHost.ensurePrivateDir(dir);
  for (const f of result.files) {
    const parts = f.path.split('/');
    let sub = dir;
    for (const part of parts.slice(0, -1)) {
      sub = path.join(sub, part);
      await outHost.ensurePrivateDir(sub);
    }
    await outHost.writeOutputFile(path.join(dir, f.path), f.text);
  }
}

export async function runExportCommand(
  host: Host,
  catalog: Catalog,
  parsed: Extract<Parsed, { command: 'export' }>,
  io: Pick<Io, 'stdout' | 'stderr'>,
  outHost: Host = createLocalHost({ root: '/', network: false }),
): Promise<number> {
  const dir = path.resolve(parsed.out);
  const result = await exportAnsible(host, catalog, parsed.only);
  try {
    await writeExport(outHost, dir, result);
  } catch (err) {
    io.stderr.write(`hardtop: --out ${sanitizeText(parsed.out)}: ${sanitizeText(message(err))}\n`);
    return 2;
  }
  const lines = [`wrote ${path.join(dir, 'site.yml')} and roles/hardtop/`];
  lines.push(result.exported.length > 0 ? `fixes in the playbook: ${result.exported.join(', ')}` : 'no fix to export: the playbook does nothing');
  for (const l of result.leftOut) lines.push(`left out ${l.fixId}: ${l.reason}`);
  lines.push(`run: ansible-playbook -i HOST, ${path.join(dir, 'site.yml')} --check --diff   (then without --check)`);
  io.stdout.write(lines.map((l) => sanitizeText(l)).join('\n') + '\n');
  return 0;
}
