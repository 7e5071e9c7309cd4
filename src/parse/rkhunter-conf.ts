// rkhunter's configuration (rkhunter.conf, rkhunter.conf.local,
// rkhunter.d/*.conf), pure: the files' text in, the options rkhunter will
// believe out.
//
// It mirrors rkhunter 1.4.6's get_option() (/usr/bin/rkhunter) rather than a
// tidy grammar, because what matters is what rkhunter itself reads:
// - an option is a line that starts with `NAME=` (no leading blank, no space
//   before '=', the name case-sensitive); it greps all files at once, in the
//   order main file, .local, rkhunter.d/*.conf, so later files win;
// - a single-valued option takes the LAST line; an empty value ('', "" or '')
//   unsets it; quotes, spaces and tabs are then deleted — except for *_CMD,
//   WEBCMD and HASH_FUNC, which keep them (hence Debian's quoted WEB_CMD
//   failing `rkhunter -C`);
// - a space-separated list (DISABLE_TESTS …) adds up its lines, and an empty
//   line resets it: only the values after the last empty one count;
// - a newline-separated list (ALLOWHIDDENDIR, SCRIPTWHITELIST …) adds up its
//   lines, one pathname per line; it is unset only when its LAST line is
//   empty; a pathname wholly in matching quotes loses them;
// - every other line (comments, blank lines, indented or malformed options)
//   is ignored by get_option. `rkhunter -C` reports most of them as
//   "Unknown configuration file option"; we keep them as problems with their
//   file:line, so its messages can be pointed at the line.

export interface RkhConfFile {
  /** Host path, for evidence. */
  path: string;
  text: string;
}

export interface RkhConfLine {
  key: string;
  /** Everything after the first '=', untouched. */
  raw: string;
  file: string;
  line: number;
}

export interface RkhConfProblem {
  file: string;
  line: number;
  /** The line as written (without its end of line). */
  text: string;
  message: string;
}

export interface ParsedRkhConf {
  files: string[];
  /** Every `NAME=` line, in the order rkhunter greps them. */
  lines: RkhConfLine[];
  /** Lines rkhunter silently ignores although they look meant as options. */
  problems: RkhConfProblem[];
}

/** rkhunter 1.4.6's SPACE_LIST_OPTS. */
export const SPACE_LIST_OPTIONS: ReadonlySet<string> = new Set([
  'ALLOWIPCPID', 'ALLOWIPCUSER', 'ALLOWPROMISCIF', 'APP_WHITELIST', 'BINDIR', 'DISABLE_TESTS', 'EMPTY_LOGFILES',
  'ENABLE_TESTS', 'IGNORE_PRELINK_DEP_ERR', 'INETD_ALLOWED_SVC', 'MAIL-ON-WARNING', 'MISSING_LOGFILES',
  'PORT_WHITELIST', 'PWDLESS_ACCOUNTS', 'SHARED_LIB_WHITELIST', 'STARTUP_PATHS', 'SUSPSCAN_DIRS',
  'SYSLOG_CONFIG_FILE', 'UID0_ACCOUNTS', 'UNHIDE_TESTS', 'UNHIDETCP_OPTS', 'UPDATE_LANG', 'XINETD_ALLOWED_SVC',
]);

/** rkhunter 1.4.6's NEWLINE_LIST_OPTS: the pathname whitelists. */
export const NEWLINE_LIST_OPTIONS: ReadonlySet<string> = new Set([
  'ALLOWDEVFILE', 'ALLOWHIDDENDIR', 'ALLOWHIDDENFILE', 'ALLOWPROCDELFILE', 'ALLOWIPCPROC',
  'ALLOWPROCLISTEN', 'ATTRWHITELIST', 'EXCLUDE_USER_FILEPROP_FILES_DIRS', 'EXISTWHITELIST',
  'IMMUTWHITELIST', 'PKGMGR_NO_VRFY', 'PORT_PATH_WHITELIST', 'RTKT_DIR_WHITELIST',
  'RTKT_FILE_WHITELIST', 'SCRIPTWHITELIST', 'SUSPSCAN_WHITELIST', 'USER_FILEPROP_FILES_DIRS',
  'WRITEWHITELIST',
]);

/** Options whose value keeps its quotes and blanks (get_option's `*_CMD|WEBCMD|HASH_FUNC`). */
export function keepsQuotes(key: string): boolean {
  return key.endsWith('_CMD') || key === 'WEBCMD' || key === 'HASH_FUNC';
}

// rkhunter greps "^NAME=": a name is whatever precedes the first '='. Real
// option names are upper case, digits, '_' and (MAIL-ON-WARNING) '-'.
const OPTION_LINE = /^([A-Za-z0-9_-]+)=(.*)$/;

