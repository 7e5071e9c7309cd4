// Every parser meets untrusted text (issue 11): property-based, no input may
// make one throw, and pathological input (million-character lines, deep
// nesting, huge line counts) must finish in about linear time.
// HARDTOP_FUZZ_RUNS raises the case count (`npm run fuzz`).
//
// Covered elsewhere in test/fuzz: der, sct, tls-feature (der.fuzz), apt-packages,
// apt-preferences, apt-release, proc-maps (apt-lists-proc.fuzz), sshd-accepted
// (ssh-rotate.fuzz). Every other src/parse module is fuzzed here.
import test from 'ava';
import * as fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileStat } from '../../src/host/host';
import { mergeAptConf, parseAptConf } from '../../src/parse/apt-conf';
import { describeOptions, parseAuthorizedKeys } from '../../src/parse/authorized-keys';
import { compareDebianVersions } from '../../src/parse/deb-version';
import { parseDpkgStatus } from '../../src/parse/dpkg-status';
import { isPong, parseBanListWithTime, parseJailStatus, parseServerStatus } from '../../src/parse/fail2ban-client';
import { getOption, includesOf, logpathEntries, mergeIniFiles, splitWords, str2seconds } from '../../src/parse/fail2ban-config';
import { parseFail2banIni } from '../../src/parse/fail2ban-ini';
import { formatIpNet, parseIpNet, sshClientAddress } from '../../src/parse/fail2ban-ipaddr';
import { failuresInWindow, parseLogLine } from '../../src/parse/fail2ban-log';
import { concreteNames, headersForRoot, loadNginxConfig, nginxModel, type NginxConfigSource, parseNginxConf, redirectsForRoot } from '../../src/parse/nginx-conf';
import { describeProtection, looksLikePrivateKey, parsePrivateKey } from '../../src/parse/openssh-private-key';
import { opensslErrorReason, parseOpensslOcsp } from '../../src/parse/openssl-ocsp';
import { parsePasswd } from '../../src/parse/passwd';
import { rebaseRkhunterConf, parseRkhunterConf, rkhList, rkhSingle } from '../../src/parse/rkhunter-conf';
import { parseRkhunterDat } from '../../src/parse/rkhunter-dat';
import { cronYes, parseDefaultFile, shellVar } from '../../src/parse/rkhunter-default';
import { lastRunOf, parseRkhDate, parseRkhunterLog } from '../../src/parse/rkhunter-log';
import { parseSct } from '../../src/parse/sct';
import { loadSshConfig } from '../../src/parse/ssh-config';
import { decodeBase64Strict, describePublicKeyBlob } from '../../src/parse/ssh-key-blob';
import { type ConfigSource, loadSshdConfig } from '../../src/parse/sshd-config';
import { parseSshdDiagnostics, parseSshdT } from '../../src/parse/sshd-t';
import { parseUnattendedUpgradesLog } from '../../src/parse/unattended-upgrades-log';

const RUNS = Number(process.env.HARDTOP_FUZZ_RUNS ?? 2000);
/**
 * Generous: a parser that is quadratic on these inputs (200,000 lines: ~10^10
 * steps) takes many minutes. Linear ones take 0.1-5 s here when idle; the
 * budget leaves room for a CI machine running other test files at load 10
 * (8 s was exceeded there by linear code) without letting quadratic code pass.
 */
const PATHOLOGICAL_BUDGET_MS = 30_000;

/** Text built from the tokens a format cares about, so the fuzz reaches deep code paths. */
function tokenText(tokens: string[]): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 })), { maxLength: 60 })
    .map((parts) => parts.join(''));
}

const FIX = path.join(__dirname, '..', 'fixtures');
/** A real file (or its head: the fuzz wants many cases, not big ones). */
function fixture(rel: string, max = 4000): string {
  return fs.readFileSync(path.join(FIX, rel), 'utf8').slice(0, max);
}

/** The setting lines of a heavily commented real file (its head is all comments). */
function settingsOf(rel: string): string {
  return fixture(rel, Infinity)
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');
}

const EDIT_ALPHABET = ['\n', '\r', ' ', '\t', '=', ':', ';', '"', "'", '\\', '#', '{', '}', '[', ']', '%', '(', ')', ',', '/', '*', 'a', '0', '\0', '\x1b', '\u00e9'];

