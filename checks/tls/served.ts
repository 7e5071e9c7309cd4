// tls.cert.served: the certificate each TLS vhost actually serves (a loopback
// handshake with each server_name as SNI) is the one on disk. certbot renews
// the file; until nginx reloads, the old certificate keeps being served — the
// renewal "worked" and the site still expires. That shows as a serial mismatch.

import type { X509Certificate } from 'node:crypto';
import type { Check, Item, Status } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { resolveConfPath } from '../../src/parse/nginx-conf';
import { isoDay, parsePemBundle, readCertificates, subjectName, validity } from './certs';
import { fromItems, guardedCheck, item, worst } from './finding';
import { TLS_WATCH } from './inventory';
import { liveSetup, vhostTargets } from './live';
import type { TlsVhost } from './nginx';
import { notRunText, type TlsProber } from './probe';
import type { TlsCheckOptions } from './options';

async function diskLeaves(host: Host, vhost: TlsVhost): Promise<{ leaves: Array<{ path: string; cert: X509Certificate }>; problems: string[] }> {
  const leaves: Array<{ path: string; cert: X509Certificate }> = [];
  const problems: string[] = [];
  for (const pair of vhost.server.certificates) {
    const path = resolveConfPath(pair.certificate.value);
    const read = await readCertificates(host, path);
    if (read.ok) leaves.push({ path, cert: read.certs[0] });
    else problems.push(read.why);
  }
  return { leaves, problems };
}

function describe(cert: X509Certificate): string {
  return `serial ${cert.serialNumber}, until ${isoDay(validity(cert).to)}`;
}

async function vhostItems(host: Host, prober: TlsProber, vhost: TlsVhost): Promise<Item[]> {
  const where = vhostTargets(vhost);
  if ('subject' in where) return [where];
  const disk = await diskLeaves(host, vhost);
  const items: Item[] = [];
  for (const { target, label } of where.targets) {
    const evidence = [...where.evidence, ...vhost.server.certificates.map((p) => ({ file: p.certificate.file, line: p.certificate.line, text: p.certificate.text ?? `ssl_certificate ${p.certificate.value}` }))];
    const r = await prober.handshake(target);
    if (r.outcome !== 'connected') {
      items.push(item(label, r.outcome === 'skipped' ? 'skip' : 'error', `handshake ${notRunText(r)}`, evidence));
      continue;
    }
    const served = parsePemBundle(r.chain[0] ?? '').certs[0];
    if (!served) {
      items.push(item(label, 'error', 'the server sent no certificate', evidence));
      continue;
    }
    if (disk.leaves.length === 0) {
      items.push(item(label, 'error', `serves "${subjectName(served)}" (${describe(served)}); the file cannot be compared: ${disk.problems.join('; ')}`, evidence));
      continue;
    }
    const same = disk.leaves.find((l) => l.cert.fingerprint256 === served.fingerprint256);
    if (same) {
      items.push(item(label, 'pass', `serves ${same.path} (${describe(served)})`, evidence));
      continue;
    }
    const sameName = disk.leaves.find((l) => subjectName(l.cert) === subjectName(served)) ?? disk.leaves[0];
    const older = validity(served).to.getTime() < validity(sameName.cert).to.getTime();
    const why = older ? ': the file was renewed but nginx was not reloaded' : '';
    items.push(
      item(label, 'fail', `serves ${describe(served)}, but ${sameName.path} holds ${describe(sameName.cert)}${why}`, [
        { text: `served: "${subjectName(served)}" ${describe(served)}`, command: `TLS handshake ${target.address}:${target.port} SNI ${target.servername ?? '(none)'}` },
        ...evidence,
      ]),
    );
  }
  return items;
}

export function makeServedCheck(opts: TlsCheckOptions = {}): Check {
  const check: Check = guardedCheck({
    id: 'tls.cert.served',
    area: 'tls',
    title: 'The certificate served is the one on disk',
    severity: 'high',
    watch: TLS_WATCH,
    interval: 600,
    timeoutMs: 60_000,
    async run(host, ctx) {
      const setup = await liveSetup(check, host, ctx, opts.prober);
      if ('done' in setup) return setup.done;
      const items: Item[] = [];
      for (const vhost of setup.inv.vhosts) items.push(...(await vhostItems(host, setup.prober, vhost)));
      const status: Status = worst(items.map((i) => i.status));
      return fromItems(check, items, {
        emptySummary: 'no TLS vhost',
        passSummary: status === 'pass' ? `${items.length} name(s) probed over loopback: each serves the certificate on disk` : undefined,
      });
    },
  });
  return check;
}
