// The Apache parser (src/parse/apache-conf.ts) on a Debian 12 /etc/apache2
// fixture root (test/fixtures/roots/apache-deb12: stock apache2.conf,
// ports.conf, mods-enabled and conf-enabled relative symlinks, the stock
// default-ssl site, and an admin's ugly site reached through an ABSOLUTE
// symlink), read through a --root Host; plus the syntax httpd refuses, with
// file:line, and the pieces (words, SSLProtocol, addresses, headers).
// No live Apache: apache2 is not installed here.

import test from 'ava';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import { apacheModel, apacheNames, apacheProtocols, apacheWords, effectiveApacheHeaders, loadApacheConfig, parseApacheAddress, parseApacheConf, type ApacheConfigSource } from '../../src/parse/apache-conf';
import type { ReadResult } from '../../src/host/host';
import { checks as tlsChecks } from '../../checks/tls/index';
import { applyLineEdits, lineProblem } from '../../checks/tls/apache-fix';
import { protocolsFix } from '../../checks/tls/fix-protocols';
import { checks as webChecks } from '../../checks/web/index';
import { evidencePathsAreHostPaths } from './updates-reboot-helpers';

const ROOT = path.resolve(__dirname, '../fixtures/roots/apache-deb12');

function memory(files: Record<string, string>, dirs: string[] = []): ApacheConfigSource {
  return {
    async read(p: string): Promise<ReadResult> {
      if (dirs.includes(p)) return { ok: false, reason: 'not-a-file', message: 'is a directory' };
      const text = files[p];
      return text === undefined ? { ok: false, reason: 'missing', message: 'No such file or directory' } : { ok: true, text, stat: { kind: 'file', size: text.length, mode: 0o644, uid: 0, gid: 0, mtimeMs: 0 } };
    },
    async glob(pattern: string) {
      const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      return [...Object.keys(files), ...dirs].filter((p) => re.test(p)).sort();
    },
  };
}

