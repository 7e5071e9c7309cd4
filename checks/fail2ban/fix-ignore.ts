// fail2ban.ignore: never ban an address or range (`--arg address=…`): it is
// added to ignoreip of [DEFAULT] in /etc/fail2ban/jail.d/hardtop.local.
// That file is read after jail.conf and jail.local, so its [DEFAULT] ignoreip
// REPLACES the one set there: the new value is the merged one as it is now
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
// The promise is "this address is never banned", so the plan is checked
// against the merged configuration WITH the new file (withLocalText): the
// effective ignoreip of [DEFAULT] and of every enabled jail must cover the
// entry, or the plan is refused. Two places can win over our [DEFAULT] line:
// - A jail's own ignoreip (without %(default/ignoreip)s) replaces [DEFAULT]'s.
//   Set in a file read before ours (jail.conf, jail.local, an earlier
//   jail.d file), it is overridden in hardtop.local the same way as
//   [DEFAULT]: its current value plus the entry. That stays in our one file
//   and the preview names the line it now overrides.
// - A file read AFTER ours (jail.d/*.local sorting after hardtop.local)
//   setting ignoreip in [DEFAULT] or the jail: refused, naming its file:line.
//   We do not edit it: a file that sorts after ours was put there to have
//   the last word (often by configuration management, which would rewrite
//   it anyway), and the fix's footprint is hardtop.local alone. The admin
//   adds the address on that one line.

