// The nginx config fixes on Debian 12's stock layout under --root (no live
// nginx here; tls-fixes.test.ts has that): the edits, and the REAL `nginx -t`
// the plan validates with, on a staged copy that must read the sysroot's
// files only — Debian's nginx.conf includes /etc/nginx/sites-enabled/* by an
// absolute path, and sites-enabled/default is an ABSOLUTE symlink; this
// machine has its own /etc/nginx, which the staged check must never read.
// Also the pure parts: the stage's path rewriting and resolv.conf → resolver.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Plan, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { applyPlan } from '../../src/fix/engine';
import { undo } from '../../src/fix/undo';
import { validateOnStagedCopy } from '../../src/fix/validate';
import { protocolsFix } from '../../checks/tls/fix-protocols';
import { resolverArgs, staplingFix } from '../../checks/tls/fix-stapling';
import { nginxValidation, stagedText } from '../../checks/tls/nginx-stage';
import { parseNginxConf } from '../../src/parse/nginx-conf';
import { applyTextEdits, insertAfterStatement, insertAtBlockStart, quoteNginxArg, removeStatement, replaceArg, wordSpans } from '../../src/parse/nginx-edit';
import { headersFix } from '../../checks/web/fix-headers';
import { createTestCa } from '../helpers/test-ca';

const FIXTURE = path.resolve(__dirname, '../fixtures/nginx/debian12');
const ctx: RunContext = { now: new Date(), network: false, signal: new AbortController().signal };

