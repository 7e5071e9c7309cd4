// The output of `rpm -V -f FILE…` (rpm 4.x), pure: which of the files rpm
// verified differ from their package, how, and which files no package owns.
// Never throws; lines it cannot read are kept with their line number.
//
// rpm prints one line per file that fails a test, and nothing for a file
// that passes:
//   S.5....T.  c /etc/ssh/sshd_config     9 test columns, attribute, path
//   .M.......    /usr/bin/ls               (8 columns before rpm 4.6: no P)
//   missing   c /etc/foo.conf
//   file /usr/local/bin/x is not owned by any package
//   error: file /usr/bin/x: No such file or directory   (stderr: neither on
//                                      disk nor in the database: NOT verified)
// The columns: S size, M mode, 5 digest, D device, L link target, U user,
// G group, T mtime, P capabilities; '.' passed, '?' could not be tested.
// The attribute: c config, d doc, g ghost, l license, r readme, or blank.

export interface RpmFileResult {
  /** The test columns ("S.5....T.") or "missing". */
  flags: string;
  /** c, d, g, l, r or '' (a plain file). */
  attr: string;
}

export interface RpmVerifyOutput {
  /** Path → how it differs; files that pass are not listed (rpm prints nothing for them). */
  differs: Map<string, RpmFileResult>;
  /** Paths rpm said no package owns. */
  notOwned: Set<string>;
  /**
   * Paths rpm could not look at ("error: file X: No such file or directory"):
   * rpm prints no result line for them, so silence must not read as "matches".
   */
  failed: Map<string, string>;
  /** Lines that are none of the above (1-based line numbers in stdout). */
  unread: { line: number; text: string }[];
}

// rpm 4.x prints "%s  %c %s" (two blanks before the attribute); older ones one.
const RESULT_LINE = /^([SM5DLUGTP.?]{8,9}) {1,2}([cdglr ]) (\/.*)$/;
const MISSING_LINE = /^missing {2,3}([cdglr ]) (\/.*)$/;
const NOT_OWNED = /^file (\/.*) is not owned by any package$/;
const FILE_ERROR = /^error: file (\/.*): ([^:]+)$/;

/**
 * `stderr` is read for the "not owned" lines only (rpm versions differ on
 * which stream they go to); its other lines (warnings) are not the answer.
 */
export function parseRpmVerify(stdout: string, stderr = ''): RpmVerifyOutput {
  const out: RpmVerifyOutput = { differs: new Map(), notOwned: new Set(), failed: new Map(), unread: [] };
  for (const raw of stderr.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = NOT_OWNED.exec(line);
    if (m) out.notOwned.add(m[1]);
    const e = FILE_ERROR.exec(line);
    if (e) out.failed.set(e[1], e[2]);
  }
  const lines = stdout.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line === '') return;
    let m = RESULT_LINE.exec(line);
    if (m) {
      out.differs.set(m[3], { flags: m[1], attr: m[2].trim() });
      return;
    }
    m = MISSING_LINE.exec(line);
    if (m) {
      out.differs.set(m[2], { flags: 'missing', attr: m[1].trim() });
      return;
    }
    m = NOT_OWNED.exec(line);
    if (m) {
      out.notOwned.add(m[1]);
      return;
    }
    m = FILE_ERROR.exec(line);
    if (m) {
      out.failed.set(m[1], m[2]);
      return;
    }
    out.unread.push({ line: i + 1, text: line });
  });
  return out;
}

/** The file's contents differ from the package (digest or size column), or it is gone. */
export function rpmContentDiffers(r: RpmFileResult): boolean {
  if (r.flags === 'missing') return true;
  return r.flags[0] === 'S' || r.flags[2] === '5';
}

/** A test rpm could not run ('?': unreadable file, no digest recorded): the contents are not vouched for. */
export function rpmContentUnknown(r: RpmFileResult): boolean {
  return r.flags !== 'missing' && (r.flags[0] === '?' || r.flags[2] === '?');
}