export function parseRkhunterConf(files: readonly RkhConfFile[]): ParsedRkhConf {
  const result: ParsedRkhConf = { files: files.map((f) => f.path), lines: [], problems: [] };
  for (const file of files) {
    const lines = file.text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    lines.forEach((rawLine, i) => {
      const text = rawLine.replace(/\r$/, '');
      const lineNo = i + 1;
      const m = OPTION_LINE.exec(text);
      if (m) {
        // rkhunter reads with grep and sed, which keep a CRLF file's CR: it
        // becomes part of the value ("/bin/false\r" does not exist, "unset\r"
        // is not "unset"). Kept in `raw` the same way, and said.
        const cr = rawLine.endsWith('\r');
        result.lines.push({ key: m[1], raw: cr ? `${m[2]}\r` : m[2], file: file.path, line: lineNo });
        if (cr) {
          result.problems.push({
            file: file.path,
            line: lineNo,
            text,
            message: `"${text}" ends with a carriage return (a CRLF line end): rkhunter reads it as part of the value`,
          });
        }
        return;
      }
      const trimmed = text.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      if (OPTION_LINE.test(trimmed)) {
        result.problems.push({
          file: file.path,
          line: lineNo,
          text,
          message: `"${trimmed}" is indented: rkhunter ignores it (options must start at the beginning of the line)`,
        });
      } else if (/^[A-Za-z0-9_-]+\s+=/.test(trimmed)) {
        result.problems.push({ file: file.path, line: lineNo, text, message: `"${trimmed}" has a blank before '=': rkhunter ignores it` });
      } else {
        result.problems.push({ file: file.path, line: lineNo, text, message: `"${trimmed}" is not a NAME=value line: rkhunter ignores it` });
      }
    });
  }
  return result;
}

export interface RkhValue {
  value: string;
  /** The line the value comes from. */
  from: RkhConfLine;
}

function isUnsetValue(raw: string): boolean {
  return raw === '' || raw === '""' || raw === "''";
}

function linesOf(conf: ParsedRkhConf, key: string): RkhConfLine[] {
  return conf.lines.filter((l) => l.key === key);
}

/** A single-valued option as rkhunter reads it; null when unset (rkhunter then uses its default). */
export function rkhSingle(conf: ParsedRkhConf, key: string): RkhValue | null {
  const all = linesOf(conf, key);
  const last = all[all.length - 1];
  if (!last || isUnsetValue(last.raw)) return null;
  // get_option deletes quotes, spaces and tabs (tr -d), nothing else: a CR stays.
  const value = keepsQuotes(key) ? last.raw : last.raw.replace(/["' \t]/g, '');
  return value === '' ? null : { value, from: last };
}

/**
 * A list option's values, one per word (space lists) or per line (newline
 * lists), each with the line it came from. Empty when unset.
 */
export function rkhList(conf: ParsedRkhConf, key: string): RkhValue[] {
  const all = linesOf(conf, key);
  const last = all[all.length - 1];
  if (!last || isUnsetValue(last.raw)) return [];
  if (SPACE_LIST_OPTIONS.has(key)) {
    // Per line, as get_option's sed does: blanks squeezed, leading and
    // trailing quotes dropped; then only the lines after the last line left
    // empty count (its awk).
    const cleaned = all.map((l) => ({
      l,
      text: l.raw
        .replace(/[ \t]+/g, ' ')
        .replace(/^ *"* */, '')
        .replace(/ *"* *$/, '')
        .replace(/^ *'* */, '')
        .replace(/ *'* *$/, ''),
    }));
    let start = 0;
    cleaned.forEach((c, i) => {
      if (c.text === '') start = i + 1;
    });
    const values: RkhValue[] = [];
    for (const c of cleaned.slice(start)) {
      for (const w of c.text.split(' ')) if (w !== '') values.push({ value: w, from: c.l });
    }
    return values;
  }
  const values: RkhValue[] = [];
  for (const l of all) {
    let v = l.raw;
    const q = /^(["'])(.*)\1$/.exec(v);
    if (q) v = q[2];
    if (v !== '') values.push({ value: v, from: l });
  }
  return values;
}

/** Options that name commands or command directories: they are run on this machine, never rebased. */
function namesCommands(key: string): boolean {
  return keepsQuotes(key) || key === 'BINDIR' || key === 'MAIL-ON-WARNING';
}

/**
 * A copy of a config file whose absolute paths point under `realRoot`, so
 * that `rkhunter -C` on this machine checks DBDIR, TMPDIR, whitelisted files …
 * inside a sysroot instead of on the real system (rkhunter has no --root).
 * Only option lines change; commands (*_CMD, BINDIR) are left alone.
 */
export function rebaseRkhunterConf(text: string, realRoot: string): string {
  const root = realRoot.replace(/\/+$/, '');
  if (root === '') return text;
  return text
    .split('\n')
    .map((line) => {
      const m = OPTION_LINE.exec(line.replace(/\r$/, ''));
      if (!m || namesCommands(m[1])) return line;
      return `${m[1]}=${m[2].replace(/(^|[\s"'])\//g, (_all, lead: string) => `${lead}${root}/`)}${line.endsWith('\r') ? '\r' : ''}`;
    })
    .join('\n');
}

/** Where an option is set (every line), for evidence: "file:line". */
export function rkhWhere(conf: ParsedRkhConf, key: string): RkhConfLine[] {
  return linesOf(conf, key);
}
