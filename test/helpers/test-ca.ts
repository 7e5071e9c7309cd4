// A private test CA built with the real openssl CLI: a root, an intermediate
// and leaves with whatever the tests need (names, key type and size, dates in
// the past or future, an OCSP URL). Everything lives in a temp directory;
// nothing touches the machine's trust store.
//
// `openssl ca` is used (not `x509 -req`) because OpenSSL 3.0's x509 cannot set
// a notBefore in the past, and expired certificates are part of the point.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export type KeySpec = 'rsa1024' | 'rsa2048' | 'rsa3072' | 'ec256' | 'ec384' | 'ed25519';

export interface IssueOptions {
  /** File stem in the CA directory. */
  name: string;
  /** DNS names (IP literals become IP SANs). The first is also the CN. */
  sans: string[];
  key?: KeySpec;
  /** openssl date form YYYYMMDDHHMMSSZ; default: one day ago. */
  startDate?: string;
  /** Default: 90 days after now. */
  endDate?: string;
  ocspUrl?: string;
  /** Sign with the root directly (no intermediate). */
  byRoot?: boolean;
  /** Extra lines for the leaf's extension section, in openssl's config syntax (e.g. `tlsfeature = status_request`). */
  extensions?: string[];
}

export interface Issued {
  cert: string;
  key: string;
  /** Intermediate(s) only. */
  chain: string;
  /** Leaf + intermediate. */
  fullchain: string;
  certPem: string;
  keyPem: string;
  serial: string;
}

export interface TestCa {
  dir: string;
  rootCert: string;
  rootPem: string;
  intermediateCert: string;
  intermediatePem: string;
  issue(opts: IssueOptions): Issued;
}

function run(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', OPENSSL_CONF: '/dev/null' } });
}

function genKey(file: string, spec: KeySpec, cwd: string): void {
  const algo: Record<KeySpec, string[]> = {
    rsa1024: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
    rsa2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    rsa3072: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'],
    ec256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    ec384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
    ed25519: ['-algorithm', 'ED25519'],
  };
  run(['genpkey', ...algo[spec], '-out', file], cwd);
}

/** openssl's date form for a Date. */
export function opensslDate(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}/, '');
}

export function daysFromNow(days: number, now = new Date()): string {
  return opensslDate(new Date(now.getTime() + days * 86_400_000));
}

function caConfig(dir: string): string {
  return `[ca]
default_ca = ca_default
[ca_default]
dir = ${dir}
database = ${dir}/index.txt
new_certs_dir = ${dir}/newcerts
serial = ${dir}/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[policy_any]
commonName = supplied
[req]
distinguished_name = req_dn
prompt = no
[req_dn]
CN = placeholder
`;
}

