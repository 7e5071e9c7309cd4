// fail2ban.ban / fail2ban.unban: one address (or CIDR range) in one running
// jail. No file changes: the plan is one command,
//   fail2ban-client [-c conf] -s <socket> set <jail> banip|unbanip <address>
// and guards that refuse what the server itself would happily do (it bans
// "::1", a typo or 0.0.0.0/0 without a word):
// - the address must be an IPv4/IPv6 address or CIDR range;
// - a ban never covers loopback, the whole address space, or the address the
//   admin's own SSH session comes from (SSH_CONNECTION, ours or, as sudo
//   drops it, an ancestor process's: Host.sshConnection);
// - the server must answer and have the jail; a ban of an address already
//   banned, or an unban of one that is not, is refused as "nothing to do".
//
// These need a parameter (jail, address), which Fix.plan(host, ctx) cannot
// take: banFix()/unbanFix() bind one target and return an ordinary Fix, and
// they are NOT in the area's `fixes` list (the catalog looks fixes up by id
// alone). See the report for the proposed shape of parametrised fixes.

import type { Command, Fix, FixArgs, FixParam, Plan, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { formatIpNet, isEverything, isLoopback, netContains, parseIpNet, sshClientAddress, type IpNet } from '../../src/parse/fail2ban-ipaddr';
import { CONF_DIR } from './config';
import { fail2banPolicy } from './policy';
import { describeAnswer, directRealPath, jailStatus, liveJails, loadServerSettings } from './server';

export type BanAction = 'ban' | 'unban';

export interface BanTarget {
  jail: string;
  /** An IPv4/IPv6 address or CIDR range, as typed. */
  address: string;
}

const LOOPBACKS: IpNet[] = [parseIpNet('127.0.0.1')!, parseIpNet('::1')!];

function sameNet(a: IpNet, b: IpNet): boolean {
  return a.family === b.family && a.addr === b.addr && a.prefix === b.prefix;
}

/** Why a ban of `net` must not happen; null when it may. */
export function banRefusal(net: IpNet, sshConnection: string | undefined): string | null {
  if (isEverything(net)) return `${formatIpNet(net)} is every ${net.family === 4 ? 'IPv4' : 'IPv6'} address`;
  if (isLoopback(net) || LOOPBACKS.some((l) => netContains(net, l))) return `${formatIpNet(net)} covers loopback: banning it breaks local services`;
  const admin = sshClientAddress(sshConnection);
  if (admin && netContains(net, admin)) return `${formatIpNet(net)} covers ${formatIpNet(admin)}, the address your SSH session comes from: you would lock yourself out`;
  return null;
}

function refused(action: BanAction, target: BanTarget, reason: string): Plan {
  return {
    fixId: `fail2ban.${action}`,
    title: `${action === 'ban' ? 'Ban' : 'Unban'} ${target.address} in [${target.jail}]`,
    risk: action === 'ban' ? 'disruptive' : 'safe',
    edits: [],
    validate: [],
    commands: [],
    warnings: [],
    guard: { ok: false, reason },
  };
}

export async function planBanChange(host: Host, ctx: RunContext, action: BanAction, target: BanTarget): Promise<Plan> {
  const net = parseIpNet(target.address);
  if (!net) return refused(action, target, `${JSON.stringify(target.address)} is not an IPv4/IPv6 address or CIDR range`);
  if (!/^[\w.:-]+$/.test(target.jail)) return refused(action, target, `${JSON.stringify(target.jail)} is not a jail name`);
  const warnings: string[] = [];
  if (action === 'ban') {
    // Ours, or (sudo's env_reset drops it) the nearest ancestor process's.
    const why = banRefusal(net, (await host.sshConnection())?.value);
    if (why) return refused(action, target, why);
    const widest = net.family === 4 ? fail2banPolicy.thresholds.widestIgnoreipPrefixV4 : fail2banPolicy.thresholds.widestIgnoreipPrefixV6;
    if (net.prefix < widest) warnings.push(`${formatIpNet(net)} is wider than /${widest}: every address in it is banned`);
  }

  const settings = await loadServerSettings(host);
  if (settings.kind === 'error') return refused(action, target, `cannot tell where fail2ban listens: ${settings.summary}`);
  const live = await liveJails(host, settings, ctx.signal);
  if (live.kind === 'unknown') return refused(action, target, live.summary);
  if (live.kind === 'not-up') return refused(action, target, `fail2ban is ${describeAnswer(live.answer)}`);
  if (!live.jails.includes(target.jail)) return refused(action, target, `no running jail [${target.jail}] (running: ${live.jails.join(', ') || 'none'})`);
  const status = await jailStatus(host, live.socket, target.jail, ctx.signal);
  if (status.kind !== 'ok') return refused(action, target, `cannot read [${target.jail}]: ${status.kind === 'timeout' ? 'timed out' : status.why}`);
  // fail2ban matches an unban by its own spelling of the entry: use it.
  const banned = status.status.bannedIps.find((entry) => {
    const e = parseIpNet(entry);
    return e !== null && sameNet(e, net);
  });
  if (action === 'ban' && banned) return refused(action, target, `nothing to do: ${banned} is already banned in [${target.jail}]`);
  if (action === 'unban' && !banned) return refused(action, target, `nothing to do: ${formatIpNet(net)} is not banned in [${target.jail}]`);

  const socket = await directRealPath(host, live.socket);
  if (!socket.ok) return refused(action, target, socket.why);
  const argv = ['fail2ban-client'];
  const conf = await host.stat(CONF_DIR).catch(() => null);
  if (conf?.kind === 'dir') argv.push('-c', host.realPath(CONF_DIR));
  const address = action === 'ban' ? formatIpNet(net) : (banned as string);
  argv.push('-s', socket.path, 'set', target.jail, action === 'ban' ? 'banip' : 'unbanip', address);
  const command: Command = {
    argv,
    describe: `${action} ${address} in jail ${target.jail}`,
    timeoutMs: fail2banPolicy.client.timeoutMs,
  };
  // Undo is the opposite command on the same jail and the same spelling.
  const inverse: Command = {
    argv: [...argv.slice(0, -2), action === 'ban' ? 'unbanip' : 'banip', address],
    describe: `${action === 'ban' ? 'unban' : 'ban'} ${address} in jail ${target.jail}`,
    timeoutMs: fail2banPolicy.client.timeoutMs,
  };
  return {
    fixId: `fail2ban.${action}`,
    title: `${action === 'ban' ? 'Ban' : 'Unban'} ${address} in [${target.jail}]`,
    risk: action === 'ban' ? 'disruptive' : 'safe',
    edits: [],
    validate: [],
    commands: [command],
    undoCommands: [inverse],
    warnings,
    guard: { ok: true, reason: action === 'ban' ? `not loopback, not your SSH address; [${target.jail}] is running` : `banned in [${target.jail}] now` },
  };
}

/** What ban and unban need from the admin (`--arg jail=sshd --arg address=192.0.2.7`). */
export const BAN_PARAMS: FixParam[] = [
  { name: 'jail', describe: 'a jail name (e.g. sshd)', pattern: /[\w.:-]+/ },
  { name: 'address', describe: 'an IPv4/IPv6 address or CIDR range', pattern: /[0-9A-Fa-f.:]+(?:\/\d{1,3})?/ },
];

function targetOf(args: FixArgs | undefined): BanTarget {
  return { jail: args?.jail ?? '', address: args?.address ?? '' };
}

export const banFix: Fix = {
  id: 'fail2ban.ban',
  title: 'Ban an address in a jail',
  area: 'fail2ban',
  risk: 'disruptive',
  params: BAN_PARAMS,
  plan: (host, ctx, args) => planBanChange(host, ctx, 'ban', targetOf(args)),
  verifies: ['fail2ban.bans'],
};

export const unbanFix: Fix = {
  id: 'fail2ban.unban',
  title: 'Unban an address in a jail',
  area: 'fail2ban',
  risk: 'safe',
  params: BAN_PARAMS,
  plan: (host, ctx, args) => planBanChange(host, ctx, 'unban', targetOf(args)),
  verifies: ['fail2ban.bans', 'fail2ban.self-protect'],
};
