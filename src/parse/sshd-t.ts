// `sshd -T` output and sshd's configuration diagnostics, pure.
//
// `sshd -T` prints the effective configuration, one `keyword value…` per
// line; multi-valued keywords (hostkey, port, listenaddress, acceptenv,
// subsystem …) repeat. Up to OpenSSH 10.3 the keywords are lower case; from
// 10.4 they are MixedCase, so keys are folded to lower case here
// (modern-policy.md §0.2).
//
// Its stderr says why a configuration is refused or questionable, in a few
// shapes (sshd 9.2, servconf.c):
//   FILE: line N: Bad configuration option: UseRoaming        (fatal)
//   FILE line N: Deprecated option UsePrivilegeSeparation      (warning)
//   FILE line N: Unsupported option KerberosTgtPassing          (warning)
//   FILE line N: <any other complaint about that line>          (fatal)
//   FILE: terminating, 2 bad configuration options              (summary)
//   Unable to load host key "PATH": bad permissions             (warning, with a reason)
//   Unable to load host key: PATH                               (warning)
//   sshd: no hostkeys available -- exiting.                     (fatal, not a config line)
//   Missing privilege separation directory: /run/sshd           (fatal, environment)

export interface SshdT {
  /** lower-case keyword → its values, one per output line, in order. */
  values: Map<string, string[]>;
}

export function parseSshdT(stdout: string): SshdT {
  const values = new Map<string, string[]>();
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const m = /^\s*(\S+)(?:\s+(.*))?$/.exec(line);
    if (!m) continue;
    const key = m[1].toLowerCase();
    const value = (m[2] ?? '').trim();
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return { values };
}

/** The first value of a keyword (single-valued options), or undefined. */
export function sshdTValue(t: SshdT, key: string): string | undefined {
  return t.values.get(key.toLowerCase())?.[0];
}

/** A comma-separated algorithm list value as an array (empty for none). */
export function sshdTList(t: SshdT, key: string): string[] {
  const v = sshdTValue(t, key);
  if (v === undefined || v === '' || v.toLowerCase() === 'none') return [];
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export type SshdDiagnosticKind =
  | 'bad-option' // unknown keyword: fatal
  | 'deprecated' // accepted, ignored, logged
  | 'unsupported' // accepted, not compiled in, logged
  | 'line-error' // any other complaint naming file and line: fatal
  | 'host-key-unloadable' // one HostKey could not be loaded
  | 'no-host-keys' // none could: sshd will not start
  | 'privsep-dir-missing' // /run/sshd absent: sshd -T cannot run here (an environment problem, not a config one)
  | 'terminating' // the summary line after bad options
  | 'other';

export interface SshdDiagnostic {
  kind: SshdDiagnosticKind;
  /** The file as sshd named it (a staged path: the caller maps it back). */
  file?: string;
  line?: number;
  /** The keyword a bad/deprecated/unsupported line names. */
  keyword?: string;
  /** A host key path (host-key-unloadable). */
  path?: string;
  /** Why the host key could not be loaded ("bad permissions", "error in libcrypto"), when sshd says. */
  reason?: string;
  message: string;
}

export function parseSshdDiagnostics(stderr: string): SshdDiagnostic[] {
  const out: SshdDiagnostic[] = [];
  for (const raw of stderr.split('\n')) {
    const text = raw.replace(/\r$/, '').trim();
    if (text === '') continue;
    out.push(classify(text));
  }
  return out;
}

function classify(text: string): SshdDiagnostic {
  let m = /^(.+?): line (\d+): Bad configuration option: (\S+)/.exec(text);
  if (m) return { kind: 'bad-option', file: m[1], line: Number(m[2]), keyword: m[3], message: text };
  m = /^(.+?) line (\d+): Deprecated option (\S+)/.exec(text);
  if (m) return { kind: 'deprecated', file: m[1], line: Number(m[2]), keyword: m[3], message: text };
  m = /^(.+?) line (\d+): Unsupported option (\S+)/.exec(text);
  if (m) return { kind: 'unsupported', file: m[1], line: Number(m[2]), keyword: m[3], message: text };
  m = /^(.+?):? line (\d+): (.*)$/.exec(text);
  if (m) return { kind: 'line-error', file: m[1], line: Number(m[2]), message: text };
  m = /^Unable to load host key "(.+)": (.+)$/.exec(text);
  if (m) return { kind: 'host-key-unloadable', path: m[1], reason: m[2], message: text };
  m = /^Unable to load host key: (.+?)$/.exec(text);
  if (m) return { kind: 'host-key-unloadable', path: m[1], message: text };
  if (/no hostkeys available/.test(text)) return { kind: 'no-host-keys', message: text };
  if (/^Missing privilege separation directory/.test(text)) return { kind: 'privsep-dir-missing', message: text };
  m = /^(.+?): terminating, \d+ bad configuration options?$/.exec(text);
  if (m) return { kind: 'terminating', file: m[1], message: text };
  return { kind: 'other', message: text };
}

/** Diagnostics that make sshd refuse the configuration (a file:line is to blame). */
export function isConfigFatal(d: SshdDiagnostic): boolean {
  return d.kind === 'bad-option' || d.kind === 'line-error';
}
