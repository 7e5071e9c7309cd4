// Lookup over the checks and fixes that exist. The lists themselves live in
// checks/index.ts (core must not import the areas).

import type { Area, Check, Fix, FixArgs } from './types';
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

/** Check the admin's values against a fix's params: every one given, none unknown, each well-formed. */
export function checkFixArgs(fix: Fix, args: FixArgs): string | null {
  const params = fix.params ?? [];
  for (const name of Object.keys(args)) {
    if (!params.some((p) => p.name === name)) {
      return params.length ? `${fix.id} takes ${params.map((p) => `--arg ${p.name}=…`).join(' ')}, not '${name}'` : `${fix.id} takes no --arg`;
    }
  }
  for (const p of params) {
    const value = args[p.name];
    if (value === undefined) {
      if (p.optional) continue;
      return `${fix.id} needs --arg ${p.name}=… (${p.describe})`;
    }
    if (!new RegExp(`^(?:${p.pattern.source})$`, p.pattern.flags).test(value)) return `--arg ${p.name}: '${value}' is not ${p.describe}`;
  }
  return null;
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
