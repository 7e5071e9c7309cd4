// The nginx config parser against fixture files, and against nginx itself:
// every syntax fixture is also run through the real `nginx -t`, and the parser
// must agree with it on good/bad, the message and the line.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import {
  concreteNames,
  headersForRoot,
  loadNginxConfig,
  nginxModel,
  parseListen,
  parseNginxConf,
  redirectsForRoot,
  resolveConfPath,
  type NginxDirective,
  type NginxServer,
} from '../../src/parse/nginx-conf';

const FIX = path.resolve(__dirname, '../fixtures/nginx');
const SYNTAX = path.join(FIX, 'syntax');

function parseFile(name: string) {
  return parseNginxConf(fs.readFileSync(path.join(SYNTAX, name), 'utf8'), `/etc/nginx/${name}`);
}

function find(directives: NginxDirective[], name: string): NginxDirective[] {
  const out: NginxDirective[] = [];
  for (const d of directives) {
    if (d.name === name) out.push(d);
    if (d.block) out.push(...find(d.block, name));
  }
  return out;
}

/** Run the real nginx -t on a copy of a syntax fixture (with a throwaway cert for ugly.conf). */
function nginxVerdict(t: { teardown(fn: () => void): void }, name: string): { ok: boolean; message: string; line: number | null } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-nginx-t-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.copyFileSync(path.join(SYNTAX, name), path.join(dir, name));
  fs.mkdirSync(path.join(dir, 'certs'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'certs/site key.pem'), '-out', path.join(dir, 'certs/site.pem'), '-subj', '/CN=x', '-days', '2'], { stdio: 'ignore' });
  try {
    execFileSync('nginx', ['-t', '-c', path.join(dir, name), '-e', path.join(dir, 'err.log'), '-g', `pid ${dir}/pid;`], { stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, message: '', line: null };
  } catch (err) {
    const stderr = (err as { stderr: Buffer }).stderr.toString();
    const m = /\[emerg\] (.*) in .*:(\d+)/.exec(stderr);
    return { ok: false, message: m ? m[1] : stderr, line: m ? Number(m[2]) : null };
  }
}

// ---------------------------------------------------------------------------
// Tokens, as nginx reads them

test('ugly.conf: nginx accepts it, and so does the parser, word for word', (t) => {
  t.true(nginxVerdict(t, 'ugly.conf').ok, 'the fixture itself is valid for nginx');
  const p = parseFile('ugly.conf');
  t.deepEqual(p.errors, []);
  const maps = find(p.directives, 'map');
  t.deepEqual(maps[0].block!.map((d) => [d.name, ...d.args]), [['default', 'upgrade'], ['', 'close']]);
  t.deepEqual(maps[1].block!.map((d) => [d.name, ...d.args]), [['~^/old/(?<rest>.*)$', '/new/$rest'], ['/a#b', '/c']]);
  const logFormat = find(p.directives, 'log_format')[0];
  t.deepEqual(logFormat.args.slice(0, 2), ['main', '$remote_addr - $remote_user [$time_local] "$request" ']);
  t.is(logFormat.args[3], '"$http_user_agent" \t tab', 'escaped quotes and \\t inside double quotes');
  t.is(logFormat.line, 15, 'a directive is located at its first line');
  const names = find(p.directives, 'server_name')[0];
  t.deepEqual(names.args, ['site.test', 'www.site.test', '.alias.test']);
  t.is(names.line, 21);
  t.deepEqual(find(p.directives, 'ssl_certificate_key')[0].args, ['certs/site key.pem']);
  t.deepEqual(find(p.directives, 'add_header')[1].args, ['Content-Security-Policy', "default-src 'self'; script-src 'self' 'nonce-${request_id}'"]);
  const locations = find(p.directives, 'location');
  t.deepEqual(locations.map((l) => l.args), [['~', '^/a{2,3}$'], ['~*', '\\.(png|jpg)$'], ['=', '/'], ['/esc'], ['@named']]);
  const ifs = find(p.directives, 'if');
  t.deepEqual(ifs.map((d) => d.args), [['($request_method', '=', 'POST)'], ['($http_x', '=', 'a b', ')']]);
  const returns = find(p.directives, 'return').map((d) => d.args);
  t.true(returns.some((a) => a[1] === "it's"), "'it\\'s' unescapes");
  t.true(returns.some((a) => a[1] === 'a"b\\c'), '"a\\"b\\\\c" unescapes');
  t.is(find(p.directives, 'worker_processes')[0].args[0], 'auto', 'a comment after ; with braces and semicolons is ignored');
});

