// ssh.server.root-login, .password-auth, .kbd-interactive, .empty-passwords:
// one effective option each, judged with its file:line, the lines it beat
// (first value wins) and any Match block that sets it otherwise.

import type { Check, Evidence, Finding, Item, Status } from '../../src/core/types';
import { finding, listSome } from '../updates/finding';
import { offer } from './fix-offer';
import { describeValue, directiveEvidence, shadowedLines, valueEvidence, type ServerConfig } from './server-config';
import { serverCheck, worst } from './server-check';

interface Verdict {
  status: Status;
  why: string;
}

interface OptionRule {
  id: string;
  title: string;
  severity: Check['severity'];
  /** The keyword as admins write it. */
  name: string;
  key: string;
  judge(value: string, config: ServerConfig): Verdict;
}

/** How AuthenticationMethods lets a method be used: 'any' (not restricted), alone, only after another method, or never. */
export function methodUse(config: ServerConfig, method: 'password' | 'keyboard-interactive'): 'any' | 'alone' | 'second-factor' | 'never' {
  const v = config.get('authenticationmethods')?.value ?? 'any';
  if (v.trim().toLowerCase() === 'any' || v.trim() === '') return 'any';
  const lists = v.trim().split(/\s+/).map((l) => l.split(',').map((m) => m.split(':')[0].toLowerCase()));
  const using = lists.filter((l) => l.includes(method));
  if (using.length === 0) return 'never';
  return using.every((l) => l.some((m) => m !== method && m !== 'password' && m !== 'keyboard-interactive')) ? 'second-factor' : 'alone';
}

function authMethodsNote(config: ServerConfig, method: 'password' | 'keyboard-interactive', status: Status, why: string): Verdict {
  const use = methodUse(config, method);
  const am = config.get('authenticationmethods')?.value ?? 'any';
  if (use === 'never') return { status: 'warn', why: `${why}, but AuthenticationMethods ${am} never offers it: set it to no anyway` };
  if (use === 'second-factor') return { status: 'warn', why: `${why}, only as a second factor (AuthenticationMethods ${am})` };
  return { status, why };
}

const rootLogin: OptionRule = {
  id: 'ssh.server.root-login',
  title: 'SSH server refuses root logins',
  severity: 'high',
  name: 'PermitRootLogin',
  key: 'permitrootlogin',
  judge(value) {
    switch (value.toLowerCase()) {
      case 'no':
        return { status: 'pass', why: 'root cannot log in over SSH' };
      case 'prohibit-password':
        return { status: 'warn', why: 'root can still log in with a key' };
      case 'forced-commands-only':
        return { status: 'warn', why: 'root can log in with a key limited to a forced command' };
      case 'yes':
        return { status: 'fail', why: 'root can log in, with a password too' };
      default:
        return { status: 'error', why: `"${value}" is not a value sshd knows` };
    }
  },
};

const passwordAuth: OptionRule = {
  id: 'ssh.server.password-auth',
  title: 'SSH server refuses passwords',
  severity: 'high',
  name: 'PasswordAuthentication',
  key: 'passwordauthentication',
  judge(value, config) {
    if (value === 'no') return { status: 'pass', why: 'passwords are refused' };
    if (value === 'yes') return authMethodsNote(config, 'password', 'fail', 'passwords are accepted');
    return { status: 'error', why: `"${value}" is not yes or no` };
  },
};

const kbdInteractive: OptionRule = {
  id: 'ssh.server.kbd-interactive',
  title: 'SSH server refuses keyboard-interactive logins',
  severity: 'medium',
  name: 'KbdInteractiveAuthentication',
  key: 'kbdinteractiveauthentication',
  judge(value, config) {
    if (value === 'no') return { status: 'pass', why: 'keyboard-interactive is off' };
    if (value !== 'yes') return { status: 'error', why: `"${value}" is not yes or no` };
    const usePam = config.get('usepam')?.value;
    if (usePam === 'no') return { status: 'warn', why: 'keyboard-interactive is on but has nothing to ask without UsePAM: set it to no anyway' };
    return authMethodsNote(config, 'keyboard-interactive', 'fail', 'PAM can ask for a password through keyboard-interactive');
  },
};

