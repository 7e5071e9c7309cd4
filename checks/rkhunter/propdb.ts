// rkhunter.propdb: the file-properties database (DBDIR/rkhunter.dat) exists
// and is newer than the last change to the packages whose files it covers.
//
// rkhunter compares each system command with the hash and attributes stored
// by the last `--propupd`. When a package upgrade lands after that, every
// upgraded file is reported as changed: noise that buries a real change. We
// take the packages owning the database's files (dpkg-query -S) and compare
// the database's mtime with the mtime of each package's file list
// (/var/lib/dpkg/info/<pkg>.list, rewritten by dpkg at every install or
// upgrade of that package) — exact per package, with no time-zone guessing.
// When dpkg cannot tell, the status file's mtime (any package change) is the
// coarse fallback.

import type { Check, Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { parseRkhunterDat } from '../../src/parse/rkhunter-dat';
import { DPKG_STATUS } from '../updates/dpkg';
import { finding, guardedCheck, listSome, readFailure, thrownMessage } from '../updates/finding';
import { dbDirPath, loadRkhunterConfig } from './config-files';
import { offer } from './fixes';
import { isoMinute } from './log-load';
import { dpkgOwners } from './package-verify';
import { rkhunterPolicy } from './policy';
import { gateOnRkhunter } from './presence';

const DPKG_INFO = '/var/lib/dpkg/info';

interface PackageChange {
  pkg: string;
  at: Date;
  list: string;
}

async function packageChanges(host: Host, files: string[]): Promise<{ changes: PackageChange[]; owned: number; error: string | null; command: string }> {
  const owners = await dpkgOwners(host, files);
  if (owners.error) return { changes: [], owned: 0, error: owners.error, command: owners.command };
  const packages = new Set<string>();
  for (const o of owners.owners.values()) for (const p of o.packages) packages.add(p);
  const changes: PackageChange[] = [];
  for (const pkg of packages) {
    // Multi-Arch: same packages keep "<name>:<arch>.list"; dpkg -S names them that way too.
    const list = `${DPKG_INFO}/${pkg}.list`;
    const st = await host.stat(list);
    if (st) changes.push({ pkg, at: new Date(st.mtimeMs), list });
  }
  return { changes, owned: owners.owners.size, error: null, command: owners.command };
}

export const rkhPropdb: Check = guardedCheck({
  id: 'rkhunter.propdb',
  area: 'rkhunter',
  title: "rkhunter's file-properties database is current",
  severity: 'medium',
  watch: [`${rkhunterPolicy.propdb.defaultDbDir}/${rkhunterPolicy.propdb.file}`, DPKG_STATUS],
  interval: 3600,
  async run(host) {
    const gate = await gateOnRkhunter(rkhPropdb, host);
    if (gate.stop) return gate.stop;
    const config = await loadRkhunterConfig(host);
    const { path: dbDir, evidence: dbDirSet } = dbDirPath(config.kind === 'ok' ? config.conf : null);
    const datPath = `${dbDir}/${rkhunterPolicy.propdb.file}`;
    const where = dbDirSet ? ` (DBDIR at ${dbDirSet.file}:${dbDirSet.line})` : '';
    const propupd = offer('rkhunter.propupd');

    let r;
    try {
      r = await host.read(datPath, { maxBytes: 64 * 1024 * 1024 });
    } catch (err) {
      return finding(rkhPropdb, 'error', `cannot read ${datPath}: ${thrownMessage(err)}`, [{ file: datPath }]);
    }
    if (!r.ok) {
      if (r.reason === 'missing') {
        return finding(
          rkhPropdb,
          'fail',
          `no file-properties database ${datPath}${where}: rkhunter's hash and attribute checks have nothing to compare with; run rkhunter --propupd (after dpkg --verify)`,
          [{ file: datPath, text: 'missing' }, ...(dbDirSet ? [dbDirSet] : [])],
          propupd,
        );
      }
      const hint = r.reason === 'denied' ? ' (it is root-only: run hardtop as root)' : '';
      return finding(rkhPropdb, 'error', `${readFailure(datPath, r)}${hint}`, [{ file: datPath }]);
    }
    const dat = parseRkhunterDat(r.text);
    const bad = dat.errors[0];
    if (bad) return finding(rkhPropdb, 'error', `malformed ${datPath}:${bad.line}: ${bad.message}`, [{ file: datPath, line: bad.line }]);
    if (dat.files.length === 0) {
      return finding(rkhPropdb, 'fail', `${datPath} holds no file entries: the property checks compare nothing; run rkhunter --propupd`, [{ file: datPath }], propupd);
    }
    const dbTime = new Date(r.stat.mtimeMs);
    const dbEvidence: Evidence = { file: datPath, text: `Version:${dat.version ?? '?'}, ${dat.files.length} files, modified ${dbTime.toISOString()}` };
    const about = `${datPath} (${dat.files.length} files, updated ${isoMinute(dbTime)})`;

    const status = await host.stat(DPKG_STATUS);
    if (!status) return finding(rkhPropdb, 'pass', `${about}; package changes not compared: not a dpkg system`, [dbEvidence]);

    const pkgs = await packageChanges(host, dat.files.map((f) => f.path));
    if (pkgs.error || pkgs.changes.length === 0) {
      // Coarse: any package change at all.
      const statusTime = new Date(status.mtimeMs);
      const why = pkgs.error ? `${pkgs.command} failed (${pkgs.error}), so` : 'no package owns its files, so';
      const statusEvidence: Evidence = { file: DPKG_STATUS, text: `modified ${statusTime.toISOString()}` };
      if (statusTime > dbTime) {
        return finding(rkhPropdb, 'warn', `${about} is older than the last package change (${DPKG_STATUS} ${isoMinute(statusTime)}; ${why} judged on any package)`, [dbEvidence, statusEvidence], propupd);
      }
      return finding(rkhPropdb, 'pass', `${about} is newer than the last package change (${DPKG_STATUS} ${isoMinute(statusTime)}; ${why} judged on any package)`, [dbEvidence, statusEvidence]);
    }

    const newer = pkgs.changes.filter((c) => c.at > dbTime).sort((a, b) => b.at.getTime() - a.at.getTime());
    const latest = [...pkgs.changes].sort((a, b) => b.at.getTime() - a.at.getTime())[0];
    if (newer.length > 0) {
      return finding(
        rkhPropdb,
        'warn',
        `${about} is older than ${newer.length} package change${newer.length === 1 ? '' : 's'} to files it covers: ${listSome(newer.map((c) => `${c.pkg} ${isoMinute(c.at)}`), 3)}; the next scan reports their files as changed: verify them (dpkg --verify) and run rkhunter --propupd`,
        [dbEvidence, ...newer.slice(0, 10).map((c) => ({ file: c.list, text: `${c.pkg} changed ${c.at.toISOString()}` }))],
        propupd,
      );
    }
    return finding(
      rkhPropdb,
      'pass',
      `${about} is newer than the last change to the ${pkgs.changes.length} packages it covers (${latest.pkg} ${isoMinute(latest.at)})`,
      [dbEvidence, { file: latest.list, text: `${latest.pkg} changed ${latest.at.toISOString()}` }, { command: pkgs.command }],
    );
  },
});
