// fail2ban.ignore: never ban an address or range (`--arg address=…`): it is
// added to ignoreip of [DEFAULT] in /etc/fail2ban/jail.d/hardtop.local.
// That file is read last, so its [DEFAULT] ignoreip REPLACES the one set in
// jail.conf or jail.local: the new value is the merged one as it is now
// plus the new entry, so nothing the admin exempted before is lost.
//
// Refused: anything that is not an IPv4/IPv6 address or CIDR range; the
// whole address space (0.0.0.0/0, ::/0: the jails would ban nobody, and
// fail2ban.policy fails on it); an entry already covered. A range wider than
// the policy's /16 (IPv4) or /48 (IPv6) needs `--arg wide=yes`, the second
// confirmation. Why /48 for IPv6: it is the usual assignment to one site
// (RFC 6177, RIPE-690), so a wider range spans other organisations' networks;
// a single home or VPS is a /56 or /64 inside it.
//
// A jail that sets its own ignoreip (without %(default/ignoreip)s or
// %(known/ignoreip)s) does not see [DEFAULT]'s: the preview names it.

import type { Fix, FixArgs, FixParam, Plan, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { DEFAULT_SECTION } from '../../src/parse/fail2ban-ini';
import { getOption, rawOption, splitWords } from '../../src/parse/fail2ban-config';
import { formatIpNet, isEverything, netContains, parseIpNet } from '../../src/parse/fail2ban-ipaddr';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { loadStack } from './config';
import { configTest, HARDTOP_LOCAL, LOCAL_HEADER, readHardtopLocal, reloadStep } from './fix-common';
import { detectInstall } from './install';
import { at, jailNames, readJails } from './jails';
import { setLocalKeys } from './local-edit';
import { fail2banPolicy, ignoreEntryWidth } from './policy';

export const IGNORE_PARAMS: FixParam[] = [
  { name: 'address', describe: 'an IPv4/IPv6 address or CIDR range', pattern: /[0-9A-Fa-f.:]+(?:\/\d{1,3})?/ },
  { name: 'wide', describe: 'yes to allow a range wider than /16 (IPv4) or /48 (IPv6), else no', pattern: /yes|no/, optional: true },
];

/** The value hardtop.local's [DEFAULT] ignoreip gets: what is merged now, plus the new entry. */
function baseValue(current: ReturnType<typeof rawOption>, resolved: ReturnType<typeof getOption>): string {
  if (!current) return '';
  // %(known/ignoreip)s would point at our own line once we are the last file: use what it means now.
  if (/%\(known\/ignoreip\)s/i.test(current.value) && resolved?.ok) return resolved.value;
  return current.value;
}

export async function planIgnore(host: Host, ctx: RunContext, args: FixArgs | undefined): Promise<Plan> {
  const address = args?.address ?? '';
  const wide = args?.wide === 'yes';
  const plan: Plan = { ...emptyPlan(ignoreFix), title: `Never ban ${address} (ignoreip in ${HARDTOP_LOCAL})`, validate: [configTest(host)] };
  const net = parseIpNet(address);
  if (!net) return refuse(plan, `${JSON.stringify(address)} is not an IPv4/IPv6 address or CIDR range`);
  const entry = formatIpNet(net);
  const fam = net.family === 4 ? 'IPv4' : 'IPv6';
  if (isEverything(net)) return refuse(plan, `${entry} is every ${fam} address: the jails would ban nobody`);
  const { widest, wide: isWide } = ignoreEntryWidth(address)!;
  if (isWide) {
    if (!wide) return refuse(plan, `${entry} is wider than /${widest} (${fam}): every address in it could attack without being banned; to confirm, give --arg wide=yes`);
    plan.warnings.push(`${entry} is wider than /${widest}: fail2ban.policy will warn about it`);
  }

  const install = await detectInstall(host);
  if (install.kind === 'error') return refuse(plan, install.summary);
  if (install.kind === 'absent' || install.kind === 'removed') return refuse(plan, 'fail2ban is not installed (fix fail2ban.install)');
  const stack = await loadStack(host, 'jail');
  if (stack.kind === 'missing') return refuse(plan, `no jail configuration (${stack.looked.join(', ')})`);
  if (stack.kind === 'error') return refuse(plan, `${stack.summary}: fix that first`);
  const cfg = stack.config;
  const problems = readJails(cfg).problems;
  if (problems[0]) return refuse(plan, `${problems[0].summary}: fail2ban refuses the configuration as it is; fix that first`);

  const current = rawOption(cfg, DEFAULT_SECTION, 'ignoreip');
  const resolved = getOption(cfg, DEFAULT_SECTION, 'ignoreip');
  if (resolved && !resolved.ok) return refuse(plan, `ignoreip: ${resolved.error} (${at(resolved.origin)})`);
  for (const word of splitWords(resolved?.value ?? '')) {
    const have = parseIpNet(word);
    if (have && netContains(have, net)) return refuse(plan, `nothing to do: ${entry} is already covered by ignoreip ${word}${current ? ` (${at(current)})` : ''}`);
  }
  const base = baseValue(current, resolved);
  const value = base.trim() === '' ? entry : `${base} ${entry}`;

  const local = await readHardtopLocal(host);
  if (!local.ok) return refuse(plan, local.why);
  const edit = setLocalKeys(local.text, HARDTOP_LOCAL, [{ section: DEFAULT_SECTION, key: 'ignoreip', value }], LOCAL_HEADER);
  if (!edit.ok) return refuse(plan, edit.why);
  plan.edits = [{ path: HARDTOP_LOCAL, before: local.text, after: edit.text, mode: 0o644 }];

  // Jails with their own ignoreip do not inherit [DEFAULT]'s.
  const own = jailNames(cfg).filter((jail) => {
    const v = cfg.sections.get(jail)?.get('ignoreip');
    return v !== undefined && !/%\((default|known)\/ignoreip\)s/i.test(v.value);
  });
  const enabled = new Set(readJails(cfg).jails.filter((j) => j.enabled).map((j) => j.name));
  for (const jail of own.filter((j) => enabled.has(j))) {
    const v = cfg.sections.get(jail)!.get('ignoreip')!;
    plan.warnings.push(`[${jail}] sets its own ignoreip (${at(v)}): ${entry} is not exempt there unless you add it, or %(default/ignoreip)s, to that line`);
  }

  const reload = await reloadStep(host, ctx.signal);
  plan.commands = reload.commands;
  plan.warnings.push(...reload.warnings);
  plan.guard = { ok: true, reason: `${entry} is a valid ${fam} ${net.prefix < (net.family === 4 ? 32 : 128) ? 'range' : 'address'}${net.prefix < widest ? ' (wide: confirmed with wide=yes)' : ''}; fail2ban's configuration test must accept the staged file` };
  return plan;
}

export const ignoreFix: Fix = {
  id: 'fail2ban.ignore',
  title: 'Never ban an address or range (ignoreip)',
  area: 'fail2ban',
  risk: 'safe',
  params: IGNORE_PARAMS,
  plan: (host, ctx, args) => planIgnore(host, ctx, args),
  // Not self-protect: an admin already banned stays banned after this (unban is its own fix).
  verifies: ['fail2ban.policy'],
};