function debianRoot(t: { teardown(fn: () => void): void }, opts: { ocspUrl?: string; siteExtra?: string } = {}): { root: string; host: Host; site: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-tls-fixplan-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'root');
  fs.mkdirSync(root);
  execFileSync('cp', ['-a', path.join(FIXTURE, 'etc'), root]);
  const ca = createTestCa(path.join(dir, 'ca'));
  const issued = ca.issue({ name: 'site', sans: ['site.test'], key: 'ec256', ocspUrl: opts.ocspUrl });
  // Absolute paths that exist ONLY in the sysroot: a staged check that read them from this machine would fail.
  fs.mkdirSync(path.join(root, 'etc/ssl/hardtop-only'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/ssl/hardtop-only/site.pem'), issued.certPem + ca.intermediatePem);
  fs.writeFileSync(path.join(root, 'etc/ssl/hardtop-only/site.key'), issued.keyPem, { mode: 0o600 });
  fs.writeFileSync(path.join(root, 'etc/resolv.conf'), '# test\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\nnameserver 2001:db8::53\nsearch example\n');
  // sites-available/default (reached through the absolute symlink in sites-enabled): a TLS server.
  const site = `server {
	listen 443 ssl default_server;
	listen [::]:443 ssl default_server;
	server_name site.test;
	ssl_certificate /etc/ssl/hardtop-only/site.pem;
	ssl_certificate_key /etc/ssl/hardtop-only/site.key;
	root /var/www/html;
	location / {
		add_header X-XSS-Protection "1; mode=block";
		try_files $uri $uri/ =404;
	}${opts.siteExtra ?? ''}
}
`;
  fs.writeFileSync(path.join(root, 'etc/nginx/sites-available/default'), site);
  return { root, host: createLocalHost({ root, network: false }), site };
}

test('the stage rewrite: includes into the stage, read-only files to the root, logs and temp dirs into the stage; modules and variables left alone', (t) => {
  const host = createLocalHost({ root: '/srv/r', network: false });
  const text = `load_module /usr/lib/nginx/modules/x.so;
error_log /var/log/nginx/error.log warn;
pid /run/nginx.pid;
http {
  include /etc/nginx/mime.types;
  include conf.d/*.conf;   # relative: against /etc/nginx
  access_log /var/log/nginx/access.log combined;
  access_log off;
  client_body_temp_path /var/lib/nginx/body 1 2;
  server {
    ssl_certificate "/etc/ssl/my cert.pem";
    ssl_certificate_key ../keys/k.pem;
    ssl_certificate $ssl_server_name.crt;
    ssl_trusted_certificate data:abc;
  }
}
`;
  const out = stagedText(host, text, '/etc/nginx/nginx.conf', '/tmp/hardtop-stage-X', { n: 0 });
  t.is(
    out,
    `load_module /usr/lib/nginx/modules/x.so;
error_log /tmp/hardtop-stage-X/hardtop-nginx-t/log-1.log warn;
pid /tmp/hardtop-stage-X/hardtop-nginx-t/pid-2;
http {
  include /tmp/hardtop-stage-X/etc/nginx/mime.types;
  include /tmp/hardtop-stage-X/etc/nginx/conf.d/*.conf;   # relative: against /etc/nginx
  access_log /tmp/hardtop-stage-X/hardtop-nginx-t/log-3.log combined;
  access_log off;
  client_body_temp_path /tmp/hardtop-stage-X/hardtop-nginx-t/temp-4 1 2;
  server {
    ssl_certificate '/srv/r/etc/ssl/my cert.pem';
    ssl_certificate_key /srv/r/etc/keys/k.pem;
    ssl_certificate $ssl_server_name.crt;
    ssl_trusted_certificate data:abc;
  }
}
`,
  );
});

test('text edits keep every other byte: word offsets through quotes, escapes, ${var} and a comment inside a statement; one-line blocks; CRLF', (t) => {
  const text = 'http {\r\n    add_header  X-A "a \\" b;" always; # keep\r\n    ssl_certificate  ${dir}/x.pem # why\r\n        ;\r\n    server { listen 80; }\r\n}\r\n';
  const [http] = parseNginxConf(text, '/f').directives;
  const [addHeader, cert, server] = http.block!;
  t.deepEqual(wordSpans(text, addHeader).map(([s, e]) => text.slice(s, e)), ['add_header', 'X-A', '"a \\" b;"', 'always']);
  t.deepEqual(wordSpans(text, cert).map(([s, e]) => text.slice(s, e)), ['ssl_certificate', '${dir}/x.pem']);
  t.is(applyTextEdits(text, [replaceArg(text, cert, 0, "/new dir/it's.pem")]), text.replace('${dir}/x.pem', "'/new dir/it\\'s.pem'"));
  t.is(applyTextEdits(text, [removeStatement(text, addHeader)]), text.replace('    add_header  X-A "a \\" b;" always; # keep\r\n', ''), 'the whole line goes, its comment with it');
  t.is(applyTextEdits(text, [insertAtBlockStart(text, server, ['include s.conf;'])]), text.replace('server { listen 80; }', 'server { include s.conf; listen 80; }'), 'a one-line block stays one line');
  t.is(applyTextEdits(text, [insertAtBlockStart(text, http, ['a b;'])]), text.replace('http {\r\n', 'http {\r\n    a b;\r\n'), 'CRLF kept, the children\'s indentation');
  t.is(applyTextEdits(text, [insertAfterStatement(text, addHeader, ['c d;'])]), text.replace('# keep\r\n', '# keep\r\n    c d;\r\n'));
  t.throws(() => applyTextEdits(text, [{ start: 0, end: 5, text: '' }, { start: 3, end: 8, text: '' }]), { message: /overlapping/ });
  for (const v of ['plain', 'a;b', 'x y', '$v', "it's", 'a\\b', '{', '#x', '']) {
    const line = `k ${quoteNginxArg(v)};`;
    t.deepEqual(parseNginxConf(line, '/q').directives[0].args, [v], `${JSON.stringify(v)} → ${line}`);
  }
});

test('resolv.conf → nginx resolver: IPv6 bracketed, link-local with a zone skipped, duplicates and junk ignored', (t) => {
  t.deepEqual(resolverArgs('nameserver 127.0.0.53\nnameserver ::1\n#nameserver 9.9.9.9\nnameserver fe80::1%eth0\nnameserver 127.0.0.53\nnameserver not-an-ip\noptions edns0\n'), ['127.0.0.53', '[::1]']);
  t.deepEqual(resolverArgs(''), []);
});

test('tls.protocols on Debian\'s stock nginx.conf: the http line is replaced, its comment kept; nginx -t on the staged copy passes', async (t) => {
  const { host } = debianRoot(t);
  const plan = await protocolsFix.plan(host, ctx);
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.edits.map((e) => e.path), ['/etc/nginx/nginx.conf']);
  const before = plan.edits[0].before!;
  t.is(plan.edits[0].after, before.replace('ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; # Dropping SSLv3', 'ssl_protocols TLSv1.2 TLSv1.3; # Dropping SSLv3'));
  t.deepEqual(plan.commands, [], 'no nginx runs for this root: nothing to reload');
  t.true(plan.warnings.some((w) => /nginx does not seem to run/.test(w)));
  t.deepEqual(await validateOnStagedCopy(host, plan.validate, plan.edits), { ok: true });
});