/** A real file with a few random edits: the interesting failures sit one character away from a valid file. */
function mutated(real: string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...real), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...EDIT_ALPHABET), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 8 }))
    .map(([text, edits]) => {
      let s = text;
      for (const [at, ch, op] of edits) {
        const i = at % (s.length + 1);
        if (op === 'insert') s = s.slice(0, i) + ch + s.slice(i);
        else if (op === 'set') s = s.slice(0, i) + ch + s.slice(i + 1);
        else s = s.slice(0, i) + s.slice(i + 1);
      }
      return s;
    });
}

const APT_TOKENS = ['APT::Periodic::', 'Unattended-Upgrade', ' "1";', '"0"', '{', '}', ';', '//', '/*', '*/', '#clear ', '#include ', '::', '"', '\n', '\t', '\\'];
const DPKG_TOKENS = ['Package: ', 'Status: install ok installed', 'Version: 1:2.3-4', '\n', '\n\n', ' ', ':', 'Architecture: amd64'];
const SSHD_TOKENS = ['Include ', 'Match ', 'User ', 'All', 'PasswordAuthentication', ' yes', ' no', '=', '"', '#', '\n', '\r\n', '\t', '*', '/etc/ssh/sshd_config.d/', 'sshd_config', 'HostKey ', '\\'];
const SSH_TOKENS = ['Include ', 'Host ', 'Match ', 'host ', 'exec ', 'canonical', 'final', 'all', '!', '*', '?', ',', 'ssh_config.d/*.conf', '~/', '~bob/', 'StrictHostKeyChecking', 'IgnoreUnknown ', 'Ciphers ', '+aes128-ctr', ' yes', '=', '"', '#', '\n', '\r\n', '\t', '\\'];
const SSHDT_TOKENS = ['permitrootlogin ', 'kexalgorithms ', 'a,b,c', '\n', ' ', '/etc/ssh/sshd_config line 3: ', 'Bad configuration option', 'Deprecated option', 'terminating, 1 bad configuration options'];
const UU_TOKENS = ['2026-11-10 06:31:12,001 INFO Starting unattended upgrades script', '2026-13-40 99:99:99,x ', ' INFO ', 'Packages that will be upgraded: ', '\n', 'WARNING'];
const VERSION_TOKENS = ['1', '0', ':', '-', '~', '+', '.', 'a', 'z', '9'];
const NGINX_TOKENS = ['server', 'http', 'location', ' ~* ', '^/', '{', '}', ';', '"', "'", '\\', '$', '${', '#', '\n', '\r\n', ' ', 'listen ', '443 ssl', '[::]:80', 'default_server', 'add_header ', 'Strict-Transport-Security', ' always', 'return 301 https://$host$request_uri', 'server_name ', 'ssl_certificate ', 'include ', 'if ($x) ', 'unix:/run/x.sock'];
const INI_TOKENS = ['[DEFAULT]', '[sshd]', '[INCLUDES]', '[Definition]', 'before = ', 'after = ', 'paths-debian.conf', 'enabled', ' = ', '=', ':', 'true', 'bantime', 'findtime', '1h', '10m', '-1', '%(', ')s', '%(known/', '%(default/', '%%', '%', 'logpath', '/var/log/*.log', ' ', '\t', '\n', '\r\n', '#', ';', '\ufeff'];
const F2B_CLIENT_TOKENS = ['Status', 'Status for the jail: sshd', '|- ', '`- ', '|  ', '   ', 'Number of jail:\t', 'Jail list:\t', 'sshd, recidive', 'Filter', 'Actions', 'Currently failed:\t', 'Total failed:\t', 'File list:\t', 'Journal matches:\t', 'Currently banned:\t', 'Total banned:\t', 'Banned IP list:\t', '192.0.2.7', '2001:db8::1', ' \t', '2026-11-28 20:04:20', ' + ', '3600', ' = ', '9999-12-31 23:59:59', '-1', '1', '\n', 'pong', 'Server replied: pong'];
const F2B_LOG_TOKENS = ['2026-11-28 20:13:43,766 ', 'fail2ban.filter', 'fail2ban.actions', '         [23405]: ', 'INFO    ', 'NOTICE  ', 'WARNING ', '[sshd] ', '[recidive] ', 'Found ', 'Ban ', 'Unban ', 'Restore Ban ', 'Ignore ', '192.0.2.7', '::1', ' - 2026-11-28 20:13:40', ' by ip', '\n'];
const IP_TOKENS = ['192', '.', '0', '2', '255', '256', '::', ':', 'ffff', '/', '24', '128', '33', '%eth0', '[', ']', ' ', '22', '1.2.3.4', '::ffff:', 'fe80::1', '-'];
const RKH_CONF_TOKENS = ['INSTALLDIR=', 'ALLOWHIDDENDIR=', 'SCRIPTWHITELIST=', 'DISABLE_TESTS=', 'ENABLE_TESTS=', 'MAIL-ON-WARNING=', 'PKGMGR=', 'UPDATE_MIRRORS=', 'WEB_CMD=', '"', "'", '""', ' ', '\t', '#', '\n', '/usr/bin/', 'ALL', 'suspscan', 'NONE', 'DPKG', '\\', '='];
const RKH_DEFAULT_TOKENS = ['CRON_DAILY_RUN=', 'CRON_DB_UPDATE=', 'APT_AUTOGEN=', 'REPORT_EMAIL=', 'DB_UPDATE_EMAIL=', '"yes"', "'true'", 'no', '$', '${', '}', '`', '$(', ')', '"', "'", '\\', ';', '&&', 'export ', '#', ' ', '\n'];
const RKH_LOG_TOKENS = ['[20:15:19] ', '[99:99:99] ', 'Running Rootkit Hunter version 1.4.6 on vm', 'Info: Start date is Sat Nov 28 20:15:19 UTC 2026', 'Info: End date is ', 'Info: Command line is /usr/bin/rkhunter ', '--check', '--cronjob', '--propupd', "Info: Starting test name 'filesystem'", 'Warning: ', '  ', '    ', 'Checking for hidden files', ' [ ', 'Warning', 'OK', ' ]', 'Files checked: ', 'Suspect files: ', 'Rootkits checked : ', 'Possible rootkits: ', '1', 'The system checks took: 1 minute', '\n', ' '];
const RKH_DAT_TOKENS = ['Version:2026112800', 'Host:vm', 'OS:Debian GNU/Linux 12', 'File:0:', '/usr/bin/ls', ':', 'a3f5', '1234', '0755', '\n', '\0'];
const AUTHKEYS_TOKENS = ['ssh-ed25519 ', 'ssh-rsa ', 'ecdsa-sha2-nistp256 ', 'sk-ssh-ed25519@openssh.com ', 'ssh-ed25519-cert-v01@openssh.com ', 'AAAAC3NzaC1lZDI1NTE5AAAAILpiXbCHLVUFMivR+MnBBpDPP0pzfECMwNV9OUfNylFe', 'AAAA', '=', 'command="', 'from="', 'environment="', 'restrict', 'no-pty', 'cert-authority', 'principals="', 'expiry-time="', ',', '"', '\\"', '\\', ' ', '\t', '#', '\n', '\r\n', '\ufeff', ' alice@laptop'];
const PRIVKEY_TOKENS = ['-----BEGIN OPENSSH PRIVATE KEY-----', '-----END OPENSSH PRIVATE KEY-----', '-----BEGIN RSA PRIVATE KEY-----', '-----END RSA PRIVATE KEY-----', '-----BEGIN ENCRYPTED PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----', '-----BEGIN EC PRIVATE KEY-----', 'Proc-Type: 4,ENCRYPTED', 'DEK-Info: AES-128-CBC,00FF', 'PuTTY-User-Key-File-3: ssh-ed25519', 'Encryption: none', 'Comment: x', 'Public-Lines: 2', 'Private-Lines: 1', 'b3BlbnNzaC1rZXktdjEAAAAA', 'AAAA', '=', '\n', '\r\n'];
const PASSWD_TOKENS = ['root', 'alice', ':', 'x', '0', '1000', '65534', '/root', '/home/alice', '/bin/bash', '/usr/sbin/nologin', '/bin/false', '+', '-', '#', '\n', ' '];
const OCSP_TOKENS = ['leaf.pem: ', 'good', 'revoked', 'unknown', '\n', '\t', 'This Update: ', 'Next Update: ', 'Revocation Time: ', 'Reason: keyCompromise', 'Nov 28 20:40:42 2026 GMT', 'Feb 30 99:99:99 0000 GMT', 'Response verify OK', 'Response Verify Failure', 'Responder Error: trylater (3)', 'Error querying OCSP responder', '40F7:error:1E800065:', ':reason(101):'];