test('CRLF line endings parse like LF (nginx treats CR as space)', (t) => {
  t.true(nginxVerdict(t, 'crlf.conf').ok);
  const p = parseFile('crlf.conf');
  t.deepEqual(p.errors, []);
  const names = find(p.directives, 'server_name')[0];
  t.deepEqual(names.args, ['crlf.test']);
  t.is(names.line, 5);
});

for (const name of fs.readdirSync(SYNTAX).filter((n) => n.startsWith('bad-'))) {
  test(`${name}: the parser reports nginx's own error at nginx's line`, (t) => {
    const expected = nginxVerdict(t, name);
    t.false(expected.ok, 'nginx rejects the fixture');
    const p = parseFile(name);
    t.is(p.errors.length, 1);
    t.is(p.errors[0].line, expected.line ?? -1);
    t.true(p.errors[0].message.startsWith(`${expected.message} in /etc/nginx/${name}:${expected.line}`), `${p.errors[0].message} vs nginx: ${expected.message}`);
  });
}

test('the hint of an unclosed block names the block and where it opened', (t) => {
  const p = parseFile('bad-eof-block.conf');
  t.regex(p.errors[0].message, /the block "server" at line 3 is never closed/);
});

test('a quoted string followed by ) is fine, as in nginx `if` conditions', (t) => {
  const p = parseNginxConf('if ($a = "b") { return 403; }', '/x');
  t.deepEqual(p.errors, []);
  t.deepEqual(p.directives[0].args, ['($a', '=', 'b', ')']);
});

test('a word may hold "}" (nginx ends words only at space, ";" or "{")', (t) => {
  const p = parseNginxConf('set $x a}b;', '/x');
  t.deepEqual(p.errors, []);
  t.deepEqual(p.directives[0].args, ['$x', 'a}b']);
});

test('parsing never throws, whatever the bytes', (t) => {
  const samples = ['', '{', '}', ';', '"', "'", '\\', 'a "b', 'a {{', '${', '#', 'a\\', '\u0000{;}', 'x '.repeat(10000)];
  for (const s of samples) t.notThrows(() => parseNginxConf(s, '/x'), JSON.stringify(s.slice(0, 20)));
});

// ---------------------------------------------------------------------------
// listen

test('listen: addresses, ports and flags as nginx reads them', (t) => {
  const l = (spec: string) => parseListen({ name: 'listen', args: spec.split(' '), file: '/f', line: 1 });
  t.like(l('443 ssl http2 default_server'), { address: null, port: 443, ssl: true, http2: true, defaultServer: true });
  t.like(l('[::]:443 ssl'), { address: '::', port: 443, ssl: true });
  t.like(l('[::1]'), { address: '::1', port: 80 });
  t.like(l('127.0.0.1:8443'), { address: '127.0.0.1', port: 8443, ssl: false });
  t.like(l('*:80 default'), { address: null, port: 80, defaultServer: true });
  t.like(l('localhost'), { address: 'localhost', port: 80 });
  t.like(l('unix:/run/app.sock'), { unix: '/run/app.sock', port: 0 });
});

test('relative paths resolve against the nginx prefix /etc/nginx', (t) => {
  t.is(resolveConfPath('conf.d/*.conf'), '/etc/nginx/conf.d/*.conf');
  t.is(resolveConfPath('./b.pem'), '/etc/nginx/b.pem');
  t.is(resolveConfPath('/etc/ssl/x.pem'), '/etc/ssl/x.pem');
});

// ---------------------------------------------------------------------------
// Loading through the Host (includes, globs, --root)