import type { Fix, FixArgs, FixParam, Plan, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { DEFAULT_SECTION } from '../../src/parse/fail2ban-ini';
import { getOption, rawOption, splitWords, type MergedConfig, type Resolved } from '../../src/parse/fail2ban-config';
import { formatIpNet, isEverything, netContains, parseIpNet, type IpNet } from '../../src/parse/fail2ban-ipaddr';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { loadStack } from './config';
import { configTest, HARDTOP_LOCAL, LOCAL_HEADER, readAfterOurs, readHardtopLocal, reloadStep, withLocalText } from './fix-common';
import { detectInstall } from './install';
import { at, option, readJails } from './jails';
import { setLocalKeys, type KeyChange } from './local-edit';
import { ignoreEntryWidth } from './policy';

export const IGNORE_PARAMS: FixParam[] = [
  { name: 'address', describe: 'an IPv4/IPv6 address or CIDR range', pattern: /[0-9A-Fa-f.:]+(?:\/\d{1,3})?/ },
  { name: 'wide', describe: 'yes to allow a range wider than /16 (IPv4) or /48 (IPv6), else no', pattern: /yes|no/, optional: true },
];

/** The value hardtop.local's ignoreip gets in a section: what is merged now, plus nothing lost. */
function baseValue(current: ReturnType<typeof rawOption>, resolved: Resolved | null): string {
  if (!current) return '';
  // %(known/ignoreip)s would point at our own line once we are the last file: use what it means now.
  if (/%\(known\/ignoreip\)s/i.test(current.value) && resolved?.ok) return resolved.value;
  return current.value;
}

/** ignoreip of a section as fail2ban reads it ([DEFAULT] plain, a jail with the jail reader's names). */
function effectiveIgnoreip(cfg: MergedConfig, section: string): Resolved | null {
  return section === DEFAULT_SECTION ? getOption(cfg, DEFAULT_SECTION, 'ignoreip') : option(cfg, section, 'ignoreip');
}

type Coverage = { kind: 'covered'; by: string; origin: Resolved['origin'] } | { kind: 'not-covered'; origin?: Resolved['origin'] } | { kind: 'error'; why: string };

/** Does the section's effective ignoreip cover `net`? */
function coverage(cfg: MergedConfig, section: string, net: IpNet): Coverage {
  const r = effectiveIgnoreip(cfg, section);
  if (!r) return { kind: 'not-covered' };
  if (!r.ok) return { kind: 'error', why: `ignoreip of [${section}]: ${r.error} (${at(r.origin)})` };
  for (const word of splitWords(r.value)) {
    const have = parseIpNet(word);
    if (have && netContains(have, net)) return { kind: 'covered', by: word, origin: r.origin };
  }
  return { kind: 'not-covered', origin: r.origin };
}

/** The sections whose ignoreip must cover the entry: [DEFAULT] and every enabled jail. */
function sectionsToCover(cfg: MergedConfig): string[] {
  return [DEFAULT_SECTION, ...readJails(cfg).jails.filter((j) => j.enabled).map((j) => j.name)];
}

/** The first section (and its coverage) that does not cover `net`; null when all do. */
function firstUncovered(cfg: MergedConfig, net: IpNet): { section: string; cov: Coverage } | null {
  for (const section of sectionsToCover(cfg)) {
    const cov = coverage(cfg, section, net);
    if (cov.kind !== 'covered') return { section, cov };
  }
  return null;
}

/** The line that decides `section`'s ignoreip, when it is read after hardtop.local (so ours cannot win). */
function laterLine(cfg: MergedConfig, origin: Resolved['origin'] | undefined): string | null {
  return origin && origin.file !== HARDTOP_LOCAL && readAfterOurs(cfg, origin.file) ? at(origin) : null;
}

function laterRefusal(entry: string, section: string, line: string): string {
  return `${entry} would still be banned in [${section}]: its ignoreip is set at ${line}, read after ${HARDTOP_LOCAL}, so that line wins; add ${entry} to it yourself (hardtop does not edit files read after its own)`;
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

  const before = firstUncovered(cfg, net);
  if (before?.cov.kind === 'error') return refuse(plan, before.cov.why);
  if (!before) {
    const d = coverage(cfg, DEFAULT_SECTION, net);
    return refuse(plan, `nothing to do: ${entry} is already covered${d.kind === 'covered' ? ` by ignoreip ${d.by} (${at(d.origin)})` : ' in [DEFAULT] and every enabled jail'}`);
  }

  const local = await readHardtopLocal(host);
  if (!local.ok) return refuse(plan, local.why);
  const changes: KeyChange[] = [];
  const edited = (cs: KeyChange[]) => setLocalKeys(local.text, HARDTOP_LOCAL, cs, LOCAL_HEADER);

  // [DEFAULT] first: jails without their own ignoreip inherit it.
  const def = coverage(cfg, DEFAULT_SECTION, net);
  if (def.kind === 'error') return refuse(plan, def.why);
  if (def.kind === 'not-covered') {
    const later = laterLine(cfg, def.origin);
    if (later) return refuse(plan, laterRefusal(entry, DEFAULT_SECTION, later));
    const base = baseValue(rawOption(cfg, DEFAULT_SECTION, 'ignoreip'), effectiveIgnoreip(cfg, DEFAULT_SECTION));
    changes.push({ section: DEFAULT_SECTION, key: 'ignoreip', value: base.trim() === '' ? entry : `${base} ${entry}` });
  }
  const first = edited(changes);
  if (!first.ok) return refuse(plan, first.why);

  // Enabled jails that still do not see the entry set their own ignoreip.
  const withDefault = withLocalText(cfg, first.text);
  for (const jail of sectionsToCover(withDefault).filter((s) => s !== DEFAULT_SECTION)) {
    const cov = coverage(withDefault, jail, net);
    if (cov.kind === 'error') return refuse(plan, cov.why);
    if (cov.kind === 'covered') continue;
    const own = cfg.sections.get(jail)?.get('ignoreip');
    if (!own) continue; // inherits [DEFAULT]: the final check below names what still wins
    const later = laterLine(cfg, own);
    if (later) return refuse(plan, laterRefusal(entry, jail, later));
    const base = baseValue(own, effectiveIgnoreip(cfg, jail));
    changes.push({ section: jail, key: 'ignoreip', value: base.trim() === '' ? entry : `${base} ${entry}` });
    if (own.file !== HARDTOP_LOCAL) {
      plan.warnings.push(`[${jail}] sets its own ignoreip (${at(own)}), which replaces [DEFAULT]'s: ${HARDTOP_LOCAL} sets [${jail}] ignoreip to that value plus ${entry}, and from now on decides it (edit it there)`);
    }
  }

  const edit = edited(changes);
  if (!edit.ok) return refuse(plan, edit.why);
  // The promise, checked on the configuration as fail2ban will merge it.
  const after = withLocalText(cfg, edit.text);
  const still = firstUncovered(after, net);
  if (still) {
    if (still.cov.kind === 'error') return refuse(plan, `with this change: ${still.cov.why}`);
    const line = still.cov.origin ? at(still.cov.origin) : 'nothing sets it';
    return refuse(plan, `${entry} would still be banned in [${still.section}]: its ignoreip (${line}) does not cover it with this change; add it there yourself`);
  }
  plan.edits = [{ path: HARDTOP_LOCAL, before: local.text, after: edit.text, mode: 0o644 }];

  const reload = await reloadStep(host, ctx.signal);
  plan.commands = reload.commands;
  plan.warnings.push(...reload.warnings);
  plan.guard = { ok: true, reason: `${entry} is a valid ${fam} ${net.prefix < (net.family === 4 ? 32 : 128) ? 'range' : 'address'}${net.prefix < widest ? ' (wide: confirmed with wide=yes)' : ''}; the merged configuration with the new file ignores it in [DEFAULT] and every enabled jail; fail2ban's configuration test must accept the staged file` };
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