test('Debian 12 layout under --root: includes (globs, a directory, optional misses), symlinks, IfModule by LoadModule; every vhost with file:line', async (t) => {
  const host = createLocalHost({ root: ROOT, network: false });
  const config = await loadApacheConfig(host);
  t.deepEqual(config.errors, []);
  t.deepEqual(config.files, [
    '/etc/apache2/apache2.conf',
    '/etc/apache2/mods-enabled/headers.load',
    '/etc/apache2/mods-enabled/socache_shmcb.load',
    '/etc/apache2/mods-enabled/ssl.load',
    '/etc/apache2/mods-enabled/ssl.conf',
    '/etc/apache2/ports.conf',
    '/etc/apache2/conf-enabled/hardening.conf',
    '/etc/apache2/conf-enabled/security.conf',
    '/etc/apache2/sites-enabled/000-default.conf',
    '/etc/apache2/sites-enabled/default-ssl.conf',
    '/etc/apache2/sites-enabled/zz-ugly.conf',
    '/etc/apache2/extra.d/10-a.conf',
    '/etc/apache2/extra.d/sub/20-b.conf',
  ]);
  const model = apacheModel(config.directives);
  t.deepEqual(model.listens.map((l) => [l.value, l.file, l.line]), [['80', '/etc/apache2/ports.conf', 1], ['443', '/etc/apache2/ports.conf', 4]], 'IfModule ssl_module holds, mod_gnutls.c does not');
  t.deepEqual(model.stapling, { value: true, file: '/etc/apache2/extra.d/sub/20-b.conf', line: 1 });
  t.deepEqual(
    model.vhosts.map((v) => [v.file, v.line, v.addresses.map((a) => [a.address, a.port]), v.serverName?.value ?? null, apacheNames(v), v.sslEngine?.value ?? null, v.protocols]),
    [
      ['/etc/apache2/sites-enabled/000-default.conf', 1, [[null, 80]], null, [], null, ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']],
      ['/etc/apache2/sites-enabled/default-ssl.conf', 2, [[null, 443]], 'site.test', ['site.test', 'www.site.test'], true, ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']],
      ['/etc/apache2/sites-enabled/zz-ugly.conf', 2, [['127.0.0.1', 8443], ['::1', 8443]], 'Ugly.Test', ['ugly.test', 'alias1.test', 'alias2.test'], true, ['TLSv1.2', 'TLSv1.3']],
      ['/etc/apache2/sites-enabled/zz-ugly.conf', 23, [[null, 443]], 'old.test', ['old.test'], true, ['TLSv1', 'TLSv1.1']],
    ],
  );
  const [, ssl, ugly] = model.vhosts;
  // The global SSLProtocol of mods-enabled/ssl.conf is what default-ssl inherits; it names the line.
  t.deepEqual(ssl.protocol, { value: ['all', '-SSLv3'], file: '/etc/apache2/mods-enabled/ssl.conf', line: 14 });
  t.deepEqual([ssl.certificateFile?.value, ssl.keyFile?.value, ssl.chainFile], ['/etc/ssl/certs/ssl-cert-snakeoil.pem', '/etc/ssl/private/ssl-cert-snakeoil.key', null]);
  t.deepEqual([ugly.certificateFile?.value, ugly.keyFile?.value], ['/etc/ssl/ugly dir/cert.pem', '/etc/ssl/ugly dir/key.pem']);
  t.true(ugly.sslEngine?.value, '<IfModule !mod_ssl.c> does not hold: SSLEngine off inside it is not applied');
  t.false(apacheNames(ugly).includes('hidden.test'), 'IfDefine of an undefined name does not hold');
  t.true(model.assumed.some((a) => /NOT_DEFINED_ANYWHERE/.test(a)));
  // Headers: the server config's (conf-enabled/hardening.conf, inside IfModule mod_headers.c) first, then the vhost's.
  t.deepEqual(
    effectiveApacheHeaders(ugly.headers).map((h) => [h.name, h.value, h.always, h.level, `${h.file}:${h.line}`]),
    [
      ['Strict-Transport-Security', 'max-age=63072000; includeSubDomains', true, 'server', '/etc/apache2/conf-enabled/hardening.conf:2'],
      ['Content-Security-Policy', "default-src 'self'; script-src 'self'", true, 'vhost', '/etc/apache2/sites-enabled/zz-ugly.conf:10'],
      ['X-Tag', '#only-a-comment-at-the-start-of-a-line', false, 'vhost', '/etc/apache2/sites-enabled/zz-ugly.conf:11'],
      ['X-Frame-Options', 'SAMEORIGIN', false, 'vhost', '/etc/apache2/sites-enabled/zz-ugly.conf:13'],
      ['Referrer-Policy', 'no-referrer"quoted"', false, 'vhost', '/etc/apache2/sites-enabled/zz-ugly.conf:14'],
    ],
    'X-XSS-Protection from the server config is unset by the vhost',
  );
  t.deepEqual(effectiveApacheHeaders(ssl.headers).map((h) => h.name), ['Strict-Transport-Security', 'X-XSS-Protection']);
});

test('words as ap_getword_conf splits them: quotes, escapes of the quote and backslash only, an unterminated quote runs to the end', (t) => {
  t.deepEqual(apacheWords(`  set X-A "a b" 'c "d"' "e\\"f" g\\\\h "i\\j" "open ended`), ['set', 'X-A', 'a b', 'c "d"', 'e"f', 'g\\h', 'i\\j', 'open ended']);
  t.deepEqual(apacheWords(''), []);
});

test('SSLProtocol as mod_ssl reads it: a bare name replaces, +/- add and remove, "all" is TLS 1.0-1.3 here', (t) => {
  t.deepEqual(apacheProtocols(['all', '-SSLv3']), ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
  t.deepEqual(apacheProtocols(['all', '-SSLv3', '-TLSv1', '-TLSv1.1']), ['TLSv1.2', 'TLSv1.3']);
  t.deepEqual(apacheProtocols(['-all', '+TLSv1.3']), ['TLSv1.3']);
  t.deepEqual(apacheProtocols(['TLSv1.2', 'TLSv1.3']), ['TLSv1.3'], 'no prefix: the second replaces the first (httpd warns about it)');
  t.deepEqual(apacheProtocols(['+SSLv3', '+TLSv1.2']), ['SSLv3', 'TLSv1.2']);
  t.deepEqual(apacheProtocols(['nonsense']), []);
});

test('addresses of <VirtualHost>', (t) => {
  t.deepEqual(parseApacheAddress('*:443'), { address: null, port: 443, text: '*:443' });
  t.deepEqual(parseApacheAddress('_default_:443'), { address: null, port: 443, text: '_default_:443' });
  t.deepEqual(parseApacheAddress('[2001:db8::1]:8443'), { address: '2001:db8::1', port: 8443, text: '[2001:db8::1]:8443' });
  t.deepEqual(parseApacheAddress('192.0.2.1'), { address: '192.0.2.1', port: null, text: '192.0.2.1' });
  t.deepEqual(parseApacheAddress('*:*'), { address: null, port: null, text: '*:*' });
});

test('what httpd refuses: file:line and httpd\'s wording', (t) => {
  const err = (text: string) => parseApacheConf(text, '/etc/apache2/sites-enabled/x.conf').errors.map((e) => e.message);
  t.deepEqual(err('<VirtualHost *:443>\n  ServerName a\n'), ['/etc/apache2/sites-enabled/x.conf:1: <VirtualHost> was not closed.']);
  t.deepEqual(err('<VirtualHost *:443>\n<Directory />\n</VirtualHost>\n'), ['/etc/apache2/sites-enabled/x.conf:3: Expected </Directory> but saw </VirtualHost>']);
  t.deepEqual(err('ServerName a\n</Directory>\n'), ['/etc/apache2/sites-enabled/x.conf:2: </directory> without matching <directory> section']);
  t.deepEqual(err('<VirtualHost *:443\n'), ["/etc/apache2/sites-enabled/x.conf:1: <VirtualHost> directive missing closing '>'"]);
  t.deepEqual(err('# comment\n  <virtualhost *:1>\n  </VIRTUALHOST>\n'), [], 'section names are case-insensitive');
  // A continuation line keeps the statement's first line; the next statement gets its own.
  const p = parseApacheConf('ServerAlias a \\\n  b \\\n  c\nServerName d\n', '/x');
  t.deepEqual(p.directives.map((d) => [d.key, d.args, d.line]), [['serveralias', ['a', 'b', 'c'], 1], ['servername', ['d'], 4]]);
});

test('Include semantics: a missing file or an empty wildcard fails Include, not IncludeOptional; loops and errors in included files name the file', async (t) => {
  const main = '/etc/apache2/apache2.conf';
  const load = (files: Record<string, string>, dirs: string[] = []) => loadApacheConfig(memory(files, dirs)).then((c) => c.errors.map((e) => e.message));
  t.deepEqual(await load({ [main]: 'Include sites-enabled/*.conf\n' }), ["/etc/apache2/apache2.conf:1: No matches for the wildcard '*.conf' in '/etc/apache2/sites-enabled', failing (use IncludeOptional if required)"]);
  t.deepEqual(await load({ [main]: 'IncludeOptional sites-enabled/*.conf\nIncludeOptional nothing.conf\n' }), []);
  t.deepEqual(await load({ [main]: 'Include missing.conf\n' }), ['/etc/apache2/apache2.conf:1: Could not open configuration file /etc/apache2/missing.conf: No such file or directory']);
  t.deepEqual(await load({ [main]: 'Include a.conf\n', '/etc/apache2/a.conf': 'Include apache2.conf\n' }), ['/etc/apache2/a.conf:1: include loop: /etc/apache2/apache2.conf includes itself']);
  t.deepEqual(await load({ [main]: '<VirtualHost *:443>\nInclude v.conf\n</VirtualHost>\n', '/etc/apache2/v.conf': '<Directory />\n' }), ['/etc/apache2/v.conf:1: <Directory> was not closed.']);
  // ServerRoot moves relative includes; an include inside a vhost lands inside it.
  const c = await loadApacheConfig(memory({ [main]: 'ServerRoot /srv/httpd\n<VirtualHost *:443>\nInclude tls.conf\n</VirtualHost>\n', '/srv/httpd/tls.conf': 'SSLEngine on\nServerName in.test\n' }));
  t.deepEqual(c.errors, []);
  const v = apacheModel(c.directives).vhosts[0];
  t.deepEqual([v.sslEngine, v.serverName?.value], [{ value: true, file: '/srv/httpd/tls.conf', line: 1 }, 'in.test']);
});

test('the parser never throws, whatever the bytes', (t) => {
  for (const text of ['<', '</>', '<>', '\\', '"', "'", '<VirtualHost "*:443>', 'Header', 'Header always', '\u0000\u001b[2J', '<a>\n'.repeat(50)]) {
    t.notThrows(() => apacheModel(parseApacheConf(text, '/x').directives));
  }
});

// ---------------------------------------------------------------------------
// The tls and web checks on the Apache root (offline: no apache2 runs here)


const offline = { now: new Date('2026-11-28T12:00:00Z'), network: false, signal: new AbortController().signal };

test('Apache vhosts join the tls inventory: protocols judged from SSLProtocol with the Apache line as evidence', async (t) => {
  const host = createLocalHost({ root: ROOT, network: false });
  const f = await tlsChecks.find((c) => c.id === 'tls.protocols')!.run(host, offline);
  t.deepEqual(
    f.items?.map((i) => [i.subject, i.status, i.evidence[0]]),
    [
      ['site.test:443', 'fail', { file: '/etc/apache2/mods-enabled/ssl.conf', line: 14, text: 'SSLProtocol all -SSLv3' }],
      ['ugly.test:8443', 'pass', { file: '/etc/apache2/sites-enabled/zz-ugly.conf', line: 7, text: 'SSLProtocol -all +TLSv1.2 +tlsv1.3' }],
      ['old.test:443', 'fail', { file: '/etc/apache2/sites-enabled/zz-ugly.conf', line: 26, text: 'SSLProtocol TLSv1 +TLSv1.1' }],
    ],
  );
  t.deepEqual(f.fixes, ['tls.protocols'], 'tls.protocols edits Apache too');
  const plan = await protocolsFix.plan(host, offline);
  t.is(plan.guard, undefined, plan.guard?.reason);
  // The line in effect for each failing vhost: the server config's (mods-enabled/ssl.conf, through its symlink) and old.test's own; indentation kept.
  t.deepEqual(
    plan.edits.map((e) => [e.path, e.before!.split('\n').filter((l, i) => e.after.split('\n')[i] !== l), e.after.split('\n').filter((l, i) => e.before!.split('\n')[i] !== l)]),
    [
      ['/etc/apache2/mods-enabled/ssl.conf', ['\tSSLProtocol all -SSLv3'], ['\tSSLProtocol -all +TLSv1.2 +TLSv1.3']],
      ['/etc/apache2/sites-enabled/zz-ugly.conf', ['    SSLProtocol TLSv1 +TLSv1.1'], ['    SSLProtocol -all +TLSv1.2 +TLSv1.3']],
    ],
  );
  t.deepEqual(plan.validate.map((v) => [v.argv, v.stage]), [[['env', 'APACHE_CONFDIR={stage}/etc/apache2', 'apache2ctl', 'configtest'], ['/etc/apache2']]]);
  t.deepEqual(plan.commands, [], 'Apache does not run in this tree: nothing to reload, and the preview says so');
  t.true(plan.warnings.some((w) => /Apache does not seem to run \(no pid in \/var\/run\/apache2\/apache2.pid\)/.test(w)));
});

test('applyLineEdits and lineProblem: indentation and line endings kept, a new line after <VirtualHost>, continued lines refused', (t) => {
  t.is(applyLineEdits('a\r\n  SSLProtocol all\r\nz', [{ line: 2, kind: 'replace', text: 'SSLProtocol -all +TLSv1.2' }]), 'a\r\n  SSLProtocol -all +TLSv1.2\r\nz');
  t.is(applyLineEdits('<VirtualHost *:443>\n\tServerName a\n</VirtualHost>\n', [{ line: 1, kind: 'insert-after', text: 'SSLProtocol X' }]), '<VirtualHost *:443>\n\tSSLProtocol X\n\tServerName a\n</VirtualHost>\n');
  t.is(applyLineEdits('<VirtualHost *:443>', [{ line: 1, kind: 'insert-after', text: 'S' }]), '<VirtualHost *:443>\n  S\n', 'no final newline: one is added');
  t.is(lineProblem('SSLProtocol all \\\n  -SSLv3\n', 1, 'SSLProtocol'), 'line 1 is continued with "\\": edit it by hand');
  t.is(lineProblem('  sslprotocol all\n', 1, 'SSLProtocol'), null);
  t.is(lineProblem('ServerName a\n', 1, 'SSLProtocol'), 'line 1 does not start with SSLProtocol');
});

test('Apache: the certificate files named by SSLCertificateFile are judged (expiry, names, keys, chain), with the Apache lines as evidence', async (t) => {
  const host = createLocalHost({ root: ROOT, network: false });
  const run = (id: string) => tlsChecks.find((c) => c.id === id)!.run(host, offline);
  const expiry = await run('tls.cert.expiry');
  t.is(expiry.status, 'pass', expiry.summary);
  t.deepEqual(expiry.items?.map((i) => i.subject), ['/etc/ssl/certs/ssl-cert-snakeoil.pem', '/etc/ssl/ugly dir/cert.pem', '/etc/ssl/certs/old.pem']);
  const snakeoil = expiry.items![0];
  t.true(snakeoil.evidence.some((e) => e.file === '/etc/apache2/sites-enabled/default-ssl.conf' && e.line === 10 && e.text === 'SSLCertificateFile /etc/ssl/certs/ssl-cert-snakeoil.pem'), JSON.stringify(snakeoil.evidence));
  // ServerName + ServerAlias must be covered; the wildcard alias is not a name to check.
  const names = await run('tls.cert.hostname');
  t.is(names.status, 'pass', names.summary);
  t.deepEqual(names.items![1].evidence, [
    { file: '/etc/apache2/sites-enabled/zz-ugly.conf', line: 2, text: '<VirtualHost 127.0.0.1:8443 [::1]:8443> ServerName Ugly.Test' },
    { file: '/etc/apache2/sites-enabled/zz-ugly.conf', line: 3, text: 'ServerName Ugly.Test (ServerAlias alias1.test alias2.test *.wild.test)' },
  ]);
  t.is((await run('tls.cert.key')).status, 'pass');
  t.is((await run('tls.cert.chain')).status, 'pass', 'verifies to the root\'s own trust store');
});

test('Apache root × every tls and web check: exactly one well-formed finding, host paths only, never a throw', async (t) => {
  for (const check of [...tlsChecks, ...webChecks]) {
    const f = await check.run(createLocalHost({ root: ROOT, network: false }), offline);
    t.is(f.id, check.id);
    t.true(f.summary.length > 0 && !/[\r\n]/.test(f.summary), check.id);
    t.not(f.status, 'error', `${check.id}: ${f.summary}`);
    t.true(evidencePathsAreHostPaths(f), check.id);
  }
});
