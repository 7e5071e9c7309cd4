// tls.renew: renew a certbot certificate now and make nginx serve it.
//
//   certbot renew --cert-name NAME --force-renewal --no-random-sleep-on-renew
//                 --config-dir C --work-dir W --logs-dir L
//   then reload nginx (nginx-reload.ts) and/or Apache (apache-reload.ts:
//   graceful), whichever serves the lineage.
//
// - Which certificate: the one named — `--arg cert-name=NAME`, which is what
//   each lineage's item of tls.cert.expiry and tls.renewal carries as its own
//   fix (Item.fix: the dashboard's f on a selected certificate), or
//   makeRenewFix({ certName }); else every lineage tls.cert.expiry does not
//   pass (a third of the lifetime or less left, or expired). Nothing due →
//   refused.
// - --force-renewal: the admin asked now; certbot would otherwise skip a
//   certificate that is not yet due. --no-random-sleep-on-renew: run without a
//   terminal, certbot sleeps up to 8 minutes first (meant for cron), which is
//   pointless when a person pressed a key.
// - The three directories are always passed, as real paths of the root: the
//   renewal conf stores its own config_dir/work_dir/logs_dir, and a value on
//   the command line is the only thing that overrides it; under --root the
//   defaults (/etc/letsencrypt …) would be THIS machine's.
// - Under --root (a sysroot, a container tree) certbot still runs here, so
//   anything the lineage would do outside the tree is refused up front:
//   authenticators other than webroot (standalone binds a port on this
//   machine, nginx/apache edit and reload this machine's server), an
//   installer, hooks (they would run here), and any absolute path in the
//   renewal conf outside the root (certbot uses the stored archive/live/webroot
//   paths as they are). Directory hooks are off there (--no-directory-hooks).
// - A renewal cannot be undone (hardtop undo restores files it edited; this
//   fix edits none): the preview says so. The old certificate stays in
//   /etc/letsencrypt/archive/NAME/.