function makeCaDir(dir: string): void {
  fs.mkdirSync(path.join(dir, 'newcerts'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.txt'), '');
  fs.writeFileSync(path.join(dir, 'serial'), `${Math.floor(Math.random() * 1e8).toString(16).padStart(8, '0')}01\n`);
  fs.writeFileSync(path.join(dir, 'ca.cnf'), caConfig(dir));
}

function sign(caDir: string, issuerCert: string, issuerKey: string, csr: string, out: string, extFile: string, ext: string, start: string, end: string): void {
  run(['ca', '-batch', '-notext', '-config', path.join(caDir, 'ca.cnf'), '-cert', issuerCert, '-keyfile', issuerKey, '-in', csr, '-out', out, '-extfile', extFile, '-extensions', ext, '-startdate', start, '-enddate', end], caDir);
}

/** Create a root and an intermediate (EC P-256: fast) under `dir`. */
export function createTestCa(dir: string, label = 'hardtop test'): TestCa {
  fs.mkdirSync(dir, { recursive: true });
  const rootDir = path.join(dir, 'root');
  const interDir = path.join(dir, 'intermediate');
  makeCaDir(rootDir);
  makeCaDir(interDir);
  const ext = path.join(dir, 'ext.cnf');
  const extText = `[v3_root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_intermediate]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;
  fs.writeFileSync(ext, extText);
  // `openssl req -x509` takes its extensions from -config (it has no -extfile).
  fs.appendFileSync(path.join(rootDir, 'ca.cnf'), extText);
  const rootKey = path.join(rootDir, 'root.key');
  const rootCert = path.join(rootDir, 'root.pem');
  genKey(rootKey, 'ec256', dir);
  run(['req', '-new', '-x509', '-config', path.join(rootDir, 'ca.cnf'), '-key', rootKey, '-subj', `/CN=${label} root CA`, '-days', '3650', '-extensions', 'v3_root', '-out', rootCert], dir);
  const interKey = path.join(interDir, 'intermediate.key');
  const interCsr = path.join(interDir, 'intermediate.csr');
  const interCert = path.join(interDir, 'intermediate.pem');
  genKey(interKey, 'ec256', dir);
  run(['req', '-new', '-config', path.join(interDir, 'ca.cnf'), '-key', interKey, '-subj', `/CN=${label} intermediate CA`, '-out', interCsr], dir);
  sign(rootDir, rootCert, rootKey, interCsr, interCert, ext, 'v3_intermediate', daysFromNow(-30), daysFromNow(3000));
  const rootPem = fs.readFileSync(rootCert, 'utf8');
  const intermediatePem = fs.readFileSync(interCert, 'utf8');

  return {
    dir,
    rootCert,
    rootPem,
    intermediateCert: interCert,
    intermediatePem,
    issue(opts: IssueOptions): Issued {
      const leafDir = path.join(dir, 'leaves');
      fs.mkdirSync(leafDir, { recursive: true });
      const key = path.join(leafDir, `${opts.name}.key`);
      const csr = path.join(leafDir, `${opts.name}.csr`);
      const cert = path.join(leafDir, `${opts.name}.pem`);
      const leafExt = path.join(leafDir, `${opts.name}.ext`);
      genKey(key, opts.key ?? 'rsa2048', dir);
      run(['req', '-new', '-config', path.join(interDir, 'ca.cnf'), '-key', key, '-subj', `/CN=${opts.sans[0]}`, '-out', csr], dir);
      const san = opts.sans.map((s) => (/^[\d.]+$|:/.test(s) ? `IP:${s}` : `DNS:${s}`)).join(',');
      fs.writeFileSync(
        leafExt,
        `[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature${opts.key?.startsWith('rsa') || !opts.key ? ',keyEncipherment' : ''}
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = ${san}
${opts.ocspUrl ? `authorityInfoAccess = OCSP;URI:${opts.ocspUrl}\n` : ''}${(opts.extensions ?? []).map((l) => `${l}\n`).join('')}`,
      );
      const start = opts.startDate ?? daysFromNow(-1);
      const end = opts.endDate ?? daysFromNow(90);
      if (opts.byRoot) sign(rootDir, rootCert, rootKey, csr, cert, leafExt, 'leaf', start, end);
      else sign(interDir, interCert, interKey, csr, cert, leafExt, 'leaf', start, end);
      const certPem = fs.readFileSync(cert, 'utf8');
      const chain = path.join(leafDir, `${opts.name}.chain.pem`);
      const fullchain = path.join(leafDir, `${opts.name}.fullchain.pem`);
      fs.writeFileSync(chain, opts.byRoot ? '' : intermediatePem);
      fs.writeFileSync(fullchain, certPem + (opts.byRoot ? '' : intermediatePem));
      const serial = execFileSync('openssl', ['x509', '-noout', '-serial', '-in', cert], { encoding: 'utf8' }).trim().replace(/^serial=/, '');
      return { cert, key, chain, fullchain, certPem, keyPem: fs.readFileSync(key, 'utf8'), serial };
    },
  };
}
