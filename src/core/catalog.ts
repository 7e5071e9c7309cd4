// Lookup over the checks and fixes that exist. The lists themselves live in
// checks/index.ts (core must not import the areas).

import type { Area, Check, Fix } from './types';
import { AREAS } from './types';

export interface Catalog {
  checks: readonly Check[];
  fixes: readonly Fix[];
}

export function selectChecks(catalog: Catalog, only: readonly Area[] | null): Check[] {
  const wanted = new Set(only ?? AREAS);
  return catalog.checks.filter((c) => wanted.has(c.area));
}

export function findFix(catalog: Catalog, id: string): Fix | undefined {
  return catalog.fixes.find((f) => f.id === id);
}

/** Duplicate ids would make the report ambiguous; the catalogue test calls this. */
export function catalogProblems(catalog: Catalog): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const c of catalog.checks) {
    if (seen.has(c.id)) problems.push(`duplicate check id ${c.id}`);
    seen.add(c.id);
    if (!c.id.startsWith(`${c.area}.`)) problems.push(`check ${c.id} is not in its area ${c.area}`);
  }
  const fixIds = new Set<string>();
  for (const f of catalog.fixes) {
    if (fixIds.has(f.id)) problems.push(`duplicate fix id ${f.id}`);
    fixIds.add(f.id);
  }
  return problems;
}