interface FuzzedParser {
  name: string;
  text: fc.Arbitrary<string>;
  run: (text: string) => unknown;
  /** Cases per property (parsers that are slow per case get fewer). */
  runs?: number;
}

function iniDeep(text: string): unknown {
  const a = parseFail2banIni(text, '/etc/fail2ban/jail.conf');
  const b = parseFail2banIni(text.split('').reverse().join(''), '/etc/fail2ban/jail.local');
  includesOf(a);
  const merged = mergeIniFiles([a, b]);
  // Resolve every option (interpolation: loops, depth, %(known/…)s).
  for (const [section, options] of merged.sections) for (const key of options.keys()) getOption(merged, section, key);
  for (const [key, v] of merged.defaults) {
    getOption(merged, 'DEFAULT', key);
    str2seconds(v.value);
    logpathEntries(v.value);
    splitWords(v.value);
  }
  return merged;
}

function rkhConfDeep(text: string): unknown {
  const conf = parseRkhunterConf([
    { path: '/etc/rkhunter.conf', text },
    { path: '/etc/rkhunter.d/fuzz.conf', text: text.slice(text.length >> 1) },
  ]);
  // Each distinct key once: rkhSingle scans all lines, by design (rkhunter greps the file).
  for (const key of new Set(conf.lines.map((l) => l.key))) {
    rkhSingle(conf, key);
    rkhList(conf, key);
  }
  rebaseRkhunterConf(text, '/tmp/root');
  return conf;
}

