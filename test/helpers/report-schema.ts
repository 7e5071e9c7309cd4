// Validation of hardtop reports against assets/report.schema.json (JSON
// Schema 2020-12, with ajv), plus the rules of REPORT.md that a schema cannot
// state (unique ids, counts that add up, the score recomputed). Every test that
// produces a report can call assertValidReport on it.

import Ajv2020 from 'ajv/dist/2020';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { summarize } from '../../src/core/score';
import { STATUSES, type Finding } from '../../src/core/types';

export const SCHEMA_FILE = path.resolve(__dirname, '../../assets/report.schema.json');

export function loadSchema(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
}

// strict: an unknown keyword or a typo in the schema is an error at compile
// time, not a silently ignored rule. allErrors: a failing test lists them all.
const ajv = new Ajv2020({ strict: true, allErrors: true });
const validate = ajv.compile(loadSchema());

/** Schema errors as readable lines; empty when the report validates. */
export function schemaErrors(report: unknown): string[] {
  if (validate(report)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
}

/** What REPORT.md says and JSON Schema cannot: the report is consistent with itself. */
export function invariantErrors(report: { summary: Record<string, number>; checks: Finding[]; host: { root: string } }): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const c of report.checks) {
    if (seen.has(c.id)) errors.push(`duplicate check id ${c.id}`);
    seen.add(c.id);
    if (report.host.root !== '/') {
      const prefixed = (file?: string) => file !== undefined && (file === report.host.root || file.startsWith(report.host.root + '/'));
      for (const e of c.evidence) if (prefixed(e.file)) errors.push(`${c.id}: evidence path carries the --root prefix: ${e.file}`);
      for (const it of c.items ?? []) for (const e of it.evidence) if (prefixed(e.file)) errors.push(`${c.id} item: evidence path carries the --root prefix: ${e.file}`);
    }
  }
  const expected = summarize(report.checks);
  for (const s of [...STATUSES, 'score'] as const) {
    if (report.summary[s] !== expected[s]) errors.push(`summary.${s} is ${report.summary[s]}, the checks say ${expected[s]}`);
  }
  return errors;
}

/** Both of the above, for a report given as JSON text. */
export function reportProblems(json: string): string[] {
  let report: unknown;
  try {
    report = JSON.parse(json);
  } catch (err) {
    return [`not JSON: ${(err as Error).message.slice(0, 200)}`];
  }
  const errors = schemaErrors(report);
  return errors.length ? errors : invariantErrors(report as Parameters<typeof invariantErrors>[0]);
}