import type { Command, Fix, FixArgs, FixParam, Plan, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { normaliseHostPath } from '../../src/host/host-paths';
import { resolveConfPath } from '../../src/parse/nginx-conf';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { readCertificates, isoDay, validity } from './certs';
import { judgeExpiry } from './expiry';
import { thrownMessage } from './finding';
import { CERT_NAME_ARG, RENEW_FIX_ID, SAFE_NAME } from './fix-ids';
import { LE_DIR, LE_LIVE, LE_RENEWAL, tlsInventory } from './inventory';
import { nginxReloadPlan } from './nginx-reload';
import { apacheReloadPlan } from './apache-reload';
import { parseRenewalConf, type RenewalConf } from './renewal';

export const CERTBOT_WORK_DIR = '/var/lib/letsencrypt';
export const CERTBOT_LOGS_DIR = '/var/log/letsencrypt';

/** `--arg cert-name=NAME`: one certbot lineage; left out, every due one. */
export const CERT_NAME_PARAM: FixParam = {
  name: CERT_NAME_ARG,
  describe: 'a certbot certificate name (a file name under /etc/letsencrypt/renewal, without .conf; each tls.cert.expiry and tls.renewal item names its own)',
  pattern: /[A-Za-z0-9][A-Za-z0-9._-]{0,254}/,
  optional: true,
};

const HOOK_KEYS = ['pre_hook', 'post_hook', 'renew_hook', 'deploy_hook'];

export interface RenewOptions {
  /** The lineage to renew (a name under /etc/letsencrypt/renewal); default: every one that is due. */
  certName?: string;
}

function set(conf: RenewalConf, key: string): string | null {
  const v = conf.values.get(key)?.value;
  return v === undefined || v === '' || v === 'None' ? null : v;
}

/** Why certbot, run on this machine for a lineage of the sysroot, would act outside it; null when it stays inside. */
export function outsideRoot(conf: RenewalConf, root: string): string | null {
  const at = (key: string) => `${conf.file}:${conf.values.get(key)?.line ?? '?'}`;
  const auth = set(conf, 'authenticator');
  if (auth !== 'webroot') return `the authenticator is ${auth ?? 'not set'} (${at('authenticator')}): under --root only webroot keeps certbot inside the tree`;
  const installer = set(conf, 'installer');
  if (installer) return `installer ${installer} (${at('installer')}) would edit and reload this machine's web server, not the one under ${root}`;
  const hook = HOOK_KEYS.find((k) => set(conf, k));
  if (hook) return `${hook} (${at(hook)}) would run on this machine, not under ${root}`;
  for (const [key, { value, line }] of conf.values) {
    for (const part of value.split(',').map((s) => s.trim())) {
      if (!part.startsWith('/')) continue;
      const inside = part === root || part.startsWith(`${root}/`);
      if (!inside) return `${key} = ${part} (${conf.file}:${line}) is outside ${root}: certbot would use that path on this machine`;
    }
  }
  return null;
}

async function lineageNames(host: Host): Promise<string[]> {
  const confs = await host.glob(`${LE_RENEWAL}/*.conf`);
  return confs.map((f) => f.slice(LE_RENEWAL.length + 1).replace(/\.conf$/, ''));
}

/** Lineages whose certificate tls.cert.expiry would not pass, soonest first; and the soonest overall. */
async function dueLineages(host: Host, names: string[], now: Date): Promise<{ due: string[]; soonest: string | null }> {
  const dated: Array<{ name: string; to: Date; due: boolean }> = [];
  for (const name of names) {
    const read = await readCertificates(host, `${LE_LIVE}/${name}/cert.pem`);
    if (!read.ok) continue;
    const { from, to } = validity(read.certs[0]);
    dated.push({ name, to, due: judgeExpiry(from, to, now).status !== 'pass' });
  }
  dated.sort((a, b) => a.to.getTime() - b.to.getTime());
  return { due: dated.filter((d) => d.due).map((d) => d.name), soonest: dated[0] ? `${dated[0].name} until ${isoDay(dated[0].to)}` : null };
}

/** The lineages an nginx / an Apache vhost serves a file of (live/ or archive/, relative paths resolved). */
async function servedBy(host: Host, names: string[]): Promise<{ nginx: string[]; apache: string[]; inv: Awaited<ReturnType<typeof tlsInventory>> }> {
  const inv = await tlsInventory(host);
  const served = { nginx: new Set<string>(), apache: new Set<string>() };
  for (const vhost of inv.vhosts) {
    for (const pair of vhost.server.certificates) {
      let path: string;
      try {
        path = normaliseHostPath(vhost.source === 'nginx' ? resolveConfPath(pair.certificate.value) : pair.certificate.value);
      } catch {
        continue;
      }
      const m = /^\/etc\/letsencrypt\/(?:live|archive)\/([^/]+)\//.exec(path);
      if (m && names.includes(m[1])) served[vhost.source].add(m[1]);
    }
  }
  return { nginx: names.filter((n) => served.nginx.has(n)), apache: names.filter((n) => served.apache.has(n)), inv };
}

function certbotCommand(host: Host, name: string, server: string | null): Command {
  return {
    argv: [
      'certbot',
      'renew',
      '--cert-name',
      name,
      '--force-renewal',
      '--no-random-sleep-on-renew',
      '--config-dir',
      host.realPath(LE_DIR),
      '--work-dir',
      host.realPath(CERTBOT_WORK_DIR),
      '--logs-dir',
      host.realPath(CERTBOT_LOGS_DIR),
      ...(host.root === '/' ? [] : ['--no-directory-hooks']),
    ],
    describe: `renew ${name} now${server ? ` (certbot contacts the CA at ${server})` : ''}`,
    interactive: true,
    // ACME round trips, and a CA may queue the order: generous.
    timeoutMs: 10 * 60_000,
  };
}

export function makeRenewFix(opts: RenewOptions = {}): Fix {
  const fix: Fix = {
    id: RENEW_FIX_ID,
    title: opts.certName ? `Renew the certificate ${opts.certName} now (certbot) and reload the web server` : 'Renew due certbot certificates now and reload the web server',
    area: 'tls',
    risk: 'disruptive',
    params: [CERT_NAME_PARAM],
    verifies: ['tls.cert.expiry', 'tls.cert.served'],
    async plan(host: Host, ctx: RunContext, args?: FixArgs): Promise<Plan> {
      const certName = args?.[CERT_NAME_PARAM.name] ?? opts.certName;
      const plan = emptyPlan(fix);
      if (certName !== undefined && opts.certName === undefined) plan.title = `Renew the certificate ${certName} now (certbot) and reload the web server`;
      try {
        return await planRenewal(host, ctx, plan, { certName });
      } catch (err) {
        return refuse(plan, `could not plan the renewal: ${thrownMessage(err)}`);
      }
    },
  };
  return fix;
}

async function planRenewal(host: Host, ctx: RunContext, plan: Plan, opts: RenewOptions): Promise<Plan> {
  const le = await host.stat(LE_DIR);
  if (!le || le.kind !== 'dir') return refuse(plan, `no ${LE_DIR}: certbot manages no certificate here`);
  const names = await lineageNames(host);
  let targets: string[];
  if (opts.certName !== undefined) {
    if (!SAFE_NAME.test(opts.certName)) return refuse(plan, `"${opts.certName}" is not a certificate name hardtop passes to certbot`);
    if (!names.includes(opts.certName)) return refuse(plan, `certbot has no certificate named ${opts.certName} (no ${LE_RENEWAL}/${opts.certName}.conf)`);
    targets = [opts.certName];
  } else {
    const { due, soonest } = await dueLineages(host, names.filter((n) => SAFE_NAME.test(n)), ctx.now);
    if (due.length === 0) return refuse(plan, `nothing to renew: no certbot certificate is due${soonest ? ` (the soonest: ${soonest})` : ''}`);
    targets = due;
  }

  const commands: Command[] = [];
  const warnings: string[] = [];
  for (const name of targets) {
    const file = `${LE_RENEWAL}/${name}.conf`;
    const r = await host.read(file, { maxBytes: 1024 * 1024 });
    if (!r.ok) return refuse(plan, `cannot read ${file}: ${r.message}`);
    const conf = parseRenewalConf(r.text, file);
    if (conf.error) return refuse(plan, `${file}:${conf.error.line}: ${conf.error.message}`);
    commands.push(certbotCommand(host, name, set(conf, 'server')));
    if (host.root !== '/') {
      const outside = outsideRoot(conf, host.root);
      if (outside) return refuse({ ...plan, commands }, outside);
    }
  }
  warnings.push(
    `a renewal cannot be undone by hardtop undo (no file of hardtop's is edited): the previous certificate stays in ${LE_DIR}/archive/${targets.length === 1 ? targets[0] : 'NAME'}/`,
    'certbot asks the CA for a new certificate: CA rate limits apply (Let\'s Encrypt: 5 certificates for the same names a week)',
  );
  if (host.root !== '/') warnings.push(`--root ${host.root}: certbot runs on this machine with the tree's directories; its renewal-hooks directory is not run (--no-directory-hooks)`);

  const { nginx: byNginx, apache: byApache, inv } = await servedBy(host, targets);
  if (byNginx.length > 0 && inv.nginx.kind === 'ok') {
    const reload = await nginxReloadPlan(host, inv.nginx.config, `it serves the renewed ${byNginx.join(', ')}`);
    commands.push(...reload.commands);
    warnings.push(...reload.notes);
  }
  if (byApache.length > 0 && inv.apache.kind === 'ok') {
    const reload = await apacheReloadPlan(host, inv.apache.model, `it serves the renewed ${byApache.join(', ')}`);
    commands.push(...reload.commands);
    warnings.push(...reload.notes);
  }
  if (byNginx.length === 0 && byApache.length === 0) {
    warnings.push(`neither nginx nor Apache serves ${targets.join(', ')} from ${LE_DIR}: no web server is reloaded`);
  }
  const refused = !host.network ? '--no-network: certbot must reach the CA' : (await host.which('certbot')) === null ? 'certbot is not installed (not found in the system directories)' : null;
  const full = { ...plan, commands, warnings };
  return refused ? refuse(full, refused) : full;
}

export const renewFix: Fix = makeRenewFix();