function authorizedKeysDeep(text: string): unknown {
  const parsed = parseAuthorizedKeys(text, '/home/alice/.ssh/authorized_keys');
  for (const e of parsed.entries) describeOptions(e);
  return parsed;
}

function privateKeyDeep(text: string): unknown {
  looksLikePrivateKey(text);
  const r = parsePrivateKey(text);
  if (r.kind === 'key') describeProtection(r.facts);
  return r;
}

function nginxDeep(text: string): unknown {
  const parsed = parseNginxConf(text, '/etc/nginx/nginx.conf');
  const model = nginxModel(parsed.directives);
  for (const s of model.servers) {
    headersForRoot(s);
    redirectsForRoot(s);
    concreteNames(s);
  }
  return model;
}

const parsers: FuzzedParser[] = [
  { name: 'apt.conf', text: tokenText(APT_TOKENS), run: (t) => mergeAptConf([parseAptConf(t, '/etc/apt/apt.conf.d/99fuzz')]) },
  { name: 'dpkg status', text: tokenText(DPKG_TOKENS), run: (t) => parseDpkgStatus(t) },
  { name: 'sshd -T output', text: tokenText(SSHDT_TOKENS), run: (t) => [parseSshdT(t), parseSshdDiagnostics(t)] },
  { name: 'unattended-upgrades log', text: tokenText(UU_TOKENS), run: (t) => parseUnattendedUpgradesLog(t) },
  { name: 'Debian version', text: tokenText(VERSION_TOKENS), run: (t) => compareDebianVersions(t, t.split('').reverse().join('')) },
  {
    name: 'nginx.conf',
    text: fc.oneof(tokenText(NGINX_TOKENS), mutated(['debian12/etc/nginx/nginx.conf', 'debian12/etc/nginx/sites-available/default', 'syntax/ugly.conf', 'inherit/etc/nginx/conf.d/10-a.conf'].map((f) => fixture(`nginx/${f}`)))),
    run: nginxDeep,
  },
  {
    name: 'fail2ban ini + merge + interpolation',
    text: fc.oneof(tokenText(INI_TOKENS), mutated(['debian12/jail.conf', 'overrides/jail.local', 'interpolation/interpolation-loop.local', 'ugly/continuation-surprise.local', 'malformed/bom.local'].map((f) => fixture(`fail2ban/${f}`)))),
    run: iniDeep,
    runs: Math.max(200, Math.floor(RUNS / 4)),
  },
  {
    name: 'fail2ban-client output',
    text: fc.oneof(tokenText(F2B_CLIENT_TOKENS), mutated(['status.txt', 'status-sshd.txt', 'status-journal.txt', 'banip-with-time.txt'].map((f) => fixture(`fail2ban/client/${f}`)))),
    run: (t) => [parseServerStatus(t), parseJailStatus(t), parseBanListWithTime(t), isPong(t)],
  },
  {
    name: 'fail2ban log',
    text: fc.oneof(tokenText(F2B_LOG_TOKENS), mutated([fixture('fail2ban/log/fail2ban.log')])),
    run: (t) => {
      const lines = t.split('\n');
      for (const l of lines) parseLogLine(l);
      return failuresInWindow(lines, 'sshd', () => true, 0);
    },
  },
  {
    name: 'fail2ban ip addresses',
    text: tokenText(IP_TOKENS),
    run: (t) => {
      const net = parseIpNet(t);
      if (net) formatIpNet(net);
      return sshClientAddress(t);
    },
  },
  {
    name: 'rkhunter.conf',
    text: fc.oneof(tokenText(RKH_CONF_TOKENS), mutated(['rkh-good', 'rkh-malformed'].map((r) => settingsOf(`roots/${r}/etc/rkhunter.conf`)))),
    run: rkhConfDeep,
  },
  {
    name: '/etc/default/rkhunter',
    text: fc.oneof(tokenText(RKH_DEFAULT_TOKENS), mutated(['rkh-good', 'rkh-malformed'].map((r) => fixture(`roots/${r}/etc/default/rkhunter`)))),
    run: (t) => {
      const parsed = parseDefaultFile(t);
      for (const name of ['CRON_DAILY_RUN', 'CRON_DB_UPDATE', 'APT_AUTOGEN', t.slice(0, 20)]) {
        const v = shellVar(parsed, name);
        if (v.state === 'set') cronYes(v.assignment.value);
      }
      return parsed;
    },
  },
  {
    name: 'rkhunter log',
    text: fc.oneof(tokenText(RKH_LOG_TOKENS), mutated(['debian12-full-warnings.log', 'debian12-interrupted.log', 'debian12-appended.log'].map((f) => fixture(`rkhunter/${f}`)))),
    run: (t) => {
      const log = parseRkhunterLog(t);
      lastRunOf(log, 'scan');
      lastRunOf(log, 'propupd');
      return parseRkhDate(t);
    },
  },
  { name: 'rkhunter.dat', text: fc.oneof(tokenText(RKH_DAT_TOKENS), mutated([fixture('rkhunter/debian12-rkhunter.dat')])), run: (t) => parseRkhunterDat(t) },
  {
    name: 'authorized_keys',
    text: fc.oneof(tokenText(AUTHKEYS_TOKENS), mutated([fixture('sshk/authorized_keys.ugly', 8000)])),
    run: authorizedKeysDeep,
  },
  {
    name: 'private key files',
    text: fc.oneof(
      tokenText(PRIVKEY_TOKENS),
      mutated(['id_ed25519_clear', 'id_ed25519_bcrypt', 'id_rsa_pem_enc', 'id_rsa_pkcs8_enc', 'id_ecdsa_pkcs8', 'id_dsa', 'putty_v3_enc.ppk', 'putty_v2_clear.ppk'].map((f) => fixture(`sshk/${f}`, 10_000))),
    ),
    run: privateKeyDeep,
  },
  { name: '/etc/passwd', text: fc.oneof(tokenText(PASSWD_TOKENS), mutated([fixture('roots/sshk-mixed/etc/passwd')])), run: (t) => parsePasswd(t) },
  {
    name: 'openssl ocsp output',
    text: fc.oneof(tokenText(OCSP_TOKENS), mutated(['good', 'revoked', 'trylater', 'forged', 'truncated'].flatMap((f) => [fixture(`openssl-ocsp/${f}.out`), fixture(`openssl-ocsp/${f}.err`)]))),
    run: (t) => {
      const cut = t.length >> 1;
      opensslErrorReason(t);
      return parseOpensslOcsp(t.slice(0, cut), t.slice(cut), 'leaf.pem');
    },
  },
];

