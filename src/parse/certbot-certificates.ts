// `certbot certificates` output (certbot 2.x, stdout): certbot's own view of
// its lineages — which it would renew, and which renewal configurations it
// would skip as invalid. Pure; never throws; unknown lines are ignored.
//
//   Found the following certs:
//     Certificate Name: x.test
//       Serial Number: 9145b195417d783
//       Key Type: ECDSA
//       Domains: x.test www.x.test
//       Expiry Date: 2031-11-28 23:13:19+00:00 (VALID: 1825 days)
//       Certificate Path: /etc/letsencrypt/live/x.test/fullchain.pem
//       Private Key Path: /etc/letsencrypt/live/x.test/privkey.pem
//
//   The following renewal configurations were invalid:
//     /etc/letsencrypt/renewal/bad.test.conf

export interface CertbotLineage {
  name: string;
  /** 1-based line of "Certificate Name:" in the output. */
  line: number;
  serial: string | null;
  keyType: string | null;
  domains: string[];
  expiry: string | null;
  /** What certbot says in the parentheses: "VALID: 89 days", "INVALID: EXPIRED", "INVALID: TEST_CERT" … */
  validity: string | null;
  certificatePath: string | null;
  keyPath: string | null;
}

export interface CertbotCertificates {
  lineages: CertbotLineage[];
  /** Renewal configuration files certbot skips (paths as certbot printed them). */
  invalid: string[];
}

const FIELDS: Record<string, (l: CertbotLineage, v: string) => void> = {
  'serial number': (l, v) => (l.serial = v),
  'key type': (l, v) => (l.keyType = v),
  domains: (l, v) => (l.domains = v.split(/\s+/).filter(Boolean)),
  'expiry date': (l, v) => {
    const m = /^(.*?)\s*\(([^()]*)\)\s*$/.exec(v);
    l.expiry = m ? m[1] : v;
    l.validity = m ? m[2] : null;
  },
  'certificate path': (l, v) => (l.certificatePath = v),
  'private key path': (l, v) => (l.keyPath = v),
};

export function parseCertbotCertificates(text: string): CertbotCertificates {
  const out: CertbotCertificates = { lineages: [], invalid: [] };
  let section: 'certs' | 'invalid' | null = null;
  let current: CertbotLineage | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.trim();
    if (line === '' || /^(- )+-?$/.test(line)) {
      if (section === 'invalid' && line !== '') section = null;
      continue;
    }
    if (/^Found the following (matching )?certs:$/.test(line)) {
      section = 'certs';
      continue;
    }
    if (/^The following renewal configurations? (were|was) invalid:$/.test(line)) {
      section = 'invalid';
      current = null;
      continue;
    }
    if (section === 'invalid') {
      if (/^\s/.test(raw)) out.invalid.push(line);
      else section = null;
      continue;
    }
    if (section !== 'certs') continue;
    const m = /^([A-Za-z ]+?):\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1].toLowerCase();
    if (key === 'certificate name') {
      current = { name: m[2], line: i + 1, serial: null, keyType: null, domains: [], expiry: null, validity: null, certificatePath: null, keyPath: null };
      out.lineages.push(current);
      continue;
    }
    if (current && key in FIELDS) FIELDS[key](current, m[2]);
  }
  return out;
}
