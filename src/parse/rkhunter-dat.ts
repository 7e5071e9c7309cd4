// rkhunter's file-properties database (DBDIR/rkhunter.dat), pure.
//
// Written by `rkhunter --propupd` (rkh_dat_set_file_properties):
//   Version:2026112800
//   Host:vm
//   OS:Debian GNU/Linux 12 (bookworm)
//   File:0:/usr/bin/ls:<hash>:<inode>:<mode>:<uid>:<gid>:<size>:<mtime>:<link target>:…
// We only need to know it is that file and which paths it covers.

export interface RkhDatFile {
  path: string;
  line: number;
}

export interface ParsedRkhDat {
  /** "2026112800": the day of the --propupd and a counter. */
  version: string | null;
  host: string | null;
  os: string | null;
  files: RkhDatFile[];
  errors: { line: number; message: string }[];
}

export function parseRkhunterDat(text: string): ParsedRkhDat {
  const result: ParsedRkhDat = { version: null, host: null, os: null, files: [], errors: [] };
  if (text.includes('\0')) {
    result.errors.push({ line: text.slice(0, text.indexOf('\0')).split('\n').length, message: 'contains a NUL byte: corrupt' });
    return result;
  }
  const lines = text.split('\n');
  let sawFirst = false;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line === '') return;
    const lineNo = i + 1;
    const colon = line.indexOf(':');
    const key = colon === -1 ? '' : line.slice(0, colon);
    const rest = colon === -1 ? '' : line.slice(colon + 1);
    if (!sawFirst) {
      sawFirst = true;
      if (key !== 'Version' || !/^\d{10}$/.test(rest)) {
        result.errors.push({ line: lineNo, message: 'does not start with "Version:YYYYMMDDNN": not an rkhunter.dat file' });
        return;
      }
    }
    switch (key) {
      case 'Version':
        result.version = rest;
        return;
      case 'Host':
        result.host = rest;
        return;
      case 'OS':
        result.os = rest;
        return;
      case 'File': {
        // File:<n>:<path>:… — the path holds no ':' in practice, but take the third field only.
        const fields = rest.split(':');
        if (fields.length < 3 || !fields[1].startsWith('/')) {
          result.errors.push({ line: lineNo, message: 'a File: line without a path' });
          return;
        }
        result.files.push({ path: fields[1], line: lineNo });
        return;
      }
      default:
        if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key)) result.errors.push({ line: lineNo, message: 'not a "Key:value" line' });
    }
  });
  return result;
}
