// The staged `nginx -t` under --root reads every file nginx reads from the
// SYSROOT, never from this machine (checks/tls/nginx-stage.ts READ_FILES).
// Each case is a sysroot whose nginx.conf names a file by an absolute path
// that EXISTS on this machine (a temp file the test made) but not under the
// root: the staged check must fail, as nginx on that system would. Then the
// same file is copied under the root and the staged check must pass. A staged
// check that read this machine's path would pass the first half.
// The REAL nginx -t of this machine runs; nothing is bound or started.

import test from 'ava';
import * as crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import { validateOnStagedCopy } from '../../src/fix/validate';
import { nginxValidation, stagedText } from '../../checks/tls/nginx-stage';
import { ocspResponse, writeIndex } from '../helpers/ocsp';
import { createTestCa } from '../helpers/test-ca';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-tls-stagefiles-'));
test.after.always(() => fs.rmSync(work, { recursive: true, force: true }));

/** Files on THIS machine, at absolute paths the sysroot configs name. */
const hostDir = path.join(work, 'host-files');
const P = (name: string) => path.join(hostDir, name);

test.before(() => {
  fs.mkdirSync(hostDir);
  const ca = createTestCa(path.join(work, 'ca'));
  const site = ca.issue({ name: 'site', sans: ['site.test'], key: 'ec256', ocspUrl: 'http://127.0.0.1:9/' });
  const index = path.join(work, 'ca', 'index-ocsp.txt');
  writeIndex(index, [{ issued: site }]);
  fs.writeFileSync(P('site.pem'), site.certPem + ca.intermediatePem);
  fs.writeFileSync(P('site.key'), site.keyPem, { mode: 0o600 });
  fs.writeFileSync(P('ca.pem'), ca.rootPem + ca.intermediatePem);
  // nginx loads a CRL file with X509_load_cert_crl_file: certificates count as content, so a CA file stands in.
  fs.writeFileSync(P('crl.pem'), ca.rootPem);
  execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', P('dh.pem')], { stdio: 'ignore' });
  fs.writeFileSync(P('ticket.key'), crypto.randomBytes(80));
  fs.writeFileSync(P('password.txt'), 'unused\n');
  fs.writeFileSync(P('htpasswd'), 'admin:$apr1$x$y\n');
  fs.writeFileSync(P('ocsp.der'), ocspResponse(ca, { cert: site, index }));
  fs.writeFileSync(P('headers.conf'), 'add_header X-Included yes;\n');
  fs.writeFileSync(P('map.conf'), 'default 0;\n/x 1;\n');
  fs.writeFileSync(P('geo.conf'), 'default 0;\n127.0.0.1 1;\n');
});

interface Case {
  /** The directive whose file is under test. */
  name: string;
  file: string;
  /** Lines for the server block (the site's certificate lines are added unless `ownCert`). */
  server?: string;
  /** Lines for the http block. */
  http?: string;
  ownCert?: boolean;
}

const upstreams: Array<[string, string]> = [
  ['proxy', 'proxy_pass https://127.0.0.1:9;'],
  ['grpc', 'grpc_pass grpcs://127.0.0.1:9;'],
  ['uwsgi', 'uwsgi_pass suwsgi://127.0.0.1:9;'],
];

