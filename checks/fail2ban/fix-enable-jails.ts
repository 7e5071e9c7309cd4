// fail2ban.enable-jails: an sshd jail and recidive, enabled with the
// policy's bantime, findtime, maxretry and bantime.increment, in
// /etc/fail2ban/jail.d/hardtop.local (assets/policy/fail2ban.json
// enableJails). jail.conf is never edited (the package owns it); a .local in
// jail.d is read last, so its values win over jail.conf and jail.local.
//
// - sshd gets mode = aggressive: the old [ssh-ddos] jail is that mode now.
//   Enabled legacy jails ([ssh], [ssh-ddos] …) get enabled = false: they
//   watch the same log twice, or name a filter that no longer exists.
// - Where sshd's log file does not exist and journald is there (Debian 12
//   logs sshd only to the journal), the jail gets backend = systemd; that
//   backend needs python3-systemd, and without it the plan is refused:
//   fail2ban would fail to start the jail.
// - The admin's other lines in hardtop.local stay as they are.
// - Validated with fail2ban's own configuration test on a staged copy
//   (fix-common.ts), then reloaded when the server runs.
// - The admin's own SSH address (SSH_CONNECTION, ours or an ancestor's as
//   fail2ban.self-protect reads it) not exempt in a jail this enables: the FIRST warning of the
//   plan says so and names fail2ban.ignore. On reload fail2ban reads the
//   last findtime of log back, so the admin's own recent failures can ban
//   them at once (recidive: every port, a week). The address is not added to
//   ignoreip here: it is often a NAT, CGNAT or jump-host address shared with
//   others, and the right entry (that one address, the office /24, the VPN
//   range) is a security decision only the admin can make; fail2ban.ignore
//   takes it with its own guards (wide ranges confirmed twice) and its own
//   undo. Not in an SSH session: the plan says we could not check.

import type { Fix, Plan, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { formatSeconds, rawOption, type MergedConfig } from '../../src/parse/fail2ban-config';
import { formatIpNet, sshClientAddress } from '../../src/parse/fail2ban-ipaddr';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { filterExists, logFiles } from './area';
import { backendName, journaldProgram, pythonSystemdModule } from './backends';
import { loadStack } from './config';
import { configTest, HARDTOP_LOCAL, LOCAL_HEADER, readAfterOurs, readHardtopLocal, reloadStep, withLocalText } from './fix-common';
import { detectInstall } from './install';
import { at, readJails, textSetting, timeSetting } from './jails';
import { setLocalKeys, type KeyChange } from './local-edit';
import { actionNames, lintContext, lintJail, type LintContext } from './lint';
import { fail2banPolicy } from './policy';
import { exemption } from './self-protect';
import { loadServerSettings } from './server';

const P = fail2banPolicy;

/** Why the sshd jail's backend must change (a KeyChange), must not be enabled (a refusal), or null. */
async function sshdBackend(host: Host, cfg: MergedConfig, jail: string): Promise<{ change?: KeyChange; warning?: string; refusal?: string }> {
  const pkg = P.backends.pythonSystemdPackage;
  const logs = await logFiles(host, cfg, jail);
  if (logs === null) {
    // A journal backend already: it needs the Python binding.
    const b = textSetting(cfg, jail, 'backend');
    const name = b.kind === 'set' ? backendName(b.value) : 'auto';
    if (name === P.backends.journal && !(await pythonSystemdModule(host))) {
      return { refusal: `[${jail}] uses backend = ${name}${b.kind === 'set' ? ` (${at(b.origin)})` : ''}, which needs ${pkg}, and it is not installed: apt-get install ${pkg} first` };
    }
    return {};
  }
  if (logs.found.length > 0) return {};
  const where = `[${jail}]'s logpath ${logs.patterns.join(' ') || '(none)'} matches no file`;
  if (!(await journaldProgram(host))) return { refusal: `${where} and there is no journald: fail2ban would not start; point logpath at sshd's log` };
  if (!(await pythonSystemdModule(host))) {
    return { refusal: `${where}: sshd logs to the journal only, and fail2ban reads it with backend = systemd, which needs ${pkg}: apt-get install ${pkg} first` };
  }
  return {
    change: { section: jail, key: 'backend', value: P.backends.journal },
    warning: `${where}: sshd logs to the journal only, so [${jail}] reads it with backend = ${P.backends.journal}`,
  };
}

/** Keys set for `jail` by a .local read after hardtop.local: their values win over ours. */
function laterOverrides(cfg: MergedConfig, jail: string, keys: string[]): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const origin = rawOption(cfg, jail, key);
    if (origin && origin.file !== HARDTOP_LOCAL && readAfterOurs(cfg, origin.file) && cfg.sections.get(jail)?.get(key) === origin) out.push(`${key} (${at(origin)})`);
  }
  return out;
}