const emptyPasswords: OptionRule = {
  id: 'ssh.server.empty-passwords',
  title: 'SSH server refuses empty passwords',
  severity: 'critical',
  name: 'PermitEmptyPasswords',
  key: 'permitemptypasswords',
  judge(value) {
    if (value === 'no') return { status: 'pass', why: 'accounts with an empty password cannot log in' };
    if (value === 'yes') return { status: 'fail', why: 'an account with an empty password can log in with no password at all' };
    return { status: 'error', why: `"${value}" is not yes or no` };
  },
};

const RANK: Record<Status, number> = { fail: 5, error: 4, warn: 3, info: 2, pass: 1, skip: 0 };

function judgeOption(rule: OptionRule, check: Check, config: ServerConfig): Finding {
  const v = config.get(rule.key);
  if (!v) return finding(check, 'error', `sshd -T printed no ${rule.key}: cannot tell what sshd uses`, [config.source]);
  const verdict = rule.judge(v.value, config);
  const evidence: Evidence[] = valueEvidence(config, rule.name, v);
  const notes: string[] = [];

  const shadowed = shadowedLines(config, v);
  if (shadowed.length > 0) {
    const lost = listSome(shadowed.map((d) => `${d.keyword} ${d.args.join(' ')} at ${d.file}:${d.line}`), 2);
    const inMatchAll = v.origin.kind === 'line' && v.origin.directive.match !== null;
    notes.push(inMatchAll ? `it overrides ${lost}: Match All applies to every connection` : `it wins over ${lost}: the first value counts`);
    evidence.push(...shadowed.map(directiveEvidence));
  }

  // A Match block can switch a setting back on for the connections it
  // singles out. Each block is evaluated for a connection that triggers it
  // (sshd -T -C, server-config.ts): an item per block that sets the option.
  const statuses: Status[] = [verdict.status];
  const items: Item[] = [];
  for (const e of config.matchEvaluations(rule.key)) {
    const own = e.block.directives.find((d) => d.key === rule.key);
    if (!own) continue;
    const subject = `${e.block.text} (${e.block.file}:${e.block.line})`;
    const blockEvidence: Evidence = { file: e.block.file, line: e.block.line, text: e.block.text };
    if (!e.spec || e.value === undefined) {
      items.push({ subject, status: 'info', summary: `sets ${own.keyword} ${own.args.join(' ')} at line ${own.line}, but ${e.cannot ?? 'its value could not be read'}`, evidence: [blockEvidence, directiveEvidence(own)] });
      continue;
    }
    const j = rule.judge(e.value, config);
    const from = e.directive ? `${e.directive.file}:${e.directive.line}` : `sshd -T -C (the line is not known to hardtop)`;
    const itemEvidence: Evidence[] = [blockEvidence];
    if (e.directive) itemEvidence.push(directiveEvidence(e.directive));
    itemEvidence.push(e.via === 'sshd -T -C' ? { command: e.command, text: `${rule.key} ${e.value}` } : { text: `hardtop's own evaluation for ${e.specShort}${e.viaNote ? `: ${e.viaNote}` : ''}` });
    items.push({ subject, status: j.status, summary: `${rule.name} ${e.value} for ${e.specShort} (${from}): ${j.why}`, evidence: itemEvidence });
    if (RANK[j.status] <= RANK[verdict.status]) continue;
    statuses.push(j.status);
    notes.push(`${e.block.text} (${e.block.file}:${e.block.line}) gives ${rule.name} ${e.value} (${from}) for the connections it matches, e.g. ${e.specShort}: ${j.why}`);
    evidence.push(...itemEvidence);
  }

  const status = worst(statuses);
  const summary = `${describeValue(rule.name, v)}: ${verdict.why}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`;
  const fixes = status === 'fail' || status === 'warn' ? offer('ssh.server.harden') : [];
  const f = finding(check, status, summary, evidence, fixes);
  if (items.length === 0) return f;
  const global: Item = { subject: 'every connection no Match block singles out', status: verdict.status, summary: `${describeValue(rule.name, v)}: ${verdict.why}`, evidence: valueEvidence(config, rule.name, v) };
  return { ...f, items: [global, ...items] };
}

function optionCheck(rule: OptionRule): Check {
  return serverCheck({ id: rule.id, title: rule.title, severity: rule.severity, judge: (check, config) => judgeOption(rule, check, config) });
}

export const rootLoginCheck = optionCheck(rootLogin);
export const passwordAuthCheck = optionCheck(passwordAuth);
export const kbdInteractiveCheck = optionCheck(kbdInteractive);
export const emptyPasswordsCheck = optionCheck(emptyPasswords);
