// ssh.client.algorithms: the algorithms ssh offers — KexAlgorithms, Ciphers,
// MACs, HostKeyAlgorithms and the signature lists — judged with the server's
// weak lists (assets/policy/ssh.json). One item for the system-wide file
// (what every host gets, ssh's defaults included, plus every host-specific
// block that takes effect) and one per user ~/.ssh/config (what that file
// itself sets: it is read first, so it wins for that user).

import type { Check, Evidence, Item, Status } from '../../src/core/types';
import { hostOverrides, universalValue, whereApplies, type Located, type SshConfig } from '../../src/parse/ssh-config';
import { finding } from '../updates/finding';
import { SSH_CONFIG, userNames, type ClientDefaults, type ClientState } from './client-config';
import { clientCheck } from './client-check';
import { clientPolicy, weakList, type WeakListName } from './client-policy';
import { offer } from './fix-offer';
import { assembleAlgorithms, sshPolicy, weakReason } from './policy';
import { worst } from './server-check';
import { worstFirst } from './keys-judge';

interface WeakUse {
  option: string;
  where: string;
  names: { name: string; why: string }[];
  evidence: Evidence;
}

/** The weak names in a list, with why (the MACs' non-EtM twins included). */
export function weakNames(names: readonly string[], list: WeakListName): { name: string; why: string }[] {
  const out: { name: string; why: string }[] = [];
  for (const n of names) {
    const why = weakReason(weakList(list), n) ?? (list === 'macs' && sshPolicy.macs.etmTwins[n] ? `MAC-then-encrypt; ${sshPolicy.macs.etmTwins[n]} is the EtM form` : null);
    if (why !== null) out.push({ name: n, why });
  }
  return out;
}

export function defaultsOf(defaults: ClientDefaults, key: string): string[] {
  return (defaults.values[key] ?? '').split(',').filter((x) => x !== '');
}

/** Weak algorithms a config's lines make ssh offer (and, for the system file, its defaults where nothing is set). */
function judgeConfig(cfg: SshConfig, defaults: ClientDefaults, withDefaults: boolean): WeakUse[] {
  const uses: WeakUse[] = [];
  const view = { configs: [cfg] };
  for (const { keyword, weakList: list } of clientPolicy.algorithmOptions.entries) {
    const key = keyword.toLowerCase();
    const base = defaultsOf(defaults, key);
    const judge = (l: Located, where: string) => {
      const names = assembleAlgorithms(base, l.directive.args[0] ?? '');
      const weak = weakNames(names, list);
      if (weak.length > 0) uses.push({ option: keyword, where, names: weak, evidence: { file: l.directive.file, line: l.directive.line, text: l.directive.text } });
    };
    const global = universalValue(view, key);
    if (global) judge(global, `every host (${global.directive.file}:${global.directive.line})`);
    else if (withDefaults) {
      const weak = weakNames(base, list);
      if (weak.length > 0) uses.push({ option: keyword, where: `every host: not set, ssh's defaults (${defaults.label})`, names: weak, evidence: { file: cfg.main, text: `${keyword} not set for every host: the defaults of ${defaults.label} offer ${weak.map((w) => w.name).join(',')}` } });
    }
    for (const o of hostOverrides(view, key).effective) judge(o, `${whereApplies(o.config, o.directive)} (${o.directive.file}:${o.directive.line})`);
  }
  return uses;
}

function describeUse(u: WeakUse): string {
  const shown = u.names.slice(0, 3).map((n) => `${n.name} (${n.why})`).join(', ');
  const more = u.names.length > 3 ? ` and ${u.names.length - 3} more` : '';
  return `${u.option} for ${u.where}: ${shown}${more}`;
}

/** "a; b; +2 more": parts that hold commas of their own. */
function joinSome(parts: readonly string[], max: number): string {
  return parts.slice(0, max).join('; ') + (parts.length > max ? `; +${parts.length - max} more` : '');
}

function itemFor(subject: string, uses: WeakUse[], okText: string, extra: Evidence[] = []): Item {
  if (uses.length === 0) return { subject, status: 'pass', summary: okText, evidence: extra };
  return { subject, status: 'fail', summary: joinSome(uses.map(describeUse), 2), evidence: [...uses.map((u) => u.evidence), ...extra] };
}

function judgeState(state: Extract<ClientState, { kind: 'ok' }>): Item[] {
  const items: Item[] = [];
  const sys = judgeConfig(state.system, state.defaults, true);
  const sysOk = state.system.missing ? `no ${SSH_CONFIG}: ssh's defaults (${state.defaults.label}) offer nothing weak` : 'no weak algorithm offered to any host';
  items.push(itemFor(SSH_CONFIG, sys, sysOk, [state.defaults.source]));
  for (const u of state.users) {
    const who = userNames(u);
    if (u.problem) {
      items.push({ subject: u.path, status: u.problem.status, summary: `${u.problem.text} (${who})`, evidence: [{ file: u.path, text: u.problem.text }] });
      continue;
    }
    const cfg = u.config!;
    const fatal = cfg.problems.filter((p) => p.fatal);
    if (fatal.length > 0) {
      const p = fatal[0];
      items.push({ subject: u.path, status: 'error', summary: `ssh refuses it for ${who}: ${p.file}:${p.line}: ${p.message}`, evidence: fatal.map((x) => ({ file: x.file, line: x.line || undefined, text: x.message })) });
      continue;
    }
    items.push(itemFor(u.path, judgeConfig(cfg, state.defaults, false), `sets no weak algorithm (${who})`));
  }
  return items;
}

export const clientAlgorithmsCheck: Check = clientCheck({
  id: 'ssh.client.algorithms',
  title: 'SSH client offers only strong algorithms',
  severity: 'medium',
  judge(check, state) {
    const items = judgeState(state);
    const status: Status = worst(items.map((i) => i.status));
    const bad = worstFirst(items.filter((i) => i.status !== 'pass'));
    const users = items.length - 1;
    const scope = `${SSH_CONFIG}${users > 0 ? ` and ${users} user config${users === 1 ? '' : 's'}` : ''}`;
    const summary = bad.length === 0 ? `no weak algorithm in ${scope}` : joinSome(bad.map((i) => `${i.subject}: ${i.summary}`), 2);
    const evidence: Evidence[] = [state.defaults.source, ...items.filter((i) => i.subject !== SSH_CONFIG).map((i) => ({ file: i.subject, text: `user config read: ${i.status}` }))];
    if (state.accountsNote) evidence.push({ text: `user configs not read: ${state.accountsNote}` });
    const fixes = status === 'fail' || status === 'warn' ? offer('ssh.client.harden') : [];
    return { ...finding(check, status, summary, evidence, fixes), items };
  },
});