test("Debian 12's stock config loads under --root: includes, an absolute symlink in sites-enabled, the default server", async (t) => {
  const host = createLocalHost({ root: path.join(FIX, 'debian12'), network: false });
  const config = await loadNginxConfig(host);
  t.deepEqual(config.errors, []);
  t.deepEqual(config.files, ['/etc/nginx/nginx.conf', '/etc/nginx/mime.types', '/etc/nginx/sites-enabled/default']);
  const model = nginxModel(config.directives);
  t.is(model.servers.length, 1);
  const s = model.servers[0];
  t.is(s.file, '/etc/nginx/sites-enabled/default', 'evidence keeps the host path of the included file');
  t.is(s.line, 21);
  t.false(s.tls);
  t.deepEqual(s.serverNames, ['_']);
  t.deepEqual(concreteNames(s), []);
  t.deepEqual(s.protocols, { value: ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'], file: '/etc/nginx/nginx.conf', line: 33 }, 'http-level ssl_protocols is inherited, with its line');
  t.deepEqual(s.preferServerCiphers, { value: true, file: '/etc/nginx/nginx.conf', line: 34 });
});

function server(servers: NginxServer[], name: string): NginxServer {
  const s = servers.find((x) => x.serverNames.includes(name));
  if (!s) throw new Error(`no server ${name}`);
  return s;
}

test('inheritance: ssl_* from http unless the server sets its own; add_header all-or-nothing per level', async (t) => {
  const host = createLocalHost({ root: path.join(FIX, 'inherit'), network: false });
  const config = await loadNginxConfig(host);
  t.deepEqual(config.errors, []);
  t.deepEqual(config.files, ['/etc/nginx/nginx.conf', '/etc/nginx/conf.d/10-a.conf', '/etc/nginx/conf.d/20-b.conf', '/etc/nginx/conf.d/30-plain.conf', '/etc/nginx/sites-enabled/c'], 'sorted glob, no .disabled file, no dot file');
  const model = nginxModel(config.directives);
  t.is(model.servers.length, 5);

  const a = server(model.servers, 'a.test');
  t.true(a.tls);
  t.deepEqual(a.certificates.map((c) => [c.certificate.value, c.key?.value, c.certificate.file, c.certificate.line]), [['/etc/ssl/http-level.pem', '/etc/ssl/http-level.key', '/etc/nginx/nginx.conf', 6]]);
  t.deepEqual(a.protocols?.value, ['TLSv1.2', 'TLSv1.3']);
  t.is(a.headers.from, 'http');
  t.deepEqual(a.headers.headers.map((h) => [h.name, h.always, h.line]), [['X-Frame-Options', false, 8], ['X-Content-Type-Options', true, 9]]);
  t.deepEqual(a.listens.map((l) => [l.address, l.port, l.ssl, l.http2]), [[null, 443, true, true], ['::', 443, true, false]]);

  const b = server(model.servers, 'b.test');
  t.deepEqual(b.certificates.map((c) => c.certificate.value), ['b.pem'], "the server's own ssl_certificate list replaces http's");
  t.deepEqual(b.protocols, { value: ['TLSv1', 'TLSv1.1', 'TLSv1.2'], file: '/etc/nginx/conf.d/20-b.conf', line: 6 });
  t.deepEqual(b.sessionTickets, { value: false, file: '/etc/nginx/conf.d/20-b.conf', line: 7 });
  t.deepEqual(b.preferServerCiphers?.line, 5, 'still inherited from http');
  t.is(b.headers.from, 'server');
  t.deepEqual(b.headers.headers.map((h) => h.name), ['Strict-Transport-Security']);
  t.deepEqual(b.headers.shadowed.map((h) => h.name), ['X-Frame-Options', 'X-Content-Type-Options'], 'the http-level headers b loses are named');
  const root = headersForRoot(b);
  t.is(root.from, 'location');
  t.deepEqual(root.headers.map((h) => h.name), ['X-Loc'], 'location / has its own add_header: it drops HSTS too');
  t.deepEqual(root.shadowed.map((h) => h.name), ['Strict-Transport-Security', 'X-Frame-Options', 'X-Content-Type-Options']);
  const api = b.locations.find((l) => l.path === '/api')!;
  t.is(api.headers.from, 'server', 'a location without add_header inherits the server level');

  const c = server(model.servers, 'c.test');
  t.truthy(c.sslOn);
  t.true(c.tls, 'legacy `ssl on;` makes a plain listen speak TLS');
  t.true(c.listens.every((l) => l.ssl));
  t.deepEqual(c.certificates.map((p) => [p.certificate.value, p.key?.value]), [['/etc/ssl/c-rsa.pem', '/etc/ssl/c-rsa.key'], ['/etc/ssl/c-ec.pem', '/etc/ssl/c-ec.key']]);
  t.is(c.ciphers?.value, 'ECDHE+AESGCM:!aNULL');

  const plainDefault = model.servers.find((s) => s.serverNames.includes('_'))!;
  t.false(plainDefault.tls);
  t.deepEqual(redirectsForRoot(plainDefault).map((r) => [r.code, r.target, r.directive]), [[301, 'https://$host$request_uri', 'return']]);
  const plainB = model.servers.find((s) => s.serverNames.includes('b.test') && !s.tls)!;
  t.deepEqual(redirectsForRoot(plainB).map((r) => [r.code, r.target, r.directive, r.line]), [[301, 'https://b.test$request_uri', 'rewrite', 10]]);
  t.deepEqual(concreteNames(b), ['b.test', 'www.b.test']);
});

function tempTree(t: { teardown(fn: () => void): void }, files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-nginx-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  }
  return root;
}

test('a missing plain include is an error at the include line; a glob that matches nothing is fine', async (t) => {
  const root = tempTree(t, { 'etc/nginx/nginx.conf': 'events {}\nhttp {\n  include /etc/nginx/none/*.conf;\n  include missing.conf;\n}\n' });
  const config = await loadNginxConfig(createLocalHost({ root, network: false }));
  t.is(config.errors.length, 1);
  t.deepEqual([config.errors[0].file, config.errors[0].line], ['/etc/nginx/nginx.conf', 4]);
  t.regex(config.errors[0].message, /open\(\) "\/etc\/nginx\/missing.conf" failed \(No such file or directory\) in \/etc\/nginx\/nginx.conf:4/);
});

test('a syntax error in an included file is reported in that file, with its line', async (t) => {
  const root = tempTree(t, { 'etc/nginx/nginx.conf': 'events {}\nhttp {\n  include conf.d/*.conf;\n}\n', 'etc/nginx/conf.d/x.conf': 'server {\n  listen 443 ssl\n}\n' });
  const config = await loadNginxConfig(createLocalHost({ root, network: false }));
  t.deepEqual(config.errors.map((e) => [e.file, e.line]), [['/etc/nginx/conf.d/x.conf', 3]]);
});

test('an include loop is an error, not a hang', async (t) => {
  const root = tempTree(t, { 'etc/nginx/nginx.conf': 'events {}\nhttp {\n  include a.conf;\n}\n', 'etc/nginx/a.conf': 'include b.conf;\n', 'etc/nginx/b.conf': 'include a.conf;\n' });
  const config = await loadNginxConfig(createLocalHost({ root, network: false }));
  t.is(config.errors.length, 1);
  t.regex(config.errors[0].message, /include loop/);
});

test('an absolute include under --root stays inside the root', async (t) => {
  const root = tempTree(t, { 'etc/nginx/nginx.conf': 'events {}\nhttp {\n  include /etc/nginx/sites-enabled/*;\n}\n', 'etc/nginx/sites-enabled/x': 'server { listen 443 ssl; server_name inside.test; }\n' });
  const config = await loadNginxConfig(createLocalHost({ root, network: false }));
  t.deepEqual(config.errors, []);
  t.deepEqual(nginxModel(config.directives).servers.map((s) => s.serverNames), [['inside.test']]);
});

test('a server without listen gets nginx default *:80', (t) => {
  const p = parseNginxConf('http { server { server_name x.test; } }', '/etc/nginx/nginx.conf');
  const s = nginxModel(p.directives).servers[0];
  t.like(s.listens[0], { address: null, port: 80, ssl: false, implicit: true });
});
