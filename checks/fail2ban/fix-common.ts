// What the fail2ban fixes that edit jail.d/hardtop.local share: the file,
// fail2ban's own config test on the staged tree, and the reload.
//
// Validation: `fail2ban-client -c {stage}/etc/fail2ban -t` reads the whole
// staged stack exactly as a start or reload would (includes, interpolation,
// filters and actions present) and exits 255 on anything fail2ban refuses.
// It also globs every enabled jail's logpath ON THIS MACHINE: right on the
// live system (a jail whose log is missing stops fail2ban), wrong under
// --root, where the paths name the tree's files. There we add -d (dump):
// the same reading, with a missing log only a warning; our own checks look
// for the logs under --root instead. -q keeps fail2ban's warnings off
// stderr, so the engine's one-line message is the ERROR line.
//
// Reload: `fail2ban-client reload` re-reads the configuration in the CLIENT
// and sends the server the whole stream, logtarget and dbfile included.
// Under --root that stream would carry the tree's paths to a server that
// reads them as paths of the machine hardtop runs on, so there we write and
// validate but do not reload.

import type { Command, Validation } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { MergedConfig } from '../../src/parse/fail2ban-config';
import { parseFail2banIni, type IniOptions, type IniValue } from '../../src/parse/fail2ban-ini';
import { currentFile } from '../updates/fix-plan';
import { CONF_DIR } from './config';
import { fail2banPolicy } from './policy';
import { describeAnswer, directRealPath, liveJails, loadServerSettings } from './server';

export const HARDTOP_LOCAL = fail2banPolicy.enableJails.file;

/** The first line of a new hardtop.local: where it comes from, and that it is safe to edit. */
export const LOCAL_HEADER = '# Written by hardtop (fail2ban.enable-jails, fail2ban.ignore). Read after jail.conf and jail.local:\n# its values win. Edit freely; hardtop keeps lines it does not set.\n';

/** How long a reload may take: the client re-reads every filter and the server restarts changed jails. */
const RELOAD_TIMEOUT_MS = 60_000;

export function configTest(host: Host): Validation {
  const dump = host.root === '/' ? [] : ['-d'];
  return {
    argv: ['fail2ban-client', '-q', '-c', `{stage}${CONF_DIR}`, ...dump, '-t'],
    describe: `fail2ban's configuration test on a staged copy of ${CONF_DIR}`,
    stage: [CONF_DIR],
    timeoutMs: fail2banPolicy.client.timeoutMs * 4,
  };
}

export type LocalFile = { ok: true; text: string | null } | { ok: false; why: string };

/** hardtop.local as it is (null: not there yet); a symlink or unreadable file is left alone. */
export async function readHardtopLocal(host: Host): Promise<LocalFile> {
  const cur = await currentFile(host, HARDTOP_LOCAL);
  if (cur.kind === 'unusable') return { ok: false, why: cur.reason };
  return { ok: true, text: cur.kind === 'file' ? cur.text : null };
}

/** The reload command when the server runs (and we may talk to it), else why there is none. */
export async function reloadStep(host: Host, signal?: AbortSignal): Promise<{ commands: Command[]; warnings: string[] }> {
  const settings = await loadServerSettings(host);
  if (settings.kind === 'error') return { commands: [], warnings: [`cannot tell where fail2ban listens (${settings.summary}): not reloaded; run fail2ban-client reload`] };
  const live = await liveJails(host, settings, signal);
  if (live.kind === 'unknown') return { commands: [], warnings: [`${live.summary}: not reloaded; run fail2ban-client reload`] };
  if (live.kind === 'not-up') {
    return { commands: [], warnings: [`fail2ban is ${describeAnswer(live.answer)}: the change takes effect when it starts (systemctl start fail2ban)`] };
  }
  if (host.root !== '/') {
    return {
      commands: [],
      warnings: ['under --root the running fail2ban is not reloaded: fail2ban-client would send this tree\'s paths (logpath, logtarget, dbfile) as paths of this machine; reload it from that system'],
    };
  }
  const socket = await directRealPath(host, live.socket);
  if (!socket.ok) return { commands: [], warnings: [`${socket.why}: not reloaded`] };
  return {
    commands: [
      {
        argv: ['fail2ban-client', '-c', host.realPath(CONF_DIR), '-s', socket.path, 'reload'],
        describe: 'reload fail2ban (the client re-reads the configuration; the server restarts the jails that changed)',
        reload: true,
        timeoutMs: RELOAD_TIMEOUT_MS,
      },
    ],
    warnings: [],
  };
}

/** Is `file` read after hardtop.local (so its values win over ours)? */
export function readAfterOurs(cfg: MergedConfig, file: string): boolean {
  const ours = cfg.files.indexOf(HARDTOP_LOCAL);
  if (ours >= 0) return cfg.files.indexOf(file) > ours;
  // Not merged yet (a new hardtop.local): it will sit among jail.d/*.local by name.
  const jailD = `${HARDTOP_LOCAL.slice(0, HARDTOP_LOCAL.lastIndexOf('/'))}/`;
  return file.startsWith(jailD) && file.endsWith('.local') && file > HARDTOP_LOCAL;
}

/**
 * The merged configuration as fail2ban will see it with the new
 * hardtop.local: its keys replace the current ones, except where a file read
 * after it sets them.
 */
export function withLocalText(cfg: MergedConfig, text: string): MergedConfig {
  const parsed = parseFail2banIni(text, HARDTOP_LOCAL);
  const out: MergedConfig = {
    defaults: new Map(cfg.defaults),
    sections: new Map([...cfg.sections].map(([k, v]) => [k, new Map(v)])),
    known: cfg.known,
    files: cfg.files.includes(HARDTOP_LOCAL) ? cfg.files : [...cfg.files, HARDTOP_LOCAL],
  };
  const put = (target: IniOptions, key: string, value: IniValue) => {
    const cur = target.get(key);
    if (!cur || cur.file === HARDTOP_LOCAL || !readAfterOurs(cfg, cur.file)) target.set(key, value);
  };
  for (const [k, v] of parsed.defaults) put(out.defaults, k, v);
  for (const section of parsed.sections) {
    let target = out.sections.get(section.name);
    if (!target) out.sections.set(section.name, (target = new Map()));
    for (const [k, v] of section.options) put(target, k, v);
  }
  return out;
}
