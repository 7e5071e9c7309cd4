// Side by side with the tools admins use today, on the same work, in the
// same run. The bench installs nothing: a tool that is not installed gives
// "not installed". Every anchor tool runs through ../shared/refhost/offline.sh
// (name resolution pinned to loopback) and is pointed only at listeners the
// bench starts itself on 127.0.0.1; without offline.sh (or without root) no
// anchor runs at all.
//
//   lynis audit system --quick   vs  hardtop check --no-network (every area)
//   ssh-audit 127.0.0.1:P        vs  hardtop check --root SSHROOT --only ssh   (sshd serves SSHROOT's config)
//   testssl --nodns none  …:P    vs  hardtop check --root WEBROOT --only tls,web (nginx serves WEBROOT's config)
//   needrestart -b -r l          vs  hardtop check --no-network --only reboot
//
// The ratio is the anchor's wall time over hardtop's (median of hardtop's
// runs; anchors run HARDTOP_BENCH_ANCHOR_RUNS times, default once: lynis and
// testssl take a minute or more each).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, httpTempPaths, makeLiveRoot, startNginx } from '../../test/helpers/nginx';
import { canRunRealSshd, sshRoot, startSshd, weakConfig } from '../../test/helpers/sshd';
import { createTestCa } from '../../test/helpers/test-ca';
import type { Cleanup } from '../lib/cleanup';
import type { BenchConfig } from '../lib/config';
import type { Figure, Target } from '../lib/figures';
import { median, runCommand, which, type CommandResult } from '../lib/measure';
import { hardtopCheck } from './check';
import { repo } from './dashboard';

export const OFFLINE_SH = path.resolve(repo, '../shared/refhost/offline.sh');

/**
 * Tests of Lynis 3.0.8 that reach past loopback (registered with
 * `--network YES` and doing more than reading local files), skipped:
 * NETW-2704 digs every nameserver in resolv.conf; NETW-2705 counts its
 * answers; NETW-2706 asks systemd-resolved about upstream DNSSEC; DNS-1600
 * (DNSSEC validation, queries external names when enabled). PKGS-7392 stays:
 * with refresh-repositories=no it only runs `apt-get -s`, the same local work
 * as hardtop's updates.pending.*. skip-upgrade-test=yes stops the TXT lookup
 * of lynis-latest-version.cisofy.com; upload=no keeps the report local.
 */
export const LYNIS_PROFILE = `# hardtop bench: keep the audit on this machine
skip-test=NETW-2704
skip-test=NETW-2705
skip-test=NETW-2706
skip-test=DNS-1600
refresh-repositories=no
skip-upgrade-test=yes
upload=no
`;

interface Pair {
  name: string;
  tool: string;
  /** Scope text of the table row. */
  scope: string;
  target?: Target;
  anchor: (dir: string) => { argv: string[]; env?: NodeJS.ProcessEnv };
  /** Output that proves the tool really did its work (not a usage error or an early exit). */
  ran: (r: CommandResult) => boolean;
  hardtopArgs: string[];
  /** Command prefix for hardtop (see nginxNamespace). */
  hardtopWrap?: string[];
  hardtopNote: string;
}

function figure(p: Pair, value: number | null, extra: Partial<Figure>): Figure {
  return { section: 'anchors', name: p.name, scope: p.scope, value, unit: '×', target: p.target, ...extra };
}