test('tls.stapling on Debian\'s layout: edited through the absolute sites-enabled symlink, a resolver from the root\'s resolv.conf (the responder is a name); applied and undone exactly', async (t) => {
  // "localhost": a name (so nginx wants a resolver) that nginx -t resolves from /etc/hosts, never by DNS.
  const { root, host, site } = debianRoot(t, { ocspUrl: 'http://localhost:9/' });
  const plan = await staplingFix.plan(host, ctx);
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.edits.map((e) => e.path), ['/etc/nginx/sites-enabled/default']);
  t.is(
    plan.edits[0].after,
    site.replace('ssl_certificate_key /etc/ssl/hardtop-only/site.key;\n', 'ssl_certificate_key /etc/ssl/hardtop-only/site.key;\n\tssl_stapling on;\n\tssl_stapling_verify on;\n\tresolver 192.0.2.53 [2001:db8::53];\n'),
  );
  const outcome = await applyPlan(host, plan, { stateDir: '/var/lib/hardtop' });
  t.true(outcome.ok, JSON.stringify(outcome));
  t.true(fs.lstatSync(path.join(root, 'etc/nginx/sites-enabled/default')).isSymbolicLink(), 'the symlink stays a symlink');
  t.is(fs.readFileSync(path.join(root, 'etc/nginx/sites-available/default'), 'utf8'), plan.edits[0].after, 'the file it points to (under the root) changed');
  const u = await undo(host, { stateDir: '/var/lib/hardtop' });
  t.true(u.ok, JSON.stringify(u));
  t.is(fs.readFileSync(path.join(root, 'etc/nginx/sites-available/default'), 'utf8'), site);
});

test('tls.stapling is refused where no certificate has an OCSP URL (Let\'s Encrypt since 2025): needless, never added', async (t) => {
  const { host } = debianRoot(t);
  const plan = await staplingFix.plan(host, ctx);
  t.regex(plan.guard?.reason ?? '', /nothing to change: no TLS vhost serves a certificate with an OCSP URL \(site\.test:443\)/);
  t.deepEqual(plan.edits, []);
});

test('web.headers on Debian\'s layout: the include goes into the server (http has no add_header) and into the location with its own; the staged nginx -t reads the sysroot\'s files, so a broken edit is refused', async (t) => {
  const { host, site } = debianRoot(t);
  const plan = await headersFix.plan(host, ctx);
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.edits.map((e) => e.path), ['/etc/nginx/snippets/hardtop-security-headers.conf', '/etc/nginx/sites-enabled/default']);
  t.is(
    plan.edits[1].after,
    site
      .replace('server {\n', 'server {\n\tinclude snippets/hardtop-security-headers.conf;\n')
      .replace('\tlocation / {\n\t\tadd_header X-XSS-Protection "1; mode=block";\n', '\tlocation / {\n\t\tinclude snippets/hardtop-security-headers.conf;\n'),
  );
  t.deepEqual(await validateOnStagedCopy(host, plan.validate, plan.edits), { ok: true });
  // The same plan with an edit nginx refuses. If the staged check read this machine's
  // /etc/nginx/sites-available/default (the symlink's target, taken literally), it would pass.
  const edits = plan.edits.map((e) => (e.path.endsWith('default') ? { ...e, after: e.after.replace('root /var/www/html;', 'root /var/www/html; add_header;') } : e));
  const broken: Plan = { ...plan, edits, validate: [await nginxValidation(host, edits)] };
  const r = await validateOnStagedCopy(host, broken.validate, broken.edits);
  t.false(r.ok);
  if (!r.ok) t.regex(r.message, /invalid number of arguments in "add_header" directive in \/etc\/nginx\/sites-enabled\/default:\d+/);

  // Applied (no nginx runs for this root: nothing to reload), a second plan has nothing left to do.
  const outcome = await applyPlan(host, plan, { stateDir: '/var/lib/hardtop' });
  t.true(outcome.ok, JSON.stringify(outcome));
  const again = await headersFix.plan(host, ctx);
  t.regex(again.guard?.reason ?? '', /^nothing to change: every TLS vhost already sends the security headers/);
  t.deepEqual(again.edits, []);
});