/** The firewall action a jail needs instead of one whose tool is missing (policy enableJails.firewallFallback), or why there is none. */
function firewallChange(cfg: MergedConfig, jail: string, lc: LintContext): { change?: KeyChange; warning?: string; refusal?: string } {
  const fb = P.enableJails.firewallFallback;
  const broken = actionNames(cfg, jail).filter((n) => {
    const entry = P.lint.firewallActions.find((e) => n.startsWith(e.prefix));
    return entry !== undefined && !lc.tools.get(entry.prefix);
  });
  if (broken.length === 0) return {};
  const needs = P.lint.firewallActions.find((e) => broken[0].startsWith(e.prefix))!;
  if (!lc.tools.get(fb.prefix)) {
    return { refusal: `[${jail}] bans with ${broken[0]}, which needs ${needs.programs.join(' or ')}, and neither it nor ${fb.prefix} is installed: bans would block nothing (apt-get install ${fb.prefix})` };
  }
  const allports = broken.every((n) => n.includes(P.lint.allPortsMarker));
  const change: KeyChange = allports ? { section: jail, key: 'banaction_allports', value: fb.banactionAllports } : { section: jail, key: 'banaction', value: fb.banaction };
  return { change, warning: `[${jail}] bans with ${broken[0]}, which needs ${needs.programs.join(' or ')} (not installed): ${change.key} = ${change.value} (${fb.prefix} is installed)` };
}

/**
 * The warning about the admin's own address for the jails this enables, read
 * on the configuration as it will be (`after`); null when it is exempt in all.
 */
async function adminAddressWarning(host: Host, after: MergedConfig): Promise<string | null> {
  const jails = P.enableJails.jails.map((j) => j.name);
  const names = jails.map((j) => `[${j}]`).join(' and ');
  // Ours, or (sudo's env_reset drops it) the nearest ancestor process's.
  const session = await host.sshConnection();
  const conn = session?.value;
  if (!conn) return `not in an SSH session (no SSH_CONNECTION): hardtop cannot tell which address you manage this server from, so it cannot check that ${names} will not ban you; make sure that address is in ignoreip (fix fail2ban.ignore) before you connect from it`;
  const admin = sshClientAddress(conn);
  if (!admin) return `SSH_CONNECTION does not start with an IP address (${JSON.stringify(conn.slice(0, 60))}): cannot check that ${names} will not ban you; make sure your address is in ignoreip (fix fail2ban.ignore)`;
  const open = jails.filter((j) => !exemption(after, j, admin));
  if (open.length === 0) return null;
  const address = formatIpNet(admin);
  const bantimes = open.map((j) => {
    const b = timeSetting(after, j, 'bantime', P.serverDefaults.bantimeSeconds);
    return `[${j}] ${b.kind === 'bad' ? 'bans' : `bans for ${formatSeconds(b.value)}`}`;
  });
  return `YOUR ADDRESS ${address} (${session?.from === 'ancestor' ? 'from the SSH session of an ancestor process' : 'this SSH session'}) is not in ignoreip of ${open.map((j) => `[${j}]`).join(' and ')}: on reload fail2ban reads back the last findtime of log, so your own recent failed logins can ban you at once (${bantimes.join(', ')}). Run fix fail2ban.ignore --arg address=${address} (or your VPN/office range) FIRST`;
}

