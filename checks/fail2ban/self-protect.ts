// fail2ban.self-protect: the address the admin's own SSH session comes from
// (SSH_CONNECTION, ours or, as sudo drops it, an ancestor process's) must not be banned, nor be a failure or two away from a
// ban, in any active jail (fail); when no jail exempts it (ignoreip, or
// ignoreself for the machine's own loopback address) the admin is one typo
// streak away from locking themselves out (warn). One item per jail.
//
// Bans come from the running server (`fail2ban-client status <jail>`);
// failures of the address within findtime from fail2ban's own log, since
// the server has no per-address failure query.

import type { Check, Evidence, Item } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { splitWords, type MergedConfig } from '../../src/parse/fail2ban-config';
import { formatIpNet, netContains, parseIpNet, sshClientAddress, type IpNet } from '../../src/parse/fail2ban-ipaddr';
import { failuresInWindow } from '../../src/parse/fail2ban-log';
import { finding, guardedCheck, listSome, readFailure } from '../updates/finding';
import { jailsView, loadState, whyConfig, worst } from './area';
import { CONF_DIR } from './config';
import { at, boolSetting, intSetting, originEvidence, textSetting, timeSetting } from './jails';
import { notInstalled } from './install';
import { fail2banPolicy } from './policy';
import { directRealPath, jailStatus, settingEvidence, type ServerSettings } from './server';

/** The last few MiB of fail2ban's log cover any findtime worth having. */
const LOG_TAIL_BYTES = 8 * 1024 * 1024;

function sameAddress(a: IpNet, text: string): boolean {
  const b = parseIpNet(text);
  return b !== null && b.family === a.family && b.addr === a.addr && b.prefix === a.prefix;
}

/** fail2ban's log lines (the tail when the file is big); null with a reason when unreadable. */
async function readLog(host: Host, path: string): Promise<{ lines: string[] } | { why: string }> {
  if (!path.startsWith('/')) return { why: `fail2ban logs to ${path}, not a file: failures not counted` };
  const r = await host.read(path, { maxBytes: LOG_TAIL_BYTES }).catch((err: Error) => ({ ok: false as const, reason: 'io' as const, message: err.message }));
  if (r.ok) return { lines: r.text.split('\n') };
  if (r.reason !== 'too-large') return { why: `${readFailure(path, r)}: failures not counted` };
  const real = await directRealPath(host, path);
  if (!real.ok) return { why: `${real.why}: failures not counted` };
  const tail = await host.exec('tail', ['-c', String(LOG_TAIL_BYTES), real.path], { maxOutputBytes: LOG_TAIL_BYTES + 1024 });
  if (tail.exitCode !== 0) return { why: `cannot read the end of ${path}: failures not counted` };
  return { lines: tail.stdout.split('\n').slice(1) }; // the first line is cut
}

/** Which ignoreip entry (or ignoreself) exempts the address in this jail; null when none. */
export function exemption(cfg: MergedConfig, jail: string, admin: IpNet): { text: string; evidence: Evidence[] } | null {
  const ignoreip = textSetting(cfg, jail, 'ignoreip');
  if (ignoreip.kind === 'set') {
    for (const entry of splitWords(ignoreip.value)) {
      const net = parseIpNet(entry);
      if (net && netContains(net, admin)) return { text: `exempt by ignoreip ${entry} (${at(ignoreip.origin)})`, evidence: [originEvidence('ignoreip', ignoreip.origin)] };
    }
  }
  // ignoreself covers the machine's own addresses; the only ones we can know
  // without a lookup are the loopback ones that "localhost" resolves to.
  const self = boolSetting(cfg, jail, 'ignoreself', true);
  const own = formatIpNet(admin) === '127.0.0.1' || formatIpNet(admin) === '::1';
  if (own && self.kind !== 'bad' && self.value) return { text: 'exempt by ignoreself (a local address)', evidence: [] };
  return null;
}