// ---------------------------------------------------------------------------
// Binary formats inside text: SSH key blobs (base64 in authorized_keys, .pub,
// private keys) and SCTs. Real blobs with random byte edits reach the deep
// paths (lengths, curve names, certificate fields); random bytes the shallow.

const PUB_BLOBS = fs
  .readdirSync(path.join(FIX, 'sshk'))
  .filter((f) => f.endsWith('.pub'))
  .map((f) => fs.readFileSync(path.join(FIX, 'sshk', f), 'utf8').trim().split(/\s+/)[1])
  .map((b64) => Buffer.from(b64, 'base64'));

function mutatedBytes(real: Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...real), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 6 }))
    .map(([blob, edits]) => {
      const bytes = [...blob];
      for (const [at, value, op] of edits) {
        const i = at % (bytes.length + 1);
        if (op === 'insert') bytes.splice(i, 0, value);
        else if (op === 'set') bytes[i] = value;
        else bytes.splice(i, 1);
      }
      return Buffer.from(bytes);
    });
}

const anyBytes = fc.oneof(mutatedBytes(PUB_BLOBS), fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)));

test('SSH public key blobs: no byte string makes the reader throw', (t) => {
  fc.assert(
    fc.property(anyBytes, fc.constantFrom(undefined, 'ssh-ed25519', 'ssh-rsa', 'ssh-ed25519-cert-v01@openssh.com'), (blob, expect) => {
      const r = describePublicKeyBlob(blob, expect);
      if (r.ok && !/^SHA256:/.test(r.key.fingerprint)) throw new Error(`bad fingerprint ${r.key.fingerprint}`);
      // Base64 round trip through the strict decoder used on authorized_keys.
      decodeBase64Strict(blob.toString('base64'));
      decodeBase64Strict(blob.toString('latin1'));
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('a private key whose base64 body is a mutated real key never throws', (t) => {
  const real = ['id_ed25519_clear', 'id_ed25519_bcrypt'].map((f) => fs.readFileSync(path.join(FIX, 'sshk', f), 'utf8'));
  const bodies = real.map((k) => Buffer.from(k.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64'));
  fc.assert(
    fc.property(mutatedBytes(bodies), (body) => {
      const b64 = body.toString('base64').replace(/.{1,70}/g, '$&\n');
      privateKeyDeep(`-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`);
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('a single SCT: no byte string makes the reader throw', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      parseSct(b);
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

// ---------------------------------------------------------------------------
// Loaders: a tiny in-memory source; the main file is the fuzz text and every
// include resolves to it too (loops, depth, fan-out).

/** sshd_config / ssh_config through a tiny in-memory source: the main file is the fuzz text, includes resolve to it too. */
function sshdSource(text: string): ConfigSource {
  return {
    read: async () => ({ ok: true as const, text }),
    glob: async (pattern: string) => (pattern.includes('*') ? ['/etc/ssh/sshd_config.d/fuzz.conf'] : [pattern]),
  };
}

function nginxSource(text: string): NginxConfigSource {
  const stat: FileStat = { kind: 'file', size: text.length, mode: 0o644, uid: 0, gid: 0, mtimeMs: 0 };
  return {
    read: async () => ({ ok: true as const, text, stat }),
    glob: async () => ['/etc/nginx/conf.d/fuzz.conf'],
  };
}

const loaders: { name: string; text: fc.Arbitrary<string>; run: (text: string) => Promise<{ problems: unknown[] }> }[] = [
  { name: 'sshd_config', text: tokenText(SSHD_TOKENS), run: (t) => loadSshdConfig('/etc/ssh/sshd_config', sshdSource(t)) },
  {
    name: 'ssh_config (system)',
    text: fc.oneof(tokenText(SSH_TOKENS), mutated(['sshk-mixed', 'sshk-hardened'].map((r) => fixture(`roots/${r}/etc/ssh/ssh_config`)))),
    run: (t) => loadSshConfig('/etc/ssh/ssh_config', sshdSource(t), { kind: 'system', homeOf: (u) => (u === 'bob' ? '/home/bob' : null) }),
  },
  {
    name: 'ssh_config (user)',
    text: tokenText(SSH_TOKENS),
    run: (t) => loadSshConfig('/home/alice/.ssh/config', sshdSource(t), { kind: 'user', home: '/home/alice' }),
  },
  {
    name: 'nginx.conf with includes',
    text: fc.oneof(tokenText([...NGINX_TOKENS, 'include conf.d/*.conf;', 'include /etc/nginx/nginx.conf;']), mutated([fixture('nginx/inherit/etc/nginx/nginx.conf')])),
    run: async (t) => {
      const cfg = await loadNginxConfig(nginxSource(t));
      nginxModel(cfg.directives);
      return { problems: cfg.errors };
    },
  },
];

for (const p of parsers) {
  test(`${p.name}: no input makes the parser throw`, (t) => {
    fc.assert(
      fc.property(fc.oneof(p.text, fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })), (text) => {
        p.run(text);
      }),
      { numRuns: p.runs ?? RUNS },
    );
    t.pass();
  });
}

for (const l of loaders) {
  test(`${l.name}: no input makes the loader throw, problems always come back (Include loops included)`, async (t) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(l.text, fc.string({ unit: 'binary', maxLength: 300 })), async (text) => {
        const cfg = await l.run(text);
        if (!Array.isArray(cfg.problems)) throw new Error('no problems array');
      }),
      { numRuns: Math.max(200, Math.floor(RUNS / 4)) },
    );
    t.pass();
  });
}

const pathological: [string, string][] = [
  ['a million-character line', 'x'.repeat(1_000_000)],
  ['a million-character quoted value', `Key "${'a'.repeat(1_000_000)}`],
  ['a million-character single-quoted value', `Key '${'a'.repeat(1_000_000)}`],
  ['a million spaces', `  a${' '.repeat(1_000_000)}x`],
  ['100,000 nested braces', '{'.repeat(100_000) + '}'.repeat(100_000)],
  ['100,000 unclosed braces', 'a {'.repeat(100_000)],
  ['100,000 nested brackets', '['.repeat(100_000) + ']'.repeat(100_000)],
  ['100,000 nested interpolations', `[DEFAULT]\na = ${'%('.repeat(100_000)}a${')s'.repeat(100_000)}\n`],
  ['200,000 short lines', 'a b;\n'.repeat(200_000)],
  ['200,000 key lines', 'A=b\n'.repeat(200_000)],
  ['200,000 chained interpolations', `[s]\n${Array.from({ length: 200_000 }, (_, i) => `k${i} = %(k${i + 1})s x\n`).join('')}`],
  ['100,000 Host/Match blocks', 'Host a* !b\nMatch host x,y exec "z"\nserver { listen 80; }\n'.repeat(100_000)],
  ['200,000 continuation lines', `[s]\nk = v\n${' v\n'.repeat(200_000)}`],
  ['an unterminated comment over 1 MB', `/*${'*'.repeat(1_000_000)}`],
  ['an unterminated quote over 1 MB', `"${'a \\" '.repeat(200_000)}`],
  ['500,000 separators', ':'.repeat(500_000)],
  ['500,000 commas', `${','.repeat(500_000)} ssh-ed25519 AAAA`],
  ['a million-character base64 body', `-----BEGIN OPENSSH PRIVATE KEY-----\n${'A'.repeat(1_000_000)}\n-----END OPENSSH PRIVATE KEY-----\n`],
];

function assertFast(t: { true: (v: boolean, m?: string) => void }, label: string, t0: number): void {
  const ms = Date.now() - t0;
  t.true(ms < PATHOLOGICAL_BUDGET_MS, `${label}: ${ms} ms`);
}

for (const p of parsers) {
  test(`${p.name}: pathological input finishes in about linear time`, (t) => {
    for (const [label, text] of pathological) {
      const t0 = Date.now();
      p.run(text);
      assertFast(t, label, t0);
    }
  });
}

for (const l of loaders) {
  test(`${l.name}: pathological input finishes in about linear time`, async (t) => {
    for (const [label, text] of pathological) {
      const t0 = Date.now();
      await l.run(text);
      assertFast(t, label, t0);
    }
  });
}

test('SSH key blob and SCT readers: pathological sizes finish in about linear time', (t) => {
  const huge = Buffer.alloc(4_000_000, 0xff);
  const nested = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.alloc(1_000_000, 0)]);
  for (const [label, blob] of [['4 MB of 0xff', huge], ['a blob with a million zero bytes', nested]] as const) {
    const t0 = Date.now();
    describePublicKeyBlob(blob);
    decodeBase64Strict(blob.toString('base64'));
    parseSct(blob);
    assertFast(t, label, t0);
  }
});
