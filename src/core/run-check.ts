// Running one check safely: whatever the check does (throws, hangs, returns
// garbage), the caller gets exactly one well-formed Finding back.

import type { Host } from '../host/host';
import type { Check, Finding, RunContext } from './types';

export const DEFAULT_CHECK_TIMEOUT_MS = 20_000;

export function errorFinding(check: Check, summary: string): Finding {
  return {
    id: check.id,
    area: check.area,
    title: check.title,
    status: 'error',
    severity: check.severity,
    summary,
    evidence: [],
    fixes: [],
  };
}

function oneLine(message: string): string {
  const first = message.split('\n', 1)[0] ?? '';
  return first.length > 300 ? `${first.slice(0, 299)}…` : first;
}

/**
 * Run a check with a deadline. A check that throws or outlives its timeout
 * becomes an `error` finding naming what failed; it never takes the caller down.
 */
export async function runCheck(check: Check, host: Host, ctx: Omit<RunContext, 'signal'> & { signal?: AbortSignal }): Promise<Finding> {
  const started = Date.now();
  const timeoutMs = check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort();
  ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Finding>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(errorFinding(check, `timed out after ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
  });
  let finding: Finding;
  try {
    const run = Promise.resolve()
      .then(() => check.run(host, { ...ctx, signal: controller.signal }))
      .then(
        (f) => validateFinding(check, f),
        (err: unknown) => errorFinding(check, `check failed: ${oneLine(err instanceof Error ? err.message : String(err))}`),
      );
    finding = await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onOuterAbort);
  }
  return { ...finding, durationMs: Date.now() - started };
}

/** A check must answer for its own id; anything else is a bug we report, not trust. */
function validateFinding(check: Check, f: Finding | undefined): Finding {
  if (!f || typeof f !== 'object' || f.id !== check.id) {
    return errorFinding(check, 'check returned no finding for its id (internal error)');
  }
  return {
    ...f,
    area: check.area,
    title: f.title || check.title,
    evidence: Array.isArray(f.evidence) ? f.evidence : [],
    fixes: Array.isArray(f.fixes) ? f.fixes : [],
  };
}