async function judgeJail(
  host: Host,
  cfg: MergedConfig | null,
  jail: string,
  admin: IpNet,
  live: { socket: string; log: { lines: string[] } | { why: string }; signal: AbortSignal; nowMs: number } | null,
): Promise<Item> {
  const adminText = formatIpNet(admin);
  const evidence: Evidence[] = [];
  const exempt = cfg ? exemption(cfg, jail, admin) : null;
  if (exempt) return { subject: jail, status: 'pass', summary: exempt.text, evidence: exempt.evidence };

  if (live) {
    const st = await jailStatus(host, live.socket, jail, live.signal);
    if (st.kind !== 'ok') return { subject: jail, status: 'error', summary: `cannot read the jail's bans: ${st.kind === 'timeout' ? 'timed out' : st.why}`, evidence: [{ command: st.command }] };
    evidence.push({ command: st.command, text: `Banned IP list: ${listSome(st.status.bannedIps, 10)}` });
    if (st.status.bannedIps.some((ip) => sameAddress(admin, ip))) {
      return { subject: jail, status: 'fail', summary: `your address ${adminText} is BANNED in [${jail}]: unban it (fail2ban-client set ${jail} unbanip ${adminText}) and add it to ignoreip`, evidence };
    }
    if (cfg && 'lines' in live.log) {
      const maxretry = intSetting(cfg, jail, 'maxretry', fail2banPolicy.serverDefaults.maxretry);
      const findtime = timeSetting(cfg, jail, 'findtime', fail2banPolicy.serverDefaults.findtimeSeconds);
      if (maxretry.kind !== 'bad' && findtime.kind !== 'bad') {
        const failures = failuresInWindow(live.log.lines, jail, (ip) => sameAddress(admin, ip), live.nowMs - findtime.value * 1000);
        const left = maxretry.value - failures;
        if (failures > 0 && left <= fail2banPolicy.selfProtect.remainingFailuresWarn) {
          return {
            subject: jail,
            status: 'fail',
            summary: `your address ${adminText} has ${failures} of ${maxretry.value} failures within findtime in [${jail}]: ${left <= 0 ? 'the next failure bans you' : `${left} more failure${left === 1 ? ' bans' : 's ban'} you`}; add it to ignoreip`,
            evidence,
          };
        }
        if (failures > 0) evidence.push({ text: `${failures} failure(s) of ${adminText} within findtime` });
      }
    }
  }
  const where = live ? '' : ' (server not running: bans not checked)';
  return { subject: jail, status: 'warn', summary: `your address ${adminText} is not in ignoreip${where}`, evidence };
}

export const fail2banSelfProtect: Check = guardedCheck({
  id: 'fail2ban.self-protect',
  area: 'fail2ban',
  title: 'fail2ban will not lock you out',
  severity: 'medium',
  watch: [`${CONF_DIR}/jail.conf`, `${CONF_DIR}/jail.local`, `${CONF_DIR}/jail.d`],
  interval: 30,
  timeoutMs: 30000,
  async run(host, ctx) {
    // Ours, or (sudo's env_reset drops it) the nearest ancestor process's.
    const session = await host.sshConnection();
    const conn = session?.value;
    if (!conn) return finding(fail2banSelfProtect, 'skip', 'not in an SSH session (no SSH_CONNECTION): no address of yours to protect');
    const admin = sshClientAddress(conn);
    if (!admin) return finding(fail2banSelfProtect, 'skip', `SSH_CONNECTION does not start with an IP address (${JSON.stringify(conn.slice(0, 60))})`);
    const skip = await notInstalled(fail2banSelfProtect, host);
    if (skip) return skip;

    const state = await loadState(host, ctx.signal);
    const view = jailsView(state.config);
    const cfg = view.kind === 'ok' ? view.cfg : null;
    const adminText = formatIpNet(admin);
    let active: string[];
    let liveArgs: Parameters<typeof judgeJail>[4] = null;
    let source: string;
    if (state.live.kind === 'up') {
      active = state.live.jails;
      source = 'running';
      const settings = state.settings.kind === 'ok' ? state.settings.settings : (null as ServerSettings | null);
      const log = settings ? await readLog(host, settings.logtarget.value) : { why: 'fail2ban.conf unreadable' };
      liveArgs = { socket: state.live.socket, log, signal: ctx.signal, nowMs: ctx.now.getTime() };
    } else {
      if (view.kind !== 'ok') return finding(fail2banSelfProtect, view.kind === 'error' ? 'error' : 'skip', view.summary, view.kind === 'error' ? view.evidence : []);
      active = view.jails.filter((j) => j.enabled).map((j) => j.name);
      source = whyConfig(state.live);
    }
    if (active.length === 0) return finding(fail2banSelfProtect, 'skip', `no jail is active (${source})`);

    const items: Item[] = [];
    for (const jail of active) items.push(await judgeJail(host, cfg, jail, admin, liveArgs));
    const status = worst(
      items.map((i) => i.status),
      'pass',
    );
    const worstItems = items.filter((i) => i.status === status);
    let summary: string;
    if (status === 'pass') summary = `your address ${adminText} is exempt in every active jail (${listSome(items.map((i) => i.subject), 6)})`;
    else if (status === 'warn') summary = `your address ${adminText} is not in ignoreip of ${listSome(worstItems.map((i) => `[${i.subject}]`), 4)}: add it (or your VPN range) so a typo streak cannot lock you out`;
    else summary = listSome(worstItems.map((i) => `[${i.subject}] ${i.summary}`), 2);
    const evidence: Evidence[] = [{ text: `SSH_CONNECTION client ${adminText}${session?.from === 'ancestor' ? ` (from the SSH session of an ancestor process, pid ${session.pid}: sudo dropped SSH_CONNECTION)` : ''}` }, ...worstItems.flatMap((i) => i.evidence).slice(0, 8)];
    if (state.settings.kind === 'ok' && liveArgs && 'why' in liveArgs.log) evidence.push({ ...settingEvidence('logtarget', state.settings.settings.logtarget), text: liveArgs.log.why });
    const f = finding(fail2banSelfProtect, status, summary, evidence);
    f.items = items;
    return f;
  },
});
