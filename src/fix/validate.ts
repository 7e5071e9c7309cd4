// Validation on a staged copy (DESIGN.md, fix engine contract §6): the
// service's own checker sees the new config exactly as the daemon would, in a
// private temp tree, so nothing live is touched and no half-written temp file
// ever sits where an Include glob could pick it up.

import { posix } from 'node:path';
import type { Host } from '../host/host';
import type { FileEdit, Validation } from '../core/types';
import { sanitizeText } from '../core/sanitize';
import { errorText } from './state';

export type ValidationResult = { ok: true } | { ok: false; message: string };

export const STAGE_TOKEN = '{stage}';

export async function validateOnStagedCopy(
  host: Host,
  validations: Validation[],
  edits: FileEdit[],
): Promise<ValidationResult> {
  for (const validation of validations) {
    const result = await runOneValidation(host, validation, edits);
    if (!result.ok) return result;
  }
  return { ok: true };
}

async function runOneValidation(host: Host, validation: Validation, edits: FileEdit[]): Promise<ValidationResult> {
  const shown = `${validation.argv.join(' ')}`;
  let staging: { path: string; dispose(): Promise<void> };
  try {
    staging = await host.makeTempDir('stage-');
  } catch (err) {
    return { ok: false, message: `cannot create a staging dir for "${validation.describe}": ${errorText(err)}` };
  }
  // Every validation gets a fresh tree: one checker's leftovers (pid files,
  // compiled configs) must not influence the next.
  try {
    const root = staging.path;
    for (const dir of validation.stage) await host.copyTreeTo(dir, posix.join(root, dir));
    for (const edit of edits) {
      if (validation.stage.some((dir) => isInside(edit.path, dir))) {
        // A removed file becomes an empty one in the copy (the Host cannot
        // remove a real path): to a checker an empty include or key file reads
        // like a missing one, and one still named by the config fails either way.
        await host.writeReal(posix.join(root, edit.path), edit.delete ? '' : edit.after);
      }
    }
    if (validation.prepareStage) await validation.prepareStage(host, root);
    const argv = validation.argv.map((arg, i) => (i === 0 ? arg : arg.split(STAGE_TOKEN).join(root)));
    if (argv.length === 0) return { ok: false, message: `validation "${validation.describe}" has no command` };
    const result = await host.exec(argv[0], argv.slice(1), { timeoutMs: validation.timeoutMs, cwd: root });
    if (result.spawnError) {
      return { ok: false, message: `validator ${argv[0]} could not run: ${oneLine(result.spawnError, root)}` };
    }
    if (result.timedOut) return { ok: false, message: `validator ${shown} timed out` };
    if (result.exitCode !== 0) {
      const why = firstLine(result.stderr) ?? firstLine(result.stdout) ?? `exit ${result.exitCode ?? result.signal}`;
      return { ok: false, message: `validation failed (${validation.describe}): ${oneLine(why, root)}` };
    }
    return { ok: true };
  } catch (err) {
    return { ok: false, message: `staging for "${validation.describe}" failed: ${oneLine(errorText(err), staging.path)}` };
  } finally {
    await staging.dispose().catch(() => undefined);
  }
}

function isInside(path: string, dir: string): boolean {
  const d = dir.endsWith('/') ? dir : `${dir}/`;
  return path.startsWith(d) || dir === '/';
}

function firstLine(text: string): string | null {
  const line = text.split('\n').find((l) => l.trim() !== '');
  return line === undefined ? null : line.trim();
}

/**
 * Checker output is untrusted text: one sanitised line, and with the staging
 * root cut out so the admin reads "/etc/app/app.json", the path they know.
 */
function oneLine(text: string, stagingRoot: string): string {
  const line = sanitizeText(text.split(stagingRoot).join(''));
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