const cases: Case[] = [
  { name: 'ssl_certificate', file: 'site.pem', ownCert: true, server: `ssl_certificate ${P('site.pem')}; ssl_certificate_key certs/site.key;` },
  { name: 'ssl_certificate_key', file: 'site.key', ownCert: true, server: `ssl_certificate certs/site.pem; ssl_certificate_key ${P('site.key')};` },
  { name: 'ssl_trusted_certificate', file: 'ca.pem', server: `ssl_trusted_certificate ${P('ca.pem')};` },
  { name: 'ssl_client_certificate', file: 'ca.pem', server: `ssl_verify_client optional; ssl_client_certificate ${P('ca.pem')};` },
  { name: 'ssl_crl', file: 'crl.pem', server: `ssl_crl ${P('crl.pem')};` },
  { name: 'ssl_dhparam', file: 'dh.pem', server: `ssl_dhparam ${P('dh.pem')};` },
  { name: 'ssl_password_file', file: 'password.txt', server: `ssl_password_file ${P('password.txt')};` },
  { name: 'ssl_session_ticket_key', file: 'ticket.key', server: `ssl_session_ticket_key ${P('ticket.key')};` },
  { name: 'ssl_stapling_file', file: 'ocsp.der', server: `ssl_stapling on; ssl_stapling_file ${P('ocsp.der')};` },
  ...upstreams.flatMap(([u, pass]): Case[] => [
    { name: `${u}_ssl_certificate`, file: 'site.pem', server: `location / { ${pass} ${u}_ssl_certificate ${P('site.pem')}; ${u}_ssl_certificate_key certs/site.key; }` },
    { name: `${u}_ssl_certificate_key`, file: 'site.key', server: `location / { ${pass} ${u}_ssl_certificate certs/site.pem; ${u}_ssl_certificate_key ${P('site.key')}; }` },
    { name: `${u}_ssl_trusted_certificate`, file: 'ca.pem', server: `location / { ${pass} ${u}_ssl_verify on; ${u}_ssl_trusted_certificate ${P('ca.pem')}; }` },
    // The CRL is read only when the upstream's certificate is verified.
    { name: `${u}_ssl_crl`, file: 'crl.pem', server: `location / { ${pass} ${u}_ssl_verify on; ${u}_ssl_trusted_certificate certs/ca.pem; ${u}_ssl_crl ${P('crl.pem')}; }` },
    { name: `${u}_ssl_password_file`, file: 'password.txt', server: `location / { ${pass} ${u}_ssl_password_file ${P('password.txt')}; }` },
  ]),
  { name: 'include', file: 'headers.conf', server: `include ${P('headers.conf')};` },
  { name: 'include in map', file: 'map.conf', http: `map $uri $hardtop_m { include ${P('map.conf')}; }` },
  { name: 'include in geo', file: 'geo.conf', http: `geo $hardtop_g { include ${P('geo.conf')}; }` },
];

function sysroot(c: Case): string {
  const root = fs.mkdtempSync(path.join(work, 'root-'));
  const conf = path.join(root, 'etc/nginx');
  fs.mkdirSync(path.join(conf, 'certs'), { recursive: true });
  // The sysroot's own copies (relative paths), so only the file under test is named absolutely.
  for (const f of ['site.pem', 'site.key', 'ca.pem']) fs.copyFileSync(P(f), path.join(conf, 'certs', f));
  const cert = c.ownCert ? '' : 'ssl_certificate certs/site.pem;\n    ssl_certificate_key certs/site.key;\n    ';
  fs.writeFileSync(
    path.join(conf, 'nginx.conf'),
    `pid /run/nginx.pid;
error_log /var/log/nginx/error.log;
events {}
http {
  access_log off;
  client_body_temp_path /var/lib/nginx/body;
  proxy_temp_path /var/lib/nginx/proxy;
  fastcgi_temp_path /var/lib/nginx/fastcgi;
  uwsgi_temp_path /var/lib/nginx/uwsgi;
  scgi_temp_path /var/lib/nginx/scgi;
  ${c.http ?? ''}
  server {
    listen 443 ssl;
    server_name site.test;
    ${cert}${c.server ?? ''}
  }
}
`,
  );
  return root;
}

for (const c of cases) {
  test(`${c.name}: the staged nginx -t reads the sysroot's file, not this machine's at the same path`, async (t) => {
    const root = sysroot(c);
    const host = createLocalHost({ root, network: false });
    t.true(fs.existsSync(P(c.file)), 'the absolute path exists on this machine');

    const missing = await validateOnStagedCopy(host, [await nginxValidation(host, [])], []);
    t.false(missing.ok, `${c.name}: the file is not under the root, so nginx -t must fail`);
    if (!missing.ok) t.true(missing.message.includes(path.join(root, P(c.file))) || missing.message.includes(P(c.file)), missing.message);

    fs.mkdirSync(path.join(root, hostDir), { recursive: true });
    fs.copyFileSync(P(c.file), path.join(root, P(c.file)));
    t.deepEqual(await validateOnStagedCopy(host, [await nginxValidation(host, [])], []), { ok: true }, `${c.name}: with the sysroot's copy it passes`);
  });
}

test('auth_basic_user_file (read per request, not by nginx -t) is still pointed at the sysroot copy', (t) => {
  const host = createLocalHost({ root: '/srv/r', network: false });
  const text = `server {\n  auth_basic x;\n  auth_basic_user_file ${P('htpasswd')};\n  proxy_ssl_crl ${P('crl.pem')};\n  ssl_ecdh_curve X25519:prime256v1;\n}\n`;
  const out = stagedText(host, text, '/etc/nginx/nginx.conf', '/stage', { n: 0 });
  t.true(out.includes(`auth_basic_user_file /srv/r${P('htpasswd')};`), out);
  t.true(out.includes(`proxy_ssl_crl /srv/r${P('crl.pem')};`), out);
  t.true(out.includes('ssl_ecdh_curve X25519:prime256v1;'), 'curve names are not files: left alone');
});