/** "12 checks: 3 fail, 1 warn, 6 pass, 2 skip" — a ratio against checks that all skipped would mean nothing. */
function statusCounts(checks: ReadonlyArray<{ status: string }>): string {
  const counts = new Map<string, number>();
  for (const c of checks) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  return `${checks.length} checks: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

export async function benchAnchors(cfg: BenchConfig, cleanup: Cleanup): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-bench-anchors-'));
  cleanup.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const offlineOk = fs.existsSync(OFFLINE_SH) && process.getuid?.() === 0 && which('unshare') !== null;

  // Listeners, started only when a tool that needs them is installed.
  let ssh: { port: number; root: string } | null = null;
  let web: { port: number; root: string } | null = null;
  const setupErrors: Record<string, string> = {};
  if (offlineOk && which('ssh-audit')) {
    try {
      ssh = await startLoopbackSshd(cleanup);
    } catch (err) {
      setupErrors.ssh = err instanceof Error ? err.message.split('\n')[0] : String(err);
    }
  }
  if (offlineOk && which('testssl')) {
    try {
      web = await startLoopbackNginx(cleanup, dir);
    } catch (err) {
      setupErrors.web = err instanceof Error ? err.message.split('\n')[0] : String(err);
    }
  }

  const pairs: Pair[] = [
    {
      name: 'lynis audit system --quick ÷ hardtop check',
      tool: 'lynis',
      scope: 'this machine',
      target: { op: '>=', value: 30 },
      anchor: (d) => {
        const profile = path.join(d, 'bench.prf');
        fs.writeFileSync(profile, LYNIS_PROFILE, { mode: 0o600 });
        return { argv: ['lynis', 'audit', 'system', '--quick', '--no-colors', '--profile', profile, '--logfile', path.join(d, 'lynis.log'), '--report-file', path.join(d, 'lynis-report.dat')] };
      },
      ran: (r) => /Hardening index/.test(r.stdout),
      hardtopArgs: ['--no-network'],
      hardtopNote: 'hardtop check --no-network, every area',
    },
    {
      name: 'ssh-audit ÷ hardtop check --only ssh',
      tool: 'ssh-audit',
      scope: ssh ? `loopback sshd 127.0.0.1:${ssh.port}` : 'loopback sshd',
      anchor: () => ({ argv: ['ssh-audit', '-n', '-p', String(ssh!.port), '127.0.0.1'] }),
      ran: (r) => /\(gen\) banner/.test(r.stdout),
      hardtopArgs: ssh ? ['--root', ssh.root, '--only', 'ssh'] : [],
      hardtopNote: 'hardtop check --root <the sshd\'s sysroot> --only ssh (server, client and key checks)',
    },
    {
      name: 'testssl --nodns none ÷ hardtop check --only tls,web',
      tool: 'testssl',
      scope: web ? `loopback nginx 127.0.0.1:${web.port}` : 'loopback nginx',
      target: { op: '>=', value: 50 },
      anchor: () => ({ argv: ['testssl', '--nodns', 'none', '--quiet', '--color', '0', '--warnings', 'batch', `127.0.0.1:${web!.port}`] }),
      ran: (r) => /Testing protocols/.test(r.stdout) && /Done /.test(r.stdout),
      hardtopArgs: ['--only', 'tls,web'],
      hardtopWrap: web ? nginxNamespace(web.root) : undefined,
      hardtopNote: "hardtop check --only tls,web in a mount namespace where /etc/nginx is the bench nginx's config: live probes of the same listener, loopback only",
    },
    {
      name: 'needrestart -b ÷ hardtop check --only reboot',
      tool: 'needrestart',
      scope: 'this machine',
      anchor: () => ({ argv: ['needrestart', '-b', '-r', 'l'], env: { ...process.env, NEEDRESTART_MODE: 'l' } }),
      ran: (r) => /NEEDRESTART-VER/.test(r.stdout),
      hardtopArgs: ['--no-network', '--only', 'reboot'],
      hardtopNote: 'hardtop check --no-network --only reboot',
    },
  ];

  const figures: Figure[] = [];
  for (const p of pairs) {
    if (!which(p.tool)) {
      figures.push(figure(p, null, { absent: 'not installed', note: `apt-get install ${p.tool === 'testssl' ? 'testssl.sh' : p.tool} to compare` }));
      continue;
    }
    if (!offlineOk) {
      figures.push(figure(p, null, { absent: 'n/a (offline.sh unavailable)', note: `${OFFLINE_SH} and root are required: anchor tools never run with the real resolver` }));
      continue;
    }
    const listenerError = p.tool === 'ssh-audit' ? (ssh ? null : setupErrors.ssh ?? (canRunRealSshd ? 'sshd did not start' : 'cannot run a real sshd here')) : p.tool === 'testssl' ? (web ? null : setupErrors.web ?? 'nginx did not start') : null;
    if (listenerError) {
      figures.push(figure(p, null, { absent: 'n/a (no loopback listener)', note: listenerError }));
      continue;
    }
    const anchorMs: number[] = [];
    let failed: string | null = null;
    for (let i = 0; i < cfg.anchorRuns && !failed; i++) {
      const { argv, env } = p.anchor(dir);
      const r = await runCommand(OFFLINE_SH, argv, { env, timeoutMs: 15 * 60_000 });
      fs.writeFileSync(path.join(dir, `${p.tool}.${i}.out`), `${r.stdout}\n--- stderr ---\n${r.stderr}`);
      if (r.timedOut) failed = 'timed out after 15 min';
      else if (!p.ran(r)) failed = `did not complete (exit ${r.code}): ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-1)[0]?.slice(0, 160) ?? ''}`;
      else anchorMs.push(r.wallMs);
    }
    if (failed) {
      figures.push(figure(p, null, { absent: 'n/a (tool failed)', note: `${p.tool} ${failed}` }));
      continue;
    }
    const hardtopMs: number[] = [];
    let statuses = '';
    for (let i = 0; i < cfg.runs; i++) {
      const run = await hardtopCheck(p.hardtopArgs, p.hardtopWrap);
      hardtopMs.push(run.wallMs);
      statuses = statusCounts(run.checks);
    }
    const a = median(anchorMs);
    const h = median(hardtopMs);
    figures.push(
      figure(p, a / h, {
        note: `${p.tool} ${secs(a)} (${anchorMs.length} run${anchorMs.length > 1 ? 's' : ''}, via offline.sh) vs ${secs(h)} for ${p.hardtopNote} (median of ${hardtopMs.length}; ${statuses})`,
        detail: { anchorMs, hardtopMs, anchorArgv: p.anchor(dir).argv, hardtopArgs: p.hardtopArgs, hardtopWrap: p.hardtopWrap ?? [] },
      }),
    );
  }
  return figures;
}

/**
 * hardtop probes TLS and web listeners live only on the running system (with
 * --root it reads the config and says "not probed"). So that it probes the
 * bench's nginx, it runs in a private mount namespace (unshare -m, as
 * test/helpers/sshd.ts does for sshd) where the nginx sysroot's etc/nginx is
 * bind-mounted over /etc/nginx and its trust store over the system's CA
 * bundle. The bind mounts exist only inside that namespace: the machine's
 * real /etc is never touched. unshare + mount cost a few ms, counted in
 * hardtop's time.
 */
export function nginxNamespace(root: string): string[] {
  const script = 'mount --bind "$1" /etc/nginx && mount --bind "$2" /etc/ssl/certs/ca-certificates.crt && shift 2 && exec "$@"';
  return ['/usr/bin/unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', script, 'sh', path.join(root, 'etc/nginx'), path.join(root, 'etc/ssl/certs/ca-certificates.crt')];
}

/** sshd on 127.0.0.1 serving a deliberately mixed config from a temp sysroot (test/helpers/sshd.ts). */
export async function startLoopbackSshd(cleanup: Cleanup): Promise<{ port: number; root: string }> {
  if (!canRunRealSshd) throw new Error('cannot run a real sshd here (needs root, /usr/sbin/sshd and unshare)');
  const port = await freePort();
  const root = sshRoot(cleanup, { config: weakConfig(port), hostKeys: [{ type: 'ed25519' }, { type: 'rsa', bits: 3072 }, { type: 'ecdsa', bits: 256 }] });
  await startSshd(cleanup, root, port);
  return { port, root };
}

/**
 * nginx on 127.0.0.1 like refhost's: a private-CA certificate for
 * refhost.test/localhost, TLS 1.1–1.3 with CBC and static-RSA suites,
 * some security headers present and some missing, an http → https redirect.
 */
export async function startLoopbackNginx(cleanup: Cleanup, dir: string): Promise<{ port: number; root: string }> {
  const ca = createTestCa(path.join(dir, 'ca'), 'hardtop bench');
  const live = makeLiveRoot(path.join(dir, 'web'), ca.rootPem);
  const leaf = ca.issue({ name: 'refhost', sans: ['localhost', 'refhost.test', '127.0.0.1'], key: 'rsa2048' });
  fs.writeFileSync(path.join(live.prefix, 'certs/refhost.pem'), leaf.certPem + ca.intermediatePem);
  fs.writeFileSync(path.join(live.prefix, 'certs/refhost.key'), leaf.keyPem, { mode: 0o600 });
  const https = await freePort();
  const http = await freePort();
  const ciphers =
    'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA:@SECLEVEL=0';
  fs.writeFileSync(
    path.join(live.prefix, 'nginx.conf'),
    `events {}
http {
  ${httpTempPaths(live.runDir)}
  server {
    listen 127.0.0.1:${https} ssl;
    server_name localhost refhost.test;
    ssl_certificate certs/refhost.pem;
    ssl_certificate_key certs/refhost.key;
    ssl_protocols TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_ciphers '${ciphers}';
    ssl_prefer_server_ciphers on;
    add_header Strict-Transport-Security "max-age=16070400" always;
    add_header X-Content-Type-Options "nosniff" always;
    add_header X-Frame-Options "SAMEORIGIN" always;
    location / { return 200 "refhost.test\\n"; }
  }
  server {
    listen 127.0.0.1:${http};
    server_name localhost refhost.test;
    return 301 https://$host:${https}$request_uri;
  }
}
`,
  );
  await startNginx(cleanup, { prefix: live.prefix, runDir: live.runDir, ports: [https, http] });
  return { port: https, root: live.root };
}
