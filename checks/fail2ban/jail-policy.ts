// fail2ban.policy: every active jail bans long enough, soon enough, and
// exempts no more than a small trusted range. One item per jail.
// Thresholds: assets/policy/fail2ban.json.
//
// - bantime ≥ 1 h, unless bantime.increment is on (repeat bans grow) or the
//   ban is permanent (negative);
// - maxretry ≤ 5; findtime ≥ 10 min;
// - ignoreip: 0.0.0.0/0 or ::/0 switch the jail off (fail); a range wider
//   than /16 (IPv4) or /48 (IPv6) that is not loopback is a hole (warn);
//   host names are noted (fail2ban resolves them with DNS; we never do).
// The active jails are the running server's when it answers, else the
// configuration's enabled ones; their values come from the configuration,
// which gives the file:line to change.

import type { Check, Evidence, Item, Status } from '../../src/core/types';
import { formatSeconds, splitWords, type MergedConfig } from '../../src/parse/fail2ban-config';
import { formatIpNet, isEverything, isLoopback, parseIpNet } from '../../src/parse/fail2ban-ipaddr';
import { finding, guardedCheck, listSome, oneLine } from '../updates/finding';
import { jailsView, loadState, whyConfig, worst } from './area';
import { CONF_DIR } from './config';
import { at, boolSetting, describeTime, intSetting, settingEvidence, textSetting, timeSetting } from './jails';
import { notInstalled } from './install';
import { fail2banPolicy } from './policy';

interface Judgement {
  status: Status;
  text: string;
}

/** One jail against the policy. */
export function judgeJail(cfg: MergedConfig, jail: string): Item {
  const p = fail2banPolicy.thresholds;
  const d = fail2banPolicy.serverDefaults;
  const problems: Judgement[] = [];
  const evidence: Evidence[] = [];

  const bantime = timeSetting(cfg, jail, 'bantime', d.bantimeSeconds);
  const increment = boolSetting(cfg, jail, 'bantime.increment', false);
  const maxretry = intSetting(cfg, jail, 'maxretry', d.maxretry);
  const findtime = timeSetting(cfg, jail, 'findtime', d.findtimeSeconds);
  const ignoreip = textSetting(cfg, jail, 'ignoreip');
  evidence.push(...settingEvidence('bantime', bantime), ...settingEvidence('bantime.increment', increment), ...settingEvidence('maxretry', maxretry), ...settingEvidence('findtime', findtime));

  for (const [key, s] of [
    ['bantime', bantime],
    ['bantime.increment', increment],
    ['maxretry', maxretry],
    ['findtime', findtime],
    ['ignoreip', ignoreip],
  ] as const) {
    if (s.kind === 'bad') problems.push({ status: 'error', text: `${key}: ${s.why} (${at(s.origin)})` });
  }

  const incrementOn = increment.kind !== 'bad' && increment.value;
  if (bantime.kind !== 'bad' && bantime.value >= 0 && bantime.value < p.minBantimeSeconds && !incrementOn) {
    problems.push({ status: 'warn', text: `${describeTime('bantime', bantime)} is under ${formatSeconds(p.minBantimeSeconds)} and bantime.increment is off` });
  }
  if (maxretry.kind !== 'bad' && maxretry.value > p.maxMaxretry) {
    problems.push({ status: 'warn', text: `maxretry ${maxretry.value} (${maxretry.kind === 'set' ? at(maxretry.origin) : 'fail2ban default'}) is over ${p.maxMaxretry}` });
  }
  if (findtime.kind !== 'bad' && findtime.value < p.minFindtimeSeconds) {
    problems.push({ status: 'warn', text: `${describeTime('findtime', findtime)} is under ${formatSeconds(p.minFindtimeSeconds)}` });
  }
  if (ignoreip.kind === 'set') {
    evidence.push(...settingEvidence('ignoreip', ignoreip));
    for (const entry of splitWords(ignoreip.value)) {
      const net = parseIpNet(entry);
      if (!net) continue; // a host name: fail2ban resolves it when matching
      const widest = net.family === 4 ? p.widestIgnoreipPrefixV4 : p.widestIgnoreipPrefixV6;
      if (isEverything(net)) {
        problems.push({ status: 'fail', text: `ignoreip ${entry} (${at(ignoreip.origin)}) exempts every ${net.family === 4 ? 'IPv4' : 'IPv6'} address: the jail bans nobody` });
      } else if (net.prefix < widest && !isLoopback(net)) {
        problems.push({ status: 'warn', text: `ignoreip ${formatIpNet(net)} (${at(ignoreip.origin)}) is wider than /${widest}` });
      }
    }
  }
  const status = worst(
    problems.map((x) => x.status),
    'pass',
  );
  const ok = `bantime ${bantime.kind === 'bad' ? '?' : formatSeconds(bantime.value)}${incrementOn ? ' (increment on)' : ''}, maxretry ${maxretry.kind === 'bad' ? '?' : maxretry.value}, findtime ${findtime.kind === 'bad' ? '?' : formatSeconds(findtime.value)}`;
  const summary = problems.length === 0 ? `${ok}: within policy` : problems.map((x) => x.text).join('; ');
  return { subject: jail, status, summary: oneLine(summary), evidence };
}

export const fail2banPolicyCheck: Check = guardedCheck({
  id: 'fail2ban.policy',
  area: 'fail2ban',
  title: 'fail2ban jails ban long enough and exempt little',
  severity: 'medium',
  watch: [`${CONF_DIR}/jail.conf`, `${CONF_DIR}/jail.local`, `${CONF_DIR}/jail.d`],
  interval: 300,
  timeoutMs: 20000,
  async run(host, ctx) {
    const skip = await notInstalled(fail2banPolicyCheck, host);
    if (skip) return skip;
    const state = await loadState(host, ctx.signal);
    const view = jailsView(state.config);
    if (view.kind === 'error') return finding(fail2banPolicyCheck, 'error', view.summary, view.evidence);
    if (view.kind === 'missing') return finding(fail2banPolicyCheck, 'skip', view.summary);
    const live = state.live.kind === 'up' ? state.live : null;
    const known = new Set(view.jails.map((j) => j.name));
    const active = live ? live.jails : view.jails.filter((j) => j.enabled).map((j) => j.name);
    const source = live ? 'running' : whyConfig(state.live);
    if (active.length === 0) return finding(fail2banPolicyCheck, 'skip', `no jail is active (${source})`);

    const items: Item[] = active.map((jail) =>
      known.has(jail) ? judgeJail(view.cfg, jail) : { subject: jail, status: 'info', summary: 'running but not in the configuration (added at run time): not judged', evidence: [] },
    );
    const status = worst(
      items.map((i) => i.status),
      'pass',
    );
    const bad = items.filter((i) => i.status === status && status !== 'pass' && status !== 'info');
    const summary =
      bad.length > 0
        ? `${bad.length} of ${items.length} jail(s): ${listSome(
            bad.map((i) => `[${i.subject}] ${i.summary}`),
            2,
          )}`
        : `${items.length} jail(s) within policy: ${listSome(
            items.map((i) => i.subject),
            6,
          )} (${source})`;
    const f = finding(fail2banPolicyCheck, status, summary, bad.flatMap((i) => i.evidence).slice(0, 12));
    f.items = items;
    return f;
  },
});