export async function planEnableJails(host: Host, ctx: RunContext): Promise<Plan> {
  const plan: Plan = { ...emptyPlan(enableJails), validate: [configTest(host)] };
  const install = await detectInstall(host);
  if (install.kind === 'error') return refuse(plan, install.summary);
  if (install.kind === 'absent' || install.kind === 'removed') return refuse(plan, 'fail2ban is not installed (fix fail2ban.install)');

  const stack = await loadStack(host, 'jail');
  if (stack.kind === 'missing') return refuse(plan, `no jail configuration (${stack.looked.join(', ')}): reinstall fail2ban (apt-get install --reinstall fail2ban)`);
  if (stack.kind === 'error') return refuse(plan, `${stack.summary}: fix that first`);
  const cfg = stack.config;
  const { jails, problems } = readJails(cfg);
  if (problems[0]) return refuse(plan, `${problems[0].summary}: fail2ban refuses the configuration as it is; fix that first`);

  const local = await readHardtopLocal(host);
  if (!local.ok) return refuse(plan, local.why);

  const changes: KeyChange[] = [];
  for (const j of P.enableJails.jails) {
    if (!cfg.sections.has(j.name)) return refuse(plan, `[${j.name}] is not defined in the jail configuration (jail.conf): hardtop enables jails fail2ban ships, it does not write filters`);
    const jail = jails.find((x) => x.name === j.name);
    if (jail?.filter && !(await filterExists(host, jail.filter))) return refuse(plan, `[${j.name}] uses filter ${jail.filter}, and filter.d/${jail.filter}.conf does not exist`);
    for (const [key, value] of Object.entries(j.settings)) if (value !== undefined) changes.push({ section: j.name, key, value });
    const later = laterOverrides(cfg, j.name, Object.keys(j.settings));
    if (later.length > 0) plan.warnings.push(`[${j.name}]: ${later.join(', ')} read after ${HARDTOP_LOCAL}: that value wins`);
  }

  for (const j of P.enableJails.jails.filter((x) => P.sshd.filters.includes(x.name))) {
    const b = await sshdBackend(host, cfg, j.name);
    if (b.refusal) return refuse(plan, b.refusal);
    if (b.change) changes.push(b.change);
    if (b.warning) plan.warnings.push(b.warning);
  }

  const lc = await lintContext(host);
  for (const j of P.enableJails.jails) {
    const f = firewallChange(cfg, j.name, lc);
    if (f.refusal) return refuse(plan, f.refusal);
    if (f.change) changes.push(f.change);
    if (f.warning) plan.warnings.push(f.warning);
  }

  for (const legacy of jails.filter((j) => j.enabled && P.sshd.legacyJails.includes(j.name))) {
    changes.push({ section: legacy.name, key: 'enabled', value: 'false' });
    plan.warnings.push(`[${legacy.name}] is enabled${legacy.enabledAt ? ` (${at(legacy.enabledAt)})` : ''}: an old name (sshd with mode = aggressive replaces it); disabled in ${HARDTOP_LOCAL}`);
  }

  const settings = await loadServerSettings(host);
  if (settings.kind === 'ok' && !settings.settings.logtarget.value.startsWith('/')) {
    plan.warnings.push(`fail2ban logs to ${settings.settings.logtarget.value}, not a file: recidive has nothing to read (set logtarget = /var/log/fail2ban.log in fail2ban.local)`);
  }
  const recidiveLogs = await logFiles(host, cfg, P.recidive.jail);
  if (recidiveLogs && recidiveLogs.found.length === 0) {
    plan.warnings.push(`[${P.recidive.jail}] reads ${recidiveLogs.patterns.join(' ')}, which does not exist yet: fail2ban's configuration test fails until fail2ban has logged there`);
  }

  const edit = setLocalKeys(local.text, HARDTOP_LOCAL, changes, LOCAL_HEADER);
  if (!edit.ok) return refuse(plan, edit.why);
  if (edit.text === local.text) return refuse(plan, `nothing to change: ${HARDTOP_LOCAL} already enables ${P.enableJails.jails.map((j) => `[${j.name}]`).join(' and ')} with the policy's values (if the server lacks them: fail2ban-client reload)`);
  plan.edits = [{ path: HARDTOP_LOCAL, before: local.text, after: edit.text, mode: 0o644 }];

  // The jails as fail2ban will read them: what still could not work is refused
  // here (the owning checks would fail after the apply and roll it back).
  const after = withLocalText(cfg, edit.text);
  const afterProblems = readJails(after).problems;
  if (afterProblems[0]) return refuse(plan, `with this change: ${afterProblems[0].summary}`);
  for (const j of P.enableJails.jails) {
    for (const p of await lintJail(host, after, j.name, lc, { running: false, withLogs: P.sshd.filters.includes(j.name) })) {
      if (p.status === 'fail') return refuse(plan, `[${j.name}] would still not work: ${p.text}`);
      plan.warnings.push(`[${j.name}]: ${p.text}`);
    }
  }

  // First, so it is the line the admin reads: the one way this fix can lock them out.
  const self = await adminAddressWarning(host, after);
  if (self) {
    plan.warnings.unshift(self);
    // Not known to be exempt (a session outside ignoreip, or an unknown address:
    // no SSH_CONNECTION here nor in an ancestor): the reload may ban the admin, and
    // an iptables REJECT freezes the open session too. Applied only with the
    // automatic revert, then: unconfirmed, the files come back and fail2ban
    // reloads without these jails, which lifts their bans.
    plan.risk = 'lockout-risk';
  }

  const reload = await reloadStep(host, ctx.signal);
  plan.commands = reload.commands;
  plan.warnings.push(...reload.warnings);
  plan.guard = { ok: true, reason: `fail2ban's configuration test must accept the staged ${HARDTOP_LOCAL}` };
  return plan;
}

export const enableJails: Fix = {
  id: 'fail2ban.enable-jails',
  title: 'Enable the sshd and recidive jails with the policy values (jail.d/hardtop.local)',
  area: 'fail2ban',
  risk: 'disruptive',
  verifies: ['fail2ban.sshd-jail', 'fail2ban.recidive'],
  plan: (host, ctx) => planEnableJails(host, ctx),
};
