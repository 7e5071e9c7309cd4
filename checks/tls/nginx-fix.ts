// What the nginx config fixes (tls.protocols, tls.stapling, web.headers)
// share: the configuration loaded with the exact text of every file (the
// offsets a fix edits refer to that text, and the preview's `before` IS that
// text, so the engine refuses if a file changed since), text edits grouped
// into one FileEdit per file, and the validate → reload → settle tail.

import type { Command, FileEdit, Plan } from '../../src/core/types';
import type { Host, ReadResult } from '../../src/host/host';
import { loadNginxConfig, NGINX_MAIN_CONF, nginxModel, type NginxConfig, type NginxDirective, type NginxModel } from '../../src/parse/nginx-conf';
import { applyTextEdits, type TextEdit } from '../../src/parse/nginx-edit';
import { refuse } from '../updates/fix-plan';
import { nginxReloadPlan } from './nginx-reload';
import { nginxValidation } from './nginx-stage';
import { EditsByFile } from './edits-by-file';

export type LoadedForFix =
  | { ok: true; config: NginxConfig; model: NginxModel; texts: Map<string, string> }
  | { ok: false; why: string };

export async function loadNginxForFix(host: Host): Promise<LoadedForFix> {
  const st = await host.stat(NGINX_MAIN_CONF);
  if (!st) return { ok: false, why: `no nginx (${NGINX_MAIN_CONF} does not exist)` };
  const texts = new Map<string, string>();
  const config = await loadNginxConfig({
    async read(path: string): Promise<ReadResult> {
      const r = await host.read(path);
      if (r.ok) texts.set(path, r.text);
      return r;
    },
    glob: (pattern) => host.glob(pattern),
  });
  if (config.errors.length > 0) return { ok: false, why: `nginx's configuration is invalid, fix it first: ${config.errors[0].message}` };
  return { ok: true, config, model: nginxModel(config.directives), texts };
}

/** Text edits (by offset), per file. */
export class EditSet extends EditsByFile<TextEdit> {
  constructor() {
    super((e) => `${e.start}\u0000${e.end}\u0000${e.text}`, applyTextEdits);
  }
}

/** A directive's own simple child of this name (first one, as nginx's single-value merge takes). */
export function ownChild(block: NginxDirective | null, name: string): NginxDirective | undefined {
  return block?.block?.find((d) => d.name === name && !d.block);
}

/**
 * After the reload: nginx starts new workers asynchronously (the reload
 * returns once the master got the signal), and the verify step probes the
 * live server — give it a moment so the probe meets the new workers.
 */
export const SETTLE: Command = { argv: ['sleep', '1'], describe: 'wait a second for nginx\'s new workers (a reload is asynchronous)', reload: true, timeoutMs: 5_000 };

/** Validate on a staged copy, reload, settle. A plan without a reload says so (the change is live at nginx's next start). */
export async function finishNginxPlan(host: Host, plan: Plan, loaded: Extract<LoadedForFix, { ok: true }>, edits: FileEdit[], why: string): Promise<Plan> {
  const reload = await nginxReloadPlan(host, loaded.config, why);
  const commands = reload.commands.length > 0 ? [...reload.commands, SETTLE] : [];
  const full: Plan = { ...plan, edits, validate: [await nginxValidation(host, edits)], commands, warnings: [...plan.warnings, ...reload.notes] };
  if ((await host.which('nginx')) === null) return refuse(full, 'nginx is not installed here (not found in the system directories): the change cannot be checked with nginx -t');
  return full;
}

/** Files under /etc/letsencrypt are certbot's: editing one stops certbot updating it. */
export function certbotOwned(file: string): boolean {
  return file.startsWith('/etc/letsencrypt/');
}
